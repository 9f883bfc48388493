"""Writes on disciplinary proceedings.

A charge runs charged → hearing scheduled → (finding) proved → sanctioned → under appeal; a finding of not
proved, dismissed or referred to police closes it; an undecided charge may be withdrawn; an allowed appeal
quashes it. Any other step answers 409 ``invalid_transition``. The hearing is due within
``EMERALD_DISCIPLINE_HEARING_DAYS`` days (default 7) of the charge; sanctions are capped by
``EMERALD_SANCTION_CAPS`` and segregation is reviewed every ``EMERALD_SEGREGATION_REVIEW_DAYS`` days.

A segregation sanction moves the person through the housing move service (keep-apart, bed, lockdown and
medical rules apply). If the move is refused, the sanction is still recorded, with the refusal, and can be
retried; ending the sanction moves the person back to their previous cell or another cell of that unit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emerald.accounts.models import Role, User
from emerald.accounts.permissions import allowed, manages_unit, role_of
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import forbid, hidden, require
from emerald.core.errors import Conflict, Invalid, ServiceError, field_error
from emerald.core.services import require_text, service
from emerald.discipline.models import (
    Appeal,
    AppealOutcome,
    Charge,
    ChargeStatus,
    Finding,
    Hearing,
    ReviewDecision,
    Sanction,
    SanctionKind,
    SanctionReview,
    SanctionStatus,
)
from emerald.discipline.selectors import charges_visible_to, open_hearing
from emerald.facilities.models import Cell, UnitKind, UnitStatus
from emerald.housing.models import Placement
from emerald.people.models import Person, PersonStatus

DEFAULT_HEARING_DAYS = 7
#: Longest sanction of each kind, in days (a caution has no length).
DEFAULT_CAPS = {"segregation": 30, "loss_of_privileges": 60, "extra_work": 14, "loss_of_earnings": 42}
DEFAULT_SEGREGATION_REVIEW_DAYS = 30


def hearing_deadline_days() -> int:
    return int(getattr(settings, "EMERALD_DISCIPLINE_HEARING_DAYS", DEFAULT_HEARING_DAYS))


def sanction_cap(kind: str) -> int:
    caps = {**DEFAULT_CAPS, **getattr(settings, "EMERALD_SANCTION_CAPS", {})}
    return int(caps.get(kind, 0))


def review_days() -> int:
    return int(getattr(settings, "EMERALD_SEGREGATION_REVIEW_DAYS", DEFAULT_SEGREGATION_REVIEW_DAYS))


# --- helpers ---------------------------------------------------------------------------------------------

def _restricted(charge: Charge) -> bool:
    return bool(charge.incident_id) and charge.incident.restricted


def _label(charge: Charge) -> str:
    """How audit summaries name a charge: never the offence of one laid from a restricted report."""
    if _restricted(charge):
        return f"charge #{charge.pk}"
    return f"charge #{charge.pk} ({charge.offence})"


def _see(actor: Any, charge: Charge) -> None:
    if not charges_visible_to(actor).filter(pk=charge.pk).exists():
        raise hidden("discipline_charge", charge.pk)


def _lock(charge: Charge) -> Charge:
    return (Charge.objects.select_for_update(of=("self",)).select_related("person", "incident", "unit")
            .get(pk=charge.pk))


def may_adjudicate(actor: Any, charge: Charge) -> bool:
    if not allowed(actor, "discipline.adjudicate"):
        return False
    if role_of(actor) == Role.UNIT_MANAGER:
        return manages_unit(actor, charge.unit_id)
    return True


def _require_adjudicator(actor: Any, charge: Charge) -> None:
    require(actor, "discipline.adjudicate", "discipline_charge", charge.pk)
    if not may_adjudicate(actor, charge):
        raise forbid("discipline_charge", charge.pk, _("You may adjudicate only charges in the units you manage."))


STEP_NAMES = {
    "schedule": gettext_lazy("schedule a hearing"), "finding": gettext_lazy("record a finding"),
    "sanction": gettext_lazy("impose a sanction"), "appeal": gettext_lazy("lodge an appeal"),
    "withdraw": gettext_lazy("withdraw the charge"), "decide": gettext_lazy("decide the appeal"),
}
#: From which statuses each step may be taken; anything else is a 409 invalid_transition.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "schedule": (ChargeStatus.CHARGED, ChargeStatus.HEARING_SCHEDULED),
    "withdraw": (ChargeStatus.CHARGED, ChargeStatus.HEARING_SCHEDULED),
    "finding": (ChargeStatus.HEARING_SCHEDULED,),
    "sanction": (ChargeStatus.PROVED, ChargeStatus.SANCTIONED),
    "appeal": (ChargeStatus.PROVED, ChargeStatus.SANCTIONED),
    "decide": (ChargeStatus.UNDER_APPEAL,),
}


def _conflict(charge: Charge, detail: str, code: str, extra: dict[str, Any] | None = None) -> Conflict:
    """A business-rule refusal about a charge: its audit entry names the charge."""
    error = Conflict(detail, code=code, extra=extra)
    error.object_type, error.object_id = "discipline_charge", str(charge.pk)
    return error


def _transition(charge: Charge, step: str) -> None:
    allowed_from = TRANSITIONS[step]
    if charge.status not in allowed_from:
        raise _conflict(
            charge,
            _("Charge #%(id)d is %(status)s: you can %(step)s only when it is %(from)s.") % {
                "id": charge.pk, "status": charge.get_status_display(), "step": str(STEP_NAMES[step]),
                "from": _(" or ").join(str(ChargeStatus(s).label) for s in allowed_from)},
            "invalid_transition", {"status": charge.status, "allowed_from": list(allowed_from)})


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _user(value: Any) -> User | None:
    if value in (None, ""):
        return None
    if isinstance(value, User):
        return value
    return User.objects.filter(username=str(value).strip()).first()


def _current(person: Person) -> Placement | None:
    return Placement.objects.select_related("cell", "unit").filter(person=person, end_at__isnull=True).first()


# --- charges ---------------------------------------------------------------------------------------------

@service("discipline.charge")
def charge_create(*, actor: Any, person: Person, offence: str, particulars: str, incident_id: Any = None) -> Charge:
    """Lay a charge against a person in custody, standalone or from an incident report naming them.

    The hearing is due within the configured deadline (default 7 days).
    """
    require(actor, "discipline.charge", "person", person.inmate_number)
    errors: dict[str, list[str]] = {}
    offence = " ".join(str(offence or "").split())
    if not offence:
        errors["offence"] = [_("Name the offence.")]
    elif len(offence) > 200:
        errors["offence"] = [_("At most %(n)d characters.") % {"n": 200}]
    particulars = str(particulars or "").strip()
    if not particulars:
        errors["particulars"] = [_("Give the particulars: what, when and where.")]
    incident = None
    if incident_id not in (None, ""):
        from emerald.incidents.selectors import incidents_visible_to

        try:
            incident = incidents_visible_to(actor).filter(pk=int(incident_id)).first()
        except (TypeError, ValueError):
            incident = None
        if incident is None:
            errors["incident_id"] = [_("No such incident.")]
        elif not incident.involvements.filter(person=person).exists():
            errors["incident_id"] = [_("%(name)s is not named on incident #%(id)d.")
                                     % {"name": person.full_name, "id": incident.pk}]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    person = Person.objects.select_for_update().get(pk=person.pk)
    current = _current(person)
    if person.status != PersonStatus.IN_CUSTODY or current is None:
        error = Conflict(_("%(name)s is not in custody.") % {"name": person.full_name}, code="not_in_custody")
        error.object_type, error.object_id = "person", person.inmate_number
        raise error
    now = clock.now()
    charge = Charge.objects.create(person=person, incident=incident, unit=current.unit, offence=offence,
                                   particulars=particulars, charged_by=actor, charged_at=now,
                                   hearing_due_at=now + timedelta(days=hearing_deadline_days()))
    audit.record(actor=actor, action="discipline.charge", object_type="discipline_charge", object_id=charge.pk,
                 changes={"person": person.inmate_number, "incident": incident.pk if incident else None,
                          "offence": "(restricted)" if _restricted(charge) else offence,
                          "hearing_due_at": charge.hearing_due_at},
                 summary=f"charged {person.inmate_number}: {_label(charge)}"
                 + (f" from incident #{incident.pk}" if incident and not incident.restricted else ""))
    return charge


@service("discipline.withdraw")
def charge_withdraw(*, actor: Any, charge: Charge, reason: str) -> Charge:
    """Withdraw a charge before its finding, with a reason."""
    _see(actor, charge)
    charge = _lock(charge)
    _require_adjudicator(actor, charge)
    reason = require_text(reason, "reason", _("A reason"))
    _transition(charge, "withdraw")
    before = charge.status
    now = clock.now()
    Hearing.objects.filter(charge=charge, cancelled_at__isnull=True).update(
        cancelled_at=now, cancel_reason="charge withdrawn")
    charge.status, charge.withdrawn_at, charge.withdrawn_by, charge.withdraw_reason = (
        ChargeStatus.WITHDRAWN, now, actor, reason)
    charge.save()
    audit.record(actor=actor, action="discipline.withdraw", object_type="discipline_charge", object_id=charge.pk,
                 changes={"status": [before, charge.status], "reason": reason},
                 summary=f"withdrew {_label(charge)} of {charge.person.inmate_number}")
    return charge


@service("discipline.schedule")
def hearing_schedule(
    *, actor: Any, charge: Charge, scheduled_at: datetime, adjudicator: Any = None, location: str = "",
    reason: str = "",
) -> Hearing:
    """Schedule (or reschedule, with a reason) the hearing: no later than the charge's deadline."""
    _see(actor, charge)
    charge = _lock(charge)
    _require_adjudicator(actor, charge)
    _transition(charge, "schedule")
    errors: dict[str, list[str]] = {}
    when = _aware(scheduled_at)
    if when is None:
        errors["scheduled_at"] = [_("Give the date and time of the hearing.")]
    elif when < charge.charged_at:
        errors["scheduled_at"] = [_("The hearing cannot be before the charge.")]
    elif when > charge.hearing_due_at:
        errors["scheduled_at"] = [_("The hearing must be held by %(due)s (%(days)d days after the charge).") % {
            "due": timezone.localtime(charge.hearing_due_at).strftime("%Y-%m-%d %H:%M"),
            "days": (charge.hearing_due_at - charge.charged_at).days}]
    judge = _user(adjudicator) if adjudicator not in (None, "") else actor
    if judge is None or not judge.is_active or not may_adjudicate(judge, charge):
        errors["adjudicator"] = [_("Name a member of staff who may adjudicate this charge (username).")]
    location = " ".join(str(location or "").split())[:200]
    previous = open_hearing(charge)
    reason = str(reason or "").strip()
    if previous is not None and not reason:
        errors["reason"] = [_("Say why the hearing is rescheduled.")]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    now = clock.now()
    if previous is not None:
        Hearing.objects.filter(pk=previous.pk).update(cancelled_at=now, cancel_reason=f"rescheduled: {reason}")
    hearing = Hearing.objects.create(charge=charge, scheduled_at=when, adjudicator=judge, location=location,
                                     scheduled_by=actor, created_at=now)
    before = charge.status
    charge.status = ChargeStatus.HEARING_SCHEDULED
    charge.save(update_fields=["status"])
    audit.record(actor=actor, action="discipline.schedule", object_type="discipline_charge", object_id=charge.pk,
                 changes={"status": [before, charge.status], "hearing_at": when, "adjudicator": judge.username,
                          "rescheduled_from": previous.pk if previous else None, "reason": reason},
                 summary=f"{'rescheduled' if previous else 'scheduled'} the hearing of {_label(charge)} of "
                 f"{charge.person.inmate_number} for {when:%Y-%m-%d %H:%M} UTC")
    return hearing


