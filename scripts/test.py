"""Run the whole test suite on SQLite, then on PostgreSQL when one is reachable (``make test``).

Environment:
  EMERALD_TEST_DATABASE_URL  PostgreSQL to test on (default postgres://postgres@127.0.0.1:5432/emerald;
                             the tests run in a database created for them, test_<name> unless this
                             URL names it).
  EMERALD_DATABASE_URL       used for the PostgreSQL run's connection when it is a postgres:// URL.
  EMERALD_REQUIRE_POSTGRES=1 fail when no PostgreSQL answers (CI sets it).
  CI=true                    fail when Chromium is missing instead of skipping the browser tests.
  EMERALD_TEST_SERIAL=1      run the two databases one after the other (default: side by side, one core each).
Arguments are passed to pytest (``make test ARGS="-k demo"``).

Prints one summary line per database and a total; exits non-zero if any run failed or ran no test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/emerald"


def truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def postgres_answers(url: str) -> str:
    """'' when a PostgreSQL server accepts us at ``url`` (its maintenance database), else why not."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        return f"psycopg is not installed ({exc})"
    try:
        # The test database does not exist yet: Django creates it from the maintenance database.
        with psycopg.connect(url, dbname="postgres", connect_timeout=3):
            return ""
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable" here
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def counts(junit: Path) -> dict[str, int]:
    """passed/failed/skipped from pytest's JUnit XML (errors count as failed)."""
    result = {"passed": 0, "failed": 0, "skipped": 0}
    if not junit.exists():
        return result
    root = ET.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    for suite in suites:
        tests = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        result["failed"] += failed
        result["skipped"] += skipped
        result["passed"] += max(0, tests - failed - skipped)
    return result


def start_pytest(label: str, env: dict[str, str], args: list[str], workdir: Path) -> dict:
    """Start one pytest run in the background, its output going to a log file (printed when it ends)."""
    junit = workdir / f"{label}.xml"
    log = workdir / f"{label}.log"
    cmd = [sys.executable, "-m", "pytest", f"--junitxml={junit}", "-o", "junit_family=xunit2", *args]
    print(f"=== {label}: started {' '.join(cmd[2:])}", flush=True)
    handle = open(log, "wb")  # noqa: SIM115 - closed in finish_pytest
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    return {"label": label, "proc": proc, "junit": junit, "log": log, "handle": handle,
            "started": time.monotonic()}


def finish_pytest(run: dict) -> dict:
    code = run["proc"].wait()
    run["handle"].close()
    minutes = (time.monotonic() - run["started"]) / 60
    print(f"\n=== {run['label']}: exit {code} after {minutes:.1f} min", flush=True)
    sys.stdout.write(run["log"].read_text(errors="replace"))
    sys.stdout.flush()
    result = {"label": run["label"], "code": code, **counts(run["junit"])}
    ran = result["passed"] + result["failed"]
    result["ok"] = code == 0 and ran > 0
    if code == 5 or (code == 0 and ran == 0):
        result["why"] = "pytest ran no test"
    elif code != 0:
        result["why"] = f"pytest exited with {code}"
    return result


def main(argv: list[str]) -> int:
    extra = list(argv)
    base_env = dict(os.environ)
    base_env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    notes: list[str] = []
    failures: list[str] = []
    current, test_url = base_env.get("EMERALD_DATABASE_URL", ""), base_env.get("EMERALD_TEST_DATABASE_URL", "")
    if is_postgres(current) and test_url and urlsplit(test_url).path == urlsplit(current).path:
        # Django drops and recreates the test database: never let it be the working one.
        print("ERROR: EMERALD_TEST_DATABASE_URL names the same database as EMERALD_DATABASE_URL; "
              "the tests would destroy it.", file=sys.stderr)
        return 2

    # Browser tests need Debian's Chromium; Playwright cannot download its own here.
    if not CHROMIUM.exists():
        if truthy("CI"):
            print(f"ERROR: {CHROMIUM} is missing and CI is set: the browser tests cannot run. "
                  "Install it (apt-get install chromium) - .ci/run does.", file=sys.stderr)
            return 2
        extra = ["-m", "not browser", *extra]
        notes.append(f"browser tests SKIPPED: {CHROMIUM} not found (sudo apt-get install chromium)")
        print(f"NOTE: {notes[-1]}", flush=True)

    results = []
    # The two databases run side by side (one core each) unless EMERALD_TEST_SERIAL=1: the suite takes about
    # as long as its slower half instead of the sum of both.
    serial = truthy("EMERALD_TEST_SERIAL")
    with tempfile.TemporaryDirectory(prefix="emerald-test-") as tmp:
        workdir = Path(tmp)
        sqlite_env = {k: v for k, v in base_env.items() if k != "EMERALD_DATABASE_URL"}
        # Keep the demo database (var/) out of reach: tests use their own in-memory SQLite.
        sqlite_env["EMERALD_SQLITE_PATH"] = str(workdir / "unused.sqlite3")
        runs = [start_pytest("sqlite", sqlite_env, extra, workdir)]
        if serial:
            results.append(finish_pytest(runs.pop()))

        probe = base_env.get("EMERALD_TEST_DATABASE_URL") or (current if is_postgres(current) else DEFAULT_PG)
        connect = current if is_postgres(current) else probe
        why_not = postgres_answers(connect) if is_postgres(connect) else f"not a PostgreSQL URL: {redact(connect)}"
        pg_result = None
        if why_not:
            message = f"no PostgreSQL at {redact(connect)} ({why_not})"
            if truthy("EMERALD_REQUIRE_POSTGRES"):
                failures.append(f"postgresql: REQUIRED but {message}")
            else:
                notes.append(f"postgresql run SKIPPED: {message}")
            pg_result = {"label": "postgresql", "skipped_run": True}
        else:
            pg_env = dict(base_env, EMERALD_DATABASE_URL=connect)
            pg_env.pop("EMERALD_SQLITE_PATH", None)
            # A fresh test database every time: migrations are part of what is tested.
            runs.append(start_pytest("postgresql", pg_env, ["--create-db", *extra], workdir))
        for run in runs:
            results.append(finish_pytest(run))
        if pg_result is not None:
            results.append(pg_result)

    print("\n=== Emerald test summary", flush=True)
    for note in notes:
        print(f"  note: {note}")
    total = {"passed": 0, "failed": 0, "skipped": 0}
    for r in results:
        if r.get("skipped_run"):
            print(f"{r['label']}: not run")
            continue
        for key in total:
            total[key] += r[key]
        status = "" if r["ok"] else f"  <- FAILED: {r.get('why', 'failures')}"
        print(f"{r['label']}: {r['passed']} passed, {r['failed']} failed, {r['skipped']} skipped{status}")
        if not r["ok"]:
            failures.append(f"{r['label']}: {r.get('why', 'failures')}")
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    sys.stderr.flush()
    print(f"total: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
