"""API: lockdowns, emergency moves made across them, and emergency re-housing runs.

Two routers: ``router`` at /lockdowns and ``rehousing_router`` at /rehousing.
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
from emerald.facilities.models import Cell, Facility, Unit
from emerald.lockdowns import selectors, services
from emerald.lockdowns.models import EmergencyMove, ItemStatus, Lockdown, RehousingRun
from emerald.people.models import Person
from emerald.people.selectors import people_visible_to
from emerald.people.visibility import person_ref

router = Router()
rehousing_router = Router()


def _bad(field: str, message: str) -> Invalid:
    return Invalid(_("Some fields need correcting."), fields={field: [message]})


def _unit_or_error(unit_id: int, field: str, problems: dict[str, list[str]]) -> Unit | None:
    unit = Unit.objects.select_related("facility").filter(pk=unit_id).first()
    if unit is None:
        problems.setdefault(field, []).append(_("No unit with id %(id)s.") % {"id": unit_id})
    return unit


# --------------------------------------------------------------------------- lockdowns


class LockdownOut(Schema):
    id: int
    scope: str = Field(..., description="unit or facility")
    unit_id: int | None
    unit: str | None = Field(..., description="unit code, for a unit lockdown")
    facility: str = Field(..., description="facility code")
    reason: str
    ordered_by: str | None
    started_at: datetime
    active: bool
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str


class LockdownPage(Schema):
    count: int
    items: list[LockdownOut]


class LockdownIn(In):
    unit_id: Id | None = Field(None, description="lock down this unit; or send facility")
    facility: Text | None = Field(None, description="facility code: lock down the whole facility")
    reason: Text


class LockdownsReasonIn(In):
    reason: Text


class LockdownQuery(PageQuery):
    active: bool | None = Field(None, description="true: in force; false: lifted")
    unit: Id | None = Field(None, description="unit id: lockdowns of that unit")


def lockdown_dict(lk: Lockdown) -> dict[str, Any]:
    return {
        "id": lk.pk, "scope": lk.area_kind, "unit_id": lk.unit_id, "unit": lk.unit.code if lk.unit_id else None,
        "facility": lk.unit.facility.code if lk.unit_id else lk.facility.code,
        "reason": lk.reason, "ordered_by": username(lk.ordered_by), "started_at": lk.started_at,
        "active": lk.lifted_at is None, "lifted_at": lk.lifted_at, "lifted_by": username(lk.lifted_by),
        "lift_reason": lk.lift_reason,
    }


def _lockdown_out(request: HttpRequest, pk: int) -> dict[str, Any]:
    lk = selectors.lockdown_get(actor=actor(request), lockdown_id=pk)
    return lockdown_dict(Lockdown.objects.select_related("unit__facility", "facility", "ordered_by",
                                                         "lifted_by").get(pk=lk.pk))


class EmergencyMoveOut(Schema):
    id: int
    person: PersonRef
    placement_id: int
    from_cell: str | None
    to_cell: str
    to_unit: str
    reason: str
    ordered_by: str | None
    ordered_at: datetime
    lockdown_ids: list[int]
    reviewed: bool
    reviewed_by: str | None
    reviewed_at: datetime | None
    outcome: str = Field(..., description="justified / not_justified; empty until reviewed")
    note: str


class EmergencyMovePage(Schema):
    count: int
    items: list[EmergencyMoveOut]


class EmergencyMoveQuery(PageQuery):
    pending: bool | None = Field(None, description="true: awaiting review")


class LockdownsReviewIn(In):
    outcome: Literal["justified", "not_justified"]
    note: Text


def emergency_dict(m: EmergencyMove) -> dict[str, Any]:
    p = m.placement
    return {
        "id": m.pk, "person": person_ref(p.person), "placement_id": p.pk,
        "from_cell": m.from_cell.code if m.from_cell else None, "to_cell": p.cell.code, "to_unit": p.cell.unit.code,
        "reason": m.reason, "ordered_by": username(m.ordered_by), "ordered_at": m.ordered_at,
        "lockdown_ids": sorted(lk.pk for lk in m.lockdowns.all()),
        "reviewed": m.reviewed_at is not None, "reviewed_by": username(m.reviewed_by), "reviewed_at": m.reviewed_at,
        "outcome": m.review_outcome, "note": m.review_note,
    }


@router.get("", response={200: LockdownPage, **errors(400, 401, 403)}, summary="Lockdowns, newest first")
def lockdowns(request: HttpRequest, query: Query[LockdownQuery]):
    unit = Unit.objects.filter(pk=query.unit).first() if query.unit else None
    if query.unit and unit is None:
        raise _bad("unit", _("No unit with id %(id)s.") % {"id": query.unit})
    qs = selectors.lockdown_list(actor=actor(request), active=query.active, unit=unit).select_related(
        "unit__facility")
    return paginate(qs, query, lambda rows: [lockdown_dict(lk) for lk in rows])


@router.post("", response={201: LockdownOut, **errors(400, 401, 403, 409)}, summary="Lock down a unit or a facility")
def order(request: HttpRequest, payload: LockdownIn):
    """Send ``unit_id`` or ``facility`` (a code), and a ``reason``. While in force every move into, out of or
    within the area, and every admission into it, answers 409 ``locked_down`` unless sent as an emergency move.
    409 ``already_locked_down``, ``unit_closed``."""
    if not allowed(actor(request), "lockdown.order"):
        raise deny_list(actor(request), "lockdown.order", "lockdown")
    problems: dict[str, list[str]] = {}
    unit = facility = None
    if (payload.unit_id is None) == (payload.facility is None):
        problems["unit_id"] = [_("Send unit_id or facility, not both.")]
    elif payload.unit_id is not None:
        unit = _unit_or_error(payload.unit_id, "unit_id", problems)
    else:
        facility = Facility.objects.filter(code__iexact=(payload.facility or "").strip()).first()
        if facility is None:
            problems["facility"] = [_("No facility with code %(code)s.") % {"code": payload.facility}]
    if problems:
        raise Invalid(_("Some fields need correcting."), fields=problems)
    lk = services.lockdown_order(actor=actor(request), reason=payload.reason, unit=unit, facility=facility)
    return with_status(201, _lockdown_out(request, lk.pk))


@router.get("/emergency-moves", response={200: EmergencyMovePage, **errors(400, 401, 403)},
            summary="Emergency moves made across lockdowns, newest first")
def emergency_moves(request: HttpRequest, query: Query[EmergencyMoveQuery]):
    qs = selectors.emergency_move_list(actor=actor(request), pending=query.pending).select_related(
        "placement__cell__unit")
    return paginate(qs, query, lambda rows: [emergency_dict(m) for m in rows])


@router.post("/emergency-moves/{int:id}/review", response={200: EmergencyMoveOut, **errors(400, 401, 403, 404, 409)},
             summary="Review an emergency move")
def review(request: HttpRequest, id: Id, payload: LockdownsReviewIn):
    """Once: ``justified`` or ``not_justified`` with a note. 409 ``already_reviewed``."""
    move = selectors.emergency_move_get(actor=actor(request), move_id=id)
    services.emergency_move_review(actor=actor(request), move=move, outcome=payload.outcome, note=payload.note)
    return emergency_dict(selectors.emergency_move_get(actor=actor(request), move_id=id))


@router.get("/{int:id}", response={200: LockdownOut, **errors(401, 404)}, summary="One lockdown")
def lockdown(request: HttpRequest, id: Id):
    return _lockdown_out(request, id)


@router.post("/{int:id}/lift", response={200: LockdownOut, **errors(400, 401, 403, 404, 409)},
             summary="Lift a lockdown")
def lift(request: HttpRequest, id: Id, payload: LockdownsReasonIn):
    """With a reason; a unit's status returns to ``open``. 409 ``already_lifted``."""
    lk = selectors.lockdown_get(actor=actor(request), lockdown_id=id)
    services.lockdown_lift(actor=actor(request), lockdown=lk, reason=payload.reason)
    return _lockdown_out(request, id)