@service("discipline.finding")
def finding_record(*, actor: Any, charge: Charge, finding: str, reason: str) -> Charge:
    """Record the finding of the hearing. Proved: sanctions may follow. Otherwise the charge is closed."""
    _see(actor, charge)
    charge = _lock(charge)
    _require_adjudicator(actor, charge)
    _transition(charge, "finding")
    if finding not in Finding.values:
        raise field_error("finding", _("Choose proved, not proved, dismissed or referred to police."))
    reason = require_text(reason, "reason", _("The reasons for the finding"))
    hearing = open_hearing(charge)
    if hearing is not None and hearing.scheduled_at > clock.now():
        raise _conflict(charge, _("The hearing is set for %(at)s: record the finding once it has been held.") % {
            "at": timezone.localtime(hearing.scheduled_at).strftime("%Y-%m-%d %H:%M")}, "hearing_not_held")
    before = charge.status
    charge.finding, charge.finding_reason, charge.finding_by, charge.finding_at = finding, reason, actor, clock.now()
    charge.status = ChargeStatus.PROVED if finding == Finding.PROVED else ChargeStatus.CLOSED
    charge.save()
    audit.record(actor=actor, action="discipline.finding", object_type="discipline_charge", object_id=charge.pk,
                 changes={"status": [before, charge.status], "finding": finding,
                          "reason": "(restricted)" if _restricted(charge) else reason},
                 summary=f"found {_label(charge)} of {charge.person.inmate_number} {finding.replace('_', ' ')}")
    return charge


