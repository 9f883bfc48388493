"""API: housing plans (/plans): list, read with the diff, create, accept or reject items; cell suggestions.

Creating a plan computes it in the request (``time_limit`` seconds at most, 10 by default); nothing moves
until items are accepted, and every accepted move goes through the housing move service.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from emerald.accounts.permissions import allowed
from emerald.core.access import deny_list
from emerald.core.api_support import (
    Id,
    In,
    InmateNumber,
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
from emerald.facilities.models import Facility, Unit
from emerald.housing.models import Placement
from emerald.people.models import Person
from emerald.people.selectors import people_visible_to, person_get
from emerald.people.visibility import display_number, person_ref
from emerald.planning import selectors, services
from emerald.planning.models import ItemStatus, Plan

router = Router()


def _bad(field: str, message: str) -> Invalid:
    return Invalid(_("Some fields need correcting."), fields={field: [message]})


class PlanScopeOut(Schema):
    units: list[str] = Field(..., description="codes of the units re-housed")
    empty: bool = Field(..., description="the units were to be emptied")
    arrivals: list[str] = Field(..., description="inmate numbers of the people to house")


class PlanCountsOut(Schema):
    items: int = Field(..., description="proposed moves, whatever their status")
    proposed: int
    accepted: int
    rejected: int
    unplaced: int = Field(..., description="people the plan could not house (they stay where they are)")


class PlanOut(Schema):
    id: int
    facility: str = Field(..., description="facility code")
    status: str = Field(..., description="preview / partly_accepted / done")
    scope: PlanScopeOut
    weights: dict[str, int]
    objective: int = Field(..., description="the plan's cost (lower is better)")
    bound: int = Field(..., description="a proven lower bound on any plan's cost")
    gap: float | None = Field(..., description="(objective - bound) / objective")
    created_by: str | None
    created_at: datetime
    counts: PlanCountsOut


class PlanItemOut(Schema):
    id: int
    person: PersonRef
    from_cell: str | None = Field(..., description="None for an arrival (an admission)")
    from_unit: str | None
    to_cell: str
    to_unit: str
    to_bed: int | None = Field(..., description="number of the planned bed in to_cell")
    cost: int
    status: str = Field(..., description="proposed / accepted / rejected")
    reasons: list[str] = Field(..., description="why this cell, each criterion with its cost and the rules met")
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str = Field(..., description="why it was rejected, or the note given when accepted")
    placement_id: int | None = Field(..., description="the placement the accepted move made")


class PlanUnplacedOut(Schema):
    inmate_number: str | None = Field(..., description="null for a person the reader may not know")
    person: PersonRef | None = None
    reason: str = Field(..., description="how many cells each rule ruled out")


class PlanDetailOut(PlanOut):
    items: list[PlanItemOut]
    unplaced: list[PlanUnplacedOut]


class PlanPage(Schema):
    count: int
    items: list[PlanOut]


class PlanQuery(PageQuery):
    status: Literal["preview", "partly_accepted", "done"] | None = None
    facility: Text | None = Field(None, description="facility code")


class PlanIn(In):
    facility: Text = Field(..., description="facility code")
    unit_ids: list[Id] = Field([], description="re-house the people of these units")
    arrivals: list[Text] = Field([], description="inmate numbers of people not in custody, to admit")
    empty: bool = Field(False, description="send everyone of unit_ids elsewhere (before closing the units)")
    weights: dict[str, int] | None = Field(None, description="criterion → weight, 0 to 1,000,000; the rest default")
    time_limit: float = Field(10.0, description="seconds the optimiser may think, 0.5 to 60")
    allow_unit_ids: list[Id] = Field([], description="closed, locked-down or segregation units the plan may use")


class PlanAcceptIn(In):
    item_ids: list[Id] | None = Field(None, description="omit to accept every proposed item")
    reason: Text = Field("", description="added to the reason of each move")


class PlanRejectIn(In):
    reason: Text
    item_ids: list[Id] | None = Field(None, description="omit to reject every proposed item")


class PlanSuggestQuery(Schema):
    person: InmateNumber = Field(..., description="inmate number")
    facility: Text | None = Field(None, description="facility code; default: where the person is now")
    unit: Text | None = Field(None, description="unit code in that facility: every suggestion is in this unit")
    limit: int = Field(10, ge=1, le=50)


class PlanSuggestionOut(Schema):
    cell_id: int
    cell: str
    unit_id: int
    unit: str
    bed_id: int | None
    cost: int
    reasons: list[str]


class PlanSuggestOut(Schema):
    person: PersonRef
    facility: str
    cells: list[PlanSuggestionOut] = Field(..., description="safe cells, cheapest first")
    none_reason: str = Field(..., description="why no cell is safe, when cells is empty")


def _gap(plan: Plan) -> float | None:
    gap = (plan.stats or {}).get("gap")
    return float(gap) if isinstance(gap, int | float) else None


def plan_dict(plan: Plan, counts: dict[str, int]) -> dict[str, Any]:
    scope = plan.scope or {}
    return {
        "id": plan.pk, "facility": plan.facility.code, "status": plan.status,
        "scope": {"units": scope.get("units", []), "empty": bool(scope.get("empty")),
                  "arrivals": scope.get("arrivals", [])},
        "weights": plan.weights, "objective": plan.objective, "bound": plan.bound, "gap": _gap(plan),
        "created_by": username(plan.created_by), "created_at": plan.created_at,
        "counts": {**counts, "unplaced": len(plan.unplaced or [])},
    }


def _listed(plan: Plan) -> dict[str, Any]:
    return plan_dict(plan, {"items": plan.n_items, "proposed": plan.n_proposed,  # type: ignore[attr-defined]
                            "accepted": plan.n_accepted, "rejected": plan.n_rejected})  # type: ignore[attr-defined]


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    plan = selectors.plan_get(actor=actor(request), plan_id=pk)
    diff = selectors.plan_diff(actor=actor(request), plan=plan)
    items = diff["items"]
    counts = {"items": len(items), **{s: sum(1 for i in items if i["status"] == s) for s in ItemStatus.values}}
    out = plan_dict(plan, counts)
    out["items"] = [{
        "id": i["id"], "person": person_ref(i["person"]), "from_cell": i["from"], "from_unit": i["from_unit"],
        "to_cell": i["to"], "to_unit": i["unit"], "to_bed": i["bed"], "cost": i["cost"], "status": i["status"],
        "reasons": i["reasons"], "decided_by": username(i["decided_by"]), "decided_at": i["decided_at"],
        "decision_reason": i["decision_reason"], "placement_id": i["placement_id"],
    } for i in items]
    out["unplaced"] = [{"inmate_number": display_number(u["person"]) if u["person"] else None,
                        "person": person_ref(u["person"]) if u["person"] else None, "reason": u["reason"]}
                       for u in diff["unplaced"]]
    return out


@router.get("", response={200: PlanPage, **errors(400, 401, 403)}, summary="Housing plans, newest first")
def plans(request: HttpRequest, query: Query[PlanQuery]):
    qs = selectors.plan_list(actor=actor(request))
    if query.status:
        qs = qs.filter(status=query.status)
    if query.facility:
        qs = qs.filter(facility__code__iexact=query.facility.strip())
    return paginate(qs, query, lambda rows: [_listed(p) for p in rows])


@router.post("", response={201: PlanDetailOut, **errors(400, 401, 403, 409)},
             summary="Compute a housing plan (a preview: nothing moves)")
def create(request: HttpRequest, payload: PlanIn):
    """Re-house the people of ``unit_ids`` and/or house ``arrivals``; answers with the proposed moves and the
    people who could not be placed, with reasons. Takes up to ``time_limit`` seconds."""
    user = actor(request)
    if not allowed(user, "plan.create"):
        raise deny_list(user, "plan.create", "plan")
    problems: dict[str, list[str]] = {}
    facility = Facility.objects.filter(code__iexact=payload.facility.strip()).first()
    if facility is None:
        problems["facility"] = [_("No facility with code %(code)s.") % {"code": payload.facility}]
    visible = people_visible_to(user)
    arrivals: list[Person] = []
    for number in dict.fromkeys(n.strip().upper() for n in payload.arrivals):  # each person once, in order
        person = visible.filter(inmate_number=number).first()
        if person is None:
            problems.setdefault("arrivals", []).append(_("No person with inmate number %(n)s.") % {"n": number})
        else:
            arrivals.append(person)
    if problems:
        raise Invalid(_("Some fields need correcting."), fields=problems)
    assert facility is not None
    plan = services.plan_create(
        actor=user, facility=facility, unit_ids=payload.unit_ids, arrivals=arrivals, empty=payload.empty,
        weights=payload.weights, time_limit=payload.time_limit, allow_unit_ids=payload.allow_unit_ids)
    return with_status(201, _detail(request, plan.pk))


@router.get("/suggest", response={200: PlanSuggestOut, **errors(400, 401, 403, 404)},
            summary="Safe cells for one person, cheapest first, with reasons")
def suggest(request: HttpRequest, query: Query[PlanSuggestQuery]):
    """For a move or an admission: every cell of the facility checked against the housing rules and ranked.
    Reasons that would reveal keep-apart orders are left out for roles that may not see them."""
    user = actor(request)
    if not any(allowed(user, a) for a in ("placement.move", "person.admit", "plan.create")):
        raise deny_list(user, "placement.move", "plan")
    person = person_get(actor=user, inmate_number=query.person)
    if query.facility:
        facility = Facility.objects.filter(code__iexact=query.facility.strip()).first()
        if facility is None:
            raise _bad("facility", _("No facility with code %(code)s.") % {"code": query.facility})
    else:
        here = Placement.objects.filter(person=person, end_at__isnull=True).select_related("unit__facility").first()
        if here is None:
            raise _bad("facility", _("%(number)s is not housed anywhere: say which facility.")
                       % {"number": person.inmate_number})
        facility = here.unit.facility
    unit_id = None
    if query.unit:
        unit_id = Unit.objects.filter(facility=facility, code__iexact=query.unit.strip()).values_list(
            "pk", flat=True).first()
        if unit_id is None:
            raise _bad("unit", _("No unit %(code)s in %(facility)s.") % {"code": query.unit, "facility": facility.code})
    found = selectors.suggest_cells(person, facility, query.limit, actor=user, unit_id=unit_id)
    return {"person": person_ref(person), "facility": facility.code, **found}


@router.get("/{int:id}", response={200: PlanDetailOut, **errors(401, 404)},
            summary="One plan with its moves and the people it could not place")
def plan(request: HttpRequest, id: Id):
    return _detail(request, id)


@router.post("/{int:id}/accept", response={200: PlanDetailOut, **errors(400, 401, 403, 404, 409)},
             summary="Carry out proposed moves (all, or item_ids), all or nothing")
def accept(request: HttpRequest, id: Id, payload: PlanAcceptIn):
    """Each move runs through the move service (every housing rule is checked again). 409 ``plan_stale``
    (someone moved meanwhile: nothing moved), ``plan_blocked``, ``already_decided`` (with ``item_ids``),
    ``plan_done``."""
    target = selectors.plan_get(actor=actor(request), plan_id=id)
    services.plan_accept(actor=actor(request), plan=target, item_ids=payload.item_ids, reason=payload.reason)
    return _detail(request, id)


@router.post("/{int:id}/reject", response={200: PlanDetailOut, **errors(400, 401, 403, 404, 409)},
             summary="Decline proposed moves (all, or item_ids), with a reason")
def reject(request: HttpRequest, id: Id, payload: PlanRejectIn):
    """409 ``already_decided`` (with ``item_ids``), ``plan_done``."""
    target = selectors.plan_get(actor=actor(request), plan_id=id)
    services.plan_reject(actor=actor(request), plan=target, item_ids=payload.item_ids, reason=payload.reason)
    return _detail(request, id)

