"""Writes of the unit council: appointments and their end, meetings with minutes and decisions, unit rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from emerald.accounts.permissions import manages_unit
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import forbid, require
from emerald.core.errors import Conflict, Invalid
from emerald.core.services import require_text, service
from emerald.council.models import CouncilMember, CouncilRole, Decision, Meeting, UnitRules
from emerald.facilities.models import Unit
from emerald.housing.models import Placement
from emerald.people.models import Person


def _manages(actor: Any, action: str, unit: Unit, object_type: str, object_id: Any) -> None:
    require(actor, action, object_type, object_id)
    if not manages_unit(actor, unit.pk):
        raise forbid(object_type, object_id, _("Only for the units you manage."))


def _in_unit(person: Person, unit: Unit) -> bool:
    return Placement.objects.filter(person=person, unit=unit, end_at__isnull=True).exists()


@service("council.appoint")
def council_appoint(*, actor: Any, unit: Unit, person: Person, role: str, term_start: date | None = None,
                    term_end: date | None = None) -> CouncilMember:
    """Appoint a person housed in the unit to its council, as chair or member, for a term."""
    _manages(actor, "council.appoint", unit, "unit", unit.pk)
    errors: dict[str, list[str]] = {}
    if role not in CouncilRole.values:
        errors["role"] = [_("Choose chair or member.")]
    term_start = term_start or clock.now().date()
    if term_end is None:
        errors["term_end"] = [_("Give the end of the term.")]
    elif term_end <= term_start:
        errors["term_end"] = [_("The term must end after it starts.")]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    Unit.objects.select_for_update().filter(pk=unit.pk).exists()  # serialises appointments to one council
    if not _in_unit(person, unit):
        raise Conflict(_("%(name)s is not housed in %(unit)s.") % {"name": person.full_name, "unit": unit.code},
                       code="not_in_unit")
    seat = CouncilMember.objects.filter(unit=unit, person=person, ended_at__isnull=True).first()
    if seat is not None:
        raise Conflict(_("%(name)s already sits on the council.") % {"name": person.full_name},
                       code="already_exists", extra={"member_id": seat.pk})
    if role == CouncilRole.CHAIR and CouncilMember.objects.filter(unit=unit, role=CouncilRole.CHAIR,
                                                                  ended_at__isnull=True).exists():
        raise Conflict(_("The council already has a chair; end that appointment first."), code="chair_exists")
    member = CouncilMember.objects.create(unit=unit, person=person, role=role, term_start=term_start,
                                          term_end=term_end, appointed_by=actor, appointed_at=clock.now())
    audit.record(actor=actor, action="council.appoint", object_type="unit", object_id=unit.pk,
                 changes={"person": person.inmate_number, "role": role, "term_start": term_start,
                          "term_end": term_end, "member_id": member.pk},
                 summary=f"appointed {person.inmate_number} {role} of the {unit.code} council until {term_end}")
    return member


@service("council.end")
def council_end(*, actor: Any, member: CouncilMember, reason: str) -> CouncilMember:
    """End an appointment before its term (resigned, moved out, removed), with a reason."""
    member = CouncilMember.objects.select_for_update().select_related("unit", "person").get(pk=member.pk)
    _manages(actor, "council.appoint", member.unit, "council_member", member.pk)
    reason = require_text(reason, "reason", _("A reason"))
    if member.ended_at is not None:
        raise Conflict(_("This appointment has already ended."), code="already_closed")
    member.ended_at, member.ended_by, member.end_reason = clock.now(), actor, reason
    member.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit.record(actor=actor, action="council.end", object_type="unit", object_id=member.unit_id,
                 changes={"person": member.person.inmate_number, "member_id": member.pk, "reason": reason},
                 summary=f"ended the council seat of {member.person.inmate_number} in {member.unit.code}")
    return member


@service("council.meeting")
def meeting_record(*, actor: Any, unit: Unit, held_at: datetime, minutes: str, attendees: list[Person],
                   decisions: list[str] | None = None, staff_present: str = "") -> Meeting:
    """Record a council meeting: attendees (people in custody), minutes and the decisions taken."""
    _manages(actor, "council.record", unit, "unit", unit.pk)
    errors: dict[str, list[str]] = {}
    minutes = (minutes or "").strip()
    if not minutes:
        errors["minutes"] = [_("Write the minutes.")]
    if not isinstance(held_at, datetime) or held_at.tzinfo is None:
        errors["held_at"] = [_("Enter a date and time.")]
    elif held_at > clock.now():
        errors["held_at"] = [_("Record a meeting once it has taken place.")]
    if not attendees:
        errors["attendees"] = [_("Name at least one attendee.")]
    staff_present = " ".join(str(staff_present or "").split())
    if len(staff_present) > 300:
        errors["staff_present"] = [_("At most %(n)d characters.") % {"n": 300}]
    texts = [t.strip() for t in decisions or [] if t and t.strip()]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    meeting = Meeting.objects.create(unit=unit, held_at=held_at, minutes=minutes, staff_present=staff_present,
                                     recorded_by=actor, recorded_at=clock.now())
    meeting.attendees.set(attendees)
    for n, text in enumerate(texts, 1):
        Decision.objects.create(meeting=meeting, number=n, text=text)
    audit.record(actor=actor, action="council.meeting", object_type="unit", object_id=unit.pk,
                 changes={"meeting_id": meeting.pk, "held_at": held_at,
                          "attendees": sorted(p.inmate_number for p in attendees), "decisions": texts},
                 summary=f"recorded a council meeting of {unit.code} with {len(attendees)} attendees and "
                 f"{len(texts)} decisions")
    return meeting


@service("unit_rules.publish")
def rules_publish(*, actor: Any, unit: Unit, text: str, effective_from: date | None = None, summary: str = "",
                  meeting: Meeting | None = None) -> UnitRules:
    """Publish the next version of a unit's rules (earlier versions stay as they were)."""
    _manages(actor, "unit_rules.publish", unit, "unit", unit.pk)
    errors: dict[str, list[str]] = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = [_("Write the rules.")]
    summary = " ".join(str(summary or "").split())
    if len(summary) > 300:
        errors["summary"] = [_("At most %(n)d characters.") % {"n": 300}]
    if meeting is not None and meeting.unit_id != unit.pk:
        errors["meeting"] = [_("Choose a meeting of this unit's council.")]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    Unit.objects.select_for_update().filter(pk=unit.pk).exists()  # one version number at a time
    last = UnitRules.objects.filter(unit=unit).order_by("-version").first()
    version = (last.version + 1) if last else 1
    rules = UnitRules.objects.create(unit=unit, version=version, text=text, summary=summary,
                                     effective_from=effective_from or clock.now().date(), meeting=meeting,
                                     published_by=actor, published_at=clock.now())
    audit.record(actor=actor, action="unit_rules.publish", object_type="unit", object_id=unit.pk,
                 changes={"version": version, "effective_from": rules.effective_from, "summary": summary},
                 summary=f"published version {version} of the rules of {unit.code}")
    return rules
