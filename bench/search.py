"""Person search benchmark: a million people, misspelled queries with known targets, against plain substring.

    .venv/bin/python bench/search.py                      # 1,000,000 people on PostgreSQL (generation: minutes)
    .venv/bin/python bench/search.py --reuse              # same people, if the database already holds them
    .venv/bin/python bench/search.py --scale small        # 50,000 people, 200 queries: well under a minute

People get a real first name and surname (Faker's lists for 18 locales: accents, apostrophes, compound
names) and 1-3 aliases (another spelling, another first name, a wholly other name), inserted with COPY; the
trigram indexes are rebuilt afterwards.
Each query targets one person with a unique name and misspells it once or twice: a letter dropped, doubled,
swapped with its neighbour or replaced, an apostrophe dropped or typographic, a space added or removed;
sometimes the first name is left out or the alias is asked for instead. recall@10 = share of queries whose
target is among the first ten results. The baseline is a plain case-insensitive substring search (ILIKE on
the full name and the aliases), run in the same run on the first ``--baseline-queries`` (200) of the same
queries: it scans the whole table every time. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Real first names and surnames from Faker's locale lists (a dev dependency), so that spellings, lengths,
# accents (Núñez, Dvořák, Kovács) and apostrophes (O'Brien) are those of real people. Each person comes from
# one locale, weighted roughly like a North American jail population.
LOCALES = {"en_US": 40, "es_MX": 12, "es_ES": 4, "en_IE": 6, "ga_IE": 2, "en_GB": 6, "it_IT": 5, "de_DE": 4,
           "fr_FR": 3, "pt_BR": 3, "nl_NL": 2, "pl_PL": 2, "cs_CZ": 2, "hu_HU": 1, "tr_TR": 2, "sv_SE": 2,
           "fi_FI": 1, "ro_RO": 1}


def name_lists() -> dict[str, tuple[list[str], list[str]]]:
    import importlib

    lists = {}
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        firsts, lasts = (getattr(provider, attr, ()) for attr in ("first_names", "last_names"))
        firsts = sorted(firsts.keys() if isinstance(firsts, dict) else set(firsts))
        lasts = sorted(lasts.keys() if isinstance(lasts, dict) else set(lasts))
        if len(lasts) < 20:  # a locale without real surnames in Faker (pl_PL has only "Doe")
            lasts = lists.get("en_US", ([], []))[1]
        lists[locale] = (firsts, lasts)
    return lists


def misspell(word: str, rng: random.Random) -> str:
    """One realistic slip: drop, double, swap, replace, apostrophe or spacing."""
    letters = [i for i, ch in enumerate(word) if ch.isalpha()]
    if len(letters) < 5:
        return word  # short names are rarely misspelt, and one slip in four letters leaves little to find
    kind = rng.choice(["drop", "double", "swap", "replace", "replace", "apostrophe", "space"])
    i = rng.choice(letters[1:-1])
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap" and word[i + 1:i + 2].isalpha():
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "apostrophe" and "'" in word:
        return word.replace("'", rng.choice(["", "’", " "]))
    if kind == "space" and " " in word.strip():
        return word.replace(" ", "", 1)
    if kind == "space":
        return word[:i] + " " + word[i:]
    vowels = "aeiou"
    ch = word[i].lower()
    repl = rng.choice([v for v in vowels if v != ch]) if ch in vowels else rng.choice("bcdfghklmnprstvz")
    return word[:i] + repl + word[i + 1:]


def generate(n: int, seed: int):
    """Yield (number, first, last, dob, sex, aliases) for n people."""
    rng = random.Random(seed)
    lists = name_lists()
    locales = list(LOCALES)
    cum = list(itertools.accumulate(LOCALES[k] for k in locales))
    start = date(1940, 1, 1)
    for i in range(n):
        firsts, lasts = lists[rng.choices(locales, cum_weights=cum)[0]]
        first, last = rng.choice(firsts), rng.choice(lasts)
        aliases = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            roll = rng.random()
            if roll < 0.4:
                aliases.append(f"{first} {misspell(last, rng)}")  # another spelling on another document
            elif roll < 0.7:
                aliases.append(f"{rng.choice(firsts)} {last}")  # a street name or a second first name
            else:
                other = lists[rng.choices(locales, cum_weights=cum)[0]]
                aliases.append(f"{rng.choice(other[0])} {rng.choice(other[1])}")  # a wholly other name
        yield (f"B{i:07d}", first, last, start + timedelta(days=rng.randrange(23_000)), rng.choice("MMMMMMF"),
               sorted(set(aliases) - {f"{first} {last}"}))


def populate(n: int, seed: int) -> None:
    """Fill people_person and people_alias with COPY (bulk, not services: this is a benchmark fixture)."""
    from django.db import connection

    from emerald.core.text import compact, fold

    now = datetime.now(UTC)
    with connection.cursor() as cur:
        raw = cur.cursor
        cur.execute("TRUNCATE people_alias, people_person RESTART IDENTITY CASCADE")
        cur.execute("DROP INDEX IF EXISTS person_search_key_trgm")
        cur.execute("DROP INDEX IF EXISTS person_search_compact_trgm")
        t = time.perf_counter()
        with raw.copy("COPY people_person (id, inmate_number, first_name, last_name, date_of_birth, sex, "
                      "gender_identity, custody_level, status, sealed, search_key, search_compact, created_at) "
                      "FROM STDIN") as people, io.StringIO() as _unused:
            aliases_rows = []
            for pk, (number, first, last, dob, sex, aliases) in enumerate(generate(n, seed), start=1):
                names = [f"{first} {last}", *aliases]
                people.write_row((pk, number, first, last, dob, "male" if sex == "M" else "female", "", "medium",
                                  "in_custody", False, " | ".join(fold(x) for x in names),
                                  " | ".join(compact(x) for x in names), now))
                aliases_rows.extend((pk, a) for a in aliases)
        with raw.copy("COPY people_alias (person_id, name) FROM STDIN") as copy:
            for row in aliases_rows:
                copy.write_row(row)
        print(f"inserted {n:,} people and {len(aliases_rows):,} aliases in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("CREATE INDEX person_search_key_trgm ON people_person USING gin (search_key gin_trgm_ops)")
        cur.execute("CREATE INDEX person_search_compact_trgm ON people_person USING gin (search_compact gin_trgm_ops)")
        cur.execute("VACUUM ANALYZE people_person")
        cur.execute("VACUUM ANALYZE people_alias")
        print(f"built the trigram indexes in {time.perf_counter() - t:.1f} s")


def queries(n: int, count: int, seed: int) -> list[tuple[str, str, str]]:
    """(query, target inmate number, kind) for people whose full name is unique."""
    rng = random.Random(seed + 1)
    people = {}
    full_count: dict[str, int] = {}
    from emerald.core.text import fold

    wanted = set(rng.sample(range(n), min(n, count * 3)))
    for i, (number, first, last, _dob, _sex, aliases) in enumerate(generate(n, seed)):
        key = fold(f"{first} {last}")
        full_count[key] = full_count.get(key, 0) + 1
        if i in wanted:
            people[number] = (first, last, aliases, key)
    out = []
    for number, (first, last, aliases, key) in people.items():
        if full_count[key] > 1:
            continue
        kind = rng.random()
        if kind < 0.55:
            q, k = f"{first} {misspell(last, rng)}", "full name, surname misspelt"
        elif kind < 0.7:
            q, k = f"{misspell(first, rng)} {last}", "full name, first name misspelt"
        elif kind < 0.75:
            q, k = f"{misspell(first, rng)} {misspell(last, rng)}", "full name, both misspelt"
        elif kind < 0.85:
            q, k = f"{misspell(last, rng)} {first}", "surname first, misspelt"
        elif kind < 0.95 and aliases:
            a = rng.choice(aliases)
            parts = a.split(" ", 1)
            q, k = f"{parts[0]} {misspell(parts[1], rng)}" if len(parts) > 1 else misspell(a, rng), "alias, misspelt"
        else:
            q, k = f"{first} {last}".replace("'", "’").replace(" ", "  ").upper(), "full name, other case/apostrophe"
        out.append((q, number, k))
        if len(out) >= count:
            break
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=["small", "medium", "large", "full"], default="full")
    parser.add_argument("--people", type=int, default=0, help="default 1,000,000 (small: 50,000)")
    parser.add_argument("--queries", type=int, default=0, help="default 1,000 (small: 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the people already in the database if the count fits")
    parser.add_argument("--baseline-queries", type=int, default=200,
                        help="how many of the queries the substring baseline runs (it scans the table: ~1 s each "
                             "at a million people)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL",
                                                           "postgres://postgres@127.0.0.1:5432/emerald_bench_search"))
    args = parser.parse_args()
    n = args.people or (50_000 if args.scale == "small" else 1_000_000)
    count = args.queries or (200 if args.scale == "small" else 1000)

    import psycopg

    name = args.pg_url.rsplit("/", 1)[1]
    admin_url = args.pg_url.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["EMERALD_DATABASE_URL"] = args.pg_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emerald.settings")
    # As a production install runs it: with DEBUG on, Django also times and keeps every SQL statement.
    os.environ.setdefault("EMERALD_DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q, Value
    from django.db.models.functions import Concat

    from emerald.accounts.models import Role, User
    from emerald.people.models import Person
    from emerald.people.selectors import person_search

    call_command("migrate", verbosity=0)
    have = Person.objects.count()
    if not (args.reuse and have == n):
        populate(n, args.seed)
    else:
        print(f"reusing {have:,} people")
    actor = User.objects.filter(username="bench-search").first() or User.objects.create(
        username="bench-search", role=Role.ADMINISTRATOR)

    t = time.perf_counter()
    asked = queries(n, count, args.seed)
    print(f"{len(asked)} queries generated in {time.perf_counter() - t:.1f} s, e.g. "
          + "; ".join(f"{q!r}" for q, _n, _k in asked[:5]))

    def run(fn, asked: list[tuple[str, str, str]]) -> tuple[list[float], float, dict[str, list[int]]]:
        times, hits, by_kind = [], 0, {}
        for q, target, kind in asked:
            start = time.perf_counter()
            found = fn(q)
            times.append((time.perf_counter() - start) * 1000)
            ok = target in found
            hits += ok
            by_kind.setdefault(kind, [0, 0])
            by_kind[kind][0] += ok
            by_kind[kind][1] += 1
        return times, hits / len(asked), by_kind

    def emerald(q: str) -> list[str]:
        return [p.inmate_number for p in person_search(actor=actor, q=q)[:10]]

    def substring(q: str) -> list[str]:
        # The search a plain system offers: case-insensitive "contains" on the name and the aliases.
        qs = (Person.objects.annotate(full=Concat("first_name", Value(" "), "last_name"))
              .filter(Q(full__icontains=q) | Q(aliases__name__icontains=q)).distinct().order_by("inmate_number"))
        return list(qs.values_list("inmate_number", flat=True)[:10])

    for q, _t, _k in asked[:20]:  # warm the caches the same way for both
        emerald(q)
    times, recall, by_kind = run(emerald, asked)
    base_times, base_recall, _bk = run(substring, asked[: args.baseline_queries])
    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_relation_size('person_search_key_trgm')), "
                    "pg_size_pretty(pg_relation_size('person_search_compact_trgm'))")
        sizes = cur.fetchone()
    print(f"people {n:,}; queries {len(asked)}; trigram indexes {sizes[0]} + {sizes[1]}")
    print(f"emerald search:   p50 {statistics.median(times):.1f} ms, p95 {pct(times, 0.95):.1f} ms, "
          f"max {max(times):.1f} ms, recall@10 {recall:.3f}")
    for kind, (ok, total) in sorted(by_kind.items()):
        print(f"    {kind}: {ok}/{total}")
    print(f"substring (ILIKE), first {len(base_times)} queries: p50 {statistics.median(base_times):.1f} ms, "
          f"p95 {pct(base_times, 0.95):.1f} ms, recall@10 {base_recall:.3f}")
    print(json.dumps({
        "bench": "search", "people": n, "queries": len(asked), "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(pct(times, 0.95), 1), "recall_at_10": round(recall, 3),
        "baseline_p95_ms": round(pct(base_times, 0.95), 1), "baseline_recall_at_10": round(base_recall, 3),
    }))


if __name__ == "__main__":
    main()
