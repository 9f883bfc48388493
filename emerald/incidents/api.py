"""API: incident reports — drafting, people involved, submission and review, addenda, deaths, keep-apart proposals.

Sexual-abuse reports answer 404 and are absent from lists and statistics for
everyone outside the response team (see docs/incidents.md).
"""

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
from emerald.incidents import services
from emerald.incidents.models import Incident, Involvement, KeepApartProposal, PartyKind
from emerald.incidents.selectors import (
    audit_restricted_listing,
    incident_get,
    incident_open,
    incident_search,
    incident_stats,
    involvements_of,
    proposals_of,
)
from emerald.people.selectors import people_visible_to
from emerald.people.visibility import person_ref

router = Router()

TypeIn = Literal["riot_disorder", "assault", "homicide", "sexual_assault", "poisoning", "escape_attempt",
                 "contraband", "self_harm", "death_in_custody", "fire", "other"]
SeverityIn = Literal["low", "moderate", "high", "critical"]
StatusIn = Literal["draft", "submitted", "under_review", "closed"]
KindIn = Literal["in_custody", "staff", "outside", "unknown"]
RoleIn = Literal["participant", "assailant", "suspect", "victim", "witness", "responding_staff"]
InjuryIn = Literal["none", "minor", "moderate", "serious", "critical", "fatal"]
ScopeIn = Literal["cell", "unit", "facility"]


# --------------------------------------------------------------------------- schemas


class PlaceRef(Schema):
    id: int
    code: str


class InvolvementOut(Schema):
    id: int
    kind: str = Field(..., description="in_custody / staff / outside / unknown")
    person: PersonRef | None = Field(..., description="kind in_custody")
    staff_user: str | None = Field(..., description="username, for staff with an account")
    name: str = Field(..., description="staff without an account, or an outside person")
    description: str = Field(..., description="position or description")
    display_name: str
    role: str
    injury: str
    injury_severity: str
    died: bool
    death_recorded_at: datetime | None
    death_pending: bool = Field(..., description="a death in custody not yet applied to the person's record")


class IncidentsAddendumOut(Schema):
    id: int
    text: str
    author: str | None
    created_at: datetime


class ReturnRequestOut(Schema):
    id: int
    request: str
    from_status: str
    requested_by: str | None
    requested_at: datetime


class ProposalOut(Schema):
    id: int
    victim: PersonRef
    other: PersonRef
    suggested_scope: str
    status: str = Field(..., description="proposed / accepted / rejected")
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str
    order_id: int | None = Field(..., description="the keep-apart order, once accepted")


class IncidentSummaryOut(Schema):
    id: int
    type: str
    severity: str
    status: str
    restricted: bool
    title: str
    occurred_at: datetime
    unit: PlaceRef | None
    cell: PlaceRef | None
    location_text: str
    created_by: str | None
    created_at: datetime
    submitted_at: datetime | None


class IncidentOut(IncidentSummaryOut):
    description: str
    submitted_by: str | None
    reviewed_by: str | None
    review_started_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    outcome: str
    retain_until: date | None = Field(..., description="sexual-abuse reports: kept at least until this date")
    suspect_unknown: bool
    involvements: list[InvolvementOut]
    addenda: list[IncidentsAddendumOut]
    return_requests: list[ReturnRequestOut]
    proposals: list[ProposalOut]


class IncidentPage(Schema):
    count: int
    items: list[IncidentSummaryOut]


class CountRow(Schema):
    count: int


class UnitCount(CountRow):
    unit: str = Field(..., description="unit code; empty: no unit given")


class TypeCount(CountRow):
    type: str


class IncidentsStatusCount(CountRow):
    status: str


class IncidentsStatsOut(Schema):
    total: int
    by_unit: list[UnitCount]
    by_type: list[TypeCount]
    by_status: list[IncidentsStatusCount]


class InvolvementIn(In):
    kind: KindIn
    role: RoleIn
    person: Text = Field("", description="inmate number (kind in_custody)")
    staff_user: Text = Field("", description="username (kind staff, with an account)")
    name: Text = Field("", description="staff without an account, or an outside person")
    description: Text = Field("", description="position or description")
    injury: Text = ""
    injury_severity: InjuryIn = "none"
    died: bool = False


