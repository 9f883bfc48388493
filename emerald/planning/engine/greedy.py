"""A feasible start: keep everyone who may stay, then place the others hardest-first in their cheapest safe cell.

Also the first-fit baseline the benchmark compares against (same rules, no costs).

Until a mover is placed they are still in their bed, so someone who cannot be placed simply stays
where they are (they are *pinned*): nobody else was given their bed or crossed their keep-apart orders.
"""

from __future__ import annotations

from collections import Counter

from .instance import OTHER_FACILITY, Instance, Person, Unit
from .state import State


def difficulty(inst: Instance, p: Person) -> int:
    """Higher = fewer cells fit: place these first."""
    return (
        8 * p.needs_accessible + 6 * p.needs_single + 6 * p.needs_isolation + 2 * p.needs_bottom_bunk
        + p.custody + len(inst.orders_of.get(p.id, ()))
    )


def unit_lower_bound(inst: Instance, p: Person, unit: Unit, home: Unit | None) -> int:
    """The linear cost of any cell of ``unit`` other than ``p``'s current one."""
    w = inst.weights
    cost = 0
    if home is not None:
        cost = w.move + w.distance * inst.distance(home, unit)
    elif p.home_facility is not None and p.home_facility != unit.facility:
        cost = w.distance * OTHER_FACILITY
    if p.course_unit is not None and p.course_unit in inst.units:
        cost += w.course * inst.distance(inst.units[p.course_unit], unit)
    return cost


def best_cell(st: State, p: Person, *, first_fit: bool = False) -> int | None:
    """The cheapest cell ``p`` may safely take now (first fit: the first one, in id order)."""
    inst = st.inst
    home = inst.home_unit(p)
    best_cost, best = None, None
    if p.cell is not None and p.cell in inst.cells:
        cell = inst.cells[p.cell]
        if st.reason(p, cell) is None:
            if first_fit:
                return cell.id
            best_cost, best = st.cost(p, cell), cell.id
            if best_cost == 0:
                return best
    fac = inst.home_facility(p)
    tiers = []
    if fac is not None:
        tiers.append([inst.units[u] for u in inst.facility_units.get(fac, ())])
        tiers.append([u for u in inst.units.values() if u.facility != fac])
    else:
        tiers.append(list(inst.units.values()))
    for units in tiers:
        if first_fit:
            ranked = [(0, u) for u in sorted(units, key=lambda u: u.id)]
        else:
            ranked = sorted(((unit_lower_bound(inst, p, u, home), u) for u in units), key=lambda t: (t[0], t[1].id))
        for lb, unit in ranked:
            if best_cost is not None and lb >= best_cost:
                break
            free_cells = st.unit_free.get(unit.id)
            if not free_cells or st.unit_reason(p, unit):
                continue
            base = lb if first_fit else lb + st.unit_pair_cost(p, unit.id)
            if best_cost is not None and base >= best_cost:
                continue
            for cid in sorted(free_cells):
                if cid == p.cell:
                    continue
                cell = inst.cells[cid]
                if st.cell_reason(p, cell, unit) or st.dynamic_reason(p, cell, unit):
                    continue
                if first_fit:
                    return cid
                cost = base + st.cell_pair_cost(p, cell)
                if best_cost is None or cost < best_cost:
                    best_cost, best = cost, cid
                    if cost == base:
                        break
        if best is not None:
            return best
    return best


def why_unplaced(st: State, p: Person) -> dict[str, int]:
    """For each rule, how many cells it alone ruled out (the first rule each cell fails)."""
    inst = st.inst
    reasons: Counter[str] = Counter()
    fac = inst.home_facility(p)
    for unit in inst.units.values():
        if fac is not None and unit.facility != fac:
            continue
        ur = st.unit_reason(p, unit)
        ncells = len(inst.unit_cells.get(unit.id, ()))
        if ur:
            reasons[ur] += ncells
            continue
        for cid in inst.unit_cells.get(unit.id, ()):
            cell = inst.cells[cid]
            reasons[st.cell_reason(p, cell, unit) or st.dynamic_reason(p, cell, unit) or "other"] += 1
    if not reasons:
        reasons["no_cells"] = 1
    return dict(reasons.most_common())


