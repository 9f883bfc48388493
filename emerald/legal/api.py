"""API: legal matters (privileged) and the court hearing schedule (officers: for escorts). See docs/legal.md."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from emerald.core.access import hidden
from emerald.core.api_support import (
    Id,
    In,
    IsoDate,
    IsoDateTime,
    PageQuery,
    PersonRef,
    Text,
    actor,
    errors,
    paginate,
    username,
    with_status,
)
from emerald.core.errors import Invalid
from emerald.legal import selectors, services
from emerald.legal.models import CourtHearing, LegalHelper, LegalMatter
from emerald.people.models import Person
from emerald.people.selectors import people_visible_to
from emerald.people.visibility import person_ref

router = Router()

KindIn = Literal["criminal_case", "appeal", "civil_case", "parole_hearing"]
OutcomeIn = Literal["appeal_rejected", "appeal_allowed", "convicted", "acquitted", "dismissed", "settled",
                    "parole_granted", "parole_denied", "withdrawn", "other"]
HelperKindIn = Literal["counsel", "in_custody", "other"]


class HelperOut(Schema):
    id: int
    kind: str
    person: PersonRef | None
    name: str
    role: str
    added_by: str | None
    added_at: datetime
    ended_at: datetime | None
    end_reason: str


class LegalHearingOut(Schema):
    id: int
    matter_id: int
    person: PersonRef
    kind: str = Field(..., description="the kind of matter")
    at: datetime
    court: str
    purpose: str
    status: str
    absence_id: int | None = Field(..., description="the planned out-of-cell absence (movements), if any")
    movement_note: str
    cancel_reason: str


class MatterSummaryOut(Schema):
    id: int
    person: PersonRef
    kind: str
    title: str
    court: str
    case_number: str
    outcome: str
    opened_at: datetime


class MatterOut(MatterSummaryOut):
    counsel: str
    notes: str
    opened_by: str | None
    outcome_on: date | None
    outcome_note: str
    outcome_by: str | None
    helpers: list[HelperOut]
    hearings: list[LegalHearingOut]


class MatterPage(Schema):
    count: int
    items: list[MatterSummaryOut]


class HearingPage(Schema):
    count: int
    items: list[LegalHearingOut]


class MatterIn(In):
    person: Text = Field(..., description="inmate number")
    kind: KindIn
    court: Text
    case_number: Text = ""
    counsel: Text = ""
    title: Text = ""
    notes: Text = ""


class HelperIn(In):
    kind: HelperKindIn
    person: Text = Field("", description="inmate number (kind in_custody)")
    name: Text = Field("", description="counsel or another helper")
    role: Text = ""


class LegalHearingIn(In):
    at: IsoDateTime
    court: Text = Field("", description="default: the matter's court")
    purpose: Text = ""


class LegalReasonIn(In):
    reason: Text


class OutcomeIn_(In):
    outcome: OutcomeIn
    decided_on: IsoDate | None = Field(None, description="default: today")
    note: Text = ""


class MatterQuery(PageQuery):
    kind: KindIn | None = None
    open: bool | None = None
    person: Text = ""
    q: Text = ""


class HearingQuery(PageQuery):
    upcoming: bool = True
    person: Text = ""


def helper_dict(h: LegalHelper) -> dict[str, Any]:
    return {"id": h.pk, "kind": h.kind, "person": person_ref(h.person) if h.person_id else None, "name": h.name,
            "role": h.role, "added_by": username(h.added_by), "added_at": h.added_at, "ended_at": h.ended_at,
            "end_reason": h.end_reason}


def hearing_dict(h: CourtHearing) -> dict[str, Any]:
    return {"id": h.pk, "matter_id": h.matter_id, "person": person_ref(h.matter.person), "kind": h.matter.kind,
            "at": h.at, "court": h.court, "purpose": h.purpose, "status": h.status, "absence_id": h.absence_id,
            "movement_note": h.movement_note, "cancel_reason": h.cancel_reason}


def summary_dict(m: LegalMatter) -> dict[str, Any]:
    return {"id": m.pk, "person": person_ref(m.person), "kind": m.kind, "title": m.title, "court": m.court,
            "case_number": m.case_number, "outcome": m.outcome, "opened_at": m.opened_at}


def matter_dict(m: LegalMatter) -> dict[str, Any]:
    return {**summary_dict(m), "counsel": m.counsel, "notes": m.notes, "opened_by": username(m.opened_by),
            "outcome_on": m.outcome_on, "outcome_note": m.outcome_note, "outcome_by": username(m.outcome_by),
            "helpers": [helper_dict(h) for h in m.helpers.select_related("person", "added_by")],
            "hearings": [hearing_dict(h) for h in m.hearings.select_related("matter", "matter__person")]}


def _person(request: HttpRequest, number: str, field: str = "person") -> Person:
    person = people_visible_to(actor(request)).filter(inmate_number=(number or "").strip().upper()).first()
    if person is None:
        raise Invalid(_("Some fields need correcting."),
                      fields={field: [_("No person with inmate number %(n)s.") % {"n": number}]})
    return person


def _matter(request: HttpRequest, id: int) -> LegalMatter:
    return selectors.matter_get(actor=actor(request), matter_id=id)


def _fresh(request: HttpRequest, matter: LegalMatter) -> dict[str, Any]:
    return matter_dict(_matter(request, matter.pk))


@router.get("/matters", response={200: MatterPage, **errors(400, 401, 403)}, summary="Search legal matters")
def matter_list(request: HttpRequest, query: Query[MatterQuery]):
    person = _person(request, query.person) if query.person else None
    qs = selectors.matter_search(actor=actor(request), kind=query.kind or "", open_only=query.open, person=person,
                                 q=query.q)
    return paginate(qs, query, lambda rows: [summary_dict(m) for m in rows])


@router.post("/matters", response={201: MatterOut, **errors(400, 401, 403, 404)}, summary="Open a legal matter")
def matter_create(request: HttpRequest, payload: MatterIn):
    data = payload.dict()
    person = _person(request, data.pop("person"))
    matter = services.matter_create(actor=actor(request), person=person, **data)
    return with_status(201, _fresh(request, matter))


@router.get("/matters/{int:id}", response={200: MatterOut, **errors(401, 404)}, summary="One legal matter")
def matter_detail(request: HttpRequest, id: Id):
    return matter_dict(_matter(request, id))


@router.post("/matters/{int:id}/helpers", response={201: HelperOut, **errors(400, 401, 403, 404, 409)},
             summary="Add a helper")
def helper_create(request: HttpRequest, id: Id, payload: HelperIn):
    matter = _matter(request, id)
    data = payload.dict()
    number = data.pop("person")
    person = _person(request, number) if number else None
    helper = services.helper_add(actor=actor(request), matter=matter, person=person, **data)
    return with_status(201, helper_dict(helper))


@router.post("/matters/{int:id}/helpers/{int:helper_id}/end", response={200: HelperOut, **errors(400, 401, 403, 404, 409)},
             summary="End a helper's help")
def helper_end(request: HttpRequest, id: Id, helper_id: Id, payload: LegalReasonIn):
    matter = _matter(request, id)
    helper = matter.helpers.filter(pk=helper_id).first()
    if helper is None:
        raise hidden("legal_helper", helper_id)
    return helper_dict(services.helper_end(actor=actor(request), helper=helper, reason=payload.reason))


@router.post("/matters/{int:id}/hearings", response={201: LegalHearingOut, **errors(400, 401, 403, 404, 409)},
             summary="Schedule a court hearing")
def hearing_create(request: HttpRequest, id: Id, payload: LegalHearingIn):
    """Plans the out-of-cell absence (movements area) when installed: see ``absence_id`` and ``movement_note``."""
    matter = _matter(request, id)
    hearing = services.hearing_schedule(actor=actor(request), matter=matter, **payload.dict())
    return with_status(201, hearing_dict(hearing))


@router.post("/matters/{int:id}/hearings/{int:hearing_id}/cancel",
             response={200: LegalHearingOut, **errors(400, 401, 403, 404, 409)}, summary="Cancel a court hearing")
def hearing_cancel(request: HttpRequest, id: Id, hearing_id: Id, payload: LegalReasonIn):
    matter = _matter(request, id)
    hearing = matter.hearings.filter(pk=hearing_id).first()
    if hearing is None:
        raise hidden("court_hearing", hearing_id)
    return hearing_dict(services.hearing_cancel(actor=actor(request), hearing=hearing, reason=payload.reason))


@router.post("/matters/{int:id}/outcome", response={200: MatterOut, **errors(400, 401, 403, 404, 409)},
             summary="Record the outcome")
def matter_outcome(request: HttpRequest, id: Id, payload: OutcomeIn_):
    matter = _matter(request, id)
    services.matter_outcome(actor=actor(request), matter=matter, **payload.dict())
    return _fresh(request, matter)


@router.get("/hearings", response={200: HearingPage, **errors(400, 401, 403)}, summary="Court hearing schedule")
def hearing_list(request: HttpRequest, query: Query[HearingQuery]):
    """Soonest first. Officers see this schedule (for escorts) but not the matters."""
    person = _person(request, query.person) if query.person else None
    qs = selectors.hearing_schedule(actor=actor(request), upcoming=query.upcoming, person=person)
    return paginate(qs, query, lambda rows: [hearing_dict(h) for h in rows])