class IncidentIn(In):
    type: TypeIn
    severity: SeverityIn
    occurred_at: IsoDateTime
    title: Text = ""
    description: Text
    unit_id: Id | None = None
    cell_id: Id | None = None
    location_text: Text = ""
    involvements: list[InvolvementIn] = Field(default_factory=list)


class IncidentPatch(In):
    type: TypeIn | None = None
    severity: SeverityIn | None = None
    occurred_at: IsoDateTime | None = None
    title: Text | None = None
    description: Text | None = None
    unit_id: Id | None = None
    cell_id: Id | None = None
    location_text: Text | None = None


class ReturnIn(In):
    request: Text


class IncidentsCloseIn(In):
    outcome: Text = ""


class IncidentsAddendumIn(In):
    text: Text


class AcceptIn(In):
    scope: ScopeIn | None = None
    reason: Text = ""


class RejectIn(In):
    reason: Text


class RescopeIn(In):
    scope: ScopeIn
    reason: Text


class IncidentQuery(PageQuery):
    q: Text = Field("", description="text in the title, description or place")
    type: TypeIn | None = None
    status: StatusIn | None = None
    unit: Id | None = Field(None, description="unit id")
    person: Text = Field("", description="inmate number: incidents this person is involved in")


# --------------------------------------------------------------------------- serialisation


def _place(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "code": obj.code} if obj is not None else None


def summary_dict(i: Incident) -> dict[str, Any]:
    return {
        "id": i.pk, "type": i.type, "severity": i.severity, "status": i.status, "restricted": i.restricted,
        "title": i.title, "occurred_at": i.occurred_at, "unit": _place(i.unit), "cell": _place(i.cell),
        "location_text": i.location_text, "created_by": username(i.created_by), "created_at": i.created_at,
        "submitted_at": i.submitted_at,
    }


def involvement_dict(v: Involvement) -> dict[str, Any]:
    return {
        "id": v.pk, "kind": v.kind, "person": person_ref(v.person) if v.person_id else None,
        "staff_user": username(v.staff_user), "name": v.name, "description": v.description,
        "display_name": v.display_name, "role": v.role, "injury": v.injury, "injury_severity": v.injury_severity,
        "died": v.died, "death_recorded_at": v.death_recorded_at, "death_pending": v.death_pending,
    }


def proposal_dict(p: KeepApartProposal) -> dict[str, Any]:
    return {
        "id": p.pk, "victim": person_ref(p.victim), "other": person_ref(p.other), "suggested_scope": p.suggested_scope,
        "status": p.status, "decided_by": username(p.decided_by), "decided_at": p.decided_at,
        "decision_reason": p.decision_reason, "order_id": p.order_id,
    }


def incident_dict(i: Incident) -> dict[str, Any]:
    involvements = list(involvements_of(i))
    return {
        **summary_dict(i),
        "description": i.description, "submitted_by": username(i.submitted_by),
        "reviewed_by": username(i.reviewed_by), "review_started_at": i.review_started_at,
        "closed_by": username(i.closed_by), "closed_at": i.closed_at, "outcome": i.outcome,
        "retain_until": i.retain_until,
        "suspect_unknown": any(v.kind == PartyKind.UNKNOWN and v.role in ("suspect", "assailant")
                               for v in involvements),
        "involvements": [involvement_dict(v) for v in involvements],
        "addenda": [{"id": a.pk, "text": a.text, "author": username(a.author), "created_at": a.created_at}
                    for a in i.addenda.select_related("author")],
        "return_requests": [{"id": r.pk, "request": r.request, "from_status": r.from_status,
                             "requested_by": username(r.requested_by), "requested_at": r.requested_at}
                            for r in i.return_requests.select_related("requested_by")],
        "proposals": [proposal_dict(p) for p in proposals_of(i)],
    }