def greedy(inst: Instance, *, first_fit: bool = False) -> tuple[State, dict[int, dict]]:
    """Return a state with every movable person placed or pinned, and why each unplaced one is."""
    w = inst.weights
    movers = [p for p in inst.people.values() if p.movable]
    if first_fit:
        order = sorted(movers, key=lambda p: p.id)
    else:
        order = sorted(movers, key=lambda p: (-difficulty(inst, p), p.id))
    st = State(inst)
    rest: list[Person] = []
    # Stay pass: whoever may stay, stays (unless staying costs more than a move would).
    for p in order:
        if p.cell is None or p.cell not in inst.cells:
            rest.append(p)
            continue
        cell = inst.cells[p.cell]
        if st.reason(p, cell) is None and (first_fit or st.pair_cost(p, cell) <= w.move):
            st.place(p, cell.id, p.bed)
        else:
            rest.append(p)
    # Until placed, a mover is still in their bed: nobody gets it, and their keep-apart orders hold.
    for p in rest:
        if p.cell is not None and p.cell in inst.cells:
            st.place(p, p.cell, p.bed, force=True)
    for p in rest:
        spot = st.pos.get(p.id)
        if spot is not None:
            st.remove(p)
        cid = best_cell(st, p, first_fit=first_fit)
        if cid is not None:
            st.place(p, cid, p.bed if cid == p.cell else None)
        elif spot is not None:
            st.place(p, spot[0], spot[1], force=True)
            st.pinned.add(p.id)
    _release_conflicts(st, first_fit)
    return st, unplaced_reasons(st)


def _together(st: State, a: int, b: int, scope: str) -> bool:
    inst = st.inst
    ca, cb = st.pos[a][0], st.pos[b][0]
    if scope == "cell":
        return ca == cb
    ua, ub = inst.cells[ca].unit, inst.cells[cb].unit
    if scope == "unit":
        return ua == ub
    return inst.units[ua].facility == inst.units[ub].facility


def _release_conflicts(st: State, first_fit: bool) -> None:
    """A pinned person stays where they are: whoever the plan keeps beside them against an order must go
    elsewhere, or is left unplaced too (then the conflict is one the plan found, not one it made)."""
    inst = st.inst
    work = list(st.pinned)
    while work:
        p = work.pop()
        for q, scope in inst.orders_of.get(p, ()):
            person = inst.people[q]
            if q not in st.pos or q in st.pinned or not person.movable or not _together(st, p, q, scope):
                continue
            spot = st.remove(person)
            cid = best_cell(st, person, first_fit=first_fit)
            if cid is not None and cid != spot[0]:
                st.place(person, cid, person.bed if cid == person.cell else None)
            else:
                st.place(person, spot[0], spot[1], force=True)
                st.pinned.add(q)
                work.append(q)


def unplaced_reasons(st: State) -> dict[int, dict[str, int]]:
    """Why each movable person the state does not place (or pins where they are) could not be placed."""
    out = {}
    for p in st.inst.people.values():
        if not p.movable or (p.id in st.pos and p.id not in st.pinned):
            continue
        spot = st.pos.get(p.id)
        if spot is not None:
            st.remove(p)
        out[p.id] = why_unplaced(st, p)
        if spot is not None:
            st.place(p, spot[0], spot[1], force=True)
    return out


def descent(st: State, deadline: float) -> dict[str, int]:
    """Move one person at a time to a strictly cheaper safe cell until no move helps or time is up.

    Moving one person changes exactly the terms that involve them, so each accepted move lowers the
    objective by the difference of their costs.
    """
    import time

    inst = st.inst
    stats = {"descent_moves": 0, "descent_gain": 0}
    people = sorted((p for p in inst.people.values() if p.movable and p.id not in st.pinned and p.id in st.pos),
                    key=lambda p: p.id)
    for _ in range(3):
        improved = 0
        for p in people:
            if time.monotonic() >= deadline:
                return stats
            cur, bed = st.pos[p.id]
            st.remove(p)
            now = st.cost(p, inst.cells[cur])
            cid = best_cell(st, p)
            if cid is not None and cid != cur:
                new = st.cost(p, inst.cells[cid])
                if new < now:
                    st.place(p, cid, p.bed if cid == p.cell else None)
                    stats["descent_moves"] += 1
                    stats["descent_gain"] += now - new
                    improved += 1
                    continue
            st.place(p, cur, bed, force=True)
        if not improved:
            break
    return stats
