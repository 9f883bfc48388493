"""Housing optimiser benchmark: seeded instances, the engine against a first-fit baseline, one JSON line.

    .venv/bin/python bench/housing.py --use one    --people 3000   --seed 1
    .venv/bin/python bench/housing.py --use unit   --people 1000   --seed 1
    .venv/bin/python bench/housing.py --use system --people 150000 --seed 1      # a few minutes
    .venv/bin/python bench/housing.py --use system --scale small                  # under a minute

Every plan is checked by the independent validator; "hard_violations" must be 0. Objective is a cost
(lower is better); "bound" is a proven lower bound (see emerald/planning/engine/bound.py) and
gap = (objective - bound) / objective. No Django needed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emerald.planning.engine import Person, first_fit, solve, suggest, validate  # noqa: E402
from emerald.planning.engine.generator import generate  # noqa: E402
from emerald.planning.engine.state import State  # noqa: E402

DEFAULTS = {
    # use: (full people, full seconds, small people, small seconds)
    "one": (3000, 0, 3000, 0),
    "unit": (1000, 9.0, 1000, 5.0),
    "system": (150_000, 150.0, 10_000, 20.0),
}


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def run_one(people: int, seed: int, queries: int) -> dict:
    inst = generate(people, seed, "one")
    rng = random.Random(seed)
    facility = next(iter(inst.facility_units))
    st = State(inst)
    asked: list[int] = []
    for i in range(queries):
        if i % 2:
            asked.append(rng.choice([p.id for p in inst.people.values() if p.cell is not None]))
        else:
            pid = max(inst.people) + 1
            p = Person(pid, f"A{pid:06d}", rng.choice(["male", "male", "female"]), rng.choice([1, 2, 3]))
            p.home_facility = facility
            p.needs_bottom_bunk = rng.random() < 0.1
            p.needs_accessible = rng.random() < 0.03
            p.vulnerable = rng.random() < 0.1
            if rng.random() < 0.3:
                p.groups = ((rng.choice(sorted({g for q in inst.people.values() for g in q.group_names})), "member"),)
            p.movable = False
            inst.people[pid] = p
            asked.append(pid)
    inst.index()
    st = State(inst)
    times, base_times, costs, base_costs, violations, base_violations, empty = [], [], 0, 0, 0, 0, 0
    for pid in asked:
        t = time.perf_counter()
        top = suggest(inst, pid, 10, st)
        times.append(time.perf_counter() - t)
        t = time.perf_counter()
        base = first_safe(st, pid)
        base_times.append(time.perf_counter() - t)
        p = inst.people[pid]
        p.movable = True
        if top:
            costs += top[0].cost
            violations += validate(inst, {pid: (top[0].cell, top[0].bed)}).count()
        else:
            empty += 1
        if base:
            base_costs += base[1]
            base_violations += validate(inst, {pid: (base[0], base[2])}).count()
        p.movable = False
    print(f"facility of {len(inst.people)} people, {len(inst.cells)} cells, {len(inst.orders)} keep-apart orders")
    print(f"{queries} questions (half arrivals, half moves): p50 {statistics.median(times) * 1000:.1f} ms, "
          f"p95 {p95(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms; no safe cell for {empty}")
    print(f"first-fit baseline: p95 {p95(base_times) * 1000:.1f} ms; cost of first choice {base_costs} "
          f"vs ranked {costs} (ratio {base_costs / max(costs, 1):.2f})")
    return {"use": "one", "people": len(inst.people), "seconds": round(p95(times), 4), "hard_violations": violations,
            "unplaced": empty, "objective": costs, "bound": costs, "gap": 0.0,
            "baseline_seconds": round(p95(base_times), 4), "baseline_objective": base_costs,
            "baseline_hard_violations": base_violations}


def first_safe(st: State, pid: int):
    """The baseline for one person: the first safe cell in id order (not the current one)."""
    inst = st.inst
    p = inst.people[pid]
    spot = st.pos.get(pid)
    if spot:
        st.remove(p)
    try:
        fac = inst.home_facility(p)
        for uid in inst.facility_units[fac]:
            unit = inst.units[uid]
            if st.unit_reason(p, unit):
                continue
            for cid in inst.unit_cells[uid]:
                cell = inst.cells[cid]
                if cid != p.cell and not (st.cell_reason(p, cell, unit) or st.dynamic_reason(p, cell, unit)):
                    free = st.free[cid]
                    bed = next((b for b in free if b.bottom), None) if p.needs_bottom_bunk else (
                        next((b for b in free if b.bunk == "upper"), None) or free[0])
                    return cid, st.cost(p, cell), bed.id
        return None
    finally:
        if spot:
            st.place(p, spot[0], spot[1], force=True)


def run_plan(use: str, people: int, seed: int, seconds: float, workers: int) -> dict:
    t = time.perf_counter()
    inst = generate(people, seed, use)
    movable = sum(p.movable for p in inst.people.values())
    print(f"instance: {len(inst.people)} people ({movable} to plan), {len(inst.units)} units, {len(inst.cells)} cells, "
          f"{sum(len(c.beds) for c in inst.cells.values())} beds, {len(inst.orders)} keep-apart orders, "
          f"{len({u.facility for u in inst.units.values()})} facilities (generated in {time.perf_counter() - t:.1f} s)")
    base = first_fit(inst)
    print(f"first-fit baseline: {base.seconds:.2f} s, objective {base.objective}, hard violations "
          f"{base.hard_violations}, unplaced {len(base.unplaced)}")
    res = solve(inst, time_limit=seconds, seed=seed, workers=workers,
                log=(lambda s: print(s, flush=True)) if os.environ.get("BENCH_VERBOSE") else None)
    reasons: Counter[str] = Counter()
    for why in res.unplaced.values():
        reasons[next(iter(why))] += 1
    print(f"optimiser: {res.seconds:.2f} s (greedy {res.stats.get('greedy_seconds')} s, {res.stats.get('regions', 0)} "
          f"neighbourhoods, {res.stats.get('improved', 0)} improved), objective {res.objective}, bound {res.bound}, "
          f"gap {res.gap:.3f}, hard violations {res.hard_violations}, unplaced {len(res.unplaced)} "
          f"{dict(reasons)}, moves {len(res.moves(inst))}")
    print(f"  breakdown {res.breakdown}")
    print(f"  baseline breakdown {base.breakdown}")
    print(f"ratio to baseline: objective {res.objective / max(base.objective, 1):.3f}, "
          f"time {res.seconds / max(base.seconds, 1e-9):.1f}x")
    if res.violations:
        print("  VIOLATIONS:", [v.rule for v in res.violations[:10]])
    return {"use": use, "people": movable, "seconds": round(res.seconds, 2), "hard_violations": res.hard_violations,
            "unplaced": len(res.unplaced), "objective": res.objective, "bound": res.bound, "gap": round(res.gap, 4),
            "baseline_seconds": round(base.seconds, 2), "baseline_objective": base.objective,
            "baseline_hard_violations": base.hard_violations}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--use", choices=["one", "unit", "system"], default="unit")
    ap.add_argument("--people", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", choices=["small", "medium", "full", "large"], default="full",
                    help="small: CI, under a minute; medium, full and large: the sizes of the issue")
    ap.add_argument("--seconds", type=float, default=None, help="time limit of the optimiser")
    ap.add_argument("--queries", type=int, default=None, help="questions asked in --use one")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    full_n, full_s, small_n, small_s = DEFAULTS[args.use]
    people = args.people or (small_n if args.scale == "small" else full_n)
    seconds = args.seconds or (small_s if args.scale == "small" else full_s)
    print(f"housing bench: use={args.use} people={people} seed={args.seed} scale={args.scale} "
          f"({platform.python_version()}, {os.cpu_count()} cpus)")
    started = time.perf_counter()
    if args.use == "one":
        out = run_one(people, args.seed, args.queries or (100 if args.scale == "small" else 400))
    else:
        out = run_plan(args.use, people, args.seed, seconds, args.workers)
    print(f"total {time.perf_counter() - started:.1f} s")
    keys = ["use", "people", "seconds", "hard_violations", "unplaced", "objective", "bound", "gap",
            "baseline_seconds", "baseline_objective", "baseline_hard_violations"]
    print(json.dumps({"bench": "housing", **{k: out[k] for k in keys}}))


if __name__ == "__main__":
    main()