# --- sanctions -------------------------------------------------------------------------------------------

def _segregation_cell(person: Person, current: Placement | None, allow_conflicts: bool = False) -> Cell | None:
    """A free cell in an open segregation unit of the person's facility that every housing rule accepts
    (``allow_conflicts``: but keep-apart orders, which the caller overrides with a reason)."""
    from emerald.housing.rules import check_cell

    cells = (Cell.objects.select_related("unit", "unit__facility")
             .filter(unit__kind=UnitKind.SEGREGATION, in_service=True).exclude(unit__status=UnitStatus.CLOSED)
             .order_by("-single_occupancy", "unit__code", "code"))
    if current is not None:
        cells = cells.filter(unit__facility_id=current.unit.facility_id)
    for cell in cells:
        check = check_cell(person, cell)
        if check.ok or (allow_conflicts and not check.unavailable and check.free_bed is not None):
            return cell
    return None


def _segregate(actor: Any, sanction: Sanction, cell: Cell | None, override_reason: str) -> None:
    """Move the person to segregation through the housing move service; record a refusal on the sanction."""
    from emerald.housing.services import placement_move

    person = sanction.person
    current = _current(person)
    sanction.move_error_code, sanction.move_error = "", ""
    if current is None:
        sanction.move_error_code = "not_in_custody"
        sanction.move_error = _("%(name)s has no cell: not moved.") % {"name": person.full_name}
        return
    if current.unit.kind == UnitKind.SEGREGATION and cell is None:
        sanction.placement = current  # already in segregation (e.g. held there pending the hearing)
        return
    target = cell or _segregation_cell(person, current, allow_conflicts=bool((override_reason or "").strip()))
    if target is None:
        sanction.move_error_code = "no_segregation_cell"
        sanction.move_error = _("No segregation cell can take %(name)s now: choose one, or retry later.") % {
            "name": person.full_name}
        return
    try:
        placement = placement_move(actor=actor, person=person, cell_id=target.pk, override_reason=override_reason,
                                   reason=f"disciplinary segregation: charge #{sanction.charge_id}, "
                                          f"{sanction.days} days")
    except ServiceError as exc:
        sanction.move_error_code, sanction.move_error = exc.code, exc.detail
        return
    sanction.from_placement, sanction.placement = current, placement


