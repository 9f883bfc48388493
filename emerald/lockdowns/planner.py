"""The re-housing planner: a transparent greedy that asks the housing rules' own questions.

Why a greedy and not an optimiser: on the night of a riot the staff must be
able to read *why* each person goes where, and the answer must be the one the
services will give when the moves are made. The planner therefore fills the
targets in the order given, most constrained people first, and checks each
choice against the plan as it fills (the people already planned into a cell
count as its occupants), exactly as the services will see the facility when
the moves are made one after another in the same order.

Rules applied (those of ``emerald.housing.rules.check_cell``):

* the cell is in service and its unit is not closed;
* the cell has a free bed in service (a single-occupancy cell holds one);
* no open keep-apart order of the person is broken by anyone where they will
  be at that moment: people who stay put, people already planned, and movers
  not yet planned (who are still in their old cell).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from emerald.facilities.models import Bed, Cell, Unit, UnitStatus
from emerald.housing.models import NonAssociation, Placement, Scope
from emerald.housing.rules import KeepApartConflict, open_orders_q
from emerald.people.models import Person


@dataclass
class Mover:
    person: Person
    from_cell: Cell | None
    from_unit_id: int | None
    preferred_unit: Unit | None = None
    preferred_cell: Cell | None = None
    # Filled by the planner.
    to_cell: Cell | None = None
    problem_code: str = ""
    problem: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Where:
    cell_id: int
    cell_code: str
    unit_id: int
    unit_code: str
    facility_id: int
    facility_code: str


def _where_of_cell(cell: Cell) -> Where:
    return Where(cell.pk, cell.code, cell.unit_id, cell.unit.code, cell.unit.facility_id, cell.unit.facility.code)


def _breaks(scope: str, here: Where, there: Where) -> str:
    """The code of the place two people would share against an order of ``scope``, or ''."""
    if scope == Scope.CELL and here.cell_id == there.cell_id:
        return there.cell_code
    if scope == Scope.UNIT and here.unit_id == there.unit_id:
        return there.unit_code
    if scope == Scope.FACILITY and here.facility_id == there.facility_id:
        return there.facility_code
    return ""


def _free_beds(cells: list[Cell]) -> dict[int, int]:
    ids = [c.pk for c in cells]
    beds = dict(
        Bed.objects.filter(cell_id__in=ids, in_service=True).values("cell_id").annotate(n=Count("id"))
        .values_list("cell_id", "n")
    )
    taken = dict(
        Placement.objects.filter(cell_id__in=ids, end_at__isnull=True).values("cell_id").annotate(n=Count("id"))
        .values_list("cell_id", "n")
    )
    free = {}
    for c in cells:
        n_taken = taken.get(c.pk, 0)
        if c.single_occupancy:
            free[c.pk] = 0 if n_taken else min(1, beds.get(c.pk, 0))
        else:
            free[c.pk] = max(beds.get(c.pk, 0) - n_taken, 0)
    return free


def plan(movers: list[Mover], targets: list[Unit]) -> list[Mover]:
    """Decide a cell for each mover (or why none), in the order the moves will be made; returns that order."""
    target_ids = [u.pk for u in targets]
    cells = list(
        Cell.objects.filter(unit_id__in=target_ids).select_related("unit", "unit__facility").order_by("code")
    )
    rank = {uid: i for i, uid in enumerate(target_ids)}
    cells.sort(key=lambda c: (rank[c.unit_id], c.code))
    free = _free_beds(cells)
    mover_ids = {m.person.pk for m in movers}
    orders = list(
        NonAssociation.objects.filter(open_orders_q())
        .filter(Q(person_a_id__in=mover_ids) | Q(person_b_id__in=mover_ids))
        .select_related("person_a", "person_b")
    )
    orders_of: dict[int, list[NonAssociation]] = {}
    for o in orders:
        orders_of.setdefault(o.person_a_id, []).append(o)
        orders_of.setdefault(o.person_b_id, []).append(o)
    # Where everyone an order names is now; movers' entries change as the plan fills.
    involved = {o.person_a_id for o in orders} | {o.person_b_id for o in orders}
    where: dict[int, Where] = {
        p.person_id: _where_of_cell(p.cell)
        for p in Placement.objects.filter(person_id__in=involved, end_at__isnull=True).select_related(
            "cell", "cell__unit", "cell__unit__facility")
    }
    # Most constrained first: those with a preference, then those with the most orders; then stable.
    ordered = sorted(
        movers,
        key=lambda m: (
            0 if (m.preferred_cell or m.preferred_unit) else 1,
            -len(orders_of.get(m.person.pk, [])),
            m.from_cell.code if m.from_cell else "",
            m.person.inmate_number,
        ),
    )
    for mover in ordered:
        if mover.problem_code:
            continue
        _place_one(mover, cells, free, orders_of.get(mover.person.pk, []), where)
    return ordered


def _candidates(mover: Mover, cells: list[Cell]) -> list[Cell]:
    if mover.preferred_cell is not None:
        first = [c for c in cells if c.pk == mover.preferred_cell.pk]
    elif mover.preferred_unit is not None:
        first = [c for c in cells if c.unit_id == mover.preferred_unit.pk]
    else:
        first = []
    chosen = {c.pk for c in first}
    return first + [c for c in cells if c.pk not in chosen]


def _place_one(
    mover: Mover, cells: list[Cell], free: dict[int, int], orders: list[NonAssociation], where: dict[int, Where]
) -> None:
    person = mover.person
    # The first problem met in each unit tried (keep-apart outranks a full cell: it is the reason to tell).
    problems: dict[str, tuple[str, str]] = {}

    def note(unit_code: str, code: str, text: str) -> None:
        current = problems.get(unit_code)
        if current is None or (current[0] in ("no_bed", "unavailable") and code == "keep_apart"):
            problems[unit_code] = (code, text)

    for cell in _candidates(mover, cells):
        unit = cell.unit
        if not cell.in_service:
            note(unit.code, "unavailable", _("Cell %(cell)s is out of service.") % {"cell": cell.code})
            continue
        if unit.status == UnitStatus.CLOSED:
            note(unit.code, "unavailable", _("Unit %(unit)s is closed.") % {"unit": unit.code})
            continue
        if free.get(cell.pk, 0) <= 0:
            note(unit.code, "no_bed", _("No free bed in %(unit)s.") % {"unit": unit.code})
            continue
        here = _where_of_cell(cell)
        conflicts = []
        for order in orders:
            other = order.other(person.pk)
            there = where.get(other.pk)
            if there is None:
                continue
            shared = _breaks(order.scope, here, there)
            if shared:
                conflicts.append(KeepApartConflict(order, other, shared))
        if conflicts:
            note(unit.code, "keep_apart", " ".join(c.sentence(person) for c in conflicts))
            continue
        mover.to_cell = cell
        free[cell.pk] -= 1
        where[person.pk] = here
        if mover.preferred_cell is not None and mover.preferred_cell.pk != cell.pk:
            mover.notes.append(_("Not in the preferred cell %(cell)s.") % {"cell": mover.preferred_cell.code})
        for unit_code, (_code, text) in problems.items():
            if unit_code != unit.code:
                mover.notes.append(_("Not in %(unit)s: %(why)s") % {"unit": unit_code, "why": text})
        return
    codes = {code for code, _text in problems.values()}
    mover.problem_code = "keep_apart" if "keep_apart" in codes else ("no_bed" if "no_bed" in codes else "unavailable")
    mover.problem = " ".join(
        _("%(unit)s: %(why)s") % {"unit": unit_code, "why": text} for unit_code, (_code, text) in problems.items()
    ) or _("No target cell is available.")
