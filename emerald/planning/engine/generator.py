"""Seeded instances of any size for tests and benchmarks.

The current state is valid except for what the scenario disturbs (as in life): new keep-apart orders
between people who share a cell or unit, a closed unit, cells out of service, arrivals without a cell.
Same seed, same instance.
"""

from __future__ import annotations

import random

from .instance import Bed, Cell, Instance, KeepApart, Person, Unit, Weights

PEOPLE_PER_FACILITY = 1500
CELLS_PER_UNIT = 60


def _bed_count(rng: random.Random) -> int:
    r = rng.random()
    return 1 if r < 0.10 else 2 if r < 0.85 else 4


def generate(people: int, seed: int = 1, scenario: str = "system", facilities: int | None = None,
             occupancy: float = 0.9, orders_per_person: float = 2.0, weights: Weights | None = None) -> Instance:
    """An instance for ``scenario`` (system | unit | one) with about ``people`` people to plan.

    system: every facility re-planned (150,000 people → 100 facilities, ~75,000 cells);
    unit: one facility of about 3×people, the units holding ``people`` people are re-housed, one of them closed;
    one: one facility of ``people`` people, nobody movable (suggestions are asked for one person at a time).
    """
    rng = random.Random(seed)
    if scenario == "unit":
        total, occupancy = people * 3, min(occupancy, 0.85)
        n_fac = 1
    elif scenario == "one":
        total, n_fac = people, 1
    else:
        total = people
        n_fac = facilities or max(1, round(people / PEOPLE_PER_FACILITY))
    units: dict[int, Unit] = {}
    cells: dict[int, Cell] = {}
    persons: dict[int, Person] = {}
    ids = {"unit": 0, "cell": 0, "bed": 0, "person": 0}

    def nid(kind: str) -> int:
        ids[kind] += 1
        return ids[kind]

    n_groups = 8 + n_fac // 2
    groups = [f"G{i:02d}" for i in range(n_groups)]
    rivalries: set[frozenset[str]] = set()
    for g in groups:
        for _ in range(rng.randint(1, 2)):
            r = rng.choice(groups)
            if r != g:
                rivalries.add(frozenset((g, r)))
    fac_people: dict[int, list[int]] = {}
    per_fac = total / n_fac
    for f in range(1, n_fac + 1):
        fcode = f"F{f:03d}"
        fsex = "female" if (n_fac > 1 and f % 10 == 0) else "male"
        fgroups = rng.sample(groups, min(6, len(groups)))
        beds_needed = per_fac / occupancy
        n_cells = max(8, round(beds_needed / 2.2))
        n_units = max(4, round(n_cells / CELLS_PER_UNIT))
        fac_units: list[Unit] = []
        for k in range(n_units):
            if k == 0:
                kind, sec = "segregation", 3
            elif k == 1:
                kind, sec = "medical", 3
            else:
                kind = rng.choices(["general_population", "rehabilitation", "protective_custody"], [6, 3, 1])[0]
                sec = 3 if k == 2 else rng.choices([1, 2, 3], [3, 4, 3])[0]
            usex = "female" if (fsex == "male" and k == n_units - 1 and n_units > 5) else fsex
            u = Unit(nid("unit"), f"{fcode}-U{k:02d}", f, kind, sec, "open", usex, k // 3, fcode)
            units[u.id] = u
            fac_units.append(u)
        weights_u = [0.3 if u.kind in ("segregation", "medical") else 1.0 for u in fac_units]
        per_unit = [max(2, round(n_cells * wu / sum(weights_u))) for wu in weights_u]
        rehab = [u.id for u in fac_units if u.kind == "rehabilitation"]
        members: list[int] = []
        for u, nc in zip(fac_units, per_unit, strict=True):
            for i in range(nc):
                if u.kind == "segregation":
                    nb = 1
                elif u.kind == "medical":
                    nb = rng.choice([1, 2])
                else:
                    nb = _bed_count(rng)
                beds = [Bed(nid("bed"), ("lower", "upper")[j] if nb == 2 else "single") for j in range(nb)]
                c = Cell(nid("cell"), f"{u.code}-{i + 1:03d}", u.id, beds, True, rng.random() < 0.05,
                         nb == 1 and rng.random() < 0.7)
                cells[c.id] = c
                for bed in beds:
                    if rng.random() >= occupancy:
                        continue
                    p = Person(nid("person"), f"P{ids['person']:06d}", u.sex or fsex, rng.randint(1, u.security))
                    p.cell, p.bed = c.id, bed.id
                    p.needs_accessible = c.accessible and rng.random() < 0.3
                    p.needs_single = c.single_occupancy and rng.random() < 0.3
                    p.needs_isolation = (u.kind == "medical" and rng.random() < 0.2) or (
                        c.single_occupancy and rng.random() < 0.05)
                    p.needs_bottom_bunk = bed.bottom and rng.random() < 0.08
                    p.vulnerable = rng.random() < 0.05
                    p.violent = not p.vulnerable and rng.random() < 0.08
                    if rng.random() < 0.3:
                        p.groups = ((rng.choice(fgroups), "leader" if rng.random() < 0.05 else "member"),)
                    if rehab and rng.random() < 0.1:
                        p.course_unit = rng.choice(rehab)
                    p.movable = u.kind != "segregation"
                    persons[p.id] = p
                    members.append(p.id)
        fac_people[f] = members

    # Keep-apart orders consistent with the current state.
    orders: list[KeepApart] = []
    seen: set[tuple[int, int]] = set()
    all_ids = list(persons)

    def cell_of(pid: int) -> Cell:
        # Everyone generated so far has a cell (only the arrivals, added last, have none).
        cid = persons[pid].cell
        assert cid is not None
        return cells[cid]

    fac_of = {pid: units[cell_of(pid).unit].facility for pid in persons}

    def add(a: int, b: int, scope: str) -> None:
        key = (min(a, b), max(a, b))
        if a != b and key not in seen:
            seen.add(key)
            orders.append(KeepApart(key[0], key[1], scope, len(orders) + 1))

    n_orders = int(len(all_ids) * orders_per_person / 2)
    for _ in range(n_orders):
        a = rng.choice(all_ids)
        pa = persons[a]
        scope = rng.choices(["cell", "unit", "facility"], [6, 3, 1])[0]
        if scope == "facility" and n_fac == 1:
            scope = "unit"
        for _try in range(20):
            if scope == "facility":
                b = rng.choice(all_ids)
                if fac_of[b] != fac_of[a]:
                    break
            else:
                b = rng.choice(fac_people[fac_of[a]])
                pb = persons[b]
                if scope == "cell" and pb.cell != pa.cell:
                    break
                if scope == "unit" and cell_of(b).unit != cell_of(a).unit:
                    break
        else:
            continue
        add(a, b, scope)

    inst_target = None
    movable_ids = [pid for pid in all_ids if persons[pid].movable]
    if scenario == "unit":
        # Re-house the general units holding about ``people`` people; the first of them is closed.
        scope_units: list[int] = []
        count = 0
        for u in sorted(units.values(), key=lambda u: u.id):
            if u.kind in ("segregation", "medical") or count >= people:
                continue
            scope_units.append(u.id)
            count += sum(1 for pid in all_ids if cell_of(pid).unit == u.id)
        units[scope_units[0]].status = "closed"
        in_scope = set(scope_units)
        movable_ids = []
        for pid in all_ids:
            p = persons[pid]
            p.movable = cell_of(pid).unit in in_scope and len(movable_ids) < people
            if p.movable:
                movable_ids.append(pid)
    if scenario == "one":
        for p in persons.values():
            p.movable = False
    else:
        # Disturbances: new orders between people who are together now, cells out of service, closures.
        for _ in range(max(1, len(movable_ids) // 100)):
            a = rng.choice(movable_ids)
            mates = [q for q in fac_people[fac_of[a]] if persons[q].cell == persons[a].cell and q != a]
            if mates and rng.random() < 0.6:
                add(a, rng.choice(mates), "cell")
            else:
                unit_id = cell_of(a).unit
                b = rng.choice(fac_people[fac_of[a]])
                if cell_of(b).unit == unit_id:
                    add(a, b, "unit")
        occupied = sorted({cell_of(pid).id for pid in movable_ids})
        for cid in rng.sample(occupied, max(1, len(occupied) // 200)):
            cells[cid].in_service = False
        if scenario == "system":
            general = [u for u in units.values() if u.kind == "general_population"]
            for u in rng.sample(general, max(1, n_fac // 30)):
                u.status = "closed"
            if n_fac >= 50:
                for u in rng.sample(general, n_fac // 50):
                    if u.status == "open":
                        u.status = "locked_down"
                        for pid in all_ids:
                            if cell_of(pid).unit == u.id:
                                persons[pid].movable = False
            # Arrivals: people with no cell yet, arriving at a facility.
            for _ in range(max(1, len(all_ids) // 100)):
                f = rng.randint(1, n_fac)
                arrival_sex = next(u.sex for u in units.values() if u.facility == f and u.kind == "general_population")
                p = Person(nid("person"), f"P{ids['person']:06d}", arrival_sex or "male", rng.choice([1, 2, 2, 3]))
                p.home_facility = f
                p.needs_bottom_bunk = rng.random() < 0.05
                p.vulnerable = rng.random() < 0.05
                if rng.random() < 0.3:
                    p.groups = ((rng.choice(groups), "member"),)
                persons[p.id] = p
    return Instance(units, cells, persons, orders, rivalries, weights or Weights(), frozenset(), inst_target)
