"""Improve a feasible state by large-neighbourhood search: free the people of a few units, let CP-SAT re-house them.

Each neighbourhood is small (a few units of one facility, a few hundred people), its domains are
restricted before the solver sees them (only cells the static rules and everyone outside allow,
at most ``MAX_DOMAIN`` per person), and the current assignment is the hint, so CP-SAT starts from
a solution. The result is re-scored exactly and kept only if it costs less.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable

from ortools.sat.python import cp_model

from .costs import linear_cost
from .instance import Instance, Person
from .state import State

MAX_DOMAIN = 40
MAX_PEOPLE = 300


def region_cost(st: State, units: set[int], people: list[Person]) -> int:
    """Every cost term that can change when ``people`` move among the cells of ``units``."""
    inst = st.inst
    w = inst.weights
    total = sum(linear_cost(inst, p, inst.cells[st.pos[p.id][0]]) for p in people)
    persons = inst.people
    for u in units:
        for cid in inst.unit_cells.get(u, ()):
            occ = st.occ.get(cid)
            if not occ or len(occ) < 2:
                continue
            for i, a in enumerate(occ):
                pa = persons[a]
                for b in occ[i + 1:]:
                    pb = persons[b]
                    if inst.rival(pa, pb):
                        total += w.rival_cell
                    if inst.vulnerable_violent(pa, pb):
                        total += w.vulnerable_violent
    groups = {g for p in people for g in p.group_names}
    rival2 = 0
    for g in groups:
        for u in units:
            n = st.gcount.get((g, u), 0)
            total += w.group_balance * n * (n - 1) // 2
            for r in inst.rivals_of.get(g, ()):
                m = st.gcount.get((r, u), 0)
                # A rival pair with both groups moving is met twice, once from each side: count it doubled.
                rival2 += n * m * (1 if r in groups else 2)
    return total + w.rival_unit * rival2 // 2


def _person_costs(st: State) -> dict[int, int]:
    """Each unit's share of the current cost, to choose where to look first."""
    inst = st.inst
    per_unit: dict[int, int] = defaultdict(int)
    for p in inst.people.values():
        spot = st.pos.get(p.id)
        if spot is None or not p.movable or p.id in st.pinned:
            continue
        cell = inst.cells[spot[0]]
        st.remove(p)
        per_unit[cell.unit] += st.cost(p, cell)
        st.place(p, spot[0], spot[1], force=True)
    return per_unit


