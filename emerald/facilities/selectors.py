"""Permission-filtered reads of facilities, units and cells, with their occupancy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from emerald.accounts.permissions import allowed
from emerald.core.access import deny_read
from emerald.facilities.models import Bed, Cell, Facility, Unit
from emerald.housing.models import Placement
from emerald.people import visibility


def units_visible_to(actor: Any) -> QuerySet[Unit]:
    if not allowed(actor, "unit.view"):
        return Unit.objects.none()
    return Unit.objects.select_related("facility")


def facility_list(*, actor: Any) -> list[Facility]:
    """Every facility, by code, for anyone who may see units (deny by default: others get an empty list)."""
    if not allowed(actor, "unit.view"):
        return []
    return list(Facility.objects.order_by("code"))


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
    """Who holds a bed, as the reader may see them: ``number`` is "" for a person they may not know."""

    number: str
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
    # A person the reader may not know (a sealed record) still takes a bed: counted, not named.
    for p in placements:
        by_cell[p.cell_id].append(Occupant(visibility.display_number(p.person, actor) or "",
                                           visibility.display_name(p.person, actor), p.person_id, p.bed.number,
                                           p.start_at))
    if allowed(actor, "non_association.view"):
        _attach_keep_apart(by_cell, cells, actor)
    return [CellRow(c, beds.get(c.pk, 0) if c.in_service else 0, by_cell[c.pk]) for c in cells]


def _attach_keep_apart(by_cell: dict[int, list[Occupant]], cells: list[Cell], actor: Any) -> None:
    """Mark occupants whose open orders are broken where they are now (e.g. an order made for cellmates).

    The other person may be anywhere: a facility-scope order is broken by someone in another unit of the
    same facility, who is not on this board. One query, whatever the number of occupants.
    """
    from django.db.models import OuterRef, Subquery

    from emerald.housing.models import NonAssociation, Scope
    from emerald.housing.rules import open_orders_q

    people = {o.person_id: o for occupants in by_cell.values() for o in occupants}
    if not people:
        return

    def where(side: str, field: str) -> Subquery:
        return Subquery(
            Placement.objects.filter(person_id=OuterRef(side), end_at__isnull=True).values(field)[:1]
        )

    orders = (
        NonAssociation.objects.filter(open_orders_q())
        .filter(Q(person_a_id__in=people) | Q(person_b_id__in=people))
        .select_related("person_a", "person_b")
        .annotate(
            a_cell=where("person_a", "cell_id"), b_cell=where("person_b", "cell_id"),
            a_unit=where("person_a", "unit_id"), b_unit=where("person_b", "unit_id"),
            a_facility=where("person_a", "unit__facility_id"), b_facility=where("person_b", "unit__facility_id"),
        )
    )
    level = {Scope.CELL: "cell", Scope.UNIT: "unit", Scope.FACILITY: "facility"}
    for order in orders:
        at = level.get(order.scope)
        a_at, b_at = getattr(order, f"a_{at}", None), getattr(order, f"b_{at}", None)
        if a_at is None or a_at != b_at:
            continue
        scope = order.get_scope_display()
        if order.person_a_id in people:
            people[order.person_a_id].keep_apart.append(
                f"{visibility.display_name(order.person_b, actor)} ({scope})")
        if order.person_b_id in people:
            people[order.person_b_id].keep_apart.append(
                f"{visibility.display_name(order.person_a, actor)} ({scope})")


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
