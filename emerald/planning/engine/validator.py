"""An independent check of a plan against every hard rule.

Written separately from the solver on purpose (it shares only the data classes): tests and
benchmarks trust a plan because this says so, not because the solver thinks so.

A plan maps movable people to ``(cell_id, bed_id)`` or None (not placed). In the final state a
planned person is where the plan puts them; everyone else (fixed people, and movable people the
plan could not place) stays where they are now. A violation counts against the plan when it
involves at least one planned person; violations among people the plan does not touch are
``preexisting`` (reported, not counted).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .instance import Instance

Assignment = dict[int, "tuple[int, int] | None"]

RANK = {"minimum": 1, "medium": 2, "maximum": 3}


@dataclass(frozen=True)
class Violation:
    rule: str
    people: tuple[int, ...]
    where: str
    detail: str = ""


@dataclass
class Report:
    violations: list[Violation]
    preexisting: list[Violation]

    @property
    def ok(self) -> bool:
        return not self.violations

    def count(self) -> int:
        return len(self.violations)

    def by_rule(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for v in self.violations:
            out[v.rule] += 1
        return dict(out)


def validate(inst: Instance, plan: Assignment) -> Report:
    """Check ``plan`` on ``inst``; every hard rule is checked on its own, from the raw data."""
    bad: list[Violation] = []
    pre: list[Violation] = []
    cells, units, people = inst.cells, inst.units, inst.people
    bed_owner: dict[int, int] = {}
    for c in cells.values():
        for bed in c.beds:
            bed_owner[bed.id] = c.id

    planned: set[int] = set()
    where: dict[int, tuple[int, int]] = {}
    for pid, spot in plan.items():
        p = people.get(pid)
        if p is None:
            bad.append(Violation("unknown_person", (pid,), "", "the plan places someone not in the instance"))
            continue
        if spot is None:
            continue
        if not p.movable and (spot[0] != p.cell or spot[1] != p.bed):
            bad.append(Violation("fixed_moved", (pid,), str(spot[0]), "the plan moves someone it may not move"))
        planned.add(pid)
        where[pid] = (int(spot[0]), int(spot[1]))
    for p in people.values():
        if p.id not in where and p.cell is not None and p.bed is not None:
            where[p.id] = (p.cell, p.bed)

    def report(v: Violation) -> None:
        (bad if any(x in planned for x in v.people) else pre).append(v)

    occupants: dict[int, list[int]] = defaultdict(list)
    bed_users: dict[int, list[int]] = defaultdict(list)
    for pid, (cid, bid) in where.items():
        if cid not in cells:
            report(Violation("no_such_cell", (pid,), str(cid)))
            continue
        occupants[cid].append(pid)
        bed_users[bid].append(pid)
        cell = cells[cid]
        if bed_owner.get(bid) != cid:
            report(Violation("bed_not_in_cell", (pid,), cell.code, f"bed {bid}"))
            continue
        bed = next(b for b in cell.beds if b.id == bid)
        person = people[pid]
        unit = units[cell.unit]
        if not cell.in_service:
            report(Violation("cell_out_of_service", (pid,), cell.code))
        if not bed.in_service:
            report(Violation("bed_out_of_service", (pid,), cell.code, f"bed {bid}"))
        if person.needs_bottom_bunk and bed.bunk == "upper":
            report(Violation("bottom_bunk", (pid,), cell.code))
        if person.needs_accessible and not cell.accessible:
            report(Violation("accessible", (pid,), cell.code))
        if person.needs_single and not cell.single_occupancy:
            report(Violation("single", (pid,), cell.code))
        if person.needs_isolation and not (cell.single_occupancy or unit.kind == "medical"):
            report(Violation("isolation", (pid,), cell.code))
        if person.custody > unit.security:
            report(Violation("security", (pid,), unit.code, f"custody {person.custody} > unit {unit.security}"))
        if unit.sex is not None and unit.sex != person.sex:
            report(Violation("sex_unit", (pid,), unit.code))
        if cell.sex is not None and cell.sex != person.sex:
            report(Violation("sex_cell", (pid,), cell.code))
        if pid in planned and person.movable:
            allowed = unit.id in inst.allow_units or (
                unit.status == "open" and unit.kind != "segregation"
            )
            if not allowed:
                report(Violation(f"unit_{unit.status if unit.status != 'open' else unit.kind}", (pid,), unit.code))
            elif (unit.id not in inst.allow_units and unit.kind in inst.purpose_kinds
                  and unit.kind not in person.purposes):
                report(Violation(f"purpose_{unit.kind}", (pid,), unit.code))
            elif inst.target_units is not None and unit.id not in inst.target_units:
                report(Violation("not_target", (pid,), unit.code))

    for bid, users in bed_users.items():
        if len(users) > 1:
            report(Violation("bed_shared", tuple(users), str(bid)))
    for cid, occ in occupants.items():
        cell = cells[cid]
        beds_in_service = sum(1 for b in cell.beds if b.in_service)
        if len(occ) > beds_in_service:
            report(Violation("over_capacity", tuple(occ), cell.code))
        if cell.single_occupancy and len(occ) > 1:
            report(Violation("single_occupancy", tuple(occ), cell.code))
        sexes = {people[x].sex for x in occ}
        if len(sexes) > 1:
            report(Violation("sex_mixed", tuple(occ), cell.code))
        for i, a in enumerate(occ):
            for b in occ[i + 1:]:
                if inst.vulnerable_violent(people[a], people[b]):
                    v = Violation("vulnerable_violent", (a, b), cell.code)
                    # Found together before the plan (both still in their own cell): not the plan's doing.
                    (pre.append(v) if people[a].cell == people[b].cell == cid else report(v))

    seen: set[tuple[int, int, str]] = set()
    for o in inst.orders:
        if o.a not in where or o.b not in where or o.a == o.b:
            continue
        key = (min(o.a, o.b), max(o.a, o.b), o.scope)
        if key in seen:
            continue
        seen.add(key)
        ca, cb = where[o.a][0], where[o.b][0]
        if ca not in cells or cb not in cells:
            continue
        ua, ub = units[cells[ca].unit], units[cells[cb].unit]
        together = (
            (o.scope == "cell" and ca == cb)
            or (o.scope == "unit" and ua.id == ub.id)
            or (o.scope == "facility" and ua.facility == ub.facility)
        )
        if together:
            place = cells[ca].code if o.scope == "cell" else ua.code if o.scope == "unit" else ua.facility_code
            violation = Violation(f"keep_apart_{o.scope}", (o.a, o.b), place or str(ua.facility))
            oa, ob = people[o.a].cell if o.a in people else None, people[o.b].cell if o.b in people else None
            if oa in cells and ob in cells and _closeness(cells, units, ca, cb) <= _closeness(cells, units, oa, ob):
                # Broken before the plan too, and the plan brings the pair no closer (it may take them
                # further apart, which a keep-apart rule never refuses): not the plan's doing.
                pre.append(violation)
            else:
                report(violation)
    return Report(bad, pre)


def _closeness(cells: dict, units: dict, a: int, b: int) -> int:
    """3 in one cell, 2 in one unit, 1 in one facility, 0 apart."""
    if a == b:
        return 3
    ua, ub = cells[a].unit, cells[b].unit
    if ua == ub:
        return 2
    return 1 if units[ua].facility == units[ub].facility else 0