# --------------------------------------------------------------------------- re-housing


class UnitRef(Schema):
    id: int
    code: str


class ItemOut(Schema):
    position: int = Field(..., description="the order in which the moves are made")
    person: PersonRef
    from_cell: str | None
    to_cell_id: int | None
    to_cell: str | None
    to_unit: str | None
    status: str = Field(..., description="planned / unplaceable / moved")
    problem_code: str = Field(..., description="unplaceable: keep_apart, no_bed, unavailable, not_in_custody, "
                                               "already_in_target")
    problem: str = Field(..., description="why the person cannot be placed")
    note: str = Field(..., description="why not an earlier target or the preferred cell")
    placement_id: int | None


class ProgressOut(Schema):
    done: int
    total: int
    state: str = Field(..., description="previewed / running / failed / executed / cancelled")
    detail: str = ""


class RunOut(Schema):
    id: int
    status: str = Field(..., description="previewed / executed / cancelled")
    source_unit_id: int | None
    source_unit: str | None
    targets: list[UnitRef] = Field(..., description="in the order they are filled")
    reason: str
    created_by: str | None
    created_at: datetime
    executed_by: str | None
    executed_at: datetime | None
    emergency: bool = Field(..., description="the moves were emergency moves across a lockdown")
    cancelled_by: str | None
    cancelled_at: datetime | None
    cancel_reason: str
    planned: int
    unplaceable: int
    moved: int
    progress: ProgressOut


class RunDetailOut(RunOut):
    items: list[ItemOut]


class RunPage(Schema):
    count: int
    items: list[RunOut]


class PreferenceIn(In):
    inmate_number: Text
    unit_id: Id | None = Field(None, description="a target unit to try first")
    cell_id: Id | None = Field(None, description="a cell of a target unit to try first")


class RunIn(In):
    source_unit_id: Id | None = Field(None, description="empty this unit; or send people")
    people: list[Text] | None = Field(None, description="inmate numbers to move")
    target_unit_ids: list[Id] = Field(..., description="filled in this order")
    reason: Text
    preferences: list[PreferenceIn] = []


