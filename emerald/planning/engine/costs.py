"""The objective (a cost: lower is better) and the explanation of every placement.

Each term is a soft criterion with its weight from :class:`Weights`. Explanations are lists of
``(criterion, cost, params)``; the Django layer turns them into translated sentences.

Objective = for every movable person: their linear cost where they end up (moving, distance, course)
or the ``unplaced`` penalty; plus the pair terms (rival groups and vulnerable/violent in one cell,
rival groups in one unit, members of one group in one unit) counted over pairs that involve at
least one movable person.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .instance import OTHER_FACILITY, Cell, Instance, Person

Item = tuple[str, int, dict[str, Any]]


def linear_cost(inst: Instance, p: Person, cell: Cell, items: list[Item] | None = None) -> int:
    """What placing ``p`` in ``cell`` costs on its own (no other person involved)."""
    w = inst.weights
    unit = inst.units[cell.unit]
    cost = 0
    if p.cell is not None and p.cell in inst.cells:
        if cell.id == p.cell:
            if items is not None:
                items.append(("stay", 0, {"cell": cell.code}))
        else:
            cost += w.move
            home = inst.units[inst.cells[p.cell].unit]
            if items is not None:
                items.append(("move", w.move, {"from": inst.cells[p.cell].code}))
            steps = inst.distance(home, unit)
            if steps:
                cost += w.distance * steps
                if items is not None:
                    items.append(("distance", w.distance * steps, {"from_unit": home.code, "steps": steps}))
    elif p.home_facility is not None and p.home_facility != unit.facility:
        cost += w.distance * OTHER_FACILITY
        if items is not None:
            items.append(("distance", w.distance * OTHER_FACILITY, {"from_unit": "", "steps": OTHER_FACILITY}))
    if p.course_unit is not None and p.course_unit in inst.units:
        course = inst.units[p.course_unit]
        steps = inst.distance(course, unit)
        if steps:
            cost += w.course * steps
        if items is not None:
            items.append(("course", w.course * steps, {"course_unit": course.code, "steps": steps}))
    return cost


def final_positions(inst: Instance, plan: dict[int, tuple[int, int] | None]) -> dict[int, tuple[int, int]]:
    where: dict[int, tuple[int, int]] = {}
    for p in inst.people.values():
        spot = plan.get(p.id) if p.movable else None
        if spot is not None:
            where[p.id] = spot
        elif p.cell is not None and p.bed is not None:
            where[p.id] = (p.cell, p.bed)
    return where


def objective(inst: Instance, plan: dict[int, tuple[int, int] | None]) -> tuple[int, dict[str, int]]:
    """The plan's total cost and its breakdown by criterion."""
    w = inst.weights
    parts: dict[str, int] = defaultdict(int)
    where = final_positions(inst, plan)
    for p in inst.people.values():
        if not p.movable:
            continue
        spot = plan.get(p.id)
        if spot is None:
            parts["unplaced"] += w.unplaced
            continue
        items: list[Item] = []
        linear_cost(inst, p, inst.cells[spot[0]], items)
        for crit, cost, _ in items:
            parts[crit] += cost
    occupants: dict[int, list[int]] = defaultdict(list)
    for pid, (cid, _) in where.items():
        occupants[cid].append(pid)
    people = inst.people
    for occ in occupants.values():
        if len(occ) < 2:
            continue
        for i, a in enumerate(occ):
            pa = people[a]
            for b in occ[i + 1:]:
                pb = people[b]
                if not (pa.movable or pb.movable):
                    continue
                if inst.rival(pa, pb):
                    parts["rival_cell"] += w.rival_cell
                if inst.vulnerable_violent(pa, pb):
                    parts["vulnerable_violent"] += w.vulnerable_violent
    # Group terms per unit: pairs with at least one movable member = all pairs - fixed-only pairs.
    count: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])  # (group, unit) -> [all, fixed]
    for pid, (cid, _) in where.items():
        p = people[pid]
        if not p.groups:
            continue
        u = inst.cells[cid].unit
        for g in p.group_names:
            c = count[(g, u)]
            c[0] += 1
            if not p.movable:
                c[1] += 1
    for (g, u), (n, f) in count.items():
        parts["group_balance"] += w.group_balance * (n * (n - 1) // 2 - f * (f - 1) // 2)
        for r in inst.rivals_of.get(g, ()):
            if r > g and (r, u) in count:
                m, h = count[(r, u)]
                parts["rival_unit"] += w.rival_unit * (n * m - f * h)
    parts = {k: v for k, v in parts.items() if v}
    return sum(parts.values()), parts


def explain(inst: Instance, plan: dict[int, tuple[int, int] | None], pid: int,
            where: dict[int, tuple[int, int]] | None = None) -> list[Item]:
    """Why ``pid`` is where the plan puts them: every criterion that applies, with its cost."""
    p = inst.people[pid]
    spot = plan.get(pid)
    if spot is None:
        return [("unplaced", inst.weights.unplaced, {})]
    where = where if where is not None else final_positions(inst, plan)
    cell = inst.cells[spot[0]]
    unit = inst.units[cell.unit]
    items: list[Item] = []
    linear_cost(inst, p, cell, items)
    w = inst.weights
    mates = [q for q, (c, _) in where.items() if c == cell.id and q != pid] if len(cell.beds) > 1 else []
    for q in mates:
        pq = inst.people[q]
        if inst.rival(p, pq):
            items.append(("rival_cell", w.rival_cell, {"other": pq.code}))
        if inst.vulnerable_violent(p, pq):
            items.append(("vulnerable_violent", w.vulnerable_violent, {"other": pq.code}))
    if p.groups:
        in_unit: dict[str, int] = defaultdict(int)
        for q, (c, _) in where.items():
            if q != pid and inst.people[q].groups and inst.cells[c].unit == unit.id:
                for g in inst.people[q].group_names:
                    in_unit[g] += 1
        for g in p.group_names:
            if in_unit.get(g):
                items.append(("group_balance", w.group_balance * in_unit[g], {"group": g, "count": in_unit[g]}))
            for r in sorted(inst.rivals_of.get(g, ())):
                if in_unit.get(r):
                    items.append(("rival_unit", w.rival_unit * in_unit[r], {"group": r, "count": in_unit[r]}))
    items.extend(fits(inst, p, cell, spot[1]))
    return items


def fits(inst: Instance, p: Person, cell: Cell, bed_id: int | None) -> list[Item]:
    """The hard rules this placement meets (cost 0), for the explanation."""
    unit = inst.units[cell.unit]
    out: list[Item] = [("security_ok", 0, {"custody": p.custody, "security": unit.security})]
    if p.needs_accessible:
        out.append(("accessible_ok", 0, {}))
    if p.needs_single:
        out.append(("single_ok", 0, {}))
    if p.needs_isolation:
        out.append(("isolation_ok", 0, {"medical": unit.kind == "medical"}))
    if p.needs_bottom_bunk:
        out.append(("bottom_bunk_ok", 0, {}))
    n = len(inst.orders_of.get(p.id, ()))
    if n:
        out.append(("keep_apart_ok", 0, {"orders": n}))
    return out
