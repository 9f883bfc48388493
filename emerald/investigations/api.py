"""API: investigations — cases, members, linked incidents, people of interest, statements, evidence with its
chain of custody, and graded intelligence.

A case answers 404 and is absent from every list for anyone who is not its lead
or a member (a warden sees cases that do not name the warden; a staff member
named in a case never sees it). Every read by someone who sees it is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from emerald.core.access import hidden
from emerald.core.api_support import (
    Id,
    In,
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
from emerald.incidents.api import PlaceRef
from emerald.investigations import services
from emerald.investigations.models import (
    CustodyHolding,
    EvidenceItem,
    IntelligenceNote,
    Investigation,
    Membership,
    PersonOfInterest,
    Statement,
)
from emerald.investigations.selectors import (
    audit_listing,
    informant_display,
    intelligence_of,
    investigation_get,
    investigation_open,
    investigation_search,
    is_lead,
    is_member,
    linked_incidents,
    members_of,
    people_of,
)
from emerald.people.selectors import people_visible_to
from emerald.people.visibility import person_ref

router = Router()

KindIn = Literal["criminal", "administrative", "staff_misconduct", "official_misconduct"]
StatusIn = Literal["open", "suspended", "closed"]
PartyKindIn = Literal["in_custody", "staff", "outside", "unknown"]
RoleIn = Literal["subject", "suspect", "witness", "victim", "informant", "other"]
StatementIn_ = Literal["given", "declined", "knows_but_will_not_say"]
ReliabilityIn = Literal["A", "B", "C", "D", "E", "F"]
CredibilityIn = Literal["1", "2", "3", "4", "5", "6"]


# --------------------------------------------------------------------------- schemas


class InvestigationsMemberOut(Schema):
    id: int
    user: str
    name: str
    added_by: str | None
    added_at: datetime


class PersonOfInterestOut(Schema):
    id: int
    kind: str
    person: PersonRef | None
    staff_user: str | None
    name: str
    description: str
    display_name: str
    role: str
    notes: str
    added_at: datetime


class StatementOut(Schema):
    id: int
    person_of_interest_id: int
    person: str
    status: str = Field(..., description="given / declined / knows_but_will_not_say")
    content: str
    taken_by: str | None
    taken_at: datetime
    recorded_by: str | None


class HoldingOut(Schema):
    id: int
    holder: str | None
    storage: str
    reason: str
    from_at: datetime
    to_at: datetime | None


class EvidenceOut(Schema):
    id: int
    reference: str
    description: str
    found_where: str
    collected_at: datetime
    collected_by: str | None
    current_holder: str | None
    chain_of_custody: list[HoldingOut]


class IntelligenceOut(Schema):
    id: int
    text: str
    source_reliability: str
    information_credibility: str
    grading: str = Field(..., description="e.g. B2: source B, information 2")
    protected_source: bool = Field(..., description="an informant is recorded")
    informant: str | None = Field(..., description="the case lead only; null (\"protected source\") for others")
    recorded_by: str | None
    recorded_at: datetime


class LinkedIncidentOut(Schema):
    id: int
    type: str
    title: str
    occurred_at: datetime
    status: str
    unit: PlaceRef | None


class InvestigationSummaryOut(Schema):
    id: int
    title: str
    kind: str
    status: str
    lead: str | None
    opened_at: datetime


class InvestigationOut(InvestigationSummaryOut):
    description: str
    opened_by: str | None
    status_changed_at: datetime | None
    status_reason: str
    you_are: str = Field(..., description="lead / member / overseer (a warden who is not a member)")
    members: list[InvestigationsMemberOut]
    incidents: list[LinkedIncidentOut] = Field(..., description="only incidents the caller may see")
    people: list[PersonOfInterestOut]
    statements: list[StatementOut]
    evidence: list[EvidenceOut]
    intelligence: list[IntelligenceOut] = Field(..., description="members only")


class InvestigationPage(Schema):
    count: int
    items: list[InvestigationSummaryOut]


class InvestigationIn(In):
    title: Text
    kind: KindIn
    lead: Text = Field(..., description="username of an investigator")
    description: Text = ""
    members: list[Text] = Field(default_factory=list, description="usernames")


class StatusIn_(In):
    status: StatusIn
    reason: Text


class MemberIn(In):
    user: Text = Field(..., description="username")


class InvestigationsLinkIn(In):
    incident_id: Id


class InvestigationsPersonIn(In):
    kind: PartyKindIn
    role: RoleIn
    person: Text = Field("", description="inmate number (kind in_custody)")
    staff_user: Text = Field("", description="username (kind staff, with an account)")
    name: Text = Field("", description="staff without an account, or an outside person")
    description: Text = ""
    notes: Text = ""


class StatementIn(In):
    person_of_interest_id: Id
    status: StatementIn_
    content: Text = ""
    taken_by: Text = Field("", description="username; default: the caller")
    taken_at: IsoDateTime | None = None


class EvidenceIn(In):
    reference: Text
    description: Text
    found_where: Text = ""
    collected_at: IsoDateTime | None = None
    collected_by: Text = Field("", description="username; default: the caller")
    holder: Text = Field("", description="username of the first holder; default: the collector")
    storage: Text = ""


class InvestigationsTransferIn(In):
    holder: Text = Field(..., description="username of the new holder")
    reason: Text
    storage: Text = ""


class IntelligenceIn(In):
    text: Text
    source_reliability: ReliabilityIn
    information_credibility: CredibilityIn
    informant_person: Text = Field("", description="inmate number of the informant (only the lead will see it)")
    informant_name: Text = Field("", description="informant's name (only the lead will see it)")


class InvestigationQuery(PageQuery):
    q: Text = Field("", description="text in the title or description")
    status: StatusIn | None = None
    kind: KindIn | None = None
    person: Text = Field("", description="inmate number: cases naming this person")


# --------------------------------------------------------------------------- serialisation


def summary_dict(c: Investigation) -> dict[str, Any]:
    return {"id": c.pk, "title": c.title, "kind": c.kind, "status": c.status, "lead": username(c.lead),
            "opened_at": c.opened_at}


def member_dict(m: Membership) -> dict[str, Any]:
    return {"id": m.pk, "user": m.user.username, "name": m.user.display_name, "added_by": username(m.added_by),
            "added_at": m.added_at}


def poi_dict(p: PersonOfInterest) -> dict[str, Any]:
    return {"id": p.pk, "kind": p.kind, "person": person_ref(p.person) if p.person_id else None,
            "staff_user": username(p.staff_user), "name": p.name, "description": p.description,
            "display_name": p.display_name, "role": p.role, "notes": p.notes, "added_at": p.added_at}


def statement_dict(s: Statement) -> dict[str, Any]:
    return {"id": s.pk, "person_of_interest_id": s.person_of_interest_id,
            "person": s.person_of_interest.display_name, "status": s.status, "content": s.content,
            "taken_by": username(s.taken_by), "taken_at": s.taken_at, "recorded_by": username(s.recorded_by)}


def holding_dict(h: CustodyHolding) -> dict[str, Any]:
    return {"id": h.pk, "holder": username(h.holder), "storage": h.storage, "reason": h.reason,
            "from_at": h.from_at, "to_at": h.to_at}


def evidence_dict(e: EvidenceItem) -> dict[str, Any]:
    chain = list(e.holdings.select_related("holder").order_by("from_at", "id"))
    current = next((h for h in chain if h.to_at is None), None)
    return {"id": e.pk, "reference": e.reference, "description": e.description, "found_where": e.found_where,
            "collected_at": e.collected_at, "collected_by": username(e.collected_by),
            "current_holder": username(current.holder) if current else None,
            "chain_of_custody": [holding_dict(h) for h in chain]}


def intelligence_dict(viewer: Any, n: IntelligenceNote) -> dict[str, Any]:
    return {"id": n.pk, "text": n.text, "source_reliability": n.source_reliability,
            "information_credibility": n.information_credibility, "grading": n.grading,
            "protected_source": n.has_informant, "informant": informant_display(viewer, n) or None,
            "recorded_by": username(n.recorded_by), "recorded_at": n.recorded_at}


def investigation_dict(viewer: Any, c: Investigation) -> dict[str, Any]:
    return {
        **summary_dict(c),
        "description": c.description, "opened_by": username(c.opened_by), "status_changed_at": c.status_changed_at,
        "status_reason": c.status_reason,
        "you_are": "lead" if is_lead(viewer, c) else "member" if is_member(viewer, c) else "overseer",
        "members": [member_dict(m) for m in members_of(c)],
        "incidents": [{"id": i.pk, "type": i.type, "title": i.heading, "occurred_at": i.occurred_at,
                       "status": i.status, "unit": {"id": i.unit.pk, "code": i.unit.code} if i.unit_id else None}
                      for i in linked_incidents(actor=viewer, investigation=c).select_related("unit")],
        "people": [poi_dict(p) for p in people_of(c)],
        "statements": [statement_dict(s) for s in c.statements.select_related(
            "person_of_interest", "person_of_interest__person", "person_of_interest__staff_user", "taken_by",
            "recorded_by")],
        "evidence": [evidence_dict(e) for e in c.evidence.select_related("collected_by")],
        "intelligence": [intelligence_dict(viewer, n) for n in intelligence_of(actor=viewer, investigation=c)],
    }


def _fresh(request: HttpRequest, case: Investigation) -> dict[str, Any]:
    viewer = actor(request)
    return investigation_dict(viewer, investigation_open(actor=viewer, investigation_id=case.pk, channel="api"))


def _case(request: HttpRequest, id: int) -> Investigation:
    return investigation_get(actor=actor(request), investigation_id=id)


# --------------------------------------------------------------------------- routes


@router.get("", response={200: InvestigationPage, **errors(400, 401, 403)}, summary="Search investigations")
def investigation_list(request: HttpRequest, query: Query[InvestigationQuery]):
    """Only the cases the caller may know exist; listing them is audited."""
    person = None
    if query.person:
        person = people_visible_to(actor(request)).filter(inmate_number=query.person.strip().upper()).first()
        if person is None:
            raise Invalid(_("Some fields need correcting."),
                          fields={"person": [_("No person with inmate number %(n)s.") % {"n": query.person}]})
    qs = investigation_search(actor=actor(request), q=query.q, status=query.status or "", kind=query.kind or "",
                              person=person)

    def serialize(rows: list[Investigation]) -> list[dict[str, Any]]:
        audit_listing(actor(request), rows, channel="api")
        return [summary_dict(c) for c in rows]

    return paginate(qs, query, serialize)


@router.post("", response={201: InvestigationOut, **errors(400, 401, 403)}, summary="Open an investigation")
def investigation_create(request: HttpRequest, payload: InvestigationIn):
    case = services.investigation_create(actor=actor(request), **payload.dict())
    return with_status(201, _fresh(request, case))


@router.get("/{int:id}", response={200: InvestigationOut, **errors(401, 404)}, summary="One investigation")
def investigation_detail(request: HttpRequest, id: Id):
    """404 (audited) for anyone who may not know the case exists; every read is audited."""
    viewer = actor(request)
    return investigation_dict(viewer, investigation_open(actor=viewer, investigation_id=id, channel="api"))


@router.post("/{int:id}/status", response={200: InvestigationOut, **errors(400, 401, 403, 404, 409)},
             summary="Suspend, close or reopen")
def investigation_status(request: HttpRequest, id: Id, payload: StatusIn_):
    """The lead or the warden. 409 ``invalid_transition`` (open ↔ suspended, either → closed, closed → open)."""
    case = services.investigation_set_status(actor=actor(request), investigation=_case(request, id),
                                             status=payload.status, reason=payload.reason)
    return _fresh(request, case)


@router.post("/{int:id}/members", response={201: InvestigationsMemberOut, **errors(400, 401, 403, 404, 409)},
             summary="Add a member")
def member_create(request: HttpRequest, id: Id, payload: MemberIn):
    m = services.member_add(actor=actor(request), investigation=_case(request, id), user=payload.user)
    return with_status(201, member_dict(m))


@router.post("/{int:id}/members/{int:member_id}/remove", response={200: InvestigationsMemberOut, **errors(401, 403, 404, 409)},
             summary="Remove a member")
def member_delete(request: HttpRequest, id: Id, member_id: Id):
    case = _case(request, id)
    membership = case.memberships.filter(pk=member_id).select_related("user").first()
    if membership is None:
        raise hidden("investigation_member", member_id)
    return member_dict(services.member_remove(actor=actor(request), membership=membership))


@router.post("/{int:id}/incidents", response={201: LinkedIncidentOut, **errors(400, 401, 403, 404, 409)},
             summary="Link an incident")
def incident_link(request: HttpRequest, id: Id, payload: InvestigationsLinkIn):
    link = services.incident_link(actor=actor(request), investigation=_case(request, id),
                                  incident_id=payload.incident_id)
    i = link.incident
    return with_status(201, {"id": i.pk, "type": i.type, "title": i.heading, "occurred_at": i.occurred_at,
                             "status": i.status, "unit": {"id": i.unit.pk, "code": i.unit.code} if i.unit_id else None})


@router.post("/{int:id}/people", response={201: PersonOfInterestOut, **errors(400, 401, 403, 404)},
             summary="Name a person of interest")
def person_create(request: HttpRequest, id: Id, payload: InvestigationsPersonIn):
    """Of any kind: in custody, staff (account or name), outside person, or unknown (e.g. an unknown suspect)."""
    p = services.person_add(actor=actor(request), investigation=_case(request, id), **payload.dict())
    return with_status(201, poi_dict(p))


@router.post("/{int:id}/statements", response={201: StatementOut, **errors(400, 401, 403, 404)},
             summary="Record a statement (or a refusal)")
def statement_create(request: HttpRequest, id: Id, payload: StatementIn):
    s = services.statement_record(actor=actor(request), investigation=_case(request, id), **payload.dict())
    return with_status(201, statement_dict(s))


@router.post("/{int:id}/evidence", response={201: EvidenceOut, **errors(400, 401, 403, 404)},
             summary="Log an evidence item")
def evidence_create(request: HttpRequest, id: Id, payload: EvidenceIn):
    e = services.evidence_add(actor=actor(request), investigation=_case(request, id), **payload.dict())
    return with_status(201, evidence_dict(e))


@router.post("/{int:id}/evidence/{int:item_id}/transfers", response={201: HoldingOut, **errors(400, 401, 403, 404)},
             summary="Hand an evidence item to its next holder")
def evidence_transfer(request: HttpRequest, id: Id, item_id: Id, payload: InvestigationsTransferIn):
    """Closes the current link of the chain of custody and opens the next, in one step."""
    case = _case(request, id)
    item = case.evidence.filter(pk=item_id).first()
    if item is None:
        raise hidden("evidence", item_id)
    h = services.evidence_transfer(actor=actor(request), item=item, **payload.dict())
    return with_status(201, holding_dict(h))


@router.post("/{int:id}/intelligence", response={201: IntelligenceOut, **errors(400, 401, 403, 404)},
             summary="Record graded intelligence")
def intelligence_create(request: HttpRequest, id: Id, payload: IntelligenceIn):
    """Source reliability A–F, information credibility 1–6. The informant is shown to the case lead only."""
    n = services.intelligence_add(actor=actor(request), investigation=_case(request, id), **payload.dict())
    return with_status(201, intelligence_dict(actor(request), n))
