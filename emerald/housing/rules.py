"""The housing rules every admission and move must pass, in one place.

Kept apart from the services so that previews (the move dialog, later the
optimiser and re-housing) ask exactly the same questions the services do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from emerald.core import clock
from emerald.facilities.models import Bed, Cell, UnitStatus
from emerald.housing.models import NonAssociation, Placement, Scope
from emerald.housing.visibility import reason_code, reason_label
from emerald.people.models import Person
from emerald.people.visibility import display_name, person_ref


def open_orders_q(at: datetime | None = None) -> Q:
    """Orders in force at ``at`` (default now): not closed and not expired."""
    at = at or clock.now()
    return Q(closed_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=at))


def open_orders_for(person_id: int) -> Any:
    return (
        NonAssociation.objects.filter(open_orders_q())
        .filter(Q(person_a_id=person_id) | Q(person_b_id=person_id))
        .select_related("person_a", "person_b")
    )


@dataclass
class KeepApartConflict:
    order: NonAssociation
    other: Person
    where: str  # the code of the cell, unit or facility they would share

    def as_dict(self) -> dict[str, Any]:
        return {
            "non_association_id": self.order.pk,
            "other": person_ref(self.other),
            "scope": self.order.scope,
            "reason": reason_code(self.order),
            "where": self.where,
        }

    def sentence(self, person: Person) -> str:
        # As the reader may see them: a sealed "other" is named by the placeholder (emerald/people/visibility.py).
        return _("%(a)s must be kept apart from %(b)s (%(scope)s, %(reason)s): %(b)s is in %(where)s.") % {
            "a": display_name(person),
            "b": display_name(self.other),
            "scope": self.order.get_scope_display(),
            "reason": reason_label(self.order),
            "where": self.where,
        }


def keep_apart_conflicts(person: Person, cell: Cell) -> list[KeepApartConflict]:
    """Every open order of ``person`` that placing them in ``cell`` would break."""
    return _KeepApart(person).conflicts_in(cell)


#: How close two people are: in one cell (3), one unit (2), one facility (1), or apart (0).
_SCOPE_CLOSENESS = {Scope.CELL: 3, Scope.UNIT: 2, Scope.FACILITY: 1}


def _closeness(cell_id: int, unit_id: int, facility_id: int, other: Placement) -> int:
    if other.cell_id == cell_id:
        return 3
    if other.unit_id == unit_id:
        return 2
    return 1 if other.unit.facility_id == facility_id else 0


class _KeepApart:
    """A person's open orders and where the others are now, read once and asked about many cells.

    A move that would put the person within an order's scope of the other is a conflict — unless the
    person is already within it *and* the move takes them further away (a cell order's pair split into
    two cells of a unit; the suspect of a facility order moved from the victim's unit to another unit).
    A rule that refused the move that ends or reduces a breach would keep the breach forever.
    """

    def __init__(self, person: Person, from_cell: Cell | None = None) -> None:
        self.person = person
        self.orders = list(open_orders_for(person.pk))
        other_ids = {o.person_b_id if o.person_a_id == person.pk else o.person_a_id for o in self.orders}
        self.where_now = {
            p.person_id: p
            for p in Placement.objects.filter(person_id__in=other_ids | {person.pk}, end_at__isnull=True)
            .select_related("cell", "unit", "unit__facility")
        } if other_ids else {}
        here = self.where_now.pop(person.pk, None)
        # Where the person is moving from: their open placement, or the cell a move has just left (the move
        # service closes the old placement before it asks).
        self.here: tuple[int, int, int] | None = (
            (here.cell_id, here.unit_id, here.unit.facility_id) if here is not None
            else (from_cell.pk, from_cell.unit_id, from_cell.unit.facility_id) if from_cell is not None else None)

    def conflicts_in(self, cell: Cell) -> list[KeepApartConflict]:
        unit = cell.unit
        conflicts = []
        for order in self.orders:
            other = order.other(self.person.pk)
            placement = self.where_now.get(other.pk)
            if placement is None:
                continue
            limit = _SCOPE_CLOSENESS[Scope(order.scope)]
            then = _closeness(cell.pk, unit.pk, unit.facility_id, placement)
            if then < limit:
                continue
            if self.here is not None and then < _closeness(*self.here, placement):
                continue  # reduces a breach that exists now: allowed, never refused
            where = {3: placement.cell.code, 2: placement.unit.code, 1: placement.unit.facility.code}[limit]
            conflicts.append(KeepApartConflict(order, other, where))
        return conflicts


@dataclass
class CellCheck:
    """What placing a person in a cell would meet: the first blocking problem, and every conflict."""

    cell: Cell
    free_bed: Bed | None = None
    #: Every free bed the person may take, in order of preference (``free_bed`` is the first).
    beds: list[Bed] = field(default_factory=list)
    unavailable: str = ""
    full: bool = False
    conflicts: list[KeepApartConflict] = field(default_factory=list)
    #: A need of the person that the cell cannot meet (e.g. a medical custody note), from a registered cell check.
    needs: NeedRefusal | None = None

    @property
    def ok(self) -> bool:
        return not self.unavailable and not self.full and not self.conflicts and self.needs is None


def free_beds(cell: Cell) -> list[Bed]:
    """Every bed in service with nobody in it, lowest number first (none when a single cell is taken)."""
    return free_beds_of([cell])[cell.pk]


def free_beds_of(cells: list[Cell]) -> dict[int, list[Bed]]:
    """:func:`free_beds` of many cells in two queries: cell id -> its free beds, lowest number first."""
    ids = [c.pk for c in cells]
    taken: dict[int, set[int]] = {pk: set() for pk in ids}
    for cell_id, bed_id in Placement.objects.filter(cell_id__in=ids, end_at__isnull=True).values_list(
            "cell_id", "bed_id"):
        taken[cell_id].add(bed_id)
    free: dict[int, list[Bed]] = {pk: [] for pk in ids}
    for bed in Bed.objects.filter(cell_id__in=ids, in_service=True).order_by("cell_id", "number"):
        if bed.pk not in taken[bed.cell_id]:
            free[bed.cell_id].append(bed)
    for cell in cells:
        if cell.single_occupancy and taken[cell.pk]:
            free[cell.pk] = []
    return free


def free_bed(cell: Cell) -> Bed | None:
    """The lowest-numbered bed in service with nobody in it, or None (also when a single cell is taken)."""
    beds = free_beds(cell)
    return beds[0] if beds else None


@dataclass
class NeedRefusal:
    """Why a cell cannot meet a person's needs; ``code`` is the 409 code the move service answers."""

    code: str
    detail: str


# Areas that know what a person needs of a cell (the health app: custody notes such as a bottom bunk or medical
# isolation) register a check here from their AppConfig.ready(), so housing never imports them and the move
# dialog, planners and services all ask the same question.
_cell_checks: list[Any] = []


def register_cell_check(check: Any) -> None:
    """Add ``check(person, cell, beds) -> (beds, NeedRefusal | None)``: of the free ``beds`` (lowest number
    first), those the person may take, in order of preference, or why the cell will not do. Registering the
    same function twice is a no-op."""
    if check not in _cell_checks:
        _cell_checks.append(check)


def check_cell(person: Person, cell: Cell, *, from_cell: Cell | None = None) -> CellCheck:
    """Ask every housing rule about placing ``person`` in ``cell``, without changing anything.

    ``from_cell``: where a move starts when the person's placement there is already closed.
    """
    return check_cells(person, [cell], from_cell=from_cell)[0]


def check_cells(person: Person, cells: list[Cell], *, from_cell: Cell | None = None) -> list[CellCheck]:
    """:func:`check_cell` for many cells (give them with their unit loaded), in a handful of queries.

    The move dialog asks about every cell of a unit; asked one by one that was five queries a cell.
    """
    cells = list(cells)
    beds_of = free_beds_of(cells)
    keep_apart = _KeepApart(person, from_cell)
    # A registered check may offer ``bind(person)``: read what it needs of the person once, not per cell.
    checks = [c.bind(person) if hasattr(c, "bind") else c for c in _cell_checks]
    results = []
    for cell in cells:
        result = CellCheck(cell=cell)
        if not cell.in_service:
            result.unavailable = _("Cell %(cell)s is out of service: %(reason)s") % {
                "cell": cell.code, "reason": cell.out_of_service_reason}
        elif cell.unit.status == UnitStatus.CLOSED:
            result.unavailable = _("Unit %(unit)s is closed.") % {"unit": cell.unit.code}
        beds = beds_of[cell.pk]
        result.full = not beds
        for check in checks:
            if not beds or result.needs is not None:
                break
            beds, result.needs = check(person, cell, beds)
        result.beds = list(beds) if result.needs is None else []
        result.free_bed = result.beds[0] if result.beds else None
        result.conflicts = keep_apart.conflicts_in(cell)
        results.append(result)
    return results


def explain_refusals(person: Person, checks: list[CellCheck], where: str) -> str:
    """Why none of the checked cells can take ``person``, in words an officer understands: the free beds
    there were, then each rule that ruled cells out and how many, e.g. "No cell in B can take Miguel
    Alvarez now: 16 free beds; 10 cells refused by keep-apart orders (unit, Simon Adebisi), 6 by: Needs a
    lower bunk." People are named as the reader may see them; a confidential reason stays confidential.
    """
    free = sum(len(c.beds) if c.needs is None else 0 for c in checks)
    free_any = sum(1 for c in checks if not c.full and not c.unavailable)
    counts: dict[str, int] = {}

    def count(key: str) -> None:
        counts[key] = counts.get(key, 0) + 1

    for c in checks:
        if c.ok:
            continue
        if c.unavailable:
            count(_("out of service or closed"))
        elif c.full:
            count(_("full"))
        elif c.conflicts:
            k = c.conflicts[0]
            count(_("keep-apart orders (%(scope)s, %(name)s)") % {
                "scope": k.order.get_scope_display(), "name": display_name(k.other)})
        elif c.needs is not None:
            count(c.needs.detail)
    parts = "; ".join(
        _("%(n)d refused by %(why)s") % {"n": n, "why": why}
        for why, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return _("No cell in %(where)s can take %(name)s now: %(cells)d cells, %(free)d with a free bed, "
             "%(beds)d free beds; %(parts)s.") % {
        "where": where, "name": display_name(person), "cells": len(checks), "free": free_any, "beds": free,
        "parts": parts or _("none checked")}


# Areas that can suspend moves (the lockdowns app) register a guard here from their AppConfig.ready(), so
# housing never imports them and the move dialog, planners and services all ask the same question.
_move_guards: list[Any] = []


def register_move_guard(guard: Any) -> None:
    """Add a guard: an object with ``locks_for(cell, source_unit_id) -> list`` (restrictions in force, each
    with ``sentence()`` and ``as_dict()``) and ``record_emergency(actor=, placement=, locks=, reason=,
    from_cell=)``. Registering the same kind of guard twice is a no-op."""
    if not any(type(g) is type(guard) for g in _move_guards):
        _move_guards.append(guard)


def locked_areas_for(cell: Cell, source_unit_id: int | None = None) -> list[Any]:
    """Every lockdown in force that a move into ``cell`` from ``source_unit_id`` (None: admission) crosses."""
    return [lock for guard in _move_guards for lock in guard.locks_for(cell, source_unit_id)]


def record_emergency_move(*, actor: Any, placement: Placement, locks: list[Any], reason: str,
                          from_cell: Cell | None = None) -> None:
    """Flag a placement made across ``locks`` for review (each guard records its own kind)."""
    for guard in _move_guards:
        guard.record_emergency(actor=actor, placement=placement, locks=locks, reason=reason, from_cell=from_cell)