def _fresh(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    """The record as it now is, read as the caller may see it (a read of a restricted report is audited)."""
    return incident_dict(incident_open(actor=actor(request), incident_id=incident.pk, channel="api"))


def _involvement(request: HttpRequest, incident_id: int, involvement_id: int) -> Involvement:
    incident = incident_get(actor=actor(request), incident_id=incident_id)
    involvement = incident.involvements.filter(pk=involvement_id).first()
    if involvement is None:
        raise hidden("incident_involvement", involvement_id)
    return involvement


def _proposal(request: HttpRequest, incident_id: int, proposal_id: int) -> KeepApartProposal:
    incident = incident_get(actor=actor(request), incident_id=incident_id)
    proposal = incident.proposals.filter(pk=proposal_id).first()
    if proposal is None:
        raise hidden("incident_proposal", proposal_id)
    return proposal


# --------------------------------------------------------------------------- routes


@router.get("", response={200: IncidentPage, **errors(400, 401, 403)}, summary="Search incidents")
def incident_list(request: HttpRequest, query: Query[IncidentQuery]):
    """Newest first. Sexual-abuse reports appear only for the response team (and their reporter)."""
    person = None
    if query.person:
        person = people_visible_to(actor(request)).filter(inmate_number=query.person.strip().upper()).first()
        if person is None:
            raise Invalid(_("Some fields need correcting."),
                          fields={"person": [_("No person with inmate number %(n)s.") % {"n": query.person}]})
    qs = incident_search(actor=actor(request), q=query.q, type=query.type or "", status=query.status or "",
                         unit_id=query.unit, person=person)

    def serialize(rows: list[Incident]) -> list[dict[str, Any]]:
        audit_restricted_listing(actor(request), rows, channel="api")
        return [summary_dict(i) for i in rows]

    return paginate(qs, query, serialize)


@router.post("", response={201: IncidentOut, **errors(400, 401, 403)}, summary="Draft an incident report")
def incident_create(request: HttpRequest, payload: IncidentIn):
    """A draft, optionally with the people involved (all checked together; nothing is saved on an error)."""
    data = payload.dict()
    incident = services.incident_create(actor=actor(request), **data)
    return with_status(201, _fresh(request, incident))


@router.get("/stats", response={200: IncidentsStatsOut, **errors(401, 403)}, summary="Incident counts")
def incident_statistics(request: HttpRequest):
    """Counts by unit, type and status of the incidents the caller may know exist."""
    return incident_stats(actor=actor(request))


@router.get("/{int:id}", response={200: IncidentOut, **errors(401, 404)}, summary="One incident report")
def incident_detail(request: HttpRequest, id: Id):
    """404 (audited) for a report the caller may not know exists. Every read of a sexual-abuse report is audited."""
    return incident_dict(incident_open(actor=actor(request), incident_id=id, channel="api"))


@router.patch("/{int:id}", response={200: IncidentOut, **errors(400, 401, 403, 404, 409)},
              summary="Change a draft")
def incident_patch(request: HttpRequest, id: Id, payload: IncidentPatch):
    """Drafts only: 409 ``not_editable`` once submitted (add an addendum instead)."""
    incident = incident_get(actor=actor(request), incident_id=id)
    fields = payload.dict(exclude_unset=True)
    for key in ("type", "severity", "occurred_at", "description"):
        if key in fields and fields[key] is None:
            raise Invalid(_("Some fields need correcting."), fields={key: [_("This field cannot be empty.")]})
    incident = services.incident_update(actor=actor(request), incident=incident, **fields)
    return _fresh(request, incident)


@router.post("/{int:id}/involvements", response={201: InvolvementOut, **errors(400, 401, 403, 404, 409)},
             summary="Add a person involved (drafts)")
def involvement_create(request: HttpRequest, id: Id, payload: InvolvementIn):
    incident = incident_get(actor=actor(request), incident_id=id)
    involvement = services.involvement_add(actor=actor(request), incident=incident, **payload.dict())
    return with_status(201, involvement_dict(involvement))


@router.delete("/{int:id}/involvements/{int:involvement_id}",
               response={200: IncidentOut, **errors(401, 403, 404, 409)}, summary="Remove a person (drafts)")
def involvement_delete(request: HttpRequest, id: Id, involvement_id: Id):
    involvement = _involvement(request, id, involvement_id)
    incident = services.involvement_remove(actor=actor(request), involvement=involvement)
    return _fresh(request, incident)


@router.post("/{int:id}/involvements/{int:involvement_id}/death",
             response={200: InvolvementOut, **errors(401, 403, 404, 409)}, summary="Record a death")
def involvement_death(request: HttpRequest, id: Id, involvement_id: Id):
    """A person in custody: marked deceased, placement closed. Staff or outside: recorded on the report."""
    involvement = services.incident_record_death(actor=actor(request),
                                                 involvement=_involvement(request, id, involvement_id))
    return involvement_dict(involvement)


@router.post("/{int:id}/submit", response={200: IncidentOut, **errors(401, 403, 404, 409)},
             summary="Submit a draft")
def incident_submit(request: HttpRequest, id: Id):
    """409 ``invalid_transition`` unless it is a draft. Deaths in custody are applied, keep-apart orders proposed
    (for a sexual-abuse report: made at once, at unit scope)."""
    incident = incident_get(actor=actor(request), incident_id=id)
    return _fresh(request, services.incident_submit(actor=actor(request), incident=incident))


@router.post("/{int:id}/review", response={200: IncidentOut, **errors(401, 403, 404, 409)},
             summary="Start the review of a submitted report")
def incident_review(request: HttpRequest, id: Id):
    """409 ``invalid_transition`` unless submitted."""
    incident = incident_get(actor=actor(request), incident_id=id)
    return _fresh(request, services.incident_start_review(actor=actor(request), incident=incident))


@router.post("/{int:id}/return", response={200: IncidentOut, **errors(400, 401, 403, 404, 409)},
             summary="Send a report back to draft with a request")
def incident_return(request: HttpRequest, id: Id, payload: ReturnIn):
    """409 ``invalid_transition`` unless submitted or under review."""
    incident = incident_get(actor=actor(request), incident_id=id)
    return _fresh(request, services.incident_return(actor=actor(request), incident=incident,
                                                    request=payload.request))


@router.post("/{int:id}/close", response={200: IncidentOut, **errors(400, 401, 403, 404, 409)},
             summary="Close a report under review")
def incident_close(request: HttpRequest, id: Id, payload: IncidentsCloseIn):
    """409 ``invalid_transition`` unless under review; ``proposals_open`` while keep-apart proposals are undecided."""
    incident = incident_get(actor=actor(request), incident_id=id)
    return _fresh(request, services.incident_close(actor=actor(request), incident=incident,
                                                   outcome=payload.outcome))


@router.post("/{int:id}/addenda", response={201: IncidentsAddendumOut, **errors(400, 401, 403, 404, 409)},
             summary="Add an addendum to a submitted report")
def addendum_create(request: HttpRequest, id: Id, payload: IncidentsAddendumIn):
    """409 ``not_submitted`` for a draft (change the draft instead)."""
    incident = incident_get(actor=actor(request), incident_id=id)
    a = services.addendum_add(actor=actor(request), incident=incident, text=payload.text)
    return with_status(201, {"id": a.pk, "text": a.text, "author": username(a.author), "created_at": a.created_at})


@router.post("/{int:id}/proposals/{int:proposal_id}/accept",
             response={200: ProposalOut, **errors(400, 401, 403, 404, 409)}, summary="Accept a keep-apart proposal")
def proposal_accept(request: HttpRequest, id: Id, proposal_id: Id, payload: AcceptIn):
    """Creates the order (reason victim_perpetrator) at ``scope`` (default: the suggested scope); an open order
    of the pair as wide is kept, a narrower one superseded. 409 ``already_decided``."""
    p = services.proposal_accept(actor=actor(request), proposal=_proposal(request, id, proposal_id),
                                 scope=payload.scope or "", reason=payload.reason)
    return proposal_dict(p)


@router.post("/{int:id}/proposals/{int:proposal_id}/reject",
             response={200: ProposalOut, **errors(400, 401, 403, 404, 409)}, summary="Reject a keep-apart proposal")
def proposal_reject(request: HttpRequest, id: Id, proposal_id: Id, payload: RejectIn):
    p = services.proposal_reject(actor=actor(request), proposal=_proposal(request, id, proposal_id),
                                 reason=payload.reason)
    return proposal_dict(p)


@router.post("/{int:id}/proposals/{int:proposal_id}/rescope",
             response={200: ProposalOut, **errors(400, 401, 403, 404, 409)},
             summary="Change the scope of an accepted proposal's order")
def proposal_rescope(request: HttpRequest, id: Id, proposal_id: Id, payload: RescopeIn):
    """Closes the order and opens one at the new scope (e.g. the response team narrows a facility-wide order)."""
    p = services.proposal_rescope(actor=actor(request), proposal=_proposal(request, id, proposal_id),
                                  scope=payload.scope, reason=payload.reason)
    return proposal_dict(p)
