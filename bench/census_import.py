"""Census import benchmark: every sample day into a fresh database, against the csv-module floor.

    .venv/bin/python bench/census_import.py --database sqlite        # all 72 sample days
    .venv/bin/python bench/census_import.py --database postgresql    # needs PostgreSQL (see --pg-url)
    .venv/bin/python bench/census_import.py --scale small            # 10 days, well under a minute

The floor is reading the same files with gzip + the csv module and nothing else, measured in the same run
(before and after the import; the faster of the two counts). ``ratio_to_floor`` is how many times slower
the import is than that floor (target: at most 5). Memory is sampled after every day: it must stay flat as
days are added (the importer holds one day's file and the state of the people it knows, not the history).
The last line is one JSON object; ``--verify`` also proves the result with ``emerald import verify``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "nyc-doc-daily-inmates-in-custody"
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    """Current resident memory (not the peak)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def floor(files: list[Path]) -> tuple[int, float, float]:
    """Rows, wall seconds and CPU seconds of reading the files with gzip + csv and nothing else."""
    start, cpu = time.perf_counter(), time.process_time()
    rows = 0
    for path in files:
        with gzip.open(path, "rt", newline="") as fh:
            reader = csv.reader(fh)
            next(reader, None)
            for _row in reader:
                rows += 1
    return rows, time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--scale", choices=["small", "medium", "large", "full"], default="full")
    parser.add_argument("--data", default=str(DATA), help="folder of census files (default: the NYC sample)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL",
                                                           "postgres://postgres@127.0.0.1:5432/emerald_bench_census"),
                        help="PostgreSQL database to (re)create for the run")
    parser.add_argument("--verify", action="store_true", help="afterwards, run emerald import verify (not timed)")
    args = parser.parse_args()

    files = sorted(Path(args.data).rglob("*.csv.gz"))
    if args.scale == "small":
        files = [f for f in files if "2025-01" in str(f.parent)][:10] or files[:10]
    workdir = Path(tempfile.mkdtemp(prefix="emerald-bench-census-"))
    if args.database == "sqlite":
        os.environ.pop("EMERALD_DATABASE_URL", None)
        os.environ["EMERALD_SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    else:
        import psycopg

        name = args.pg_url.rsplit("/", 1)[1]
        admin_url = args.pg_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["EMERALD_DATABASE_URL"] = args.pg_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emerald.settings")
    # As a production install runs it: with DEBUG on, Django also times and keeps every SQL statement.
    os.environ.setdefault("EMERALD_DEBUG", "0")

    import django

    django.setup()
    from django.core.management import call_command

    from emerald.census.importer import import_actor, run_import, run_verify

    call_command("migrate", verbosity=0)
    actor = import_actor(None)

    floor_rows, floor_before, floor_cpu_before = floor(files)
    memory: list[float] = []
    load_before = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    report = run_import(actor=actor, paths=files, facility_code="NYC",
                        on_day=lambda f, counts: memory.append(rss_mb()))
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    load_after = os.getloadavg()[0]
    _rows, floor_after, floor_cpu_after = floor(files)
    floor_seconds = min(floor_before, floor_after)
    floor_cpu = min(floor_cpu_before, floor_cpu_after)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows_per_s = report.rows / seconds
    floor_rows_per_s = floor_rows / floor_seconds
    ratio = floor_rows_per_s / rows_per_s
    print(f"database: {args.database}; files: {len(files)}; days imported: {report.days}; rows: {report.rows}")
    print(f"people {report.people}, stays {report.stays}, releases {report.releases}, changes {report.changes}, "
          f"gaps {len(report.gaps)}, bad rows {len(report.bad_rows)}")
    print(f"import: {seconds:.2f} s = {rows_per_s:,.0f} rows/s; floor (gzip + csv): {floor_seconds:.2f} s = "
          f"{floor_rows_per_s:,.0f} rows/s; ratio to floor {ratio:.2f} (target <= 5)")
    print(f"CPU time of this process: import {cpu_seconds:.2f} s, floor {floor_cpu:.2f} s, ratio "
          f"{cpu_seconds / floor_cpu:.2f}" + (" (the PostgreSQL server's CPU is not included)"
                                             if args.database == "postgresql" else "")
          + f"; load average {load_before:.1f} before, {load_after:.1f} after")
    if memory:
        marks = sorted({0, len(memory) // 4, len(memory) // 2, 3 * len(memory) // 4, len(memory) - 1})
        print("resident memory after day " + ", ".join(f"{i + 1}: {memory[i]:.0f} MB" for i in marks)
              + f"; peak {peak_mb:.0f} MB")
    if args.verify:
        checks = run_verify(actor=actor, paths=files)
        bad = [c for c in checks if not c.ok]
        print(f"verify: {len(checks) - len(bad)} of {len(checks)} days: the roll at each census lists exactly "
              f"the file's people" + ("" if not bad else f"; FAILED: {[c.day for c in bad]}"))
    shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps({
        "bench": "census_import", "database": args.database, "days": report.days, "rows": report.rows,
        "seconds": round(seconds, 2), "rows_per_s": round(rows_per_s), "floor_rows_per_s": round(floor_rows_per_s),
        "ratio_to_floor": round(ratio, 2), "peak_mb": round(peak_mb, 1),
    }))


if __name__ == "__main__":
    main()
