"""Writes on absences, transfers, counts and escapes. Every change of housing goes through housing's services.

See docs/movements.md for the rules and why.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from emerald.accounts.models import Role
from emerald.accounts.permissions import allowed, manages_unit, role_of
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import forbid, require
from emerald.core.errors import Conflict, Invalid, ServiceError, field_error
from emerald.core.services import require_text, service
from emerald.facilities.models import Cell, Facility, Unit, UnitStatus
from emerald.housing import services as housing
from emerald.housing.models import Placement
from emerald.housing.rules import check_cells, explain_refusals, locked_areas_for
from emerald.movements.models import (
    MEDICAL_KINDS,
    Absence,
    AbsenceKind,
    AbsenceStatus,
    Alert,
    AlertStatus,
    Count,
    CountKind,
    CountLine,
    CountSchedule,
    CountSheet,
    CountStatus,
    Escape,
    EscapeKind,
    ManagerReview,
    Mark,
    Transfer,
    TransferStatus,
)
from emerald.people.models import Person, PersonStatus, ReleaseKind

# ----------------------------------------------------------------------------------------------------- helpers


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%MZ") if moment else "-"


def _refuse(person: Person, detail: str, code: str, extra: dict[str, Any] | None = None) -> Conflict:
    error = Conflict(detail, code=code, extra=extra)
    error.object_type, error.object_id = "person", person.inmate_number
    return error


def _lock_person(person: Person) -> Person:
    return Person.objects.select_for_update().get(pk=person.pk)


def _current(person: Person) -> Placement | None:
    return (Placement.objects.select_related("cell", "unit", "unit__facility")
            .filter(person=person, end_at__isnull=True).first())


def _in_custody(person: Person) -> Placement:
    """The person's open placement; 409 ``not_in_custody`` if they have none."""
    current = _current(person)
    if person.status != PersonStatus.IN_CUSTODY or current is None:
        raise _refuse(person, _("%(name)s is not in custody.") % {"name": person.full_name}, "not_in_custody")
    return current


def _aware(value: Any, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise field_error(field, _("Give a date and time."))
    if timezone.is_naive(value):
        raise field_error(field, _("Give the time with a time zone."))
    return value


def _invalid_transition(what: str, status: str, code: str = "invalid_transition") -> Conflict:
    return Conflict(_("This %(what)s is %(status)s: that is not possible now.") % {"what": what, "status": status},
                    code=code, extra={"status": status})


# ----------------------------------------------------------------------------------------------------- absences


def _check_kind(kind: str, errors: dict[str, list[str]]) -> None:
    if kind not in AbsenceKind.values:
        errors["kind"] = [_("Choose one of the listed kinds.")]


@service("absence.schedule")
def absence_schedule(
    *, actor: Any, person: Person, kind: str, destination: str, planned_out_at: datetime,
    expected_back_at: datetime, reason: str,
) -> Absence:
    """Plan an absence (a court date, a hospital appointment): the person keeps their cell and is still in."""
    require(actor, "absence.manage", "person", person.inmate_number)
    errors: dict[str, list[str]] = {}
    _check_kind(kind, errors)
    destination = (destination or "").strip()
    if not destination:
        errors["destination"] = [_("Say where the person goes.")]
    if not (reason or "").strip():
        errors["reason"] = [_("A reason is required.")]
    for name, value in (("planned_out_at", planned_out_at), ("expected_back_at", expected_back_at)):
        if not isinstance(value, datetime) or timezone.is_naive(value):
            errors[name] = [_("Give a date and time with a time zone.")]
    if not errors and expected_back_at <= planned_out_at:
        errors["expected_back_at"] = [_("The expected return must be after the planned departure.")]
    if not errors and expected_back_at <= clock.now():
        errors["expected_back_at"] = [_("The expected return must be in the future.")]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    person = _lock_person(person)
    current = _in_custody(person)
    absence = Absence.objects.create(
        person=person, kind=kind, destination=destination[:200], reason=reason.strip(), scheduled=True,
        planned_out_at=planned_out_at, expected_back_at=expected_back_at, status=AbsenceStatus.SCHEDULED,
        created_by=actor, created_at=clock.now(),
    )
    audit.record(actor=actor, action="absence.schedule", object_type="absence", object_id=absence.pk,
                 changes={"person": person.inmate_number, "kind": kind, "destination": absence.destination,
                          "planned_out_at": planned_out_at, "expected_back_at": expected_back_at},
                 summary=f"scheduled {kind} absence of {person.inmate_number} from {current.cell.code} "
                 f"({absence.destination}) {_iso(planned_out_at)} to {_iso(expected_back_at)}")
    return absence


@service("absence.depart")
def absence_depart(
    *, actor: Any, absence: Absence | None = None, person: Person | None = None, kind: str = "",
    destination: str = "", expected_back_at: datetime | None = None, reason: str = "",
) -> Absence:
    """The person leaves now: a scheduled ``absence``, or an unscheduled one described by the other arguments.

    Refused while the person is already out, and (409 ``locked_down``) while a lockdown covers their unit,
    except for the hospital and the infirmary.
    """
    require(actor, "absence.manage", "absence", absence.pk if absence else "")
    now = clock.now()
    if absence is not None:
        absence = Absence.objects.select_for_update().get(pk=absence.pk)
        if absence.status != AbsenceStatus.SCHEDULED:
            raise _invalid_transition(_("absence"), absence.status)
        person = absence.person
        if absence.expected_back_at <= now:
            raise field_error("expected_back_at", _("The planned return has passed: cancel and record it again."))
    else:
        if person is None:
            raise field_error("person", _("Choose the person."))
        errors: dict[str, list[str]] = {}
        _check_kind(kind, errors)
        destination = (destination or "").strip()
        if not destination:
            errors["destination"] = [_("Say where the person goes.")]
        if not (reason or "").strip():
            errors["reason"] = [_("A reason is required.")]
        if not isinstance(expected_back_at, datetime) or timezone.is_naive(expected_back_at):
            errors["expected_back_at"] = [_("Give a date and time with a time zone.")]
        elif expected_back_at <= now:
            errors["expected_back_at"] = [_("The expected return must be in the future.")]
        if errors:
            raise Invalid(_("Some fields need correcting."), fields=errors)
    person = _lock_person(person)
    current = _in_custody(person)
    out = Absence.objects.filter(person=person, status=AbsenceStatus.OUT).first()
    if out is not None:
        raise _refuse(person, _("%(name)s is already out (%(kind)s, %(where)s).") % {
            "name": person.full_name, "kind": out.get_kind_display(), "where": out.destination},
            "already_out", {"absence_id": out.pk})
    effective_kind = absence.kind if absence is not None else kind
    locks = locked_areas_for(current.cell, current.unit_id)
    if locks and effective_kind not in MEDICAL_KINDS:
        raise Conflict(" ".join(lock.sentence() for lock in locks), code="locked_down",
                       extra={"lockdowns": [lock.as_dict() for lock in locks]})
    if absence is None:
        absence = Absence(person=person, kind=kind, destination=destination[:200], reason=reason.strip(),
                          scheduled=False, expected_back_at=expected_back_at, created_by=actor, created_at=now)
    absence.status = AbsenceStatus.OUT
    absence.out_at = now
    absence.placement = current
    absence.departed_by = actor
    absence.save()
    audit.record(actor=actor, action="absence.depart", object_type="absence", object_id=absence.pk,
                 changes={"person": person.inmate_number, "kind": absence.kind, "destination": absence.destination,
                          "cell": current.cell.code, "expected_back_at": absence.expected_back_at,
                          "scheduled": absence.scheduled},
                 summary=f"{person.inmate_number} left {current.cell.code} ({absence.kind}: {absence.destination}),"
                 f" expected back {_iso(absence.expected_back_at)}")
    return absence


@service("absence.return")
def absence_return(*, actor: Any, absence: Absence) -> Absence:
    """The person is back in their cell."""
    require(actor, "absence.manage", "absence", absence.pk)
    absence = Absence.objects.select_for_update().select_related("person").get(pk=absence.pk)
    if absence.status != AbsenceStatus.OUT:
        raise _invalid_transition(_("absence"), absence.status)
    person = _lock_person(absence.person)
    current = _in_custody(person)
    absence.status = AbsenceStatus.RETURNED
    absence.back_at = clock.now()
    absence.returned_by = actor
    absence.save(update_fields=["status", "back_at", "returned_by"])
    late = absence.back_at > absence.expected_back_at
    audit.record(actor=actor, action="absence.return", object_type="absence", object_id=absence.pk,
                 changes={"person": person.inmate_number, "back_at": absence.back_at, "late": late},
                 summary=f"{person.inmate_number} returned to {current.cell.code} from {absence.kind}"
                 + (" (overdue)" if late else ""))
    return absence


@service("absence.cancel")
def absence_cancel(*, actor: Any, absence: Absence, reason: str) -> Absence:
    """Cancel a scheduled absence that will not happen, with a reason."""
    require(actor, "absence.manage", "absence", absence.pk)
    reason = require_text(reason, "reason", _("A reason"))
    absence = Absence.objects.select_for_update().select_related("person").get(pk=absence.pk)
    if absence.status != AbsenceStatus.SCHEDULED:
        raise _invalid_transition(_("absence"), absence.status)
    absence.status = AbsenceStatus.CANCELLED
    absence.closed_at = clock.now()
    absence.closed_by = actor
    absence.close_reason = reason
    absence.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])
    audit.record(actor=actor, action="absence.cancel", object_type="absence", object_id=absence.pk,
                 changes={"person": absence.person.inmate_number, "reason": reason},
                 summary=f"cancelled {absence.kind} absence of {absence.person.inmate_number}: {reason}")
    return absence


