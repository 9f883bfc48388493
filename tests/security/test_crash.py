"""Crash safety: SIGKILL the server (and a census import) in the middle of a stream of moves and imports.

After a restart every move is whole or absent (the old placement closed AND the new one open, or
neither), every move the server acknowledged is there, no person or bed has two open placements,
the census import resumes and its days prove whole (``emerald import verify``), and the audit
chain and the roll replay verify. Runs on the engine of the test run.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from tests.security.conftest import EMERALD, ROOT, Server

# No pytest-django transaction: these tests work on scratch databases of their own (conftest.py).
ACKED_BEFORE_KILL = 30
DEADLINE = 240  # seconds: a bound on the stream, not a measurement


HEADER = "inmateid,admitted_dt,custody_level,bradh,race,gender,age,inmate_status_code,sealed,srg_flg,top_charge,infraction"


def make_census(folder: Path, days: int = 20, people: int = 200, seed: int = 7) -> Path:
    """Synthetic daily census files in the current export format: a population with daily churn."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    next_id = 500000
    population: dict[int, tuple[str, str]] = {}
    start = date(2025, 3, 1)

    def admit(day: date) -> None:
        nonlocal next_id
        next_id += 1
        population[next_id] = (f"{day - timedelta(days=rng.randint(0, 3))}T{rng.randint(0, 23):02d}:15:00.000",
                               rng.choice(["MIN", "MED", "MAX"]))

    for _ in range(people):
        admit(start)
    for d in range(days):
        day = start + timedelta(days=d)
        for pid in rng.sample(sorted(population), k=max(1, people // 20)):
            del population[pid]
        for _ in range(people // 20):
            admit(day)
        lines = [HEADER] + [f"{pid},{adm},{lvl},N,W,M,30.0,DE,N,N,120.05,N" for pid, (adm, lvl) in
                            sorted(population.items())]
        (folder / f"DOC_Inmates_InCustody_Daily_{day:%Y%m%d}.csv").write_text("\n".join(lines) + "\n")
    return folder


def post(url: str, token: str, body: dict, timeout: float = 30) -> int | None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None  # no answer: the server died while the request was in flight


def open_cells(db) -> dict[str, int]:
    sql = ("SELECT p.inmate_number, pl.cell_id FROM housing_placement pl JOIN people_person p ON p.id = pl.person_id "
           "WHERE pl.end_at IS NULL AND p.inmate_number LIKE 'DR%'")
    return dict(db.rows(sql))


def test_sigkill_mid_stream_leaves_every_operation_whole_or_absent(seeded, scratch, tmp_path):
    source, info = seeded
    db = scratch.copy(source, "crash")
    before = open_cells(db)
    census = make_census(tmp_path / "census")
    server = Server(db)
    importer = None
    try:
        server.wait()
        importer = subprocess.Popen([EMERALD, "import", "census", str(census), "--facility", "CX", "--no-progress"],
                                    cwd=ROOT, env=db.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    start_new_session=True)
        tokens = list(info["tokens"].values())
        people = info["people"]
        cells = info["cells"]
        log: list[tuple[str, int, int | None]] = []
        lock = threading.Lock()
        stop = threading.Event()

        def stream(worker: int) -> None:
            rng = random.Random(worker)
            mine = people[worker::len(tokens)]
            while not stop.is_set():
                number = rng.choice(mine)
                cell = rng.choice(cells)
                status = post(f"{server.url}/api/v1/people/{number}/moves", tokens[worker],
                              {"cell_id": cell, "reason": "crash drill move"})
                with lock:
                    log.append((number, cell, status))
                if status is None:
                    return

        threads = [threading.Thread(target=stream, args=(w,), daemon=True) for w in range(len(tokens))]
        for t in threads:
            t.start()
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            acked = sum(1 for _n, _c, s in log if s == 201)
            days = db.scalar("SELECT COUNT(*) FROM census_importedday") if importer.poll() is None else 99
            if acked >= ACKED_BEFORE_KILL and days >= 1:
                break
            time.sleep(0.2)
        # Kill both in the middle of whatever they are doing.
        server.kill()
        if importer.poll() is None:
            os.killpg(importer.pid, signal.SIGKILL)
        importer.wait(timeout=30)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        acked = [entry for entry in log if entry[2] == 201]
        assert len(acked) >= 5, log[-10:]

        # Restart on the same database.
        server = Server(db)
        server.wait()
        check = db.drill("check", check=False)
        assert check["ok"], check["problems"]

        # Every acknowledged move is there; an unanswered one is whole or absent.
        now = open_cells(db)
        last: dict[str, tuple[int, int | None]] = {}
        for number, cell, status in log:
            if status in (201, None):
                last[number] = (cell, status)
        for number in people:
            cell, status = last.get(number, (before[number], 201))
            allowed = {cell} if status == 201 else {cell, _previous(log, number, before)}
            assert now[number] in allowed, (number, now[number], allowed)

        # The census import resumes where it died and its days prove whole.
        subprocess.run([EMERALD, "import", "census", str(census), "--facility", "CX", "--no-progress"], cwd=ROOT,
                       env=db.env(), check=True, capture_output=True, timeout=900)
        verify = subprocess.run([EMERALD, "import", "verify", str(census), "--facility", "CX"], cwd=ROOT,
                                env=db.env(), capture_output=True, text=True, timeout=900)
        assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]
        # And the restarted server works.
        mover = info["people"][0]
        target = next(c for c in info["cells"] if c != now[mover])
        assert post(f"{server.url}/api/v1/people/{mover}/moves", tokens[0],
                    {"cell_id": target, "reason": "after the crash"}) in (201, 409)
        final = db.drill("check", check=False)
        assert final["ok"], final["problems"]
    finally:
        server.stop()
        if importer is not None and importer.poll() is None:
            os.killpg(importer.pid, signal.SIGKILL)


def _previous(log: list, number: str, before: dict[str, int]) -> int:
    """The cell of the last acknowledged move of ``number`` before its unanswered one (or its first cell)."""
    cell = before[number]
    for n, c, status in log:
        if n == number and status == 201:
            cell = c
    return cell
