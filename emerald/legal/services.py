"""Writes on legal matters: open a matter, add and end helpers, schedule and cancel court hearings, record the
outcome.

Audit summaries name the matter by number and kind and the person by inmate number; never the notes.
A court hearing plans the person's absence through the movements area's ``absence_schedule`` service
when that area is installed (a refusal there does not stop the hearing being recorded: it is noted on it).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import hidden, require
from emerald.core.errors import Conflict, Invalid, ServiceError
from emerald.core.services import require_text, service
from emerald.legal.models import (
    CourtHearing,
    HearingStatus,
    HelperKind,
    LegalHelper,
    LegalMatter,
    MatterKind,
    Outcome,
)
from emerald.legal.selectors import _people_in_scope, may_see_matter
from emerald.people.models import Person
from emerald.people.selectors import people_visible_to

#: How long a court day keeps a person out of their cell, for the planned absence.
LEAVE_BEFORE = timedelta(hours=2)
BACK_AFTER = timedelta(hours=6)


def _see(actor: Any, matter: LegalMatter) -> None:
    if not may_see_matter(actor, matter):
        raise hidden("legal_matter", matter.pk)


def _lock(matter: LegalMatter) -> LegalMatter:
    return LegalMatter.objects.select_for_update(of=("self",)).select_related("person").get(pk=matter.pk)


def _clip(value: Any, field: str, limit: int, errors: dict[str, list[str]], required: str = "") -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        errors.setdefault(field, []).append(required)
    elif len(text) > limit:
        errors.setdefault(field, []).append(_("At most %(n)d characters.") % {"n": limit})
    return text


def _label(matter: LegalMatter) -> str:
    return f"legal matter #{matter.pk} ({matter.kind})"


@service("legal.matter_create")
def matter_create(
    *, actor: Any, person: Person, kind: str, court: str, case_number: str = "", counsel: str = "", title: str = "",
    notes: str = "",
) -> LegalMatter:
    """Open a legal matter of a person (a unit manager: of people in the units they manage)."""
    require(actor, "legal.manage", "person", person.inmate_number)
    if not _people_in_scope(actor, "legal.manage").filter(pk=person.pk).exists():
        raise hidden("person", person.inmate_number)
    errors: dict[str, list[str]] = {}
    if kind not in MatterKind.values:
        errors["kind"] = [_("Choose criminal case, appeal, civil case or parole hearing.")]
    values = {
        "court": _clip(court, "court", 200, errors, _("Name the court (or the parole board).")),
        "case_number": _clip(case_number, "case_number", 100, errors),
        "counsel": _clip(counsel, "counsel", 200, errors),
        "title": _clip(title, "title", 200, errors),
        "notes": str(notes or "").strip(),
    }
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    matter = LegalMatter.objects.create(person=person, kind=kind, opened_by=actor, opened_at=clock.now(), **values)
    audit.record(actor=actor, action="legal.matter_create", object_type="legal_matter", object_id=matter.pk,
                 changes={"person": person.inmate_number, "kind": kind, "court": matter.court,
                          "case_number": matter.case_number},
                 summary=f"opened {_label(matter)} of {person.inmate_number}")
    return matter


@service("legal.helper_add")
def helper_add(
    *, actor: Any, matter: LegalMatter, kind: str, person: Person | None = None, name: str = "", role: str = "",
) -> LegalHelper:
    """Record someone who helps with the matter: counsel, a person in custody (legal helper), or another."""
    _see(actor, matter)
    require(actor, "legal.manage", "legal_matter", matter.pk)
    matter = _lock(matter)
    errors: dict[str, list[str]] = {}
    if kind not in HelperKind.values:
        errors["kind"] = [_("Choose counsel, person in custody or other.")]
    name = _clip(name, "name", 200, errors)
    role = _clip(role, "role", 300, errors)
    if kind == HelperKind.IN_CUSTODY:
        if person is None:
            errors["person"] = [_("Give the inmate number of the helper.")]
        elif person.pk == matter.person_id:
            errors["person"] = [_("A person cannot be their own legal helper.")]
        name = ""
    elif kind in HelperKind.values:
        if person is not None:
            errors["person"] = [_("Only a helper in custody is named by inmate number.")]
        if not name:
            errors["name"] = [_("Give the helper's name.")]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    if person is not None and LegalHelper.objects.filter(matter=matter, person=person, ended_at__isnull=True).exists():
        raise Conflict(_("%(name)s already helps with this matter.") % {"name": person.full_name},
                       code="already_helping")
    helper = LegalHelper.objects.create(matter=matter, kind=kind, person=person, name=name, role=role,
                                        added_by=actor, added_at=clock.now())
    who = person.inmate_number if person is not None else f"{kind} {name}"
    audit.record(actor=actor, action="legal.helper_add", object_type="legal_matter", object_id=matter.pk,
                 changes={"helper": helper.pk, "kind": kind, "person": person.inmate_number if person else None,
                          "name": name},
                 summary=f"added {who} as helper on {_label(matter)} of {matter.person.inmate_number}")
    return helper


@service("legal.helper_end")
def helper_end(*, actor: Any, helper: LegalHelper, reason: str) -> LegalHelper:
    """A helper stops helping: the row stays, with who, when and why."""
    _see(actor, helper.matter)
    require(actor, "legal.manage", "legal_matter", helper.matter_id)
    reason = require_text(reason, "reason", _("A reason"))
    helper = LegalHelper.objects.select_for_update().select_related("matter", "matter__person").get(pk=helper.pk)
    if helper.ended_at is not None:
        raise Conflict(_("This helper's help has already ended."), code="already_ended")
    helper.ended_at, helper.ended_by, helper.end_reason = clock.now(), actor, reason
    helper.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit.record(actor=actor, action="legal.helper_end", object_type="legal_matter", object_id=helper.matter_id,
                 changes={"helper": helper.pk, "reason": reason},
                 summary=f"ended helper #{helper.pk} on {_label(helper.matter)}")
    return helper


def _plan_absence(actor: Any, hearing: CourtHearing, person: Person) -> None:
    """Plan the person's absence for the hearing (movements area), and note what happened on the hearing."""
    try:
        from emerald.movements.services import absence_schedule
    except ImportError:
        hearing.movement_note = "movements area not installed: plan the escort by hand"
        return
    if hearing.at - LEAVE_BEFORE <= clock.now():
        hearing.movement_note = "hearing in the past or imminent: no absence planned"
        return
    try:
        absence = absence_schedule(
            actor=actor, person=person, kind="court", destination=hearing.court,
            planned_out_at=hearing.at - LEAVE_BEFORE, expected_back_at=hearing.at + BACK_AFTER,
            reason=f"court hearing (legal matter #{hearing.matter_id})")
    except ServiceError as exc:
        hearing.movement_note = f"absence not planned: {exc.code}: {exc.detail}"
        return
    hearing.absence_id = absence.pk
    hearing.movement_note = f"absence #{absence.pk} planned"