def _end_absence(actor: Any, person: Person, why: str) -> Absence | None:
    """Close an absence that will not end with a return (the person escaped while out)."""
    out = Absence.objects.select_for_update().filter(person=person, status=AbsenceStatus.OUT).first()
    if out is None:
        return None
    out.status = AbsenceStatus.ENDED
    out.closed_at = clock.now()
    out.closed_by = actor
    out.close_reason = why
    out.save(update_fields=["status", "closed_at", "closed_by", "close_reason"])
    audit.record(actor=actor, action="absence.end", object_type="absence", object_id=out.pk,
                 changes={"person": person.inmate_number, "reason": why},
                 summary=f"ended {out.kind} absence of {person.inmate_number} without return: {why}")
    return out


# ----------------------------------------------------------------------------------------------------- transfers


def _resolve_target(to_unit: Unit | None, to_cell_id: Any) -> tuple[Unit, Cell | None]:
    cell = None
    if to_cell_id not in (None, ""):
        try:
            cell = Cell.objects.select_related("unit", "unit__facility").get(pk=int(to_cell_id))
        except (Cell.DoesNotExist, TypeError, ValueError):
            raise field_error("to_cell_id", _("No such cell.")) from None
        if to_unit is not None and cell.unit_id != to_unit.pk:
            raise field_error("to_cell_id", _("The cell is not in the chosen unit."))
        return cell.unit, cell
    if to_unit is None:
        raise field_error("to_unit_id", _("Choose the unit (or a cell) the person goes to."))
    return Unit.objects.select_related("facility").get(pk=to_unit.pk), None


def _review_after(actor: Any, from_unit: Unit) -> str:
    """Whether a transfer out of ``from_unit`` lands in its manager's queue: yes unless its manager did it."""
    if role_of(actor) == Role.UNIT_MANAGER and manages_unit(actor, from_unit.pk):
        return ManagerReview.NOT_NEEDED
    return ManagerReview.PENDING if from_unit.managers.exists() else ManagerReview.NOT_NEEDED


def _lock_transfer(transfer: Transfer) -> Transfer:
    return (Transfer.objects.select_for_update(of=("self",))
            .select_related("person", "from_unit", "from_cell", "to_unit", "to_cell", "to_unit__facility")
            .get(pk=transfer.pk))


def _pick_cell(person: Person, unit: Unit) -> Cell:
    """The first cell of ``unit`` that every housing rule accepts for ``person``; else a refusal that names
    each rule that ruled cells out and how many."""
    cells = list(Cell.objects.filter(unit=unit).select_related("unit", "unit__facility").order_by("code"))
    current = _current(person)
    checks = check_cells(person, cells, from_cell=current.cell if current else None)
    for check in checks:
        if check.ok:
            return check.cell
    raise _refuse(person, explain_refusals(person, checks, unit.code), "no_free_cell")


def _move(actor: Any, transfer: Transfer, cell: Cell, reason: str, override_reason: str,
          emergency_reason: str = "") -> Placement:
    current = _current(transfer.person)
    locked = bool(current and locked_areas_for(cell, current.unit_id))
    return housing.placement_move(
        actor=actor, person=transfer.person, cell_id=cell.pk, reason=reason, override_reason=override_reason,
        emergency=locked and bool(emergency_reason), emergency_reason=emergency_reason if locked else "",
    )


