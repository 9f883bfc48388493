"""Permission-filtered reads of facilities, units and cells, with their occupancy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from emerald.accounts.permissions import allowed
from emerald.core.access import deny_read
from emerald.facilities.models import Bed, Cell, Unit
from emerald.housing.models import Placement


def units_visible_to(actor: Any) -> QuerySet[Unit]:
    if not allowed(actor, "unit.view"):
        return Unit.objects.none()
    return Unit.objects.select_related("facility")


def unit_list(*, actor: Any) -> list[Unit]:
    """Every unit with ``capacity`` (beds in service), ``occupied`` and ``certified`` set. Three queries."""
    units = list(units_visible_to(actor).order_by("facility__code", "code"))
    ids = [u.pk for u in units]
    beds = dict(
        Bed.objects.filter(cell__unit_id__in=ids, in_service=True, cell__in_service=True)
        .values_list("cell__unit_id").annotate(n=Count("id")).values_list("cell__unit_id", "n")
    )
    certified: dict[int, int] = {}
    for unit_id, cap in Cell.objects.filter(unit_id__in=ids, in_service=True).values_list("unit_id", "certified_capacity"):
        certified[unit_id] = certified.get(unit_id, 0) + cap
    occupied = dict(
        Placement.objects.filter(unit_id__in=ids, end_at__isnull=True)
        .values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n")
    )
    for unit in units:
        unit.capacity = beds.get(unit.pk, 0)  # type: ignore[attr-defined]
        unit.certified = certified.get(unit.pk, 0)  # type: ignore[attr-defined]
        unit.occupied = occupied.get(unit.pk, 0)  # type: ignore[attr-defined]
        unit.free = max(unit.capacity - unit.occupied, 0)  # type: ignore[attr-defined]
        unit.over_certified = max(unit.occupied - unit.certified, 0)  # type: ignore[attr-defined]
    return units


def unit_get(*, actor: Any, unit_id: Any) -> Unit:
    try:
        pk = int(unit_id)
    except (TypeError, ValueError):
        pk = None
    unit = units_visible_to(actor).filter(pk=pk).first() if pk is not None else None
    if unit is None:
        raise deny_read(actor, "unit.view", "unit", unit_id)
    return unit


@dataclass
class Occupant:
    inmate_number: str
    name: str
    person_id: int
    bed_number: int
    since: Any
    keep_apart: list[str] = field(default_factory=list)  # sentences, only for roles that may see orders


@dataclass
class CellRow:
    cell: Cell
    capacity: int
    occupants: list[Occupant]

    @property
    def free(self) -> int:
        return max(self.capacity - len(self.occupants), 0)

    @property
    def over_certified(self) -> bool:
        return len(self.occupants) > self.cell.certified_capacity


def cell_rows(*, actor: Any, cells: QuerySet[Cell] | list[Cell]) -> list[CellRow]:
    """Cells with their beds and occupants, in a fixed number of queries whatever the size."""
    cells = list(cells)
    ids = [c.pk for c in cells]
    beds = dict(
        Bed.objects.filter(cell_id__in=ids, in_service=True).values("cell_id").annotate(n=Count("id"))
        .values_list("cell_id", "n")
    )
    by_cell: dict[int, list[Occupant]] = {pk: [] for pk in ids}
    placements = (
        Placement.objects.filter(cell_id__in=ids, end_at__isnull=True)
        .select_related("person", "bed").order_by("bed__number")
    )
    for p in placements:
        by_cell[p.cell_id].append(
            Occupant(p.person.inmate_number, p.person.full_name, p.person_id, p.bed.number, p.start_at)
        )
    if allowed(actor, "non_association.view"):
        _attach_keep_apart(by_cell, cells)
    return [CellRow(c, beds.get(c.pk, 0) if c.in_service else 0, by_cell[c.pk]) for c in cells]


def _attach_keep_apart(by_cell: dict[int, list[Occupant]], cells: list[Cell]) -> None:
    """Mark occupants whose open orders are broken where they are now (e.g. an order made for cellmates)."""
    from emerald.housing.rules import open_orders_q
    from emerald.housing.models import NonAssociation, Scope

    people = {o.person_id: (cell_id, o) for cell_id, occ in by_cell.items() for o in occ}
    if not people:
        return
    unit_of_cell = {c.pk: c.unit_id for c in cells}
    orders = NonAssociation.objects.filter(open_orders_q()).filter(
        Q(person_a_id__in=people) & Q(person_b_id__in=people)
    ).select_related("person_a", "person_b")
    for order in orders:
        ca, oa = people[order.person_a_id]
        cb, ob = people[order.person_b_id]
        together = (order.scope == Scope.CELL and ca == cb) or (
            order.scope in (Scope.UNIT, Scope.FACILITY) and unit_of_cell.get(ca) == unit_of_cell.get(cb)
        )
        if together:
            oa.keep_apart.append(f"{ob.name} ({order.get_scope_display()})")
            ob.keep_apart.append(f"{oa.name} ({order.get_scope_display()})")


def unit_board(*, actor: Any, unit_id: Any) -> tuple[Unit, list[CellRow]]:
    """A unit with every cell, its occupants and keep-apart warnings."""
    unit = unit_get(actor=actor, unit_id=unit_id)
    return unit, cell_rows(actor=actor, cells=Cell.objects.filter(unit=unit).select_related("unit").order_by("code"))


def cell_get(*, actor: Any, cell_id: Any) -> Cell:
    try:
        pk = int(cell_id)
    except (TypeError, ValueError):
        pk = None
    cell = (
        Cell.objects.select_related("unit", "unit__facility").filter(pk=pk).first()
        if pk is not None and allowed(actor, "unit.view") else None
    )
    if cell is None:
        raise deny_read(actor, "unit.view", "cell", cell_id)
    return cell
