"""API: disciplinary charges, hearings, findings, sanctions (segregation moves), appeals. See docs/discipline.md."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

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
from emerald.discipline import selectors, services
from emerald.discipline.models import Appeal, Charge, Hearing, Sanction
from emerald.people.models import Person
from emerald.people.selectors import people_visible_to
from emerald.people.visibility import person_ref

router = Router()

StatusIn = Literal["charged", "hearing_scheduled", "proved", "sanctioned", "under_appeal", "closed", "withdrawn",
                   "quashed"]
FindingIn = Literal["proved", "not_proved", "dismissed", "referred_to_police"]
KindIn = Literal["caution", "loss_of_privileges", "extra_work", "loss_of_earnings", "segregation"]


class DisciplineHearingOut(Schema):
    id: int
    scheduled_at: datetime
    adjudicator: str | None
    location: str
    scheduled_by: str | None
    cancelled_at: datetime | None
    cancel_reason: str


class MoveErrorOut(Schema):
    error: str
    detail: str


class SanctionOut(Schema):
    id: int
    charge_id: int
    person: PersonRef
    kind: str
    days: int | None
    starts_at: datetime
    ends_at: datetime = Field(..., description="scheduled end; for segregation, the scheduled return")
    next_review_at: datetime | None
    status: str
    note: str
    imposed_by: str | None
    from_cell: str | None = Field(..., description="segregation: the cell the person left")
    segregation_cell: str | None
    move_error: MoveErrorOut | None = Field(..., description="segregation: why the move was refused")
    returned_to: str | None
    ended_at: datetime | None
    ended_by: str | None
    end_reason: str


class AppealOut(Schema):
    grounds: str
    lodged_by: str | None
    lodged_at: datetime
    outcome: str
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str


class ChargeSummaryOut(Schema):
    id: int
    person: PersonRef
    offence: str
    status: str
    incident_id: int | None
    unit: str | None
    charged_at: datetime
    hearing_due_at: datetime
    overdue: bool


class ChargeOut(ChargeSummaryOut):
    particulars: str
    charged_by: str | None
    finding: str
    finding_reason: str
    finding_by: str | None
    finding_at: datetime | None
    withdrawn_at: datetime | None
    withdraw_reason: str
    hearings: list[DisciplineHearingOut]
    sanctions: list[SanctionOut]
    appeal: AppealOut | None


class ChargePage(Schema):
    count: int
    items: list[ChargeSummaryOut]


class SanctionPage(Schema):
    count: int
    items: list[SanctionOut]


class DisciplineStatusCount(Schema):
    status: str
    count: int


class DisciplineStatsOut(Schema):
    total: int
    overdue: int
    by_status: list[DisciplineStatusCount]


class ChargeIn(In):
    person: Text = Field(..., description="inmate number")
    offence: Text
    particulars: Text
    incident_id: Id | None = Field(None, description="the incident report naming the person, if any")


class DisciplineHearingIn(In):
    scheduled_at: IsoDateTime
    adjudicator: Text = Field("", description="username (default: the caller)")
    location: Text = ""
    reason: Text = Field("", description="required when rescheduling")


class FindingIn_(In):
    finding: FindingIn
    reason: Text


class SanctionIn(In):
    kind: KindIn
    days: int | None = Field(None, description="not for a caution")
    note: Text = ""
    cell_id: Id | None = Field(None, description="segregation: a cell of a segregation unit (default: the first free)")
    override_reason: Text = Field("", description="segregation: override a keep-apart order (those allowed)")


class DisciplineReasonIn(In):
    reason: Text


class AppealIn(In):
    grounds: Text


class DecisionIn(In):
    outcome: Literal["dismissed", "allowed"]
    reason: Text


class SanctionMoveIn(In):
    cell_id: Id | None = None
    override_reason: Text = ""


class DisciplineCompleteIn(In):
    reason: Text = Field("", description="required before the scheduled end")
    cell_id: Id | None = Field(None, description="segregation: where to move the person back (default: their "
                                                 "previous cell or another of that unit)")


class DisciplineReviewIn(In):
    decision: Literal["continue", "end"]
    note: Text
    cell_id: Id | None = None


class ChargeQuery(PageQuery):
    status: StatusIn | None = None
    person: Text = Field("", description="inmate number")
    overdue: bool = Field(False, description="no finding yet and the hearing deadline passed")
    q: Text = ""


class SanctionQuery(PageQuery):
    kind: KindIn | None = None
    active: bool | None = None
    due: bool = Field(False, description="active and past the scheduled end: returns to make")
    person: Text = ""


def hearing_dict(h: Hearing) -> dict[str, Any]:
    return {"id": h.pk, "scheduled_at": h.scheduled_at, "adjudicator": username(h.adjudicator),
            "location": h.location, "scheduled_by": username(h.scheduled_by), "cancelled_at": h.cancelled_at,
            "cancel_reason": h.cancel_reason}


def sanction_dict(s: Sanction) -> dict[str, Any]:
    return {
        "id": s.pk, "charge_id": s.charge_id, "person": person_ref(s.person), "kind": s.kind, "days": s.days,
        "starts_at": s.starts_at, "ends_at": s.ends_at, "next_review_at": s.next_review_at, "status": s.status,
        "note": s.note, "imposed_by": username(s.imposed_by),
        "from_cell": s.from_placement.cell.code if s.from_placement_id else None,
        "segregation_cell": s.placement.cell.code if s.placement_id else None,
        "move_error": {"error": s.move_error_code, "detail": s.move_error} if s.move_error_code else None,
        "returned_to": s.return_placement.cell.code if s.return_placement_id else None,
        "ended_at": s.ended_at, "ended_by": username(s.ended_by), "end_reason": s.end_reason,
    }


def summary_dict(c: Charge) -> dict[str, Any]:
    return {"id": c.pk, "person": person_ref(c.person), "offence": c.offence, "status": c.status,
            "incident_id": c.incident_id, "unit": c.unit.code if c.unit_id else None, "charged_at": c.charged_at,
            "hearing_due_at": c.hearing_due_at, "overdue": selectors.is_overdue(c)}


def charge_dict(c: Charge) -> dict[str, Any]:
    appeal = Appeal.objects.filter(charge=c).select_related("lodged_by", "decided_by").first()
    return {
        **summary_dict(c), "particulars": c.particulars, "charged_by": username(c.charged_by), "finding": c.finding,
        "finding_reason": c.finding_reason, "finding_by": username(c.finding_by), "finding_at": c.finding_at,
        "withdrawn_at": c.withdrawn_at, "withdraw_reason": c.withdraw_reason,
        "hearings": [hearing_dict(h) for h in c.hearings.select_related("adjudicator", "scheduled_by")],
        "sanctions": [sanction_dict(s) for s in c.sanctions.select_related(
            "person", "imposed_by", "ended_by", "placement__cell", "from_placement__cell", "return_placement__cell")
            .order_by("starts_at", "id")],
        "appeal": None if appeal is None else {
            "grounds": appeal.grounds, "lodged_by": username(appeal.lodged_by), "lodged_at": appeal.lodged_at,
            "outcome": appeal.outcome, "decided_by": username(appeal.decided_by), "decided_at": appeal.decided_at,
            "decision_reason": appeal.decision_reason},
    }


def _person(request: HttpRequest, number: str) -> Person:
    person = people_visible_to(actor(request)).filter(inmate_number=(number or "").strip().upper()).first()
    if person is None:
        raise Invalid(_("Some fields need correcting."),
                      fields={"person": [_("No person with inmate number %(n)s.") % {"n": number}]})
    return person


def _charge(request: HttpRequest, id: int) -> Charge:
    return selectors.charge_get(actor=actor(request), charge_id=id)


def _fresh(request: HttpRequest, charge: Charge) -> dict[str, Any]:
    return charge_dict(selectors.charge_get(actor=actor(request), charge_id=charge.pk))


def _sanction(request: HttpRequest, id: int) -> Sanction:
    return selectors.sanction_get(actor=actor(request), sanction_id=id)


@router.get("/charges", response={200: ChargePage, **errors(400, 401, 403)}, summary="Search charges")
def charge_list(request: HttpRequest, query: Query[ChargeQuery]):
    person = _person(request, query.person) if query.person else None
    qs = selectors.charge_search(actor=actor(request), status=query.status or "", person=person,
                                 overdue=query.overdue, q=query.q)
    return paginate(qs, query, lambda rows: [summary_dict(c) for c in rows])


@router.post("/charges", response={201: ChargeOut, **errors(400, 401, 403, 409)}, summary="Lay a charge")
def charge_create(request: HttpRequest, payload: ChargeIn):
    data = payload.dict()
    person = _person(request, data.pop("person"))
    charge = services.charge_create(actor=actor(request), person=person, **data)
    return with_status(201, _fresh(request, charge))


@router.get("/charges/stats", response={200: DisciplineStatsOut, **errors(401, 403)}, summary="Charge counts")
def charge_statistics(request: HttpRequest):
    return selectors.charge_stats(actor=actor(request))


@router.get("/charges/{int:id}", response={200: ChargeOut, **errors(401, 404)}, summary="One charge")
def charge_detail(request: HttpRequest, id: Id):
    return charge_dict(_charge(request, id))


@router.post("/charges/{int:id}/hearing", response={200: ChargeOut, **errors(400, 401, 403, 404, 409)},
             summary="Schedule or reschedule the hearing")
def charge_hearing(request: HttpRequest, id: Id, payload: DisciplineHearingIn):
    charge = _charge(request, id)
    services.hearing_schedule(actor=actor(request), charge=charge, **payload.dict())
    return _fresh(request, charge)


@router.post("/charges/{int:id}/finding", response={200: ChargeOut, **errors(400, 401, 403, 404, 409)},
             summary="Record the finding")
def charge_finding(request: HttpRequest, id: Id, payload: FindingIn_):
    charge = _charge(request, id)
    services.finding_record(actor=actor(request), charge=charge, finding=payload.finding, reason=payload.reason)
    return _fresh(request, charge)


@router.post("/charges/{int:id}/sanctions", response={201: SanctionOut, **errors(400, 401, 403, 404, 409)},
             summary="Impose a sanction")
def charge_sanction(request: HttpRequest, id: Id, payload: SanctionIn):
    """201 even when a segregation move was refused: then ``move_error`` says why (retry with
    ``POST /discipline/sanctions/{id}/move``)."""
    charge = _charge(request, id)
    sanction = services.sanction_impose(actor=actor(request), charge=charge, **payload.dict())
    return with_status(201, sanction_dict(_sanction(request, sanction.pk)))


@router.post("/charges/{int:id}/withdraw", response={200: ChargeOut, **errors(400, 401, 403, 404, 409)},
             summary="Withdraw a charge")
def charge_withdraw(request: HttpRequest, id: Id, payload: DisciplineReasonIn):
    charge = _charge(request, id)
    services.charge_withdraw(actor=actor(request), charge=charge, reason=payload.reason)
    return _fresh(request, charge)


@router.post("/charges/{int:id}/appeal", response={200: ChargeOut, **errors(400, 401, 403, 404, 409)},
             summary="Lodge an appeal")
def charge_appeal(request: HttpRequest, id: Id, payload: AppealIn):
    charge = _charge(request, id)
    services.appeal_lodge(actor=actor(request), charge=charge, grounds=payload.grounds)
    return _fresh(request, charge)


@router.post("/charges/{int:id}/appeal/decision", response={200: ChargeOut, **errors(400, 401, 403, 404, 409)},
             summary="Decide the appeal")
def charge_appeal_decide(request: HttpRequest, id: Id, payload: DecisionIn):
    charge = _charge(request, id)
    services.appeal_decide(actor=actor(request), charge=charge, outcome=payload.outcome, reason=payload.reason)
    return _fresh(request, charge)


@router.get("/sanctions", response={200: SanctionPage, **errors(400, 401, 403)}, summary="Search sanctions")
def sanction_list(request: HttpRequest, query: Query[SanctionQuery]):
    """Soonest end first; ``due=true``: the returns from segregation to make now."""
    person = _person(request, query.person) if query.person else None
    qs = selectors.sanction_search(actor=actor(request), kind=query.kind or "", active=query.active, due=query.due,
                                   person=person).select_related("imposed_by", "ended_by", "return_placement__cell")
    return paginate(qs, query, lambda rows: [sanction_dict(s) for s in rows])


@router.get("/sanctions/{int:id}", response={200: SanctionOut, **errors(401, 404)}, summary="One sanction")
def sanction_detail(request: HttpRequest, id: Id):
    return sanction_dict(_sanction(request, id))


@router.post("/sanctions/{int:id}/move", response={200: SanctionOut, **errors(400, 401, 403, 404, 409)},
             summary="Retry a refused move to segregation")
def sanction_move(request: HttpRequest, id: Id, payload: SanctionMoveIn):
    sanction = services.sanction_move(actor=actor(request), sanction=_sanction(request, id), **payload.dict())
    return sanction_dict(_sanction(request, sanction.pk))


@router.post("/sanctions/{int:id}/complete", response={200: SanctionOut, **errors(400, 401, 403, 404, 409)},
             summary="End a sanction (segregation: move back)")
def sanction_complete(request: HttpRequest, id: Id, payload: DisciplineCompleteIn):
    sanction = services.sanction_complete(actor=actor(request), sanction=_sanction(request, id), **payload.dict())
    return sanction_dict(_sanction(request, sanction.pk))


@router.post("/sanctions/{int:id}/reviews", response={200: SanctionOut, **errors(400, 401, 403, 404, 409)},
             summary="Review a segregation sanction")
def sanction_review(request: HttpRequest, id: Id, payload: DisciplineReviewIn):
    sanction = _sanction(request, id)
    services.sanction_review(actor=actor(request), sanction=sanction, **payload.dict())
    return sanction_dict(_sanction(request, sanction.pk))