@service("transfer.request")
def transfer_request(
    *, actor: Any, person: Person, reason: str, to_unit: Unit | None = None, to_cell_id: Any = None,
) -> Transfer:
    """Ask for a person to be transferred to another unit or facility (who asked and why are kept)."""
    require(actor, "transfer.request", "person", person.inmate_number)
    reason = require_text(reason, "reason", _("A reason"))
    unit, cell = _resolve_target(to_unit, to_cell_id)
    person = _lock_person(person)
    current = _in_custody(person)
    if unit.pk == current.unit_id:
        raise field_error("to_unit_id", _("%(name)s is already in %(unit)s: use a move within the unit.")
                          % {"name": person.full_name, "unit": unit.code})
    if unit.status == UnitStatus.CLOSED:
        raise Conflict(_("Unit %(unit)s is closed.") % {"unit": unit.code}, code="unit_closed")
    pending = Transfer.objects.filter(person=person, status__in=[TransferStatus.REQUESTED, TransferStatus.APPROVED])
    if pending.exists():
        raise _refuse(person, _("%(name)s already has a transfer waiting (#%(id)d).")
                      % {"name": person.full_name, "id": pending.first().pk}, "transfer_pending",
                      {"transfer_id": pending.first().pk})
    transfer = Transfer.objects.create(
        person=person, from_placement=current, from_unit=current.unit, from_cell=current.cell, to_unit=unit,
        to_cell=cell, between_facilities=unit.facility_id != current.unit.facility_id, reason=reason,
        ordered_by=actor, requested_at=clock.now(),
    )
    audit.record(actor=actor, action="transfer.request", object_type="transfer", object_id=transfer.pk,
                 changes={"person": person.inmate_number, "from": current.cell.code, "to": transfer.to_label,
                          "reason": reason},
                 summary=f"requested transfer #{transfer.pk} of {person.inmate_number} from {current.cell.code} "
                 f"to {transfer.to_label}: {reason}")
    return transfer


def _require_approver(actor: Any, transfer: Transfer, action: str = "transfer.approve") -> None:
    require(actor, action, "transfer", transfer.pk)
    if role_of(actor) == Role.UNIT_MANAGER and not manages_unit(actor, transfer.from_unit_id):
        raise forbid("transfer", transfer.pk,
                     _("Only the manager of the unit being left, a warden or an administrator decides this."))


@service("transfer.approve")
def transfer_approve(*, actor: Any, transfer: Transfer, note: str = "") -> Transfer:
    """Approve a requested transfer. Approved by anyone but the manager of the unit left, it lands in that
    manager's queue."""
    _require_approver(actor, transfer)
    transfer = _lock_transfer(transfer)
    if transfer.status != TransferStatus.REQUESTED:
        raise _invalid_transition(_("transfer"), transfer.status)
    transfer.status = TransferStatus.APPROVED
    transfer.approved_by = actor
    transfer.approved_at = clock.now()
    transfer.approval_note = (note or "").strip()
    transfer.manager_review = _review_after(actor, transfer.from_unit)
    transfer.save()
    queued = transfer.manager_review == ManagerReview.PENDING
    audit.record(actor=actor, action="transfer.approve", object_type="transfer", object_id=transfer.pk,
                 changes={"person": transfer.person.inmate_number, "note": transfer.approval_note,
                          "manager_review": transfer.manager_review},
                 summary=f"approved transfer #{transfer.pk} of {transfer.person.inmate_number} to {transfer.to_label}"
                 + (f"; queued for the manager of {transfer.from_unit.code}" if queued else ""))
    return transfer


@service("transfer.reject")
def transfer_reject(*, actor: Any, transfer: Transfer, reason: str) -> Transfer:
    """Refuse a requested transfer, with a reason."""
    _require_approver(actor, transfer)
    reason = require_text(reason, "reason", _("A reason"))
    transfer = _lock_transfer(transfer)
    if transfer.status != TransferStatus.REQUESTED:
        raise _invalid_transition(_("transfer"), transfer.status)
    transfer.status = TransferStatus.REJECTED
    transfer.rejected_by = actor
    transfer.rejected_at = clock.now()
    transfer.reject_reason = reason
    transfer.save()
    audit.record(actor=actor, action="transfer.reject", object_type="transfer", object_id=transfer.pk,
                 changes={"person": transfer.person.inmate_number, "reason": reason},
                 summary=f"rejected transfer #{transfer.pk} of {transfer.person.inmate_number}: {reason}")
    return transfer


@service("transfer.cancel")
def transfer_cancel(*, actor: Any, transfer: Transfer, reason: str) -> Transfer:
    """Withdraw a transfer not yet executed: whoever asked for it, or whoever may approve it."""
    require(actor, "transfer.request", "transfer", transfer.pk)
    if transfer.ordered_by_id != getattr(actor, "pk", None):
        _require_approver(actor, transfer)
    reason = require_text(reason, "reason", _("A reason"))
    transfer = _lock_transfer(transfer)
    if transfer.status not in (TransferStatus.REQUESTED, TransferStatus.APPROVED):
        raise _invalid_transition(_("transfer"), transfer.status)
    transfer.status = TransferStatus.CANCELLED
    transfer.cancelled_by = actor
    transfer.cancelled_at = clock.now()
    transfer.cancel_reason = reason
    if transfer.manager_review == ManagerReview.PENDING:
        transfer.manager_review = ManagerReview.NOT_NEEDED  # nothing left to contest
    transfer.save()
    audit.record(actor=actor, action="transfer.cancel", object_type="transfer", object_id=transfer.pk,
                 changes={"person": transfer.person.inmate_number, "reason": reason},
                 summary=f"cancelled transfer #{transfer.pk} of {transfer.person.inmate_number}: {reason}")
    return transfer


@service("transfer.execute")
def transfer_execute(*, actor: Any, transfer: Transfer, override_reason: str = "") -> Transfer:
    """Carry out an approved transfer through the housing move service (keep-apart, bed and lockdown rules)."""
    require(actor, "transfer.execute", "transfer", transfer.pk)
    transfer = _lock_transfer(transfer)
    if transfer.status == TransferStatus.REQUESTED:
        raise Conflict(_("Transfer #%(id)d is not approved yet. Only an emergency transfer skips approval.")
                       % {"id": transfer.pk}, code="not_approved")
    if transfer.status != TransferStatus.APPROVED:
        raise _invalid_transition(_("transfer"), transfer.status)
    person = _lock_person(transfer.person)
    current = _in_custody(person)
    if current.pk != transfer.from_placement_id:
        raise _refuse(person, _("%(name)s has moved since the transfer was requested; request it again.")
                      % {"name": person.full_name}, "stale")
    cell = transfer.to_cell or _pick_cell(person, transfer.to_unit)
    placement = _move(actor, transfer, cell, f"transfer #{transfer.pk}: {transfer.reason}", override_reason)
    transfer.status = TransferStatus.EXECUTED
    transfer.executed_by = actor
    transfer.executed_at = placement.start_at
    transfer.placement = placement
    transfer.save()
    audit.record(actor=actor, action="transfer.execute", object_type="transfer", object_id=transfer.pk,
                 changes={"person": person.inmate_number, "from": transfer.from_cell.code, "to": cell.code,
                          "placement": placement.pk},
                 summary=f"executed transfer #{transfer.pk}: moved {person.inmate_number} from "
                 f"{transfer.from_cell.code} to {cell.code} (ordered by {transfer.ordered_by.username}, approved by "
                 f"{transfer.approved_by.username})")
    return transfer