def item_dict(i: Any) -> dict[str, Any]:
    return {
        "position": i.position, "person": person_ref(i.person),
        "from_cell": i.from_cell.code if i.from_cell else None, "to_cell_id": i.to_cell_id,
        "to_cell": i.to_cell.code if i.to_cell else None, "to_unit": i.to_cell.unit.code if i.to_cell else None,
        "status": i.status, "problem_code": i.problem_code, "problem": i.problem, "note": i.note,
        "placement_id": i.placement_id,
    }


def run_dict(run: RehousingRun, items: list[Any] | None = None) -> dict[str, Any]:
    counts = {s: 0 for s in ItemStatus.values}
    for status in run.items.values_list("status", flat=True):
        counts[status] += 1
    out = {
        "id": run.pk, "status": run.status, "source_unit_id": run.source_unit_id,
        "source_unit": run.source_unit.code if run.source_unit else None,
        "targets": [{"id": u.pk, "code": u.code} for u in selectors.run_targets(run)],
        "reason": run.reason, "created_by": username(run.created_by), "created_at": run.created_at,
        "executed_by": username(run.executed_by), "executed_at": run.executed_at, "emergency": run.emergency,
        "cancelled_by": username(run.cancelled_by), "cancelled_at": run.cancelled_at,
        "cancel_reason": run.cancel_reason, "planned": counts["planned"], "unplaceable": counts["unplaceable"],
        "moved": counts["moved"], "progress": selectors.run_progress(run),
    }
    if items is not None:
        out["items"] = [item_dict(i) for i in items]
    return out


def _run_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    run = selectors.rehousing_get(actor=actor(request), run_id=pk)
    return run_dict(run, selectors.run_items(run))


@rehousing_router.get("", response={200: RunPage, **errors(400, 401, 403)}, summary="Re-housing runs, newest first")
def runs(request: HttpRequest, query: Query[PageQuery]):
    qs = selectors.rehousing_list(actor=actor(request))
    return paginate(qs, query, lambda rows: [run_dict(r) for r in rows])


@rehousing_router.post("", response={201: RunDetailOut, **errors(400, 401, 403)},
                       summary="Preview a re-housing: who goes where, who cannot be placed and why")
def preview(request: HttpRequest, payload: RunIn):
    """Nothing moves: the plan is stored as a run (status ``previewed``) with one item per person."""
    if not allowed(actor(request), "rehousing.preview"):
        raise deny_list(actor(request), "rehousing.preview", "rehousing_run")
    problems: dict[str, list[str]] = {}
    source = _unit_or_error(payload.source_unit_id, "source_unit_id", problems) if payload.source_unit_id else None
    targets = [u for uid in payload.target_unit_ids if (u := _unit_or_error(uid, "target_unit_ids", problems))]
    visible = people_visible_to(actor(request))
    people: list[Person] = []
    for number in payload.people or []:
        person = visible.filter(inmate_number=number.strip().upper()).first()
        if person is None:
            problems.setdefault("people", []).append(_("No person with inmate number %(n)s.") % {"n": number})
        else:
            people.append(person)
    preferences: dict[int, Unit | Cell] = {}
    for pref in payload.preferences:
        person = visible.filter(inmate_number=pref.inmate_number.strip().upper()).first()
        choice: Unit | Cell | None = None
        if pref.cell_id is not None:
            choice = Cell.objects.filter(pk=pref.cell_id).first()
        elif pref.unit_id is not None:
            choice = Unit.objects.filter(pk=pref.unit_id).first()
        if person is None or choice is None:
            problems.setdefault("preferences", []).append(
                _("A preference needs a known inmate_number and a unit_id or cell_id."))
        else:
            preferences[person.pk] = choice
    if problems:
        raise Invalid(_("Some fields need correcting."), fields=problems)
    run = services.rehousing_preview(actor=actor(request), reason=payload.reason, targets=targets,
                                     source_unit=source, people=people or None, preferences=preferences)
    return with_status(201, _run_detail(request, run.pk))


@rehousing_router.get("/{int:id}", response={200: RunDetailOut, **errors(401, 404)},
                      summary="One run with its items and progress")
def run(request: HttpRequest, id: Id):
    return _run_detail(request, id)


@rehousing_router.post("/{int:id}/execute", response={200: RunDetailOut, **errors(401, 403, 404, 409)},
                       summary="Make every planned move, all or nothing")
def execute(request: HttpRequest, id: Id):
    """During a lockdown the moves are emergency moves, flagged for review. 409 ``plan_stale`` (nothing
    moved: preview again), ``already_executed``, ``already_cancelled``."""
    target = selectors.rehousing_get(actor=actor(request), run_id=id)
    services.rehousing_execute(actor=actor(request), run=target)
    return _run_detail(request, id)


@rehousing_router.post("/{int:id}/cancel", response={200: RunDetailOut, **errors(400, 401, 403, 404, 409)},
                       summary="Discard a previewed run")
def cancel(request: HttpRequest, id: Id, payload: LockdownsReasonIn):
    target = selectors.rehousing_get(actor=actor(request), run_id=id)
    services.rehousing_cancel(actor=actor(request), run=target, reason=payload.reason)
    return _run_detail(request, id)
