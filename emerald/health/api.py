"""API: medical encounters (medical staff only), custody notes (custody staff read them), break-glass.

For everyone but medical staff an encounter does not exist: its routes answer 404, and the lists and
counts of encounters answer 403 (they are medical staff's lists). See docs/health.md.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from emerald.core.api_support import (
    Id,
    In,
    InmateNumber,
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
from emerald.health import selectors, services
from emerald.health.models import BreakGlassAccess, CustodyNote, Encounter, MedicalNotification
from emerald.people.models import Person
from emerald.people.selectors import people_visible_to, person_get
from emerald.people.visibility import display_label, person_ref

router = Router()

KindIn = Literal["sick_call", "emergency", "surgery", "follow_up"]
NoteKindIn = Literal["bottom_bunk", "no_lifting", "medical_isolation", "other"]


# --------------------------------------------------------------------------- schemas


class IncidentLinkOut(Schema):
    incident_id: int
    type: str
    title: str
    occurred_at: datetime
    linked_by: str | None
    linked_at: datetime


class HealthAddendumOut(Schema):
    id: int
    text: str
    author: str | None
    created_at: datetime


class EncounterSummaryOut(Schema):
    id: int
    person: PersonRef
    kind: str
    occurred_at: datetime
    clinician: str | None
    location: str


class EncounterOut(EncounterSummaryOut):
    notes: str
    diagnoses: str
    procedures: str
    medications: str
    recorded_by: str | None
    recorded_at: datetime
    addenda: list[HealthAddendumOut]
    incidents: list[IncidentLinkOut] = Field(..., description="incident reports this encounter treated "
                                                              "(those the caller may see)")


class EncounterPage(Schema):
    count: int
    items: list[EncounterSummaryOut]


class KindCount(Schema):
    kind: str
    count: int


class HealthStatsOut(Schema):
    total: int
    by_kind: list[KindCount]


class CustodyNoteOut(Schema):
    id: int
    person: PersonRef
    text: str
    kinds: list[str]
    valid_from: date
    valid_until: date | None
    in_force: bool
    written_by: str | None
    written_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    close_reason: str
    superseded_by: int | None
    housing_problem: str = Field("", description="on creation: the person's current bed breaks the note")


class CustodyNotePage(Schema):
    count: int
    items: list[CustodyNoteOut]


class BreakGlassOut(Schema):
    id: int
    person: PersonRef
    user: str | None
    reason: str
    opened_at: datetime
    expires_at: datetime


class BreakGlassPage(Schema):
    count: int
    items: list[BreakGlassOut]


class RecordOut(Schema):
    person: PersonRef
    break_glass: BreakGlassOut | None = Field(..., description="the opening the caller reads under, if not medical")
    custody_notes: list[CustodyNoteOut] = Field(..., description="notes in force")
    encounters: list[EncounterOut]


class NotificationOut(Schema):
    id: int
    person: PersonRef
    message: str
    break_glass_id: int
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class NotificationPage(Schema):
    count: int
    items: list[NotificationOut]


class EncounterIn(In):
    person: InmateNumber
    kind: KindIn
    occurred_at: IsoDateTime
    notes: Text
    clinician: Text = Field("", description="username of a medical user (default: the caller)")
    location: Text = ""
    diagnoses: Text = ""
    procedures: Text = ""
    medications: Text = ""
    incident_ids: list[Id] = Field(default_factory=list, description="incidents this encounter treated")


class HealthAddendumIn(In):
    text: Text


class HealthLinkIn(In):
    incident_id: Id


class CustodyNoteIn(In):
    person: InmateNumber
    text: Text
    kinds: list[NoteKindIn]
    valid_from: IsoDate | None = Field(None, description="default: today")
    valid_until: IsoDate | None = Field(None, description="last day in force (inclusive); none: until closed")
    supersedes: Id | None = Field(None, description="an open note of the same person to close in favour of this")


class HealthCloseIn(In):
    reason: Text


class BreakGlassIn(In):
    reason: Text


class EncounterQuery(PageQuery):
    q: Text = Field("", description="text in notes, diagnoses, procedures or medications; or a name")
    kind: KindIn | None = None
    person: Text = Field("", description="inmate number")


class NoteQuery(PageQuery):
    person: Text = Field("", description="inmate number")
    in_force: bool | None = Field(None, description="true: in force today; false: closed, expired or future")


class NotificationQuery(PageQuery):
    open: bool = Field(True, description="only those not yet acknowledged")


# --------------------------------------------------------------------------- serialisation


def encounter_summary(e: Encounter) -> dict[str, Any]:
    return {"id": e.pk, "person": person_ref(e.person), "kind": e.kind, "occurred_at": e.occurred_at,
            "clinician": username(e.clinician), "location": e.location}


def encounter_dict(e: Encounter, caller: Any) -> dict[str, Any]:
    return {
        **encounter_summary(e), "notes": e.notes, "diagnoses": e.diagnoses, "procedures": e.procedures,
        "medications": e.medications, "recorded_by": username(e.recorded_by), "recorded_at": e.recorded_at,
        "addenda": [{"id": a.pk, "text": a.text, "author": username(a.author), "created_at": a.created_at}
                    for a in e.addenda.select_related("author")],
        "incidents": [{"incident_id": link.incident_id, "type": link.incident.type, "title": link.incident.heading,
                       "occurred_at": link.incident.occurred_at, "linked_by": username(link.linked_by),
                       "linked_at": link.linked_at}
                      for link in selectors.incident_links_of(actor=caller, encounter=e)],
    }


def note_dict(n: CustodyNote) -> dict[str, Any]:
    return {
        "id": n.pk, "person": person_ref(n.person), "text": n.text, "kinds": n.kinds, "valid_from": n.valid_from,
        "valid_until": n.valid_until, "in_force": selectors.is_in_force(n), "written_by": username(n.written_by),
        "written_at": n.written_at, "closed_at": n.closed_at, "closed_by": username(n.closed_by),
        "close_reason": n.close_reason, "superseded_by": n.superseded_by_id,
        "housing_problem": getattr(n, "housing_problem", ""),
    }


def access_dict(a: BreakGlassAccess) -> dict[str, Any]:
    return {"id": a.pk, "person": person_ref(a.person), "user": username(a.user), "reason": a.reason,
            "opened_at": a.opened_at, "expires_at": a.expires_at}


def notification_dict(n: MedicalNotification) -> dict[str, Any]:
    # Rendered from the facts for this reader (the stored message is the English evidence of the moment).
    message = _("%(by)s opened the medical record of %(who)s in an emergency: %(reason)s") % {
        "by": n.access.user.display_name, "who": display_label(n.person), "reason": n.access.reason}
    return {"id": n.pk, "person": person_ref(n.person), "message": message, "break_glass_id": n.access_id,
            "created_at": n.created_at, "acknowledged_at": n.acknowledged_at,
            "acknowledged_by": username(n.acknowledged_by)}


def _person_field(request: HttpRequest, number: str, field: str = "person") -> Person:
    person = people_visible_to(actor(request)).filter(inmate_number=(number or "").strip().upper()).first()
    if person is None:
        raise Invalid(_("Some fields need correcting."),
                      fields={field: [_("No person with inmate number %(n)s.") % {"n": number}]})
    return person


# --------------------------------------------------------------------------- encounters


@router.get("/encounters", response={200: EncounterPage, **errors(400, 401, 403)}, summary="Search encounters")
def encounter_list(request: HttpRequest, query: Query[EncounterQuery]):
    """Medical staff only (everyone else: 403). Newest first."""
    person = _person_field(request, query.person) if query.person else None
    qs = selectors.encounter_search(actor=actor(request), q=query.q, kind=query.kind or "", person=person)
    return paginate(qs, query, lambda rows: [encounter_summary(e) for e in rows])


@router.post("/encounters", response={201: EncounterOut, **errors(400, 401, 403)}, summary="Record an encounter")
def encounter_create(request: HttpRequest, payload: EncounterIn):
    data = payload.dict()
    person = _person_field(request, data.pop("person"))
    encounter = services.encounter_create(actor=actor(request), person=person, **data)
    return with_status(201, encounter_dict(
        selectors.encounter_open(actor=actor(request), encounter_id=encounter.pk, channel="api"), actor(request)))


@router.get("/encounters/stats", response={200: HealthStatsOut, **errors(401, 403)}, summary="Encounter counts")
def encounter_statistics(request: HttpRequest):
    """Counts by kind; medical staff only."""
    return selectors.encounter_stats(actor=actor(request))


@router.get("/encounters/{int:id}", response={200: EncounterOut, **errors(401, 404)}, summary="One encounter")
def encounter_detail(request: HttpRequest, id: Id):
    """404 (audited) for anyone who may not know it exists. Every read is audited."""
    return encounter_dict(selectors.encounter_open(actor=actor(request), encounter_id=id, channel="api"),
                          actor(request))


@router.post("/encounters/{int:id}/addenda", response={201: HealthAddendumOut, **errors(400, 401, 403, 404)},
             summary="Add an addendum to an encounter")
def encounter_addendum(request: HttpRequest, id: Id, payload: HealthAddendumIn):
    encounter = selectors.encounter_get(actor=actor(request), encounter_id=id)
    a = services.encounter_addendum(actor=actor(request), encounter=encounter, text=payload.text)
    return with_status(201, {"id": a.pk, "text": a.text, "author": username(a.author), "created_at": a.created_at})


@router.post("/encounters/{int:id}/incidents", response={201: IncidentLinkOut, **errors(400, 401, 403, 404, 409)},
             summary="Link an encounter to the incident it treated")
def encounter_link(request: HttpRequest, id: Id, payload: HealthLinkIn):
    encounter = selectors.encounter_get(actor=actor(request), encounter_id=id)
    link = services.encounter_link_incident(actor=actor(request), encounter=encounter,
                                            incident_id=payload.incident_id)
    return with_status(201, {"incident_id": link.incident_id, "type": link.incident.type,
                             "title": link.incident.heading, "occurred_at": link.incident.occurred_at,
                             "linked_by": username(link.linked_by), "linked_at": link.linked_at})


# --------------------------------------------------------------------------- a person's record, break-glass


@router.get("/people/{inmate_number}/record", response={200: RecordOut, **errors(401, 404)},
            summary="A person's medical record")
def medical_record(request: HttpRequest, inmate_number: InmateNumber):
    """Medical staff; or the caller while their break-glass opening of this person is in force. Else 404.
    Every read is audited."""
    caller = actor(request)
    person = person_get(actor=caller, inmate_number=inmate_number)
    encounters = selectors.medical_record_open(actor=caller, person=person, channel="api")
    access = None if selectors.is_medical(caller) else selectors.break_glass_for(caller, person)
    return {"person": person_ref(person), "break_glass": access_dict(access) if access else None,
            "custody_notes": [note_dict(n) for n in selectors.notes_in_force(person)],
            "encounters": [encounter_dict(e, caller) for e in encounters]}


@router.post("/people/{inmate_number}/break-glass", response={201: BreakGlassOut, **errors(400, 401, 403, 404)},
             summary="Open a medical record in an emergency")
def break_glass(request: HttpRequest, inmate_number: InmateNumber, payload: BreakGlassIn):
    """``{"reason"}`` (required) → 201: the caller may read this person's record for an hour. Wardens, unit
    managers and officers; audited and notified to medical staff."""
    person = person_get(actor=actor(request), inmate_number=inmate_number)
    access = services.break_glass_open(actor=actor(request), person=person, reason=payload.reason)
    return with_status(201, access_dict(access))


@router.get("/break-glass", response={200: BreakGlassPage, **errors(400, 401, 403)},
            summary="Every break-glass opening")
def break_glass_list(request: HttpRequest, query: Query[PageQuery]):
    """Medical staff review the openings."""
    return paginate(selectors.break_glass_log(actor=actor(request)), query,
                    lambda rows: [access_dict(a) for a in rows])


@router.get("/notifications", response={200: NotificationPage, **errors(400, 401, 403)},
            summary="Break-glass notices for medical staff")
def notification_list(request: HttpRequest, query: Query[NotificationQuery]):
    caller = actor(request)
    selectors.break_glass_log(actor=caller)  # medical staff only: refuses everyone else (audited 403)
    qs = (selectors.open_notifications(actor=caller) if query.open else
          MedicalNotification.objects.select_related("person", "acknowledged_by").order_by("-created_at", "-id"))
    return paginate(qs, query, lambda rows: [notification_dict(n) for n in rows])


@router.post("/notifications/{int:id}/acknowledge", response={200: NotificationOut, **errors(401, 404, 409)},
             summary="Acknowledge a break-glass notice")
def notification_ack(request: HttpRequest, id: Id):
    note = MedicalNotification.objects.filter(pk=id).first()
    if note is None or not selectors.is_medical(actor(request)):
        from emerald.core.access import deny_read

        raise deny_read(actor(request), "health.view", "medical_notification", id)
    return notification_dict(services.notification_acknowledge(actor=actor(request), notification=note))


# --------------------------------------------------------------------------- custody notes


@router.get("/custody-notes", response={200: CustodyNotePage, **errors(400, 401, 403)},
            summary="Custody notes")
def custody_note_list(request: HttpRequest, query: Query[NoteQuery]):
    """Custody staff and medical staff. Newest first."""
    person = _person_field(request, query.person) if query.person else None
    qs = selectors.custody_note_list(actor=actor(request), person=person, in_force=query.in_force)
    return paginate(qs, query, lambda rows: [note_dict(n) for n in rows])


@router.post("/custody-notes", response={201: CustodyNoteOut, **errors(400, 401, 403, 409)},
             summary="Write a custody note")
def custody_note_create(request: HttpRequest, payload: CustodyNoteIn):
    """Medical staff. The answer's ``housing_problem`` says if the person's current bed breaks the note."""
    data = payload.dict()
    person = _person_field(request, data.pop("person"))
    supersedes = None
    if data.get("supersedes") is not None:
        supersedes = selectors.custody_notes_visible_to(actor(request)).filter(pk=data["supersedes"]).first()
        if supersedes is None:
            raise Invalid(_("Some fields need correcting."),
                          fields={"supersedes": [_("No such custody note of this person.")]})
    data["supersedes"] = supersedes
    note = services.custody_note_create(actor=actor(request), person=person, **data)
    return with_status(201, note_dict(note))


@router.get("/custody-notes/{int:id}", response={200: CustodyNoteOut, **errors(401, 404)},
            summary="One custody note")
def custody_note_detail(request: HttpRequest, id: Id):
    return note_dict(selectors.custody_note_get(actor=actor(request), note_id=id))


@router.post("/custody-notes/{int:id}/close", response={200: CustodyNoteOut, **errors(400, 401, 403, 404, 409)},
             summary="Close a custody note")
def custody_note_close(request: HttpRequest, id: Id, payload: HealthCloseIn):
    note = selectors.custody_note_get(actor=actor(request), note_id=id)
    return note_dict(services.custody_note_close(actor=actor(request), note=note, reason=payload.reason))