@service("transfer.emergency")
def transfer_emergency(
    *, actor: Any, person: Person, reason: str, emergency_reason: str, to_unit: Unit | None = None,
    to_cell_id: Any = None, override_reason: str = "",
) -> Transfer:
    """Transfer at once without approval, with an emergency reason; flagged for review by a warden, and in the
    queue of the manager of the unit left (unless that manager made it)."""
    require(actor, "transfer.emergency", "person", person.inmate_number)
    reason = require_text(reason, "reason", _("A reason"))
    emergency_reason = require_text(emergency_reason, "emergency_reason", _("An emergency reason"))
    unit, cell = _resolve_target(to_unit, to_cell_id)
    person = _lock_person(person)
    current = _in_custody(person)
    if role_of(actor) == Role.UNIT_MANAGER and not (manages_unit(actor, current.unit_id)
                                                    or manages_unit(actor, unit.pk)):
        raise forbid("person", person.inmate_number,
                     _("You may make emergency transfers only out of or into the units you manage."))
    if unit.pk == current.unit_id:
        raise field_error("to_unit_id", _("%(name)s is already in %(unit)s: use a move within the unit.")
                          % {"name": person.full_name, "unit": unit.code})
    now = clock.now()
    for pending in Transfer.objects.select_for_update().filter(
            person=person, status__in=[TransferStatus.REQUESTED, TransferStatus.APPROVED]):
        pending.status = TransferStatus.CANCELLED
        pending.cancelled_by, pending.cancelled_at = actor, now
        pending.cancel_reason = "superseded by an emergency transfer"
        if pending.manager_review == ManagerReview.PENDING:
            pending.manager_review = ManagerReview.NOT_NEEDED
        pending.save()
    transfer = Transfer.objects.create(
        person=person, from_placement=current, from_unit=current.unit, from_cell=current.cell, to_unit=unit,
        to_cell=cell, between_facilities=unit.facility_id != current.unit.facility_id, reason=reason,
        ordered_by=actor, requested_at=now, status=TransferStatus.REQUESTED, emergency=True,
        emergency_reason=emergency_reason, manager_review=_review_after(actor, current.unit),
    )
    target = cell or _pick_cell(person, unit)
    placement = _move(actor, transfer, target, f"emergency transfer #{transfer.pk}: {reason}", override_reason,
                      emergency_reason)
    transfer.status = TransferStatus.EXECUTED
    transfer.executed_by = actor
    transfer.executed_at = placement.start_at
    transfer.placement = placement
    transfer.save()
    audit.record(actor=actor, action="transfer.emergency", object_type="transfer", object_id=transfer.pk,
                 changes={"person": person.inmate_number, "from": current.cell.code, "to": target.code,
                          "reason": reason, "emergency_reason": emergency_reason,
                          "manager_review": transfer.manager_review},
                 summary=f"emergency transfer #{transfer.pk}: moved {person.inmate_number} from {current.cell.code} "
                 f"to {target.code} without approval ({emergency_reason}); flagged for review")
    return transfer


@service("transfer.review_emergency")
def transfer_review_emergency(*, actor: Any, transfer: Transfer, note: str) -> Transfer:
    """A warden or administrator reviews an emergency transfer once, with a note."""
    require(actor, "transfer.review_emergency", "transfer", transfer.pk)
    note = require_text(note, "note", _("A note"))
    transfer = _lock_transfer(transfer)
    if not transfer.emergency:
        raise Conflict(_("Only emergency transfers are reviewed this way."), code="not_emergency")
    if transfer.emergency_reviewed_at is not None:
        raise Conflict(_("This emergency transfer was already reviewed."), code="already_reviewed")
    transfer.emergency_reviewed_by = actor
    transfer.emergency_reviewed_at = clock.now()
    transfer.emergency_review_note = note
    transfer.save()
    audit.record(actor=actor, action="transfer.review_emergency", object_type="transfer", object_id=transfer.pk,
                 changes={"note": note},
                 summary=f"reviewed emergency transfer #{transfer.pk} of {transfer.person.inmate_number}: {note}")
    return transfer


def _require_queue_owner(actor: Any, transfer: Transfer) -> None:
    require(actor, "transfer.contest", "transfer", transfer.pk)
    if not manages_unit(actor, transfer.from_unit_id):
        raise forbid("transfer", transfer.pk, _("Only the manager of the unit the person left may do this."))


def _require_in_queue(transfer: Transfer) -> None:
    if transfer.manager_review != ManagerReview.PENDING or transfer.status not in (
            TransferStatus.APPROVED, TransferStatus.EXECUTED):
        raise Conflict(_("Transfer #%(id)d is not waiting in the unit manager's queue.") % {"id": transfer.pk},
                       code="not_in_queue", extra={"manager_review": transfer.manager_review})


@service("transfer.acknowledge")
def transfer_acknowledge(*, actor: Any, transfer: Transfer, note: str = "") -> Transfer:
    """The unit manager accepts a transfer out of their unit that they did not approve (clears the queue)."""
    _require_queue_owner(actor, transfer)
    transfer = _lock_transfer(transfer)
    _require_in_queue(transfer)
    transfer.manager_review = ManagerReview.ACKNOWLEDGED
    transfer.acknowledged_by = actor
    transfer.acknowledged_at = clock.now()
    transfer.save()
    audit.record(actor=actor, action="transfer.acknowledge", object_type="transfer", object_id=transfer.pk,
                 changes={"note": (note or "").strip()},
                 summary=f"acknowledged transfer #{transfer.pk} of {transfer.person.inmate_number} out of "
                 f"{transfer.from_unit.code}")
    return transfer


@service("transfer.contest")
def transfer_contest(*, actor: Any, transfer: Transfer, reason: str) -> Transfer:
    """The unit manager contests a transfer out of their unit that they did not approve; a warden decides."""
    _require_queue_owner(actor, transfer)
    reason = require_text(reason, "reason", _("A reason"))
    transfer = _lock_transfer(transfer)
    _require_in_queue(transfer)
    transfer.manager_review = ManagerReview.CONTESTED
    transfer.contested_by = actor
    transfer.contested_at = clock.now()
    transfer.contest_reason = reason
    transfer.save()
    audit.record(actor=actor, action="transfer.contest", object_type="transfer", object_id=transfer.pk,
                 changes={"reason": reason},
                 summary=f"contested transfer #{transfer.pk} of {transfer.person.inmate_number} out of "
                 f"{transfer.from_unit.code}: {reason}")
    return transfer


