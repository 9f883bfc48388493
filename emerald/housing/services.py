"""Writes on housing: admission, moves, release, and keep-apart orders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from emerald.accounts.models import Role
from emerald.accounts.permissions import allowed, manages_unit, role_of
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import forbid, hidden, require
from emerald.core.errors import Conflict, field_error
from emerald.core.services import require_text, service
from emerald.facilities.models import Cell
from emerald.housing.models import KeepApartReason, NonAssociation, Placement, PlacementKind, Scope
from emerald.housing.rules import (
    check_cell,
    keep_apart_conflicts,
    locked_areas_for,
    open_orders_q,
    record_emergency_move,
)
from emerald.people.models import Person, PersonStatus, ReleaseKind, Stay
from emerald.people.visibility import display_name

#: Callbacks run at the end of every admission, move and release, inside the same transaction, so other
#: areas react atomically (education suspends a student sent to segregation). Each is called with keyword
#: arguments ``actor``, ``person``, ``event`` ("admit", "move" or "release"), ``before`` (the placement that
#: ended, or None), ``after`` (the placement that began, or None) and ``release_kind`` ("" unless released).
#: Added for issue 5; register with :func:`register_after_placement_change`.
after_placement_change: list[Any] = []


def register_after_placement_change(callback: Any) -> None:
    """Add a callback (see ``after_placement_change``); registering the same one twice is a no-op."""
    if callback not in after_placement_change:
        after_placement_change.append(callback)


def _after_change(**kwargs: Any) -> None:
    for callback in list(after_placement_change):
        callback(**kwargs)


def _refuse(person: Person, detail: str, code: str, extra: dict[str, Any] | None = None) -> Conflict:
    """A business-rule refusal about ``person``: its audit entry names them by inmate number."""
    error = Conflict(detail, code=code, extra=extra)
    error.object_type, error.object_id = "person", person.inmate_number
    return error


def _lock_person(person: Person) -> Person:
    return Person.objects.select_for_update().get(pk=person.pk)


def _lock_cell(cell_id: Any) -> Cell:
    try:
        # The row lock on the target cell serialises everyone filling its beds (PostgreSQL);
        # SQLite serialises all writers anyway. Because of select_related, PostgreSQL also locks the
        # unit and facility rows: two admissions/moves into the same unit or facility queue up, so a
        # unit- or facility-scope keep-apart check never misses the other's uncommitted placement,
        # and unit_close (which locks the unit) cannot miss one either.
        return Cell.objects.select_for_update().select_related("unit", "unit__facility").get(pk=int(cell_id))
    except (Cell.DoesNotExist, TypeError, ValueError):
        raise field_error("cell_id", _("No such cell.")) from None


def _may_override(actor: Any, *unit_ids: int | None) -> bool:
    if not allowed(actor, "override.keep_apart"):
        return False
    if role_of(actor) == Role.UNIT_MANAGER:
        return any(manages_unit(actor, u) for u in unit_ids if u is not None)
    return True


def _may_emergency(actor: Any, *unit_ids: int | None) -> bool:
    """Who may move people across a lockdown (declared by the lockdowns app; nobody if it is absent)."""
    if not allowed(actor, "placement.emergency_move"):
        return False
    if role_of(actor) == Role.UNIT_MANAGER:
        return any(manages_unit(actor, u) for u in unit_ids if u is not None)
    return True


def _place(
    *, actor: Any, person: Person, cell: Cell, reason: str, override_reason: str, kind: str, source_unit_id: int | None,
    emergency: bool = False, emergency_reason: str = "", from_cell: Cell | None = None,
    start_at: datetime | None = None, bed: Any = None,
) -> Placement:
    """Run every rule, then open the placement. The caller has locked person and cell.

    ``start_at``: a move passes the moment it closed the previous placement, so the history has no gap
    in which the roll would show the person nowhere. ``bed``: see :func:`placement_move`.
    """
    override_reason = (override_reason or "").strip()
    if override_reason and not _may_override(actor, cell.unit_id, source_unit_id):
        raise forbid("person", person.inmate_number, _("You may not override keep-apart orders for this move."))
    emergency_reason = (emergency_reason or "").strip()
    if emergency:
        if not _may_emergency(actor, cell.unit_id, source_unit_id):
            raise forbid("person", person.inmate_number, _("You may not make emergency moves for this move."))
        if not emergency_reason:
            raise field_error("emergency_reason", _("An emergency move needs a reason."))
    # A lockdown refuses every move into, out of or within the locked area; an emergency move passes, flagged.
    locks = locked_areas_for(cell, source_unit_id)
    if locks and not emergency:
        raise _refuse(person, " ".join(lock.sentence() for lock in locks), "locked_down",
                      {"lockdowns": [lock.as_dict() for lock in locks]})
    check = check_cell(person, cell, from_cell=from_cell)
    if check.unavailable:
        raise _refuse(person, check.unavailable, "cell_unavailable")
    # A keep-apart conflict is reported before a full cell: it still forbids the cell once a bed frees up.
    if check.conflicts and not override_reason:
        detail = " ".join(c.sentence(person) for c in check.conflicts)
        raise _refuse(person, detail, "keep_apart", {"conflicts": [c.as_dict() for c in check.conflicts]})
    if check.needs is not None and not check.full:
        # A need of the person (a registered cell check, e.g. a medical custody note) the cell cannot meet.
        raise _refuse(person, check.needs.detail, check.needs.code)
    if check.full or check.free_bed is None:
        raise _refuse(person, _("Cell %(cell)s has no free bed.") % {"cell": cell.code}, "cell_full")
    wanted = _bed_id(bed)
    # A wanted bed is taken only if the rules allow it (free, in service, meeting the person's needs).
    chosen = next((b for b in check.beds if b.pk == wanted), check.free_bed)
    placement = Placement.objects.create(
        person=person, bed=chosen, cell=cell, unit=cell.unit, kind=kind, start_at=start_at or clock.now(),
        reason=reason, ordered_by=actor if getattr(actor, "pk", None) else None,
        override_reason=override_reason if check.conflicts else "",
    )
    placement._conflicts = check.conflicts  # type: ignore[attr-defined]
    placement._locks = locks  # type: ignore[attr-defined]
    placement._emergency_reason = emergency_reason  # type: ignore[attr-defined]
    if locks:
        record_emergency_move(actor=actor, placement=placement, locks=locks, reason=emergency_reason,
                              from_cell=from_cell)
    return placement


def _bed_id(bed: Any) -> int | None:
    if bed is None or bed == "":
        return None
    try:
        return int(getattr(bed, "pk", bed))
    except (TypeError, ValueError):
        raise field_error("bed", _("No such bed.")) from None


def _override_changes(placement: Placement) -> dict[str, Any]:
    conflicts = getattr(placement, "_conflicts", [])
    changes: dict[str, Any] = {}
    if conflicts:
        changes = {"override_reason": placement.override_reason,
                   "overridden_orders": [c.order.pk for c in conflicts]}
    locks = getattr(placement, "_locks", [])
    if locks:
        changes.update({"emergency_reason": getattr(placement, "_emergency_reason", ""),
                        "lockdowns": [lock.pk for lock in locks]})
    return changes


def _emergency_suffix(placement: Placement) -> str:
    return " as an emergency move during a lockdown" if getattr(placement, "_locks", None) else ""


@service("person.admit")
def person_admit(
    *, actor: Any, person: Person, cell_id: Any, reason: str, override_reason: str = "",
    emergency: bool = False, emergency_reason: str = "", bed: Any = None,
) -> Placement:
    """Admit a person to custody into a cell: opens a stay and the first placement of it.

    ``bed`` (a bed or its id): the bed to take if it is free and the person may take it; otherwise the
    first free bed the rules allow, as without it (see :func:`placement_move`).
    """
    require(actor, "person.admit", "person", person.inmate_number)
    reason = require_text(reason, "reason", _("A reason"))
    person = _lock_person(person)
    cell = _lock_cell(cell_id)
    if role_of(actor) == Role.UNIT_MANAGER and not manages_unit(actor, cell.unit_id):
        raise forbid("person", person.inmate_number, _("You may admit people only into the units you manage."))
    if person.status == PersonStatus.IN_CUSTODY:
        raise _refuse(person, _("%(name)s is already in custody.") % {"name": person.full_name}, "not_in_custody")
    if person.status == PersonStatus.DECEASED:
        raise _refuse(person, _("%(name)s is recorded as deceased.") % {"name": person.full_name}, "not_in_custody")
    placement = _place(actor=actor, person=person, cell=cell, reason=reason, override_reason=override_reason,
                       kind=PlacementKind.ADMISSION, source_unit_id=None,
                       emergency=emergency, emergency_reason=emergency_reason, bed=bed)
    Stay.objects.create(person=person, admitted_at=placement.start_at, admission_reason=reason,
                        admitted_by=placement.ordered_by)
    before = person.status
    person.status = PersonStatus.IN_CUSTODY
    person._history_user = actor  # type: ignore[attr-defined]
    person.save(update_fields=["status"])
    audit.record(actor=actor, action="person.admit", object_type="person", object_id=person.inmate_number,
                 changes={"status": [before, person.status], "cell": cell.code, "reason": reason,
                          **_override_changes(placement)},
                 summary=f"admitted {person.inmate_number} to {cell.code}"
                 + (" overriding a keep-apart order" if placement.override_reason else "")
                 + _emergency_suffix(placement))
    _after_change(actor=actor, person=person, event="admit", before=None, after=placement, release_kind="")
    return placement


def _check_expected(person: Person, current: Placement, cell_id: Any, placement_id: Any) -> None:
    def differs(expected: Any, actual: int) -> bool:
        if expected in (None, ""):
            return False
        try:
            return int(expected) != actual
        except (TypeError, ValueError):
            return True

    if differs(cell_id, current.cell_id) or differs(placement_id, current.pk):
        raise Conflict(
            _("%(name)s was moved meanwhile and is now in %(cell)s. Check where they are, then try again.")
            % {"name": display_name(person), "cell": current.cell.code},
            code="moved_meanwhile", extra={"current_cell_id": current.cell_id, "current_cell": current.cell.code,
                                            "current_placement_id": current.pk})


@service("placement.move")
def placement_move(
    *, actor: Any, person: Person, cell_id: Any, reason: str, override_reason: str = "",
    emergency: bool = False, emergency_reason: str = "", bed: Any = None,
    expected_cell_id: Any = None, expected_placement_id: Any = None,
) -> Placement:
    """Move a person in custody to another cell: closes the current placement and opens the next.

    ``expected_cell_id`` / ``expected_placement_id``: where the caller believes the person is (the cell, or
    the open placement an ``If-Match`` names). If someone moved them meanwhile, the move is refused with 409
    ``moved_meanwhile`` rather than carried out from a place the caller did not see.

    ``bed`` (a bed of the cell, or its id) is a preference, not a rule: it is taken if it is free and the
    person may take it (in service, meeting their needs, e.g. a lower bunk); otherwise the first free bed
    the rules allow, as without it. The housing optimiser passes the bed it planned.
    """
    require(actor, "placement.move", "person", person.inmate_number)
    reason = require_text(reason, "reason", _("A reason"))
    person = _lock_person(person)
    current = Placement.objects.select_related("cell", "unit").filter(person=person, end_at__isnull=True).first()
    if person.status != PersonStatus.IN_CUSTODY or current is None:
        raise _refuse(person, _("%(name)s is not in custody.") % {"name": person.full_name}, "not_in_custody")
    _check_expected(person, current, expected_cell_id, expected_placement_id)
    cell = _lock_cell(cell_id)
    if role_of(actor) == Role.UNIT_MANAGER and not (
        manages_unit(actor, cell.unit_id) or manages_unit(actor, current.unit_id)
    ):
        raise forbid("person", person.inmate_number, _("You may move people only into or out of the units you manage."))
    if cell.pk == current.cell_id:
        raise field_error("cell_id", _("%(name)s is already in %(cell)s.") % {"name": person.full_name, "cell": cell.code})
    now = clock.now()
    # Close first: the person's single-open-placement index would refuse the new one otherwise.
    Placement.objects.filter(pk=current.pk).update(end_at=now, end_reason=reason, ended_by=actor)
    placement = _place(actor=actor, person=person, cell=cell, reason=reason, override_reason=override_reason,
                       kind=PlacementKind.MOVE, source_unit_id=current.unit_id,
                       emergency=emergency, emergency_reason=emergency_reason, from_cell=current.cell,
                       start_at=now, bed=bed)
    audit.record(actor=actor, action="placement.move", object_type="person", object_id=person.inmate_number,
                 changes={"cell": [current.cell.code, cell.code], "reason": reason, **_override_changes(placement)},
                 summary=f"moved {person.inmate_number} from {current.cell.code} to {cell.code}"
                 + (" overriding a keep-apart order" if placement.override_reason else "")
                 + _emergency_suffix(placement))
    _after_change(actor=actor, person=person, event="move", before=current, after=placement, release_kind="")
    return placement


@service("person.release")
def person_release(
    *, actor: Any, person: Person, reason: str, kind: str = ReleaseKind.RELEASED
) -> Person:
    """End custody: close the placement and the stay. ``kind`` says how (released, escaped, deceased...)."""
    require(actor, "person.release", "person", person.inmate_number)
    reason = require_text(reason, "reason", _("A reason"))
    if kind not in ReleaseKind.values:
        raise field_error("kind", _("Unknown kind of release."))
    person = _lock_person(person)
    if person.status != PersonStatus.IN_CUSTODY:
        raise _refuse(person, _("%(name)s is not in custody.") % {"name": person.full_name}, "not_in_custody")
    current = Placement.objects.select_related("cell").filter(person=person, end_at__isnull=True).first()
    if role_of(actor) == Role.UNIT_MANAGER and not (current and manages_unit(actor, current.unit_id)):
        raise forbid("person", person.inmate_number, _("You may release only people in the units you manage."))
    now = clock.now()
    if current:
        Placement.objects.filter(pk=current.pk).update(end_at=now, end_reason=reason, ended_by=actor)
    Stay.objects.filter(person=person, released_at__isnull=True).update(
        released_at=now, release_reason=reason, release_kind=kind, released_by=actor
    )
    before = person.status
    person.status = kind
    person._history_user = actor  # type: ignore[attr-defined]
    person.save(update_fields=["status"])
    audit.record(actor=actor, action="person.release", object_type="person", object_id=person.inmate_number,
                 changes={"status": [before, kind], "reason": reason, "cell": current.cell.code if current else None},
                 summary=f"ended custody of {person.inmate_number} ({kind})"
                 + (f" from {current.cell.code}" if current else ""))
    _after_change(actor=actor, person=person, event="release", before=current, after=None, release_kind=kind)
    return person


def currently_together(person_a: Person, person_b: Person, scope: str) -> str:
    """Where two people already break an order of ``scope`` (a cell, unit or facility code), or ''."""
    placements = {
        p.person_id: p
        for p in Placement.objects.filter(person__in=[person_a, person_b], end_at__isnull=True).select_related(
            "cell", "unit", "unit__facility")
    }
    pa, pb = placements.get(person_a.pk), placements.get(person_b.pk)
    if not pa or not pb:
        return ""
    if scope == Scope.CELL and pa.cell_id == pb.cell_id:
        return pa.cell.code
    if scope == Scope.UNIT and pa.unit_id == pb.unit_id:
        return pa.unit.code
    if scope == Scope.FACILITY and pa.unit.facility_id == pb.unit.facility_id:
        return pa.unit.facility.code
    return ""


def _unit_ids_of(*people: Person) -> list[int]:
    return list(Placement.objects.filter(person__in=people, end_at__isnull=True).values_list("unit_id", flat=True))


@service("non_association.create")
def non_association_create(
    *, actor: Any, person_a: Person, person_b: Person, scope: str, reason: str, comment: str = "",
    expires_at: datetime | None = None, confidential: bool = False,
) -> NonAssociation:
    """Order two people kept apart. Allowed even if they are together now: the answer says so.

    ``confidential`` (an order made from a restricted record): its reason and comment are shown only to
    those who may know them (emerald/housing/visibility.py).
    """
    require(actor, "non_association.create", "non_association", "")
    errors: dict[str, list[str]] = {}
    if person_a.pk == person_b.pk:
        errors["person_b"] = [_("A person cannot be kept apart from themselves.")]
    if scope not in Scope.values:
        errors["scope"] = [_("Choose cell, unit or facility.")]
    if reason not in KeepApartReason.values:
        errors["reason"] = [_("Choose one of the listed reasons.")]
    now = clock.now()
    if expires_at is not None and expires_at.utcoffset() is None:
        # Comparing a naive time with "now" would be a 500; which zone was meant is the caller's to say.
        errors["expires_at"] = [_("Give the expiry with its time zone.")]
    elif expires_at is not None and expires_at <= now:
        errors["expires_at"] = [_("The expiry must be in the future.")]
    if errors:
        from emerald.core.errors import Invalid

        raise Invalid(_("Some fields need correcting."), fields=errors)
    a, b = sorted([person_a, person_b], key=lambda p: p.pk)
    existing = NonAssociation.objects.select_for_update().filter(person_a=a, person_b=b, closed_at__isnull=True).first()
    if existing is not None:
        if existing.expires_at is not None and existing.expires_at <= now:
            # An expired order no longer binds; close it on the record so the new one can open.
            NonAssociation.objects.filter(pk=existing.pk).update(
                closed_at=now, closed_by=actor, close_reason="expired; superseded by a new order")
        else:
            raise Conflict(
                _("%(a)s and %(b)s already have an open keep-apart order (#%(id)d); close it first to change it.")
                % {"a": a.full_name, "b": b.full_name, "id": existing.pk},
                code="already_exists", extra={"non_association_id": existing.pk},
            )
    order = NonAssociation.objects.create(
        person_a=a, person_b=b, scope=scope, reason=reason, comment=(comment or "").strip(),
        created_by=actor, created_at=now, expires_at=expires_at, confidential=confidential,
    )
    where = currently_together(a, b, scope)
    order.currently_violated_where = where  # type: ignore[attr-defined]
    audit.record(actor=actor, action="non_association.create", object_type="non_association", object_id=order.pk,
                 changes={"person_a": a.inmate_number, "person_b": b.inmate_number, "scope": scope, "reason": reason,
                          "expires_at": expires_at, "currently_violated": bool(where),
                          **({"confidential": True} if confidential else {})},
                 summary=f"ordered {a.inmate_number} and {b.inmate_number} kept apart ({scope}, {reason})"
                 + (f"; they are together now in {where}" if where else ""))
    return order


@service("non_association.close")
def non_association_close(*, actor: Any, order: NonAssociation, reason: str) -> NonAssociation:
    """Close an order, with who, when and why. Orders are never deleted."""
    if not allowed(actor, "non_association.view"):
        raise hidden("non_association", order.pk)
    require(actor, "non_association.close", "non_association", order.pk)
    order = NonAssociation.objects.select_for_update().select_related("person_a", "person_b").get(pk=order.pk)
    if role_of(actor) == Role.UNIT_MANAGER and not any(
        manages_unit(actor, u) for u in _unit_ids_of(order.person_a, order.person_b)
    ):
        raise forbid("non_association", order.pk, _("Neither person is in a unit you manage."))
    reason = require_text(reason, "reason", _("A reason"))
    if order.closed_at is not None:
        raise Conflict(_("This order was already closed."), code="already_closed")
    order.closed_at = clock.now()
    order.closed_by = actor
    order.close_reason = reason
    order.save(update_fields=["closed_at", "closed_by", "close_reason"])
    audit.record(actor=actor, action="non_association.close", object_type="non_association", object_id=order.pk,
                 changes={"reason": reason},
                 summary=f"closed keep-apart order between {order.person_a.inmate_number} and "
                 f"{order.person_b.inmate_number}: {reason}")
    return order


__all__ = [
    "person_admit", "placement_move", "person_release", "non_association_create", "non_association_close",
    "keep_apart_conflicts", "open_orders_q",
]
