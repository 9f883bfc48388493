"""Roll benchmark: the live roll and the roll as of past moments, on ten years of generated history.

    .venv/bin/python bench/roll.py --scale small     # 3,000 people, 10 facilities: under a minute
    .venv/bin/python bench/roll.py                   # 150,000 people, 100 facilities, ~19 M placements
    .venv/bin/python bench/roll.py --reuse           # measure again on the database of the last run

PostgreSQL only. The run (re)creates its own database (default ``emerald_bench_roll_<scale>``, see --pg-url), migrates
it and never touches the development or test databases.

**This is a data generator, not a user of Emerald's services.** Writing tens of millions of placements through
``person_admit``/``placement_move`` (one audited transaction each) would take days, so the history is written
with ``COPY`` (psycopg ``cursor.copy``) straight into the real tables: ``people_person``, ``people_stay``,
``housing_placement`` and the facility tables. Foreign-key triggers are switched off for the load
(``session_replication_role = replica``); check constraints and unique indexes still apply, so the open
placements obey "one per person" and "one per bed". The secondary indexes of ``housing_placement`` are dropped
before the load and re-created from their own definitions afterwards (faster than maintaining them row by row).
Historical placements pick any bed of the person's facility (past bed sharing is not checked: the roll counts
people per unit); the open placements give every person in custody a bed of their own.

What is measured (each a p95 over random moments, the same moments for every method):

- live roll: ``emerald.movements.selectors.live_roll`` (per unit: beds, occupied, in cell, out, free, over
  certified capacity) — target < 100 ms;
- as-of roll: ``emerald.movements.selectors.roll_as_of(at=)`` (per unit occupancy at a past moment, from the
  placement history) — target < 500 ms;
- naive replay: sum every placement start (+1) and end (-1) up to the moment, per unit, over the whole history
  (what a system without an interval index does). The run prints the ratio naive / as-of and checks that the
  two agree unit by unit at every sampled moment, and that the live roll agrees with the replay to now.

Also printed, for information: ``emerald.housing.selectors.roll(at=)`` (the API's roll, which lists every
person's inmate number), at a few moments.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCALES = {
    # people, facilities, units per facility, cells per unit (2 beds each), mean days between moves
    "small": (3_000, 10, 4, 40, 60.0),
    "medium": (30_000, 20, 10, 80, 25.0),
    "full": (150_000, 100, 10, 80, 20.0),
}
END = datetime(2026, 11, 1, tzinfo=UTC)  # "now" of the generated history (fixed: same seed, same data)
YEAR = 365.25 * 86400


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def ts(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d %H:%M:%S+00")


class Copier:
    """Rows for ``COPY table (columns) FROM STDIN`` (text format).

    A connection runs one COPY at a time: small tables are buffered and copied with :meth:`close`; the one
    streamed table (the placements) is given ``cur`` and written every 20,000 rows.
    """

    def __init__(self, cur, table: str, columns: list[str], stream: bool = False):
        self.cur, self.sql = cur, f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        self.cm = cur.copy(self.sql) if stream else None
        self.copy = self.cm.__enter__() if self.cm is not None else None
        self.buf = io.StringIO()
        self.n = 0

    def row(self, *values) -> None:
        self.buf.write("\t".join("\\N" if v is None else str(v) for v in values))
        self.buf.write("\n")
        self.n += 1
        if self.copy is not None and self.n % 20000 == 0:
            self.copy.write(self.buf.getvalue())
            self.buf = io.StringIO()

    def close(self) -> None:
        if self.copy is None:
            with self.cur.copy(self.sql) as copy:
                copy.write(self.buf.getvalue())
        else:
            self.copy.write(self.buf.getvalue())
            self.cm.__exit__(None, None, None)
        self.buf = io.StringIO()


def generate(conn, *, people: int, facilities: int, units_per: int, cells_per: int, move_days: float,
             years: float, seed: int) -> dict:
    """Write the facilities, people, stays and placements. Returns counts."""
    rng = random.Random(seed)
    start_epoch = END.timestamp() - years * YEAR
    end_epoch = END.timestamp()
    created = ts(start_epoch - 86400)
    with conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        # Drop the placement table's secondary indexes (kept: its primary key); re-created after the load.
        cur.execute("""SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
                       JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                       WHERE t.relname = 'housing_placement' AND NOT x.indisprimary""")
        index_defs = cur.fetchall()
        for name, _ in index_defs:
            cur.execute(f'DROP INDEX "{name}"')

        fac = Copier(cur, "facilities_facility", ["id", "code", "name", "timezone"])
        unit = Copier(cur, "facilities_unit", ["id", "facility_id", "code", "name", "kind", "security_level", "status"])
        cell = Copier(cur, "facilities_cell", ["id", "unit_id", "code", "certified_capacity", "in_service",
                                               "out_of_service_reason", "accessible", "single_occupancy"])
        bed = Copier(cur, "facilities_bed", ["id", "cell_id", "number", "bunk", "in_service"])
        beds_of: list[list[tuple[int, int, int]]] = []  # per facility: (bed, cell, unit)
        uid = cid = bid = 0
        for f in range(1, facilities + 1):
            fac.row(f, f"F{f:03d}", f"Bench facility {f}", "America/New_York")
            fb: list[tuple[int, int, int]] = []
            for u in range(1, units_per + 1):
                uid += 1
                unit.row(uid, f, f"U{u:02d}", f"Unit {u}", "general_population", "maximum", "open")
                for c in range(1, cells_per + 1):
                    cid += 1
                    cell.row(cid, uid, f"F{f:03d}-U{u:02d}-{c:03d}", 2, "t", "", "f", "f")
                    for n, bunk in ((1, "lower"), (2, "upper")):
                        bid += 1
                        bed.row(bid, cid, n, bunk, "t")
                        fb.append((bid, cid, uid))
            beds_of.append(fb)
        for c in (fac, unit, cell, bed):
            c.close()

        person = Copier(cur, "people_person", [
            "id", "inmate_number", "first_name", "last_name", "date_of_birth", "sex", "gender_identity",
            "custody_level", "status", "sealed", "search_key", "search_compact", "created_at"])
        stay = Copier(cur, "people_stay", [
            "id", "person_id", "admitted_at", "admission_reason", "admitted_by_id", "released_at", "release_reason",
            "release_kind", "released_by_id"])
        plc = Copier(cur, "housing_placement", [
            "id", "person_id", "bed_id", "cell_id", "unit_id", "kind", "start_at", "end_at", "reason",
            "ordered_by_id", "override_reason", "end_reason", "ended_by_id"], stream=True)
        per_fac = people // facilities
        pid = sid = plid = 0
        mean_move = move_days * 86400
        t0 = time.perf_counter()
        for f in range(facilities):
            fb = beds_of[f]
            for slot in range(per_fac):
                pid += 1
                # Stays: in custody most of the time, with the odd release and return.
                t = start_epoch + (0 if rng.random() < 0.6 else rng.random() * 2 * YEAR)
                status = "not_admitted"
                while t < end_epoch:
                    release = t + rng.expovariate(1 / (4 * YEAR))
                    released = release < end_epoch
                    sid += 1
                    stay.row(sid, pid, ts(t), "bench", None, ts(release) if released else None, "bench" if released
                             else "", "released" if released else "", None)
                    first = True
                    limit = release if released else end_epoch  # no placement starts after "now"
                    while True:
                        nxt = t + rng.expovariate(1 / mean_move) + 60
                        closing = nxt >= limit
                        plid += 1
                        kind = "admission" if first else "move"
                        if closing and not released:
                            b = fb[slot]  # the open placement: a bed of one's own
                            plc.row(plid, pid, b[0], b[1], b[2], kind, ts(t), None, "bench", None, "", "", None)
                        else:
                            end = release if closing else nxt
                            b = fb[rng.randrange(len(fb))]
                            plc.row(plid, pid, b[0], b[1], b[2], kind, ts(t), ts(end), "bench", None, "", "bench",
                                    None)
                            t = end
                        first = False
                        if closing:
                            break
                    if not released:
                        status = "in_custody"
                        break
                    status = "released"
                    t = release + rng.expovariate(1 / YEAR)
                person.row(pid, f"B{pid:07d}", "Bench", f"Person{pid}", None, "male", "", "maximum", status, "f",
                           "", "", created)
            if (f + 1) % max(1, facilities // 10) == 0:
                print(f"  generated {f + 1}/{facilities} facilities, {plid:,} placements "
                      f"({time.perf_counter() - t0:.0f} s)", flush=True)
        for c in (plc, person, stay):
            c.close()
        cur.execute("SET session_replication_role = DEFAULT")
        for name, sql in index_defs:
            t1 = time.perf_counter()
            cur.execute(sql)
            print(f"  index {name}: {time.perf_counter() - t1:.1f} s", flush=True)
        for table in ("facilities_facility", "facilities_unit", "facilities_cell", "facilities_bed", "people_person",
                      "people_stay", "housing_placement"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    conn.commit()
    return {"people": pid, "placements": plid, "stays": sid, "units": uid, "beds": bid}


def naive_replay(cur, at: datetime) -> dict[int, int]:
    """Per unit occupancy at ``at`` by replaying the whole history: +1 per start, -1 per end, up to ``at``."""
    cur.execute("""SELECT unit_id, SUM(d)::int FROM (
                     SELECT unit_id, 1 AS d FROM housing_placement WHERE start_at <= %(at)s
                     UNION ALL
                     SELECT unit_id, -1 AS d FROM housing_placement WHERE end_at <= %(at)s) e
                   GROUP BY unit_id""", {"at": at})
    return {u: n for u, n in cur.fetchall() if n}


def _admin(url: str) -> tuple[str, str]:
    return url.rsplit("/", 1)[1], url.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"


def _disk_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def create_database(url: str) -> bool:
    """(Re)create the bench database, empty and migrated. Returns True if it still needs ``migrate``.

    Migrating ~30 apps costs most of a small run, so a migrated empty copy is kept as a template database
    (``<name>_template``) and cloned while the migrations on disk are the ones it was made with.
    """
    import psycopg

    name, admin = _admin(url)
    template = f"{name}_template"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        has_template = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
        if has_template:
            with psycopg.connect(url.replace("postgres://", "postgresql://").rsplit("/", 1)[0] + f"/{template}") as t:
                applied = set(t.execute("SELECT app, name FROM django_migrations").fetchall())
            if applied == _disk_migrations():
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                return False
        conn.execute(f'CREATE DATABASE "{name}"')
    return True


def save_template(url: str) -> None:
    """Keep the freshly migrated, still empty database as the template of the next runs."""
    import psycopg
    from django.db import connection

    connection.close()
    name, admin = _admin(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}_template"')
        conn.execute(f'CREATE DATABASE "{name}_template" TEMPLATE "{name}"')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", choices=sorted(SCALES), default="full")
    ap.add_argument("--people", type=int, default=None)
    ap.add_argument("--facilities", type=int, default=None)
    ap.add_argument("--years", type=float, default=10.0)
    ap.add_argument("--move-days", type=float, default=None, help="mean days between a person's moves")
    ap.add_argument("--samples", type=int, default=None, help="random past moments for the as-of roll")
    ap.add_argument("--naive-samples", type=int, default=None, help="of those, how many the naive replay answers")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", ""),
                    help="database to (re)create; default postgres://postgres@127.0.0.1:5432/emerald_bench_roll_<scale>")
    ap.add_argument("--reuse", action="store_true", help="measure the database of the last run again (no generation)")
    args = ap.parse_args()
    args.pg_url = args.pg_url or f"postgres://postgres@127.0.0.1:5432/emerald_bench_roll_{args.scale}"
    people, facilities, units_per, cells_per, move_days = SCALES[args.scale]
    people = args.people or people
    facilities = args.facilities or facilities
    move_days = args.move_days or move_days
    samples = args.samples or (20 if args.scale == "small" else 40)
    naive_samples = args.naive_samples or (10 if args.scale == "small" else 10)
    print(f"roll bench: scale={args.scale} people={people} facilities={facilities} years={args.years} "
          f"move every ~{move_days} days, seed {args.seed}; database {args.pg_url}", flush=True)

    started = time.perf_counter()
    os.environ["EMERALD_DATABASE_URL"] = args.pg_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emerald.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    needs_migrate = True if args.reuse else create_database(args.pg_url)

    from emerald.accounts.models import User
    from emerald.housing.models import Placement
    from emerald.people.models import Person

    if needs_migrate:  # with --reuse: migrations added since the last run
        call_command("migrate", verbosity=0)
        if not args.reuse:
            save_template(args.pg_url)
    if not args.reuse:
        t = time.perf_counter()
        connection.ensure_connection()
        counts = generate(connection.connection, people=people, facilities=facilities, units_per=units_per,
                          cells_per=cells_per, move_days=move_days, years=args.years, seed=args.seed)
        print(f"generated {counts['people']:,} people, {counts['stays']:,} stays, {counts['placements']:,} placements, "
              f"{counts['units']:,} units, {counts['beds']:,} beds in {time.perf_counter() - t:.0f} s", flush=True)
        t = time.perf_counter()
        with connection.cursor() as cur:
            for table in ("housing_placement", "people_person", "people_stay", "facilities_bed", "facilities_cell",
                          "facilities_unit"):
                cur.execute(f"VACUUM ANALYZE {table}")
        print(f"vacuum analyze: {time.perf_counter() - t:.0f} s", flush=True)
    actor = User.objects.filter(username="bench").first()
    if actor is None:
        actor = User(username="bench", role="auditor", first_name="Bench")
        actor.set_unusable_password()
        actor.save()
    n_people = Person.objects.count()
    n_placements = Placement.objects.count()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('housing_placement'))")
        size = cur.fetchone()[0]
    print(f"database: {n_people:,} people, {n_placements:,} placements (housing_placement with indexes: {size})")

    from emerald.core import clock
    from emerald.housing.selectors import roll as api_roll
    from emerald.movements.selectors import live_roll, roll_as_of

    rng = random.Random(args.seed + 7)
    first = Placement.objects.order_by("start_at").values_list("start_at", flat=True).first()
    moments = sorted(first + timedelta(seconds=rng.random() * (END - first).total_seconds()) for _ in range(samples))
    with clock.frozen_at(END):
        live_roll(actor=actor)  # warm-up (the first query of a connection pays for catalog lookups)
        live_times = []
        for _ in range(samples):
            t = time.perf_counter()
            live = live_roll(actor=actor)
            live_times.append(time.perf_counter() - t)
        asof_times, asof = [], {}
        for at in moments:
            t = time.perf_counter()
            rows = roll_as_of(actor=actor, at=at)
            asof_times.append(time.perf_counter() - t)
            asof[at] = {r.unit_id: r.occupied for r in rows if r.occupied}
        naive_times, agree, checked = [], True, 0
        with connection.cursor() as cur:
            for at in rng.sample(moments, min(naive_samples, len(moments))) + [END]:
                t = time.perf_counter()
                replay = naive_replay(cur, at)
                if at != END:
                    naive_times.append(time.perf_counter() - t)
                    got = asof[at]
                else:
                    got = {r.unit_id: r.occupied for r in live if r.occupied}
                checked += 1
                if got != replay:
                    agree = False
                    diff = sorted(set(got.items()) ^ set(replay.items()))[:5]
                    print(f"DISAGREE at {at.isoformat()}: first differences (unit, occupied) {diff}")
        api_times = []
        for at in moments[:3]:
            t = time.perf_counter()
            api_roll(actor=actor, at=at)
            api_times.append(time.perf_counter() - t)
    live_p95, asof_p95, naive_p95 = p95(live_times) * 1000, p95(asof_times) * 1000, p95(naive_times) * 1000
    print(f"live roll ({len(live)} units): p50 {statistics.median(live_times) * 1000:.1f} ms, p95 {live_p95:.1f} ms "
          f"(target < 100 ms)")
    print(f"as-of roll at {samples} random moments: p50 {statistics.median(asof_times) * 1000:.1f} ms, p95 "
          f"{asof_p95:.1f} ms (target < 500 ms)")
    print(f"naive replay at {len(naive_times)} of those moments: p95 {naive_p95:.0f} ms; ratio naive / as-of "
          f"{naive_p95 / max(asof_p95, 1e-9):.1f}x; agree at {checked} moments (incl. now): {agree}")
    print(f"API roll listing every inmate number (housing.selectors.roll(at=)), {len(api_times)} moments: "
          f"max {max(api_times) * 1000:.0f} ms (information only)")
    print(f"total {time.perf_counter() - started:.0f} s")
    print(json.dumps({"bench": "roll", "people": n_people, "placements": n_placements,
                      "live_p95_ms": round(live_p95, 1), "asof_p95_ms": round(asof_p95, 1),
                      "naive_asof_p95_ms": round(naive_p95, 1), "agree": agree}))


if __name__ == "__main__":
    main()