@service("transfer.decide")
def transfer_decide(*, actor: Any, transfer: Transfer, decision: str, reason: str) -> Transfer:
    """A warden decides a contested transfer: ``upheld``, or ``reversed`` (the person is moved back to the
    cell they left, or another cell of that unit, if the housing rules allow; otherwise the problem is kept)."""
    require(actor, "transfer.decide", "transfer", transfer.pk)
    if decision not in (ManagerReview.UPHELD, ManagerReview.REVERSED):
        raise field_error("decision", _("Choose upheld or reversed."))
    reason = require_text(reason, "reason", _("A reason"))
    transfer = _lock_transfer(transfer)
    if transfer.manager_review != ManagerReview.CONTESTED:
        raise Conflict(_("Transfer #%(id)d is not contested.") % {"id": transfer.pk}, code="not_contested",
                       extra={"manager_review": transfer.manager_review})
    now = clock.now()
    transfer.manager_review = decision
    transfer.decided_by = actor
    transfer.decided_at = now
    transfer.decision_reason = reason
    outcome = ""
    if decision == ManagerReview.REVERSED:
        if transfer.status == TransferStatus.APPROVED:
            transfer.status = TransferStatus.CANCELLED
            transfer.cancelled_by, transfer.cancelled_at = actor, now
            transfer.cancel_reason = f"reversed on contest: {reason}"
            outcome = "; not executed, cancelled"
        elif transfer.status == TransferStatus.EXECUTED:
            placement, problem = _move_back(actor, transfer, reason)
            transfer.reversal_placement = placement
            transfer.reversal_problem = problem
            outcome = (f"; moved back to {placement.cell.code}" if placement
                       else f"; could not move back: {problem}")
    transfer.save()
    audit.record(actor=actor, action="transfer.decide", object_type="transfer", object_id=transfer.pk,
                 changes={"decision": decision, "reason": reason,
                          "reversal_placement": transfer.reversal_placement_id, "problem": transfer.reversal_problem},
                 summary=f"decided contested transfer #{transfer.pk} of {transfer.person.inmate_number}: {decision}"
                 f" ({reason}){outcome}")
    return transfer


def _move_back(actor: Any, transfer: Transfer, reason: str) -> tuple[Placement | None, str]:
    person = _lock_person(transfer.person)
    current = _current(person)
    if person.status != PersonStatus.IN_CUSTODY or current is None:
        return None, _("%(name)s is no longer in custody.") % {"name": person.full_name}
    if current.unit_id == transfer.from_unit_id:
        return None, _("%(name)s is already back in %(unit)s.") % {"name": person.full_name,
                                                                    "unit": transfer.from_unit.code}
    candidates = [transfer.from_cell] + [c for c in Cell.objects.filter(unit_id=transfer.from_unit_id, in_service=True)
                                         .order_by("code") if c.pk != transfer.from_cell_id]
    problem = ""
    for cell in candidates:
        try:
            placement = housing.placement_move(actor=actor, person=person, cell_id=cell.pk,
                                               reason=f"transfer #{transfer.pk} reversed: {reason}")
        except ServiceError as exc:
            problem = problem or exc.detail
            continue
        return placement, ""
    return None, problem or _("No cell in %(unit)s can take the person.") % {"unit": transfer.from_unit.code}


# ----------------------------------------------------------------------------------------------------- counts


def _parse_time(value: Any) -> time | None:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    try:
        hour, minute = str(value).strip().split(":")
        return time(int(hour), int(minute))
    except (TypeError, ValueError):
        return None


@service("count.schedule")
def count_schedule_set(*, actor: Any, facility: Facility, times: list[Any]) -> list[CountSchedule]:
    """Set a facility's scheduled count times (local time, e.g. ["06:00", "12:00", "18:00", "22:00"])."""
    require(actor, "count.schedule", "facility", facility.code)
    parsed = []
    for value in times or []:
        moment = _parse_time(value)
        if moment is None:
            raise field_error("times", _("Give times as HH:MM, e.g. 06:00."))
        if moment not in parsed:
            parsed.append(moment)
    parsed.sort()
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    before = [f"{t:%H:%M}" for t in CountSchedule.objects.filter(facility=facility).values_list("time", flat=True)]
    CountSchedule.objects.filter(facility=facility).exclude(time__in=parsed).delete()
    have = set(CountSchedule.objects.filter(facility=facility).values_list("time", flat=True))
    now = clock.now()
    for moment in parsed:
        if moment not in have:
            CountSchedule.objects.create(facility=facility, time=moment, created_by=actor, created_at=now)
    after = [f"{t:%H:%M}" for t in parsed]
    audit.record(actor=actor, action="count.schedule", object_type="facility", object_id=facility.code,
                 changes={"times": [before, after]},
                 summary=f"set the count times of {facility.code} to {', '.join(after) or 'none'}")
    return list(CountSchedule.objects.filter(facility=facility))


def due_slot(facility: Facility, now: datetime, window: timedelta = timedelta(hours=2)) -> datetime | None:
    """The scheduled count time nearest to ``now`` (within ``window``), as an aware UTC datetime."""
    zone = ZoneInfo(facility.timezone or "UTC")
    local = now.astimezone(zone)
    best = None
    for moment in CountSchedule.objects.filter(facility=facility).values_list("time", flat=True):
        for day in (local.date() - timedelta(days=1), local.date(), local.date() + timedelta(days=1)):
            slot = datetime.combine(day, moment, tzinfo=zone)
            if abs(slot - now) <= window and (best is None or abs(slot - now) < abs(best - now)):
                best = slot
    return best.astimezone(ZoneInfo("UTC")) if best else None


