"""The three uses of the engine: suggest cells for one person, plan units, plan a whole system.

system → facility → unit: the greedy start keeps each person in their facility unless no cell there
is safe (then it looks further), and the improvement works on a few units of one facility at a time.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .bound import lower_bound
from .costs import Item, explain, final_positions, fits, objective
from .greedy import descent, greedy, unplaced_reasons
from .instance import Instance
from .lns import improve
from .state import State
from .validator import Violation, validate


@dataclass
class Result:
    """A plan and everything needed to judge it."""

    plan: dict[int, tuple[int, int] | None]
    unplaced: dict[int, dict[str, int]]
    objective: int
    breakdown: dict[str, int]
    bound: int
    hard_violations: int
    violations: list[Violation]
    seconds: float
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """(objective - bound) / objective: 0 means proven optimal."""
        if self.objective <= 0:
            return 0.0
        return max(0.0, (self.objective - self.bound) / self.objective)

    def moves(self, inst: Instance) -> list[int]:
        """People the plan houses somewhere else than their current cell (arrivals included)."""
        return [pid for pid, spot in self.plan.items() if spot is not None and spot[0] != inst.people[pid].cell]

    def explain(self, inst: Instance, pid: int, where: dict[int, tuple[int, int]] | None = None) -> list[Item]:
        return explain(inst, self.plan, pid, where)


def _finish(inst: Instance, st: State, started: float, stats: dict[str, Any], with_bound: bool = True) -> Result:
    reasons = unplaced_reasons(st)
    plan = st.assignment()
    report = validate(inst, plan)
    total, parts = objective(inst, plan)
    bound = lower_bound(inst) if with_bound else 0
    stats["preexisting_violations"] = len(report.preexisting)
    return Result(plan, reasons, total, parts, bound, report.count(), report.violations,
                  time.monotonic() - started, stats)


def solve(inst: Instance, *, time_limit: float = 10.0, seed: int = 0, lns: bool = True, workers: int = 2,
          per_region: float = 2.0, log: Callable[[str], None] | None = None) -> Result:
    """Plan every movable person: greedy feasible start, then CP-SAT neighbourhoods until the time is up."""
    started = time.monotonic()
    deadline = started + time_limit
    st, _ = greedy(inst)
    stats: dict[str, Any] = {"greedy_seconds": round(time.monotonic() - started, 3)}
    if log:
        log(f"greedy start in {stats['greedy_seconds']} s")
    # Leave time to check and score the plan at the end (about 1 s per 8,000 people on a loaded 2-core machine).
    reserve = 0.5 + len(inst.people) / 8_000
    stats.update(descent(st, deadline - reserve))
    if log:
        log(f"descent: {stats}")
    if lns:
        stats.update(improve(st, deadline - reserve, random.Random(seed), per_region=per_region,
                             workers=workers, log=log))
    return _finish(inst, st, started, stats)


def first_fit(inst: Instance) -> Result:
    """The baseline: same hard rules, no costs; stay if allowed, else the first safe cell in id order."""
    started = time.monotonic()
    st, _ = greedy(inst, first_fit=True)
    return _finish(inst, st, started, {}, with_bound=False)


@dataclass
class Suggestion:
    cell: int
    code: str
    unit: str
    bed: int
    cost: int
    items: list[Item]


def suggest(inst: Instance, pid: int, limit: int = 10, st: State | None = None,
            refused: Counter[str] | None = None) -> list[Suggestion]:
    """The safe cells for one person (arrival or move), cheapest first, each with its reasons.

    No solver: the hard rules and the cost of each cell against the people already there. ``st`` may be
    passed to reuse one state for many questions; it is left as it was.
    """
    p = inst.people[pid]
    st = st or State(inst)
    spot = st.pos.get(pid)
    if spot is not None:
        st.remove(p)
    try:
        fac = inst.home_facility(p)
        out: list[Suggestion] = []
        crowd: dict[int, int] = {}
        for uid in inst.facility_units.get(fac, ()) if fac is not None else list(inst.units):
            unit = inst.units[uid]
            ur = st.unit_reason(p, unit)
            if ur:
                if refused is not None:
                    refused[ur] += len(inst.unit_cells.get(uid, ()))
                continue
            for cid in inst.unit_cells.get(uid, ()):
                if cid == p.cell:
                    continue
                cell = inst.cells[cid]
                why = st.cell_reason(p, cell, unit) or st.dynamic_reason(p, cell, unit)
                if why:
                    if refused is not None:
                        refused[why] += 1
                    continue
                items: list[Item] = []
                cost = st.cost(p, cell, items)
                free = st.free[cid]
                bed = next((b for b in free if b.bottom), None) if p.needs_bottom_bunk else (
                    next((b for b in free if b.bunk == "upper"), None) or free[0])
                mates = len(st.occ.get(cid, ()))
                if p.vulnerable:
                    # PREA 115.42: for a person at risk of victimisation, a cell alone first, then fewest
                    # cellmates (none of them at risk of abusiveness: that is refused above).
                    items.append(("vulnerable_alone", 0, {}) if not mates else
                                 ("vulnerable_cellmates", 0, {"count": mates}))
                crowd[cid] = mates if p.vulnerable else 0
                out.append(Suggestion(cid, cell.code, unit.code, bed.id if bed else 0, cost, items))
        out.sort(key=lambda s: (s.cost, crowd[s.cell], s.code))
        out = out[:limit]
        for s in out:
            s.items.extend(fits(inst, p, inst.cells[s.cell], s.bed))
        return out
    finally:
        if spot is not None:
            st.place(p, spot[0], spot[1], force=True)


__all__ = ["Result", "Suggestion", "solve", "first_fit", "suggest", "final_positions", "validate"]