def _segregation_target(cell_id: Any) -> Cell | None:
    if cell_id in (None, ""):
        return None
    try:
        cell = Cell.objects.select_related("unit").filter(pk=int(cell_id)).first()
    except (TypeError, ValueError):
        cell = None
    if cell is None:
        raise field_error("cell_id", _("No such cell."))
    if cell.unit.kind != UnitKind.SEGREGATION:
        raise field_error("cell_id", _("%(cell)s is not in a segregation unit.") % {"cell": cell.code})
    return cell


def _move_summary(sanction: Sanction) -> str:
    if sanction.kind != SanctionKind.SEGREGATION:
        return ""
    if sanction.placement_id and sanction.from_placement_id:
        return f"; moved from {sanction.from_placement.cell.code} to {sanction.placement.cell.code}"
    if sanction.placement_id:
        return f"; already in {sanction.placement.cell.code}"
    return f"; not moved ({sanction.move_error_code})"


@service("discipline.sanction")
def sanction_impose(
    *, actor: Any, charge: Charge, kind: str, days: int | None = None, note: str = "", cell_id: Any = None,
    override_reason: str = "",
) -> Sanction:
    """Impose a sanction on a proved charge, within the configured caps.

    Segregation moves the person to a segregation cell (``cell_id``, or the first free one every housing
    rule accepts) through the housing move service; its ``ends_at`` is the scheduled return. A refused move
    leaves the sanction recorded with ``move_error`` (retry with :func:`sanction_move`).
    """
    _see(actor, charge)
    charge = _lock(charge)
    _require_adjudicator(actor, charge)
    _transition(charge, "sanction")
    errors: dict[str, list[str]] = {}
    if kind not in SanctionKind.values:
        errors["kind"] = [_("Choose one of the listed sanctions.")]
    elif kind == SanctionKind.CAUTION:
        if days not in (None, 0):
            errors["days"] = [_("A caution has no length.")]
        days = None
    else:
        cap = sanction_cap(kind)
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            errors["days"] = [_("Give the number of days (at least 1).")]
        elif days > cap:
            errors["days"] = [_("At most %(cap)d days for %(kind)s.") % {"cap": cap, "kind": SanctionKind(kind).label}]
    target = None
    if kind == SanctionKind.SEGREGATION:
        try:
            target = _segregation_target(cell_id)
        except Invalid as exc:
            errors.update(exc.fields)
    elif cell_id not in (None, "") or override_reason:
        errors["cell_id"] = [_("Only a segregation sanction moves the person.")]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    if kind == SanctionKind.SEGREGATION and Sanction.objects.filter(
            person=charge.person, kind=SanctionKind.SEGREGATION, status=SanctionStatus.ACTIVE).exists():
        raise _conflict(charge, _("%(name)s is already serving a segregation sanction.")
                        % {"name": charge.person.full_name}, "already_segregated")
    now = clock.now()
    ends = now + timedelta(days=days or 0)
    review = None
    if kind == SanctionKind.SEGREGATION and review_days() < (days or 0):
        review = now + timedelta(days=review_days())
    sanction = Sanction(charge=charge, person=charge.person, kind=kind, days=days, starts_at=now, ends_at=ends,
                        next_review_at=review, note=str(note or "").strip(), imposed_by=actor, imposed_at=now)
    if kind == SanctionKind.SEGREGATION:
        _segregate(actor, sanction, target, override_reason)
    if kind == SanctionKind.CAUTION:
        # A caution is given at once: nothing runs on.
        sanction.status, sanction.ended_at, sanction.ended_by, sanction.end_reason = (
            SanctionStatus.COMPLETED, now, actor, "caution given")
    sanction.save()
    before = charge.status
    charge.status = ChargeStatus.SANCTIONED
    charge.save(update_fields=["status"])
    audit.record(actor=actor, action="discipline.sanction", object_type="discipline_charge", object_id=charge.pk,
                 changes={"status": [before, charge.status], "sanction": sanction.pk, "kind": kind, "days": days,
                          "ends_at": ends, "move_error": sanction.move_error_code or None,
                          "override_reason": override_reason or None},
                 summary=f"imposed {kind.replace('_', ' ')}"
                 + (f" of {days} days" if days else "") + f" on {charge.person.inmate_number} for {_label(charge)}"
                 + _move_summary(sanction))
    return sanction