@service("count.start")
def count_start(*, actor: Any, facility: Facility, kind: str = CountKind.SCHEDULED, reason: str = "",
                scheduled_for: datetime | None = None) -> Count:
    """Start a count of a facility: a sheet per unit that houses anyone, a line per person who should be there,
    marked "out" in advance for everyone out on a recorded absence."""
    require(actor, "count.start", "facility", facility.code)
    if kind not in CountKind.values:
        raise field_error("kind", _("Choose scheduled or emergency."))
    reason = (reason or "").strip()
    if kind == CountKind.EMERGENCY and not reason:
        raise field_error("reason", _("An emergency count needs a reason."))
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    now = clock.now()
    if kind == CountKind.SCHEDULED:
        scheduled_for = scheduled_for or due_slot(facility, now)
        if scheduled_for is None:
            raise Conflict(_("No scheduled count of %(facility)s is due now; start an emergency count instead.")
                           % {"facility": facility.code}, code="no_count_due")
        if Count.objects.filter(facility=facility, kind=CountKind.SCHEDULED, scheduled_for=scheduled_for).exists():
            raise Conflict(_("The count scheduled for this time was already made."), code="count_already_made")
    open_count = Count.objects.filter(facility=facility, status=CountStatus.OPEN).first()
    if open_count is not None:
        raise Conflict(_("Count #%(id)d of %(facility)s is still in progress.")
                       % {"id": open_count.pk, "facility": facility.code}, code="count_in_progress",
                       extra={"count_id": open_count.pk})
    count = Count.objects.create(facility=facility, kind=kind, scheduled_for=scheduled_for if kind ==
                                 CountKind.SCHEDULED else None, reason=reason, started_by=actor, started_at=now)
    placements = (Placement.objects.filter(unit__facility=facility, end_at__isnull=True)
                  .select_related("cell").order_by("unit_id", "cell__code"))
    out = dict(Absence.objects.filter(status=AbsenceStatus.OUT, person__placements__end_at__isnull=True,
                                      person__placements__unit__facility=facility).values_list("person_id", "pk"))
    by_unit: dict[int, list[Placement]] = {}
    for p in placements:
        by_unit.setdefault(p.unit_id, []).append(p)
    total = total_out = 0
    for unit_id, rows in by_unit.items():
        n_out = sum(1 for p in rows if p.person_id in out)
        sheet = CountSheet.objects.create(count=count, unit_id=unit_id, expected=len(rows), expected_out=n_out)
        CountLine.objects.bulk_create([
            CountLine(sheet=sheet, person_id=p.person_id, cell_id=p.cell_id, absence_id=out.get(p.person_id),
                      mark=Mark.OUT if p.person_id in out else Mark.UNMARKED,
                      marked_at=now if p.person_id in out else None)
            for p in rows
        ])
        total += len(rows)
        total_out += n_out
    audit.record(actor=actor, action="count.start", object_type="count", object_id=count.pk,
                 changes={"facility": facility.code, "kind": kind, "scheduled_for": scheduled_for, "reason": reason,
                          "expected": total, "out": total_out, "units": len(by_unit)},
                 summary=f"started {kind} count #{count.pk} of {facility.code}: {total} people in {len(by_unit)} "
                 f"units, {total_out} out on recorded absences" + (f" ({reason})" if reason else ""))
    return count


def _lock_sheet(sheet: CountSheet) -> CountSheet:
    return CountSheet.objects.select_for_update(of=("self",)).select_related("count", "unit").get(pk=sheet.pk)


def _require_open(count: Count) -> None:
    if count.status != CountStatus.OPEN:
        raise Conflict(_("Count #%(id)d is closed.") % {"id": count.pk}, code="count_closed")


def sheet_findings(sheet: CountSheet, lines: list[CountLine] | None = None) -> dict[str, Any]:
    """What a sheet says: counts per mark, the head count expected, and the discrepancies (English, evidence)."""
    lines = list(sheet.lines.select_related("person")) if lines is None else lines
    absent = [ln for ln in lines if ln.mark == Mark.ABSENT]
    elsewhere = [ln for ln in lines if ln.mark == Mark.ELSEWHERE]
    unreconciled = [ln for ln in elsewhere if ln.reconciled_at is None]
    unmarked = [ln for ln in lines if ln.mark == Mark.UNMARKED]
    # The people the officer should find in the unit: present, or not individually marked.
    expected_present = sum(1 for ln in lines if ln.mark in (Mark.PRESENT, Mark.UNMARKED))
    problems = []
    if absent:
        problems.append("absent: " + ", ".join(ln.person.inmate_number for ln in absent))
    if sheet.total is not None and sheet.total != expected_present:
        problems.append(f"unit total {sheet.total}, expected {expected_present}")
    if sheet.crosscheck_total is not None and sheet.crosscheck_total != expected_present:
        problems.append(f"cross-check total {sheet.crosscheck_total}, expected {expected_present}")
    counted = len(lines) - len(unmarked)
    reconciled = (sheet.submitted_at is not None and not problems and not unreconciled
                  and (not unmarked or sheet.total is not None))
    return {"lines": len(lines), "counted": counted, "absent": len(absent), "elsewhere": len(elsewhere),
            "unreconciled": len(unreconciled), "unmarked": len(unmarked), "expected_present": expected_present,
            "problems": problems, "reconciled": reconciled}


def _evaluate(actor: Any, sheet: CountSheet) -> CountSheet:
    """Recompute ``reconciled``, raise or resolve the sheet's alert, and clear the count when all reconcile."""
    findings = sheet_findings(sheet)
    if sheet.reconciled != findings["reconciled"]:
        sheet.reconciled = findings["reconciled"]
        sheet.save(update_fields=["reconciled"])
    now = clock.now()
    alert = Alert.objects.select_for_update().filter(sheet=sheet, status=AlertStatus.OPEN).first()
    if sheet.submitted_at is not None and findings["problems"] and alert is None:
        message = f"Count #{sheet.count_id}, unit {sheet.unit.code}: " + "; ".join(findings["problems"])
        alert = Alert.objects.create(count=sheet.count, sheet=sheet, facility_id=sheet.count.facility_id,
                                     message=message, raised_by=actor, raised_at=now)
        audit.record(actor=actor, action="count.alert", object_type="count", object_id=sheet.count_id,
                     changes={"unit": sheet.unit.code, "problems": findings["problems"], "alert": alert.pk},
                     summary=f"count discrepancy: {message}")
    elif alert is not None and sheet.reconciled:
        _resolve(actor, alert, "the unit's count reconciled")
    count = Count.objects.select_for_update().get(pk=sheet.count_id)
    if count.status == CountStatus.OPEN and not count.sheets.filter(reconciled=False).exists():
        count.status = CountStatus.CLEARED
        count.cleared_by = actor
        count.cleared_at = now
        count.save(update_fields=["status", "cleared_by", "cleared_at"])
        for open_alert in Alert.objects.select_for_update().filter(count=count, status=AlertStatus.OPEN):
            _resolve(actor, open_alert, "the count cleared")
        audit.record(actor=actor, action="count.clear", object_type="count", object_id=count.pk,
                     changes={"facility": count.facility.code},
                     summary=f"count #{count.pk} of {count.facility.code} cleared: every unit reconciled")
    return sheet


def _resolve(actor: Any, alert: Alert, resolution: str) -> None:
    alert.status = AlertStatus.RESOLVED
    alert.resolved_by = actor
    alert.resolved_at = clock.now()
    alert.resolution = resolution
    alert.save(update_fields=["status", "resolved_by", "resolved_at", "resolution"])


