"""A proven lower bound on the objective, from a relaxation.

Drop capacity, keep-apart orders, mixing and every pair term between two movable people (all costs
are >= 0): what is left splits by person. Each person's best is their cheapest cell that the static
rules allow, counting the pairs they would form with people who do not move (rival or same group in
the unit, rival or violent cellmates), or the ``unplaced`` penalty if no cell in the whole system
allows them. Each pair with a fixed person is counted once, on the movable side. No plan can cost less.
"""

from __future__ import annotations

import heapq
from collections import defaultdict

from .greedy import unit_lower_bound
from .instance import OTHER_FACILITY, Instance, Person
from .state import State

Profile = tuple


def _key(p: Person) -> Profile:
    return (p.sex, p.custody, p.needs_accessible, p.needs_single, p.needs_isolation, p.needs_bottom_bunk)


def lower_bound(inst: Instance) -> int:
    """Sum over movable people of their cheapest statically allowed cell (see module doc)."""
    from .costs import linear_cost

    w = inst.weights
    st = State.__new__(State)  # only the static checks are used: no occupancy needed
    st.inst = inst
    unit_ok: dict[tuple[int, Profile], bool] = {}

    def fits_unit(p: Person, uid: int) -> bool:
        key = (uid, _key(p))
        ok = unit_ok.get(key)
        if ok is None:
            unit = inst.units[uid]
            ok = st.unit_reason(p, unit) is None and any(
                st.cell_reason(p, inst.cells[c], unit) is None for c in inst.unit_cells.get(uid, ())
            )
            unit_ok[key] = ok
        return ok

    fac_ok: dict[Profile, set[int]] = {}

    def facilities_for(p: Person) -> set[int]:
        key = _key(p)
        fs = fac_ok.get(key)
        if fs is None:
            fs = {inst.units[u].facility for u in inst.units if fits_unit(p, u)}
            fac_ok[key] = fs
        return fs

    # Group counts and cellmates among people who do not move.
    fixed_groups: dict[tuple[str, int], int] = defaultdict(int)
    fixed_in_cell: dict[int, list[Person]] = defaultdict(list)
    for q in inst.people.values():
        if not q.movable and q.cell is not None and q.cell in inst.cells:
            fixed_in_cell[q.cell].append(q)
            for g in q.group_names:
                fixed_groups[(g, inst.cells[q.cell].unit)] += 1

    def unit_pairs(p: Person, uid: int, own_group: bool) -> int:
        cost = 0
        for g in p.group_names:
            if own_group:
                cost += w.group_balance * fixed_groups.get((g, uid), 0)
            for r in inst.rivals_of.get(g, ()):
                cost += w.rival_unit * fixed_groups.get((r, uid), 0)
        return cost

    total = 0
    by_group: dict[tuple[str, int], list[tuple[int, float, Person]]] = defaultdict(list)
    for p in inst.people.values():
        if not p.movable:
            continue
        fs = facilities_for(p)
        if not fs:
            total += w.unplaced
            continue
        home = inst.home_unit(p)
        fac = inst.home_facility(p)
        # Members of a group are bounded together below (their own-group pairs included), once, by their first group.
        grouped = bool(p.groups) and fac is not None and fac in fs
        stay = None
        if home is not None:
            assert p.cell is not None  # a home unit is found only from a cell
            cell = inst.cells[p.cell]
            if st.unit_reason(p, home) is None and st.cell_reason(p, cell, home) is None:
                stay = linear_cost(inst, p, cell) + unit_pairs(p, home.id, not grouped) + sum(
                    w.rival_cell * inst.rival(p, q) + w.vulnerable_violent * inst.vulnerable_violent(p, q)
                    for q in fixed_in_cell.get(cell.id, ()))
        if fac is not None and fac in fs:
            for uid in inst.facility_units[fac]:
                if fits_unit(p, uid):
                    lb = unit_lower_bound(inst, p, inst.units[uid], home) + unit_pairs(p, uid, not grouped)
                    if stay is None or lb < stay:
                        stay = lb
        leave: float = float("inf")
        if fac is None or fs - {fac}:
            # Any other facility: at least the move and the distance (course steps may be zero).
            if home is not None:
                leave = w.move + w.distance * OTHER_FACILITY
            elif p.home_facility is not None:
                leave = w.distance * OTHER_FACILITY
            else:
                leave = 0
        if grouped and fac is not None and stay is not None:
            by_group[(p.group_names[0], fac)].append((stay, leave, p))
        else:
            best = min(x for x in (stay, leave) if x is not None)
            total += int(best)
    for (g, fac), members in by_group.items():
        total += _group_bound(inst, g, fac, members, fixed_groups, fits_unit)
    return total


def _group_bound(inst: Instance, g: str, fac: int, members: list[tuple[int, float, Person]],
                 fixed_groups: dict[tuple[str, int], int], fits_unit) -> int:
    """Members of group ``g`` living in facility ``fac``: each stays in the facility (at least their cheapest
    cost there) or leaves it (at least the cost of leaving); those who stay form at least the pairs of the
    most even spread over the units any of them fits (each unit starting from its fixed members)."""
    w = inst.weights
    units = [u for u in inst.facility_units[fac] if any(fits_unit(p, u) for _, _, p in members)]
    heap = [(fixed_groups.get((g, u), 0), u) for u in units]
    heapq.heapify(heap)
    spread = [0]
    for _ in range(len(members)):
        if not heap:
            spread.append(spread[-1])
            continue
        n, u = heapq.heappop(heap)
        spread.append(spread[-1] + w.group_balance * n)
        heapq.heappush(heap, (n + 1, u))
    members = sorted(members, key=lambda t: t[1] - t[0])
    cost: float = sum(stay for stay, _, _ in members)
    m = len(members)
    best = cost + spread[m]
    for k, (stay, leave, _) in enumerate(members, start=1):
        if leave == float("inf"):
            break
        cost += leave - stay
        best = min(best, cost + spread[m - k])
    return int(best)