def _see_sanction(actor: Any, sanction: Sanction) -> Sanction:
    _see(actor, sanction.charge)
    return (Sanction.objects.select_for_update(of=("self",))
            .select_related("charge", "person", "placement__cell", "from_placement__cell", "from_placement__unit")
            .get(pk=sanction.pk))


@service("discipline.sanction_move")
def sanction_move(*, actor: Any, sanction: Sanction, cell_id: Any = None, override_reason: str = "") -> Sanction:
    """Retry the move to segregation of a sanction whose move was refused."""
    sanction = _see_sanction(actor, sanction)
    _require_adjudicator(actor, sanction.charge)
    if sanction.kind != SanctionKind.SEGREGATION or sanction.status != SanctionStatus.ACTIVE:
        raise _conflict(sanction.charge, _("Only an active segregation sanction moves the person."),
                        "invalid_transition")
    if sanction.placement_id:
        raise _conflict(sanction.charge, _("The person was already moved to segregation for this sanction."),
                        "already_moved")
    target = _segregation_target(cell_id)
    _segregate(actor, sanction, target, override_reason)
    sanction.save()
    audit.record(actor=actor, action="discipline.sanction_move", object_type="discipline_charge",
                 object_id=sanction.charge_id, changes={"sanction": sanction.pk,
                                                        "move_error": sanction.move_error_code or None},
                 summary=f"retried the segregation of {sanction.person.inmate_number} (sanction #{sanction.pk})"
                 + _move_summary(sanction))
    return sanction