def solve_region(st: State, units: set[int], rng: random.Random, seconds: float, workers: int = 2) -> int:
    """Re-house the movable people of ``units`` among those units. Returns the improvement (>= 0)."""
    inst = st.inst
    w = inst.weights
    people = [
        inst.people[pid] for u in units for cid in inst.unit_cells.get(u, ()) for pid in st.occ.get(cid, ())
        if inst.people[pid].movable and pid not in st.pinned
    ]
    if len(people) < 2:
        return 0
    if len(people) > MAX_PEOPLE:
        people = rng.sample(people, MAX_PEOPLE)
    before = region_cost(st, units, people)
    old = {p.id: st.pos[p.id] for p in people}
    for p in people:
        st.remove(p)
    cells = [inst.cells[c] for u in sorted(units) for c in inst.unit_cells.get(u, ())]
    dom: dict[int, list[int]] = {}
    for p in people:
        cur = old[p.id][0]
        ok = []
        for cell in cells:
            if cell.id == cur or st.reason(p, cell) is None:
                ok.append(cell.id)
        if len(ok) > MAX_DOMAIN:
            keep = [cur]
            rest = [c for c in ok if c != cur]
            rest.sort(key=lambda c: (linear_cost(inst, p, inst.cells[c]), rng.random()))
            ok = keep + rest[: MAX_DOMAIN - 1]
        dom[p.id] = ok

    m = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_cell: dict[int, list[int]] = defaultdict(list)
    obj: list = []
    for p in people:
        for c in dom[p.id]:
            v = m.new_bool_var("")
            x[p.id, c] = v
            by_cell[c].append(p.id)
            cell = inst.cells[c]
            # Linear cost plus pairs with the people who stay in that cell (x2: the objective is doubled).
            cost = linear_cost(inst, p, cell)
            for q in st.occ.get(c, ()):
                pq = inst.people[q]
                if inst.rival(p, pq):
                    cost += w.rival_cell
                if inst.vulnerable_violent(p, pq):
                    if c != old[p.id][0]:
                        m.add(v == 0)  # PREA 115.42: never put a vulnerable person with a violent one
                    cost += w.vulnerable_violent
            if cost:
                obj.append(2 * cost * v)
            m.add_hint(v, c == old[p.id][0])
        m.add_exactly_one(x[p.id, c] for c in dom[p.id])
    pids = {p.id for p in people}
    for c, ps in by_cell.items():
        cell = inst.cells[c]
        free = st.free[c]
        m.add(sum(x[q, c] for q in ps) <= len(free))
        bottom = [q for q in ps if inst.people[q].needs_bottom_bunk]
        if bottom:
            m.add(sum(x[q, c] for q in bottom) <= sum(1 for b in free if b.bottom))
        sexes = {inst.people[q].sex for q in ps}
        if len(sexes) > 1 and len(free) > 1:
            male = m.new_bool_var("")
            for q in ps:
                if inst.people[q].sex == "male":
                    m.add_implication(x[q, c], male)
                else:
                    m.add_implication(x[q, c], ~male)
        if len(free) > 1 and len(ps) > 1:
            # Cell pairs among the people being moved: group indicators per cell (exact for two-bed cells).
            present: dict[str, cp_model.IntVar] = {}
            vul, vio = [q for q in ps if inst.people[q].vulnerable], [q for q in ps if inst.people[q].violent]
            for q in ps:
                for g in inst.people[q].group_names:
                    if g not in present:
                        present[g] = m.new_bool_var("")
                    m.add_implication(x[q, c], present[g])
            for g in present:
                for r in inst.rivals_of.get(g, ()):
                    if r in present and g < r:
                        both = m.new_bool_var("")
                        m.add(both >= present[g] + present[r] - 1)
                        obj.append(2 * w.rival_cell * both)
            if vul and vio:
                hv, hw = m.new_bool_var(""), m.new_bool_var("")
                for q in vul:
                    m.add_implication(x[q, c], hv)
                for q in vio:
                    m.add_implication(x[q, c], hw)
                both = m.new_bool_var("")
                m.add(both >= hv + hw - 1)
                obj.append(2 * w.vulnerable_violent * both)
                already = {old[q][0] for q in vul} & {old[q][0] for q in vio}
                if c not in already:
                    m.add(both == 0)  # a hard rule, as in State.dynamic_reason; only a pair found so may stay
    for p in people:
        for other, scope in inst.orders_of.get(p.id, ()):
            if other not in pids or other < p.id:
                continue
            if scope == "cell":
                for c in set(dom[p.id]) & set(dom[other]):
                    m.add(x[p.id, c] + x[other, c] <= 1)
            elif scope == "unit":
                for u in units:
                    a = [x[p.id, c] for c in dom[p.id] if inst.cells[c].unit == u]
                    b = [x[other, c] for c in dom[other] if inst.cells[c].unit == u]
                    if a and b:
                        m.add(sum(a) + sum(b) <= 1)
            else:  # facility: both are in this facility now, which the feasible start never allows
                m.add(sum(x[p.id, c] for c in dom[p.id]) == 0)
    # Unit terms: members of one group (pairs) and of rival groups (products) in each unit.
    members: dict[str, list[Person]] = defaultdict(list)
    for p in people:
        for g in p.group_names:
            members[g].append(p)
    count: dict[tuple[str, int], int | cp_model.IntVar] = {}
    for g, ms in members.items():
        for u in units:
            terms = [x[p.id, c] for p in ms for c in dom[p.id] if inst.cells[c].unit == u]
            fixed = st.gcount.get((g, u), 0)
            if not terms:
                count[g, u] = fixed
                continue
            n = m.new_int_var(0, fixed + len(terms), "")
            m.add(n == fixed + sum(terms))
            count[g, u] = n
            sq = m.new_int_var(0, (fixed + len(terms)) ** 2, "")
            m.add_multiplication_equality(sq, [n, n])
            obj.append(w.group_balance * (sq - n))
    for g in members:
        for r in inst.rivals_of.get(g, ()):
            for u in units:
                ng = count[g, u]
                if r in members:
                    if g > r:
                        continue
                    nr = count[r, u]
                    if isinstance(ng, int):
                        obj.append(2 * w.rival_unit * ng * nr)
                    elif isinstance(nr, int):
                        obj.append(2 * w.rival_unit * ng * nr)
                    else:
                        prod = m.new_int_var(0, 10**6, "")
                        m.add_multiplication_equality(prod, [ng, nr])
                        obj.append(2 * w.rival_unit * prod)
                else:
                    fixed_r = st.gcount.get((r, u), 0)
                    if fixed_r and not isinstance(ng, int):
                        obj.append(2 * w.rival_unit * fixed_r * ng)
    m.minimize(sum(obj))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.2, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = rng.randint(0, 10**6)
    status = solver.solve(m)
    new: dict[int, int] | None = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        new = {p.id: next(c for c in dom[p.id] if solver.value(x[p.id, c])) for p in people}
    if new is not None:
        _apply(st, people, new, old)
        after = region_cost(st, units, people)
        if after < before:
            return before - after
        for p in people:
            st.remove(p)
    for p in sorted(people, key=lambda p: not p.needs_bottom_bunk):
        st.place(p, old[p.id][0], old[p.id][1], force=True)
    return 0