@service("legal.hearing_schedule")
def hearing_schedule(*, actor: Any, matter: LegalMatter, at: datetime, court: str = "", purpose: str = "") -> CourtHearing:
    """Add a court date to an open matter; plans the out-of-cell movement when the movements area is installed."""
    _see(actor, matter)
    require(actor, "legal.manage", "legal_matter", matter.pk)
    matter = _lock(matter)
    errors: dict[str, list[str]] = {}
    if not isinstance(at, datetime):
        errors["at"] = [_("Give the date and time of the hearing.")]
    elif timezone.is_naive(at):
        at = timezone.make_aware(at)
    court = _clip(court, "court", 200, errors) or matter.court
    purpose = _clip(purpose, "purpose", 200, errors)
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    if not matter.is_open:
        raise Conflict(_("Legal matter #%(id)d is closed (%(outcome)s).") % {
            "id": matter.pk, "outcome": matter.get_outcome_display()}, code="matter_closed")
    hearing = CourtHearing(matter=matter, at=at, court=court, purpose=purpose, created_by=actor,
                           created_at=clock.now())
    _plan_absence(actor, hearing, matter.person)
    hearing.save()
    audit.record(actor=actor, action="legal.hearing_schedule", object_type="legal_matter", object_id=matter.pk,
                 changes={"hearing": hearing.pk, "at": at, "court": court, "absence": hearing.absence_id,
                          "movement": hearing.movement_note},
                 summary=f"scheduled a court hearing of {matter.person.inmate_number} ({_label(matter)}) for "
                 f"{at:%Y-%m-%d %H:%M} UTC at {court}")
    return hearing


@service("legal.hearing_cancel")
def hearing_cancel(*, actor: Any, hearing: CourtHearing, reason: str) -> CourtHearing:
    """Cancel a court date (kept, with who and why). A planned absence is left to the movements area."""
    _see(actor, hearing.matter)
    require(actor, "legal.manage", "legal_matter", hearing.matter_id)
    reason = require_text(reason, "reason", _("A reason"))
    hearing = CourtHearing.objects.select_for_update().select_related("matter", "matter__person").get(pk=hearing.pk)
    if hearing.status != HearingStatus.SCHEDULED:
        raise Conflict(_("This hearing is already cancelled."), code="already_cancelled")
    hearing.status, hearing.cancelled_at, hearing.cancelled_by, hearing.cancel_reason = (
        HearingStatus.CANCELLED, clock.now(), actor, reason)
    hearing.save()
    audit.record(actor=actor, action="legal.hearing_cancel", object_type="legal_matter", object_id=hearing.matter_id,
                 changes={"hearing": hearing.pk, "reason": reason, "absence": hearing.absence_id},
                 summary=f"cancelled court hearing #{hearing.pk} of {hearing.matter.person.inmate_number}"
                 + (f"; absence #{hearing.absence_id} remains planned" if hearing.absence_id else ""))
    return hearing


@service("legal.outcome")
def matter_outcome(*, actor: Any, matter: LegalMatter, outcome: str, decided_on: date | None = None,
                   note: str = "") -> LegalMatter:
    """Record the outcome (e.g. appeal rejected): the matter is closed. Recorded once."""
    _see(actor, matter)
    require(actor, "legal.manage", "legal_matter", matter.pk)
    matter = _lock(matter)
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [_("Choose one of the listed outcomes.")]
    today = timezone.localdate(clock.now())
    day = decided_on or today
    if not isinstance(day, date) or isinstance(day, datetime):
        errors["decided_on"] = [_("Enter a date as YYYY-MM-DD.")]
    elif day > today:
        errors["decided_on"] = [_("The decision cannot be in the future.")]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    if not matter.is_open:
        raise Conflict(_("The outcome of legal matter #%(id)d is already recorded.") % {"id": matter.pk},
                       code="already_decided")
    matter.outcome, matter.outcome_on, matter.outcome_note = outcome, day, str(note or "").strip()
    matter.outcome_by, matter.outcome_at = actor, clock.now()
    matter.save()
    audit.record(actor=actor, action="legal.outcome", object_type="legal_matter", object_id=matter.pk,
                 changes={"outcome": outcome, "decided_on": day},
                 summary=f"recorded the outcome of {_label(matter)} of {matter.person.inmate_number}: {outcome}")
    return matter


def helper_person(actor: Any, number: str) -> Person | None:
    return people_visible_to(actor).filter(inmate_number=(number or "").strip().upper()).first()