def _return_cell(person: Person, sanction: Sanction, cell_id: Any) -> Any:
    """Where the person goes back to: the given cell, else their previous cell, else another cell of that unit."""
    from emerald.housing.rules import check_cell

    if cell_id not in (None, ""):
        return cell_id
    previous = sanction.from_placement
    if previous is not None:
        if check_cell(person, previous.cell).ok:
            return previous.cell_id
        for cell in Cell.objects.filter(unit_id=previous.unit_id).select_related("unit").order_by("code"):
            if check_cell(person, cell).ok:
                return cell.pk
    where = previous.cell.code if previous is not None else "-"
    error = Conflict(
        _("Neither %(cell)s nor any other cell of the unit %(name)s came from can take them now: choose a cell.")
        % {"cell": where, "name": person.full_name}, code="no_return_cell")
    error.object_type, error.object_id = "person", person.inmate_number
    raise error


def _end(actor: Any, sanction: Sanction, status: str, reason: str, cell_id: Any = None) -> None:
    """End a sanction; a segregation sanction moves the person back (all or nothing)."""
    from emerald.housing.services import placement_move

    now = clock.now()
    placement = sanction.placement
    if (sanction.kind == SanctionKind.SEGREGATION and placement is not None
            and Placement.objects.filter(pk=placement.pk, end_at__isnull=True).exists()):
        target = _return_cell(sanction.person, sanction, cell_id)
        sanction.return_placement = placement_move(
            actor=actor, person=sanction.person, cell_id=target,
            reason=f"end of disciplinary segregation (charge #{sanction.charge_id})")
    sanction.status, sanction.ended_at, sanction.ended_by, sanction.end_reason = status, now, actor, reason
    sanction.next_review_at = None
    sanction.save()


@service("discipline.sanction_complete")
def sanction_complete(*, actor: Any, sanction: Sanction, reason: str = "", cell_id: Any = None) -> Sanction:
    """End a sanction at (or, with a reason, before) its scheduled end. A segregation sanction moves the
    person back to their previous cell, or another cell of that unit, or ``cell_id``; if none can take them,
    409 ``no_return_cell`` and nothing changes."""
    sanction = _see_sanction(actor, sanction)
    require(actor, "discipline.sanction_complete", "discipline_charge", sanction.charge_id)
    if sanction.status != SanctionStatus.ACTIVE:
        raise _conflict(sanction.charge, _("Sanction #%(id)d has already ended.") % {"id": sanction.pk},
                        "already_ended")
    reason = str(reason or "").strip()
    if clock.now() < sanction.ends_at and not reason:
        raise field_error("reason", _("The sanction runs until %(end)s: ending it early needs a reason.") % {
            "end": timezone.localtime(sanction.ends_at).strftime("%Y-%m-%d %H:%M")})
    before = sanction.placement.cell.code if sanction.placement_id else None
    _end(actor, sanction, SanctionStatus.COMPLETED, reason or "served", cell_id)
    back = sanction.return_placement.cell.code if sanction.return_placement_id else None
    audit.record(actor=actor, action="discipline.sanction_complete", object_type="discipline_charge",
                 object_id=sanction.charge_id,
                 changes={"sanction": sanction.pk, "reason": sanction.end_reason, "cell": [before, back]},
                 summary=f"ended sanction #{sanction.pk} of {sanction.person.inmate_number}"
                 + (f"; moved back from {before} to {back}" if back else ""))
    return sanction


@service("discipline.sanction_review")
def sanction_review(*, actor: Any, sanction: Sanction, decision: str, note: str, cell_id: Any = None) -> SanctionReview:
    """Review a segregation sanction: continue (the next review is set) or end it now (moving the person back)."""
    sanction = _see_sanction(actor, sanction)
    _require_adjudicator(actor, sanction.charge)
    if decision not in ReviewDecision.values:
        raise field_error("decision", _("Choose continue or end."))
    note = require_text(note, "note", _("A note"))
    if sanction.kind != SanctionKind.SEGREGATION or sanction.status != SanctionStatus.ACTIVE:
        raise _conflict(sanction.charge, _("Only an active segregation sanction is reviewed."), "invalid_transition")
    now = clock.now()
    review = SanctionReview.objects.create(sanction=sanction, decision=decision, note=note, reviewed_by=actor,
                                           reviewed_at=now)
    if decision == ReviewDecision.END:
        _end(actor, sanction, SanctionStatus.COMPLETED, f"ended on review: {note}", cell_id)
    else:
        nxt = now + timedelta(days=review_days())
        sanction.next_review_at = nxt if nxt < sanction.ends_at else None
        sanction.save(update_fields=["next_review_at"])
    audit.record(actor=actor, action="discipline.sanction_review", object_type="discipline_charge",
                 object_id=sanction.charge_id, changes={"sanction": sanction.pk, "decision": decision},
                 summary=f"reviewed the segregation of {sanction.person.inmate_number} (sanction #{sanction.pk}): "
                 f"{decision}")
    return review