def _apply(st: State, people: list[Person], new: dict[int, int], old: dict[int, tuple[int, int]]) -> None:
    """Place everyone in their new cell; those who need a bottom bunk choose first, and nobody changes bed
    without changing cell if their bed is still free."""
    for p in sorted(people, key=lambda p: not p.needs_bottom_bunk):
        c = new[p.id]
        bed = old[p.id][1] if c == old[p.id][0] else None
        if p.needs_bottom_bunk and bed is not None and not any(b.id == bed and b.bottom for b in st.free[c]):
            bed = None
        st.place(p, c, bed)


def improve(st: State, deadline: float, rng: random.Random, *, per_region: float = 2.0, workers: int = 2,
            log: Callable[[str], None] | None = None) -> dict[str, int]:
    """Visit the costliest units first, each with one or two others of its facility, until ``deadline``."""
    inst: Instance = st.inst
    stats = {"regions": 0, "improved": 0, "gain": 0}
    tried: set[frozenset[int]] = set()
    while time.monotonic() < deadline - 0.3:
        per_unit = _person_costs(st)
        ranked = [u for u, c in sorted(per_unit.items(), key=lambda t: -t[1]) if c > 0]
        if not ranked:
            break
        progress = False
        for u in ranked:
            if time.monotonic() >= deadline - 0.3:
                break
            fac = inst.units[u].facility
            others = [v for v in inst.facility_units[fac] if v != u and inst.unit_is_target(inst.units[v])]
            partners = rng.sample(others, min(len(others), rng.choice([1, 1, 2])))
            region = frozenset([u, *partners])
            if region in tried:
                continue
            tried.add(region)
            left = deadline - time.monotonic()
            gain = solve_region(st, set(region), rng, min(per_region, left - 0.2), workers)
            stats["regions"] += 1
            if gain:
                stats["improved"] += 1
                stats["gain"] += gain
                progress = True
                if log:
                    log(f"  region {sorted(inst.units[v].code for v in region)}: -{gain}")
        if not progress and all(frozenset([u]) in tried for u in ranked):
            break
    return stats
