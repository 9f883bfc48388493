"""Load benchmark: concurrent staff sessions against the production server setup on PostgreSQL.

    .venv/bin/python bench/load.py                  # 100 staff sessions for 60 s
    .venv/bin/python bench/load.py --scale small    # 30 sessions for 15 s (make bench)
    .venv/bin/python bench/load.py --users 100 --seconds 60 --workers 4

The server is what docs/deployment.md describes: gunicorn (``--workers``, 2 threads each) with
EMERALD_DEBUG=0, the database cache for rate limits and sessions in the database, on a PostgreSQL
database of this machine (default postgres://postgres@127.0.0.1:5432/emerald_bench_load, created
and filled with the Oz demo on first use, reused after; ``--fresh`` starts it again). Every request
carries ``X-Forwarded-Proto: https`` as the TLS-terminating proxy would, so secure cookies and HSTS
behave as in production. Traffic goes to 127.0.0.1 only and stops by itself.

Each session signs in through the real sign-in page (wardens also give their TOTP code), then
loops over a staff mix with think time (``--think``, default 2-8 s between clicks):

- 30 % the roll (the front page),
- 20 % a person search (a few letters of a surname),
- 25 % a person's page,
- 10 % a unit board,
- 10 % the movements counts page (if that area exists; else the roll),
-  5 % a move through the API (officers and wardens, with their own scoped token).

Sign-ins are timed apart and are not in the percentiles (a password check costs ~0.3 s of CPU by
design), nor are the clicks of the first ``--warmup`` seconds (default 10; small: 3), while
connections open and every session makes its first click at once; ``per_period`` in
bench/out/load.json shows every period, warm-up included. A 409 answer to a move (cell full, keep-apart) is a business answer, not an error; errors
are transport failures, 5xx and any other unexpected status. Last line: one JSON object
``{"bench": "load", "users", "requests", "p50_ms", "p95_ms", "p99_ms", "errors", ...}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from base64 import b32encode
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/emerald_bench_load"
PASSWORD = "bench-load-password-1"
MIX = [("roll", 30), ("search", 20), ("person", 25), ("unit", 10), ("counts", 10), ("move", 5)]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def server_env(url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMERALD_")}
    env.update(EMERALD_DATABASE_URL=url, EMERALD_DEBUG="0", EMERALD_SECRET_KEY=secrets.token_urlsafe(64),
               EMERALD_ALLOWED_HOSTS="127.0.0.1", EMERALD_CACHE="database", PYTHONDONTWRITEBYTECODE="1")
    return env


def ensure_database(url: str, fresh: bool) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(url: str, users: int) -> dict[str, Any]:
    """Migrate, load the Oz demo once, and make the bench staff (in this process, against ``url``)."""
    os.environ["EMERALD_DATABASE_URL"] = url
    os.environ["EMERALD_CACHE"] = "database"  # as the server: createcachetable must see the database cache
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emerald.settings")
    import django

    django.setup()
    from django.core.management import call_command

    log("migrating (once per database)")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    from emerald.demo import oz

    if not oz.is_loaded():
        log("loading the Oz demo (once per database; a few minutes)")
        oz.load(force=True)
    from emerald.accounts.models import User
    from emerald.accounts.services import user_create
    from emerald.facilities.models import Cell, Unit
    from emerald.facilities.services import unit_assign_manager
    from emerald.people.models import Person
    from emerald.security.otp import confirmed_totp
    from emerald.security.services import otp_enrol_known_secret, token_create

    admin = User.objects.get(username="admin")
    staff = []
    ec = Unit.objects.filter(code="EC").first()
    for i in range(users):
        username = f"load{i:03d}"
        role = "warden" if i % 10 == 0 else "unit_manager" if i % 10 == 1 else "officer"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(actor=admin, username=username, password=PASSWORD, role=role, check_password=False)
            if role == "unit_manager" and ec is not None:
                unit_assign_manager(actor=admin, unit=ec, manager=user)
        secret = None
        if role == "warden":
            device = confirmed_totp(user)
            if device is None:
                secret = b32encode(secrets.token_bytes(20)).decode()
                otp_enrol_known_secret(actor=admin, user=user, secret_b32=secret)
            else:
                secret = b32encode(device.bin_key).decode()
        token = None
        if role in ("officer", "warden"):
            token = token_create(actor=user, name="load bench", scopes=["people:write"])[0]
        staff.append({"username": username, "role": role, "secret": secret, "token": token})
    people = list(Person.objects.filter(status="in_custody", sealed=False).values_list("inmate_number", flat=True))
    cells = list(Cell.objects.filter(in_service=True, unit__status="open").exclude(unit__code="R&D")
                 .values_list("id", flat=True))
    units = list(Unit.objects.filter(status="open").values_list("id", flat=True))
    surnames = sorted({n.split()[-1][:4] for n in Person.objects.values_list("last_name", flat=True) if n})
    from django.db import connections

    connections.close_all()
    # Planner statistics, as autovacuum would have them on any database in service: right after the demo
    # is loaded there are none, and the same pages then ran about twice as slow (first runs: p95 ~200 ms).
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {"staff": staff, "people": people, "cells": cells, "units": units, "surnames": surnames}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    return subprocess.Popen(
        [gunicorn, "emerald.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", str(workers), "--threads", "2",
         "--log-level", "warning", "--access-logfile", "/dev/null"],
        cwd=ROOT, env=server_env(url, port), start_new_session=True)


class Session:
    """One staff member in a browser: cookies by hand (Secure cookies over the loopback's plain HTTP)."""

    def __init__(self, client, base: str, who: dict[str, Any]):
        self.client, self.base, self.who = client, base, who
        self.cookies: dict[str, str] = {}
        self.origin = "https://" + urlsplit(base).netloc

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"X-Forwarded-Proto": "https", "User-Agent": "emerald-load-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.update(extra or {})
        return headers

    def _keep(self, response) -> None:
        for raw in response.headers.get_list("set-cookie"):
            name, _sep, rest = raw.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""'):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value

    async def get(self, path: str):
        response = await self.client.get(self.base + path, headers=self._headers())
        self._keep(response)
        return response

    async def post_form(self, path: str, data: dict[str, str]):
        headers = self._headers({"X-CSRFToken": self.cookies.get("csrftoken", ""), "Origin": self.origin,
                                 "Referer": self.origin + path})
        data = {**data, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        response = await self.client.post(self.base + path, data=data, headers=headers)
        self._keep(response)
        return response

    async def sign_in(self) -> bool:
        from emerald.security.otp import totp_now

        await self.get("/accounts/login/")
        response = await self.post_form("/accounts/login/", {"username": self.who["username"], "password": PASSWORD})
        if response.status_code != 302:
            return False
        if self.who["secret"]:
            response = await self.post_form("/security/2fa/verify/", {"code": totp_now(self.who["secret"])})
            if response.status_code != 302:
                return False
        return (await self.get("/")).status_code == 200


async def run(args, data: dict[str, Any], base: str) -> dict[str, Any]:
    import httpx

    rng = random.Random(args.seed)
    samples: dict[str, list[float]] = {k: [] for k, _w in MIX}
    outcomes = {"errors": 0, "conflicts": 0, "requests": 0}
    error_examples: list[str] = []
    logins: list[float] = []
    timeline: list[tuple[float, float]] = []
    has_counts = (ROOT / "emerald" / "movements" / "urls.py").exists()
    kinds = [k for k, _w in MIX]
    weights = [w for _k, w in MIX]
    limits = httpx.Limits(max_connections=args.users + 10, max_keepalive_connections=args.users + 10)
    async with httpx.AsyncClient(timeout=30, limits=limits, follow_redirects=False) as client:
        sessions = [Session(client, base, who) for who in data["staff"][: args.users]]
        ready = asyncio.Semaphore(8)  # sign-ins in small waves, as a shift would arrive

        async def sign_in(s: Session) -> bool:
            async with ready:
                t = time.perf_counter()
                ok = await s.sign_in()
                logins.append(time.perf_counter() - t)
                return ok

        log(f"signing in {len(sessions)} staff")
        signed = await asyncio.gather(*(sign_in(s) for s in sessions))
        failed_logins = signed.count(False)
        start = time.monotonic()
        stop_at = start + args.warmup + args.seconds

        async def user(s: Session, seed: int) -> None:
            r = random.Random(seed)
            await asyncio.sleep(r.uniform(0, args.think[1]))  # spread the first clicks
            while time.monotonic() < stop_at:
                kind = r.choices(kinds, weights)[0]
                if kind == "move" and not s.who["token"]:
                    kind = "person"
                if kind == "counts" and not has_counts:
                    kind = "roll"
                t = time.perf_counter()
                try:
                    if kind == "roll":
                        response = await s.get("/")
                    elif kind == "search":
                        response = await s.get("/people/?q=" + r.choice(data["surnames"]))
                    elif kind == "person":
                        response = await s.get(f"/people/{r.choice(data['people'])}/")
                    elif kind == "unit":
                        response = await s.get(f"/units/{r.choice(data['units'])}/")
                    elif kind == "counts":
                        response = await s.get("/movements/counts/")
                    else:
                        response = await client.post(
                            f"{base}/api/v1/people/{r.choice(data['people'])}/moves",
                            json={"cell_id": r.choice(data["cells"]), "reason": "load bench move"},
                            headers={"Authorization": f"Bearer {s.who['token']}", "X-Forwarded-Proto": "https"})
                    status = response.status_code
                except (httpx.HTTPError, OSError) as exc:
                    status = None
                    if len(error_examples) < 5:
                        error_examples.append(f"{kind}: {type(exc).__name__} {exc}")
                elapsed = time.perf_counter() - t
                timeline.append((time.monotonic() - start, elapsed))
                if time.monotonic() - start < args.warmup:
                    await asyncio.sleep(r.uniform(*args.think))
                    continue  # warming up: connections, caches, the first burst of clicks after sign-in
                outcomes["requests"] += 1
                samples[kind].append(elapsed)
                if kind == "move" and status in (400, 403, 409):
                    outcomes["conflicts"] += 1  # cell full, keep apart, same cell, not their unit: business answers
                elif status is None or status >= 400:
                    outcomes["errors"] += 1
                    if status is not None and len(error_examples) < 5:
                        error_examples.append(f"{kind}: HTTP {status}")
                await asyncio.sleep(r.uniform(*args.think))

        await asyncio.gather(*(user(s, rng.randrange(1 << 30)) for s, ok in zip(sessions, signed, strict=True)
                               if ok))
        duration = time.monotonic() - start - args.warmup
    every = sorted(x for values in samples.values() for x in values)

    def pct(values: list[float], p: float) -> float:
        if not values:
            return 0.0
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000, 1)

    per_kind = {k: {"n": len(v), "p50_ms": pct(v, 50), "p95_ms": pct(v, 95)} for k, v in samples.items() if v}
    step = max(5.0, args.seconds / 6)
    total = duration + args.warmup
    buckets = [[lat for at, lat in timeline if i * step <= at < (i + 1) * step] for i in range(int(total // step) + 1)]
    per_period = [{"from_s": round(i * step), "n": len(b), "p95_ms": pct(b, 95)} for i, b in enumerate(buckets) if b]
    return {
        "users": len(sessions), "signed_in": len(sessions) - failed_logins, "seconds": round(duration, 1),
        "requests": outcomes["requests"], "rps": round(outcomes["requests"] / duration, 1) if duration else 0,
        "p50_ms": pct(every, 50), "p95_ms": pct(every, 95), "p99_ms": pct(every, 99),
        "errors": outcomes["errors"] + failed_logins, "move_refusals": outcomes["conflicts"],
        "login_p50_ms": round(statistics.median(logins) * 1000, 1) if logins else 0.0,
        "per_kind": per_kind, "per_period": per_period, "error_examples": error_examples,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=["small", "full"], default="full")
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (2 threads each)")
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 8.0), metavar=("MIN", "MAX"),
                        help="seconds between one session's clicks")
    parser.add_argument("--database-url", default=os.environ.get("EMERALD_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the bench database")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds of clicks after sign-in that are not measured (default 10; small: 3)")
    args = parser.parse_args(argv)
    args.users = args.users or (30 if args.scale == "small" else 100)
    args.seconds = args.seconds or (15.0 if args.scale == "small" else 60.0)
    args.warmup = args.warmup if args.warmup is not None else (3.0 if args.scale == "small" else 10.0)
    host = urlsplit(args.database_url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the load bench runs against a database on this machine only (127.0.0.1)")
    try:
        ensure_database(args.database_url, args.fresh)
    except Exception as exc:  # noqa: BLE001 - no PostgreSQL: say so and skip, as make bench should not fail
        log(f"SKIPPED: no PostgreSQL at {args.database_url} ({exc})")
        print(json.dumps({"bench": "load", "skipped": str(exc)[:200]}))
        return 0
    data = setup(args.database_url, args.users)
    port = free_port()
    load_before = os.getloadavg()
    server = start_server(args.database_url, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/api/v1/", headers={"X-Forwarded-Proto": "https"}, timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log("the server did not start")
                return 1
            time.sleep(0.5)
        log(f"gunicorn ({args.workers} workers x 2 threads) on {base}; {args.users} sessions, {args.warmup:.0f} s warm-up, "
            f"{args.seconds:.0f} s measured")
        result = asyncio.run(run(args, data, base))
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
    result["load_avg_before"] = [round(x, 2) for x in load_before]
    result["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
    result["cores"] = os.cpu_count()
    for kind, figures in result["per_kind"].items():
        log(f"  {kind:7} n={figures['n']:5}  p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms")
    log("  p95 by period: " + ", ".join(f"{p['from_s']}s: {p['p95_ms']} ms (n={p['n']})" for p in result["per_period"]))
    log(f"  sign-in p50 {result['login_p50_ms']} ms; {result['move_refusals']} moves refused (business answers)")
    for example in result.pop("error_examples"):
        log(f"  error: {example}")
    line = {"bench": "load", "users": result["users"], "requests": result["requests"], "p50_ms": result["p50_ms"],
            "p95_ms": result["p95_ms"], "p99_ms": result["p99_ms"], "errors": result["errors"]}
    line.update({k: v for k, v in result.items() if k not in line and k not in ("per_kind", "per_period")})
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "load.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