# --- appeals ---------------------------------------------------------------------------------------------

@service("discipline.appeal")
def appeal_lodge(*, actor: Any, charge: Charge, grounds: str) -> Appeal:
    """Record the person's appeal against a proved charge (one per charge). Sanctions keep running."""
    _see(actor, charge)
    require(actor, "discipline.appeal", "discipline_charge", charge.pk)
    charge = _lock(charge)
    grounds = require_text(grounds, "grounds", _("The grounds"))
    _transition(charge, "appeal")
    if Appeal.objects.filter(charge=charge).exists():
        raise _conflict(charge, _("Charge #%(id)d has already been appealed.") % {"id": charge.pk},
                        "already_appealed")
    appeal = Appeal.objects.create(charge=charge, grounds=grounds, lodged_by=actor, lodged_at=clock.now(),
                                   from_status=charge.status)
    before = charge.status
    charge.status = ChargeStatus.UNDER_APPEAL
    charge.save(update_fields=["status"])
    audit.record(actor=actor, action="discipline.appeal", object_type="discipline_charge", object_id=charge.pk,
                 changes={"status": [before, charge.status]},
                 summary=f"lodged the appeal of {charge.person.inmate_number} against {_label(charge)}")
    return appeal


@service("discipline.appeal_decide")
def appeal_decide(*, actor: Any, charge: Charge, outcome: str, reason: str) -> Appeal:
    """Decide an appeal (never by the hearing's adjudicator). Dismissed: the charge returns to where it was.
    Allowed: the finding is quashed, running sanctions end (a segregated person is due back at once)."""
    _see(actor, charge)
    require(actor, "discipline.appeal_decide", "discipline_charge", charge.pk)
    charge = _lock(charge)
    if outcome not in AppealOutcome.values:
        raise field_error("outcome", _("Choose dismissed or allowed."))
    reason = require_text(reason, "reason", _("A reason"))
    _transition(charge, "decide")
    if charge.finding_by_id == getattr(actor, "pk", None):
        raise forbid("discipline_charge", charge.pk, _("The adjudicator of the hearing may not decide its appeal."))
    appeal = Appeal.objects.select_for_update().get(charge=charge)
    now = clock.now()
    appeal.outcome, appeal.decided_by, appeal.decided_at, appeal.decision_reason = outcome, actor, now, reason
    appeal.save()
    before = charge.status
    quashed = []
    if outcome == AppealOutcome.ALLOWED:
        charge.status = ChargeStatus.QUASHED
        for sanction in Sanction.objects.select_for_update().filter(charge=charge, status=SanctionStatus.ACTIVE):
            in_segregation = (sanction.placement_id is not None and Placement.objects.filter(
                pk=sanction.placement_id, end_at__isnull=True).exists())
            if in_segregation:
                # The person must be moved back by custody staff (a cell must be found): due now.
                Sanction.objects.filter(pk=sanction.pk).update(ends_at=max(now, sanction.starts_at))
            else:
                Sanction.objects.filter(pk=sanction.pk).update(
                    status=SanctionStatus.QUASHED, ended_at=now, ended_by=actor, next_review_at=None,
                    end_reason=f"appeal allowed: {reason}")
            quashed.append(sanction.pk)
    else:
        charge.status = appeal.from_status
    charge.save(update_fields=["status"])
    audit.record(actor=actor, action="discipline.appeal_decide", object_type="discipline_charge", object_id=charge.pk,
                 changes={"status": [before, charge.status], "outcome": outcome, "sanctions_ended": quashed},
                 summary=f"decided the appeal of {charge.person.inmate_number} against {_label(charge)}: {outcome}")
    return appeal