@service("count.mark")
def count_mark(*, actor: Any, line: CountLine, mark: str, where: str = "") -> CountLine:
    """Record what the officer found for one person: present, absent, or elsewhere (saying where).

    A mark may be corrected while the count is open (each change is audited); correcting a mark undoes its
    reconciliation.
    """
    require(actor, "count.enter", "count_line", line.pk)
    if mark not in (Mark.PRESENT, Mark.ABSENT, Mark.ELSEWHERE):
        raise field_error("mark", _("Choose present, absent or elsewhere."))
    where = " ".join((where or "").split())[:200]
    if mark == Mark.ELSEWHERE and not where:
        raise field_error("where", _("Say where the person was found."))
    line = CountLine.objects.select_for_update(of=("self",)).select_related("sheet", "person").get(pk=line.pk)
    sheet = _lock_sheet(line.sheet)
    _require_open(sheet.count)
    before = line.mark
    line.mark = mark
    line.where = where if mark == Mark.ELSEWHERE else ""
    line.marked_by = actor
    line.marked_at = clock.now()
    line.reconciled_by, line.reconciled_at, line.reconcile_note = None, None, ""
    line.save()
    audit.record(actor=actor, action="count.mark", object_type="count", object_id=sheet.count_id,
                 changes={"person": line.person.inmate_number, "unit": sheet.unit.code, "mark": [before, mark],
                          "where": line.where},
                 summary=f"count #{sheet.count_id}: {line.person.inmate_number} {mark} in {sheet.unit.code}"
                 + (f" (found at {line.where})" if line.where else ""))
    if sheet.submitted_at is not None:
        _evaluate(actor, sheet)
    return line


@service("count.submit")
def count_sheet_submit(*, actor: Any, sheet: CountSheet, total: int | None = None) -> CountSheet:
    """Hand in a unit's sheet: every person marked, or a unit total (head count of those in the unit)."""
    require(actor, "count.enter", "count_sheet", sheet.pk)
    if total is not None and (not isinstance(total, int) or isinstance(total, bool) or total < 0):
        raise field_error("total", _("Enter the number of people counted."))
    sheet = _lock_sheet(sheet)
    _require_open(sheet.count)
    if sheet.submitted_at is not None:
        raise Conflict(_("This sheet was already submitted; correct individual marks instead."),
                       code="already_submitted")
    if total is not None:
        sheet.total = total
    if sheet.total is None and sheet.lines.filter(mark=Mark.UNMARKED).exists():
        raise field_error("total", _("Mark every person, or enter the unit total."))
    sheet.submitted_by = actor
    sheet.submitted_at = clock.now()
    sheet.save(update_fields=["total", "submitted_by", "submitted_at"])
    findings = sheet_findings(sheet)
    audit.record(actor=actor, action="count.submit", object_type="count", object_id=sheet.count_id,
                 changes={"unit": sheet.unit.code, "total": sheet.total, "counted": findings["counted"],
                          "problems": findings["problems"]},
                 summary=f"count #{sheet.count_id}: submitted {sheet.unit.code}"
                 + (f" with total {sheet.total}" if sheet.total is not None else "")
                 + (f"; {'; '.join(findings['problems'])}" if findings["problems"] else "; reconciles"))
    return _evaluate(actor, sheet)


@service("count.crosscheck")
def count_sheet_crosscheck(*, actor: Any, sheet: CountSheet, total: int) -> CountSheet:
    """A second officer (not the one who submitted) counts the unit again and records their total."""
    require(actor, "count.enter", "count_sheet", sheet.pk)
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise field_error("total", _("Enter the number of people counted."))
    sheet = _lock_sheet(sheet)
    _require_open(sheet.count)
    if sheet.submitted_at is None:
        raise Conflict(_("The sheet must be submitted before it is cross-checked."), code="not_submitted")
    if sheet.submitted_by_id == getattr(actor, "pk", None):
        raise Conflict(_("A cross-check is made by a second officer, not the one who counted."),
                       code="same_officer")
    if sheet.crosscheck_at is not None:
        raise Conflict(_("This sheet was already cross-checked."), code="already_crosschecked")
    sheet.crosscheck_by = actor
    sheet.crosscheck_at = clock.now()
    sheet.crosscheck_total = total
    sheet.save(update_fields=["crosscheck_by", "crosscheck_at", "crosscheck_total"])
    audit.record(actor=actor, action="count.crosscheck", object_type="count", object_id=sheet.count_id,
                 changes={"unit": sheet.unit.code, "total": total},
                 summary=f"count #{sheet.count_id}: cross-checked {sheet.unit.code}, total {total}")
    return _evaluate(actor, sheet)


@service("count.reconcile")
def count_line_reconcile(*, actor: Any, line: CountLine, note: str) -> CountLine:
    """A supervisor confirms a person found elsewhere is accounted for (where they are and why), with a note."""
    require(actor, "count.reconcile", "count_line", line.pk)
    note = require_text(note, "note", _("A note"))
    line = CountLine.objects.select_for_update(of=("self",)).select_related("sheet", "person").get(pk=line.pk)
    sheet = _lock_sheet(line.sheet)
    _require_open(sheet.count)
    if line.mark != Mark.ELSEWHERE:
        raise Conflict(_("Only a person found elsewhere is reconciled; mark them first."), code="not_elsewhere")
    if line.reconciled_at is not None:
        raise Conflict(_("Already reconciled."), code="already_reconciled")
    line.reconciled_by = actor
    line.reconciled_at = clock.now()
    line.reconcile_note = note
    line.save(update_fields=["reconciled_by", "reconciled_at", "reconcile_note"])
    audit.record(actor=actor, action="count.reconcile", object_type="count", object_id=sheet.count_id,
                 changes={"person": line.person.inmate_number, "unit": sheet.unit.code, "where": line.where,
                          "note": note},
                 summary=f"count #{sheet.count_id}: reconciled {line.person.inmate_number} found at {line.where}: {note}")
    if sheet.submitted_at is not None:
        _evaluate(actor, sheet)
    return line


@service("count.escalate")
def count_escalate(*, actor: Any, count: Count, reason: str) -> Count:
    """Start the escape procedure from a count: lock the whole facility down (through the lockdowns service)."""
    require(actor, "count.escalate", "count", count.pk)
    reason = require_text(reason, "reason", _("A reason"))
    count = Count.objects.select_for_update().select_related("facility").get(pk=count.pk)
    _require_open(count)
    if count.escalated_at is not None:
        raise Conflict(_("The escape procedure was already started for this count."), code="already_escalated")
    from emerald.lockdowns.models import Lockdown
    from emerald.lockdowns.services import lockdown_order

    lockdown = Lockdown.objects.filter(facility=count.facility, lifted_at__isnull=True).first()
    if lockdown is None:
        lockdown = lockdown_order(actor=actor, facility=count.facility,
                                  reason=f"Escape procedure, count #{count.pk}: {reason}")
    count.lockdown = lockdown
    count.escalated_by = actor
    count.escalated_at = clock.now()
    count.escalation_reason = reason
    count.save(update_fields=["lockdown", "escalated_by", "escalated_at", "escalation_reason"])
    audit.record(actor=actor, action="count.escalate", object_type="count", object_id=count.pk,
                 changes={"reason": reason, "lockdown": lockdown.pk},
                 summary=f"started the escape procedure for count #{count.pk}: facility {count.facility.code} "
                 f"locked down (lockdown #{lockdown.pk}): {reason}")
    return count


