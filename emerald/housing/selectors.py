"""Permission-filtered reads of housing: the roll, placement history, keep-apart orders, move previews."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from emerald.accounts.permissions import allowed
from emerald.core import clock
from emerald.core.access import deny_read, require_list
from emerald.facilities.models import Cell, Facility, Unit
from emerald.facilities.selectors import unit_list
from emerald.housing.models import NonAssociation, Placement
from emerald.housing.rules import check_cells, open_orders_q
from emerald.people.models import Person
from emerald.people.visibility import may_know_sealed


def current_placement(person: Person) -> Placement | None:
    return (
        Placement.objects.select_related("cell", "unit", "unit__facility", "bed")
        .filter(person=person, end_at__isnull=True).first()
    )


def placement_history(*, actor: Any, person: Person) -> QuerySet[Placement]:
    """The whole housing history of a person, newest first."""
    if not allowed(actor, "placement.view"):
        raise deny_read(actor, "placement.view", "person", person.inmate_number)
    return (
        Placement.objects.filter(person=person)
        .select_related("cell", "unit", "ordered_by", "ended_by")
        .order_by("-start_at", "-id")
    )


def roll(*, actor: Any, at: datetime | None = None) -> dict[str, Any]:
    """Who is where, now or as of any past moment, from the placement history.

    ``at`` None is the live roll (open placements); otherwise every placement
    that had started at ``at`` and not yet ended. Two queries whatever the size.
    """
    require_list(actor, "roll.view", "roll")
    moment = at or clock.now()
    if at is None:
        live = Placement.objects.filter(end_at__isnull=True)
    elif connection.vendor == "postgresql":
        # The same condition as below, written as the expression of the SP-GiST index of housing
        # migration 0003, so a past roll reads only the placements open at ``at``, not the whole history.
        live = Placement.objects.extra(
            where=["tstzrange(housing_placement.start_at, housing_placement.end_at, '[)') @> %s::timestamptz"],
            params=[at],
        )
    else:
        live = Placement.objects.filter(start_at__lte=at).filter(Q(end_at__isnull=True) | Q(end_at__gt=at))
    people_by_unit: dict[int, list[str | None]] = {}
    hidden_by_unit: dict[int, int] = {}
    # A person the reader may not know (a sealed record) is counted, not named: null, after the named ones,
    # so not even their place in the order of numbers says who they are.
    sees_sealed = may_know_sealed(actor)
    for unit_id, number, sealed in live.values_list("unit_id", "person__inmate_number", "person__sealed").order_by(
            "person__inmate_number"):
        if sealed and not sees_sealed:
            hidden_by_unit[unit_id] = hidden_by_unit.get(unit_id, 0) + 1
        else:
            people_by_unit.setdefault(unit_id, []).append(number)
    for unit_id, n in hidden_by_unit.items():
        people_by_unit.setdefault(unit_id, []).extend([None] * n)
    units = unit_list(actor=actor)
    facilities: dict[int, dict[str, Any]] = {}
    for f in Facility.objects.order_by("code"):
        facilities[f.pk] = {"code": f.code, "name": f.name, "units": []}
    total = 0
    for unit in units:
        people = people_by_unit.get(unit.pk, [])
        total += len(people)
        facilities[unit.facility_id]["units"].append({
            "id": unit.pk, "code": unit.code, "name": unit.name,
            "capacity": unit.capacity,  # type: ignore[attr-defined]
            "occupied": len(people), "people": people, "hidden": hidden_by_unit.get(unit.pk, 0),
        })
    return {"at": moment, "total": total, "facilities": [f for f in facilities.values() if f["units"]]}


def non_associations_visible_to(actor: Any) -> QuerySet[NonAssociation]:
    if not allowed(actor, "non_association.view"):
        return NonAssociation.objects.none()
    return NonAssociation.objects.select_related("person_a", "person_b", "created_by", "closed_by")


def non_association_list(*, actor: Any, person: Person | None = None, include_closed: bool = False) -> QuerySet[NonAssociation]:
    """Open orders (or all, with ``include_closed``), optionally those of one person."""
    require_list(actor, "non_association.view", "non_association")
    qs = non_associations_visible_to(actor)
    if not include_closed:
        qs = qs.filter(open_orders_q())
    if person is not None:
        qs = qs.filter(Q(person_a=person) | Q(person_b=person))
    return qs.order_by("-created_at", "-id")


def non_association_get(*, actor: Any, order_id: Any) -> NonAssociation:
    try:
        pk = int(order_id)
    except (TypeError, ValueError):
        pk = None
    order = non_associations_visible_to(actor).filter(pk=pk).first() if pk is not None else None
    if order is None:
        raise deny_read(actor, "non_association.view", "non_association", order_id)
    return order


def move_options(*, actor: Any, person: Person, unit: Unit | None = None) -> list[dict[str, Any]]:
    """For the move dialog: each cell (of one unit, or every open unit) and what a move there would meet.

    Keep-apart details are shown only to roles that may see the orders; others
    learn only that the cell is refused.
    """
    cells = Cell.objects.select_related("unit", "unit__facility").order_by("unit__code", "code")
    cells = cells.filter(unit=unit) if unit is not None else cells.filter(unit__status="open")
    current = current_placement(person)
    see_orders = allowed(actor, "non_association.view")
    options = []
    cells = [cell for cell in cells if not (current and cell.pk == current.cell_id)]
    for cell, check in zip(cells, check_cells(person, cells), strict=True):
        options.append({
            "cell": cell,
            "ok": check.ok,
            "unavailable": check.unavailable or (check.needs.detail if check.needs is not None else ""),
            "full": check.full,
            "conflicts": [c.sentence(person) for c in check.conflicts] if see_orders else [],
            "has_conflicts": bool(check.conflicts),
        })
    return options
