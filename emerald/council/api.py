"""API: a unit's council (members with term and role), its meetings, and the unit's versioned rules.
See docs/council.md."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from emerald.core.api_support import (
    Id,
    In,
    IsoDate,
    IsoDateTime,
    PersonRef,
    Text,
    actor,
    errors,
    username,
    with_status,
)
from emerald.council import selectors, services
from emerald.council.models import CouncilMember, Meeting, UnitRules
from emerald.people.visibility import person_ref
from emerald.relations.api import person_from_number

router = Router()


class CouncilMemberOut(Schema):
    id: int
    person: PersonRef
    role: str = Field(..., description="chair / member")
    term_start: date
    term_end: date
    appointed_by: str | None
    appointed_at: datetime
    ended_at: datetime | None
    end_reason: str


class MeetingOut(Schema):
    id: int
    held_at: datetime
    attendees: list[PersonRef]
    staff_present: str
    minutes: str
    decisions: list[str]
    recorded_by: str | None


class RulesOut(Schema):
    id: int
    version: int
    text: str
    summary: str
    effective_from: date
    meeting_id: int | None
    published_by: str | None
    published_at: datetime


class CouncilOut(Schema):
    unit_id: int
    unit: str
    members: list[CouncilMemberOut]
    past_members: list[CouncilMemberOut]
    meetings: list[MeetingOut]
    rules: RulesOut | None = Field(..., description="the version in effect")
    rules_history: list[RulesOut]


class AppointIn(In):
    person: Text = Field(..., description="inmate number of a person housed in the unit")
    role: Literal["chair", "member"]
    term_start: IsoDate | None = Field(None, description="default: today")
    term_end: IsoDate


class CouncilEndIn(In):
    reason: Text


class MeetingIn(In):
    held_at: IsoDateTime
    minutes: Text
    attendees: list[Text] = Field(..., description="inmate numbers")
    decisions: list[Text] = Field(default_factory=list)
    staff_present: Text = ""


class RulesIn(In):
    text: Text
    summary: Text = ""
    effective_from: IsoDate | None = None
    meeting_id: Id | None = None


def member_dict(m: CouncilMember) -> dict[str, Any]:
    return {"id": m.pk, "person": person_ref(m.person), "role": m.role, "term_start": m.term_start,
            "term_end": m.term_end, "appointed_by": username(m.appointed_by), "appointed_at": m.appointed_at,
            "ended_at": m.ended_at, "end_reason": m.end_reason}


def meeting_dict(m: Meeting) -> dict[str, Any]:
    return {"id": m.pk, "held_at": m.held_at, "attendees": [person_ref(p) for p in m.attendees.all()],
            "staff_present": m.staff_present, "minutes": m.minutes,
            "decisions": [d.text for d in m.decisions.all()], "recorded_by": username(m.recorded_by)}


def rules_dict(r: UnitRules | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {"id": r.pk, "version": r.version, "text": r.text, "summary": r.summary,
            "effective_from": r.effective_from, "meeting_id": r.meeting_id,
            "published_by": username(r.published_by), "published_at": r.published_at}


def council_dict(request: HttpRequest, unit: Any) -> dict[str, Any]:
    c = selectors.council_of(actor=actor(request), unit=unit)
    return {"unit_id": unit.pk, "unit": unit.code, "members": [member_dict(m) for m in c["members"]],
            "past_members": [member_dict(m) for m in c["past_members"]],
            "meetings": [meeting_dict(m) for m in c["meetings"]], "rules": rules_dict(c["rules"]),
            "rules_history": [rules_dict(r) for r in c["rules_history"]]}


@router.get("/{int:unit_id}", response={200: CouncilOut, **errors(401, 404)}, summary="A unit's council and rules")
def council_detail(request: HttpRequest, unit_id: Id):
    return council_dict(request, selectors.council_unit(actor=actor(request), unit_id=unit_id))


@router.post("/{int:unit_id}/members", response={201: CouncilMemberOut, **errors(400, 401, 403, 404, 409)},
             summary="Appoint a council member")
def council_appoint(request: HttpRequest, unit_id: Id, payload: AppointIn):
    """The unit's manager (or a warden or administrator). 409 ``not_in_unit``, ``already_exists``,
    ``chair_exists``."""
    unit = selectors.council_unit(actor=actor(request), unit_id=unit_id)
    person = person_from_number(request, payload.person, "person")
    m = services.council_appoint(actor=actor(request), unit=unit, person=person, role=payload.role,
                                 term_start=payload.term_start, term_end=payload.term_end)
    return with_status(201, member_dict(m))


@router.post("/members/{int:id}/end", response={200: CouncilMemberOut, **errors(400, 401, 403, 404, 409)},
             summary="End an appointment")
def council_end(request: HttpRequest, id: Id, payload: CouncilEndIn):
    member = selectors.member_get(actor=actor(request), member_id=id)
    return member_dict(services.council_end(actor=actor(request), member=member, reason=payload.reason))


@router.post("/{int:unit_id}/meetings", response={201: MeetingOut, **errors(400, 401, 403, 404)},
             summary="Record a council meeting")
def meeting_create(request: HttpRequest, unit_id: Id, payload: MeetingIn):
    unit = selectors.council_unit(actor=actor(request), unit_id=unit_id)
    attendees = [person_from_number(request, n, "attendees") for n in payload.attendees]
    m = services.meeting_record(actor=actor(request), unit=unit, held_at=payload.held_at, minutes=payload.minutes,
                                attendees=attendees, decisions=payload.decisions,
                                staff_present=payload.staff_present)
    return with_status(201, meeting_dict(m))


@router.post("/{int:unit_id}/rules", response={201: RulesOut, **errors(400, 401, 403, 404)},
             summary="Publish the next version of the unit rules")
def rules_publish(request: HttpRequest, unit_id: Id, payload: RulesIn):
    unit = selectors.council_unit(actor=actor(request), unit_id=unit_id)
    meeting = selectors.meeting_get(actor=actor(request), meeting_id=payload.meeting_id) if payload.meeting_id else None
    r = services.rules_publish(actor=actor(request), unit=unit, text=payload.text, summary=payload.summary,
                               effective_from=payload.effective_from, meeting=meeting)
    return with_status(201, rules_dict(r))