# ----------------------------------------------------------------------------------------------------- escapes


def _escape_incident(actor: Any, people: list[Person], *, at: datetime, description: str, title: str,
                     unit: Unit | None, location_text: str = "") -> Any:
    """Record the escape or attempt as an incident (draft), with everyone as a participant.

    HOOK: the incidents app (emerald.incidents, issue of H7) provides ``incident_create``. If it is absent or
    the actor may not report incidents, nothing is recorded here and the escape row stays without incident.
    """
    try:
        from emerald.incidents.services import incident_create
    except ImportError:  # pragma: no cover - incidents not installed
        return None
    if not allowed(actor, "incident.create"):
        return None
    return incident_create(
        actor=actor, type="escape_attempt", severity="critical", occurred_at=at, description=description,
        title=title[:200], unit_id=unit.pk if unit else None, location_text=location_text if not unit else "",
        involvements=[{"kind": "in_custody", "person": p, "role": "participant"} for p in people],
    )


@service("escape.record")
def escape_record(
    *, actor: Any, person: Person, last_seen_at: datetime, circumstances: str, count: Count | None = None,
) -> Escape:
    """The person has escaped: status escaped and placement closed (housing's release), time last seen kept,
    recorded as an incident too."""
    require(actor, "escape.record", "person", person.inmate_number)
    circumstances = require_text(circumstances, "circumstances", _("The circumstances"))
    last_seen_at = _aware(last_seen_at, "last_seen_at")
    now = clock.now()
    if last_seen_at > now:
        raise field_error("last_seen_at", _("The time last seen cannot be in the future."))
    person = _lock_person(person)
    current = _in_custody(person)
    _end_absence(actor, person, "escaped")
    housing.person_release(actor=actor, person=person, kind=ReleaseKind.ESCAPED,
                           reason=f"escaped; last seen {_iso(last_seen_at)}: {circumstances}")
    incident = _escape_incident(
        actor, [person], at=last_seen_at, unit=current.unit,
        title=f"Escape of {person.inmate_number}", description=circumstances)
    escape = Escape.objects.create(
        person=person, kind=EscapeKind.ESCAPE, last_seen_at=last_seen_at, circumstances=circumstances,
        from_unit=current.unit, from_cell=current.cell, count=count, incident=incident, recorded_by=actor,
        recorded_at=now,
    )
    audit.record(actor=actor, action="escape.record", object_type="escape", object_id=escape.pk,
                 changes={"person": person.inmate_number, "last_seen_at": last_seen_at, "cell": current.cell.code,
                          "incident": incident.pk if incident else None, "count": count.pk if count else None},
                 summary=f"recorded the escape of {person.inmate_number} from {current.cell.code}, last seen "
                 f"{_iso(last_seen_at)}" + (f" (incident #{incident.pk})" if incident else ""))
    return escape


@service("escape.recapture")
def escape_recapture(*, actor: Any, person: Person, cell_id: Any, at: datetime, circumstances: str) -> Escape:
    """An escaped person is back in custody: re-admitted into a new placement through housing's admission."""
    require(actor, "escape.recapture", "person", person.inmate_number)
    circumstances = require_text(circumstances, "circumstances", _("The circumstances"))
    at = _aware(at, "at")
    if at > clock.now():
        raise field_error("at", _("The time of recapture cannot be in the future."))
    person = _lock_person(person)
    escape = Escape.objects.select_for_update().filter(person=person, kind=EscapeKind.ESCAPE,
                                                       recaptured_at__isnull=True).first()
    if person.status != PersonStatus.ESCAPED or escape is None:
        raise _refuse(person, _("%(name)s is not recorded as escaped.") % {"name": person.full_name}, "not_escaped")
    if at < escape.last_seen_at:
        raise field_error("at", _("The recapture cannot be before the person was last seen."))
    placement = housing.person_admit(actor=actor, person=person, cell_id=cell_id,
                                     reason=f"recaptured {_iso(at)} after escape #{escape.pk}: {circumstances}")
    escape.recaptured_at = at
    escape.recaptured_by = actor
    escape.recapture_circumstances = circumstances
    escape.recapture_placement = placement
    escape.save(update_fields=["recaptured_at", "recaptured_by", "recapture_circumstances", "recapture_placement"])
    audit.record(actor=actor, action="escape.recapture", object_type="escape", object_id=escape.pk,
                 changes={"person": person.inmate_number, "at": at, "cell": placement.cell.code},
                 summary=f"recaptured {person.inmate_number} at {_iso(at)}; re-admitted to {placement.cell.code}")
    return escape


@service("escape.attempt")
def escape_attempt_record(
    *, actor: Any, people: list[Person], at: datetime, circumstances: str, count: Count | None = None,
) -> list[Escape]:
    """An escape attempt in which nobody got out (the tunnel collapsed): one incident with everyone found, a
    row per person, and no change of anyone's status or placement."""
    require(actor, "escape.attempt", "escape", "")
    circumstances = require_text(circumstances, "circumstances", _("The circumstances"))
    at = _aware(at, "at")
    if at > clock.now():
        raise field_error("at", _("The time cannot be in the future."))
    people = list(people or [])
    if not people:
        raise field_error("people", _("Name at least one person."))
    if len({p.pk for p in people}) != len(people):
        raise field_error("people", _("A person is listed twice."))
    now = clock.now()
    currents = []
    for person in sorted(people, key=lambda p: p.pk):
        locked = _lock_person(person)
        currents.append((locked, _in_custody(locked)))
    units = {c.unit_id for _p, c in currents}
    unit = currents[0][1].unit if len(units) == 1 else None
    numbers = ", ".join(p.inmate_number for p, _c in currents)
    incident = _escape_incident(actor, [p for p, _c in currents], at=at, unit=unit,
                                location_text=", ".join(sorted({c.unit.code for _p, c in currents})),
                                title=f"Escape attempt: {numbers}", description=circumstances)
    rows = [Escape.objects.create(person=p, kind=EscapeKind.ATTEMPT, last_seen_at=at, circumstances=circumstances,
                                  from_unit=c.unit, from_cell=c.cell, count=count, incident=incident,
                                  recorded_by=actor, recorded_at=now) for p, c in currents]
    audit.record(actor=actor, action="escape.attempt", object_type="escape", object_id=rows[0].pk,
                 changes={"people": [p.inmate_number for p, _c in currents], "at": at,
                          "incident": incident.pk if incident else None},
                 summary=f"recorded an escape attempt by {numbers} at {_iso(at)} (nobody got out)"
                 + (f" (incident #{incident.pk})" if incident else ""))
    return rows
