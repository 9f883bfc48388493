"""API: absences, transfers (and the unit manager's queue), counts, escapes, and the live roll with who is out.

One router mounted at the API root: /absences, /transfers, /counts, /escapes, /roll/live, /roll/units.
The existing GET /roll (housing) is unchanged. See docs/api.md ("Movements").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from emerald.core import clock
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
from emerald.facilities.models import Facility, Unit
from emerald.movements import selectors, services
from emerald.movements.models import Absence, Count, CountSheet, Escape, Transfer
from emerald.people.models import Person
from emerald.people.selectors import people_visible_to
from emerald.people.visibility import person_ref

router = Router()

AbsenceKindIn = Literal["court", "hospital", "infirmary", "visit", "work", "programme", "other"]


def _bad(field: str, message: str) -> Invalid:
    return Invalid(_("Some fields need correcting."), fields={field: [message]})


def _person(request: HttpRequest, number: str, field: str = "inmate_number") -> Person:
    person = people_visible_to(actor(request)).filter(inmate_number=(number or "").strip().upper()).first()
    if person is None:
        raise _bad(field, _("No person with inmate number %(number)s.") % {"number": number})
    return person


def _unit(unit_id: int | None, field: str = "to_unit_id") -> Unit | None:
    if unit_id is None:
        return None
    unit = Unit.objects.select_related("facility").filter(pk=unit_id).first()
    if unit is None:
        raise _bad(field, _("No unit with id %(id)s.") % {"id": unit_id})
    return unit


def _facility(code: str) -> Facility:
    facility = Facility.objects.filter(code__iexact=(code or "").strip()).first()
    if facility is None:
        raise _bad("facility", _("No facility with code %(code)s.") % {"code": code})
    return facility


# --------------------------------------------------------------------------------------------------- roll


class OutOut(Schema):
    absence_id: int
    person: PersonRef
    kind: str
    destination: str
    out_at: datetime | None
    expected_back_at: datetime
    overdue: bool


class UnitRollOut(Schema):
    unit_id: int
    code: str
    name: str
    facility: str
    status: str
    beds: int
    certified_capacity: int
    occupied: int
    in_cell: int
    out: int
    free: int
    over_certified: int
    away: list[OutOut] = Field(default_factory=list, description="who is out and where (live roll only)")


class RollLiveOut(Schema):
    at: datetime
    units: list[UnitRollOut]
    totals: dict[str, int]


class RollLiveQuery(Schema):
    facility: str | None = Field(None, description="facility code: only its units")


class RollUnitsQuery(Schema):
    at: IsoDateTime = Field(..., description="ISO 8601 with an offset")
    facility: str | None = None


def _roll_out(rolls: list[Any], at: datetime, facility: str | None, with_people: bool) -> dict[str, Any]:
    now = clock.now()
    if facility:
        rolls = [r for r in rolls if r.facility_code == facility]
    units = []
    totals = dict.fromkeys(("beds", "occupied", "in_cell", "out", "free", "over_certified"), 0)
    for r in rolls:
        row = r.as_dict()
        row["away"] = [{"absence_id": a.pk, "person": person_ref(a.person), "kind": a.kind,
                        "destination": a.destination, "out_at": a.out_at, "expected_back_at": a.expected_back_at,
                        "overdue": a.expected_back_at < now} for a in r.out_people] if with_people else []
        for key in totals:
            totals[key] += row[key]
        units.append(row)
    return {"at": at, "units": units, "totals": totals}


@router.get("/roll/live", response={200: RollLiveOut, **errors(400, 401, 403)},
            summary="The live roll per unit, with who is in their cell and who is out")
def roll_live(request: HttpRequest, query: Query[RollLiveQuery]):
    """Per unit: beds, occupied, in cell, out (and where), free, over certified capacity."""
    rolls = selectors.live_roll(actor=actor(request), with_people=True)
    return _roll_out(rolls, clock.now(), query.facility, True)


@router.get("/roll/units", response={200: RollLiveOut, **errors(400, 401, 403)},
            summary="The per-unit roll as of a past moment")
def roll_units(request: HttpRequest, query: Query[RollUnitsQuery]):
    """The same breakdown as /roll/live as of ``at``, from the placement and absence history (no names)."""
    rolls = selectors.roll_as_of(actor=actor(request), at=query.at)
    return _roll_out(rolls, query.at, query.facility, False)


# --------------------------------------------------------------------------------------------------- absences


class AbsenceOut(Schema):
    id: int
    person: PersonRef
    kind: str
    destination: str
    reason: str
    status: str = Field(..., description="scheduled, out, returned, cancelled, ended")
    scheduled: bool
    cell: str | None = Field(..., description="the cell kept for the person while out")
    planned_out_at: datetime | None
    expected_back_at: datetime
    out_at: datetime | None
    back_at: datetime | None
    overdue: bool
    created_by: str | None
    departed_by: str | None
    returned_by: str | None
    closed_by: str | None
    close_reason: str


class AbsencePage(Schema):
    count: int
    items: list[AbsenceOut]


class AbsenceQuery(PageQuery):
    status: Literal["scheduled", "out", "returned", "cancelled", "ended"] | None = None
    unit_id: Id | None = Field(None, description="people now housed in this unit")
    inmate_number: str | None = None


class AbsenceIn(In):
    inmate_number: Text
    kind: AbsenceKindIn
    destination: Text
    reason: Text
    expected_back_at: IsoDateTime
    planned_out_at: IsoDateTime | None = Field(None, description="given: a scheduled absence; omitted: leaves now")


class MovementsReasonIn(In):
    reason: Text


class NoteIn(In):
    note: Text = ""


def absence_dict(a: Absence) -> dict[str, Any]:
    return {
        "id": a.pk, "person": person_ref(a.person), "kind": a.kind, "destination": a.destination, "reason": a.reason,
        "status": a.status, "scheduled": a.scheduled, "cell": a.placement.cell.code if a.placement_id else None,
        "planned_out_at": a.planned_out_at, "expected_back_at": a.expected_back_at, "out_at": a.out_at,
        "back_at": a.back_at, "overdue": a.status == "out" and a.expected_back_at < clock.now(),
        "created_by": username(a.created_by), "departed_by": username(a.departed_by),
        "returned_by": username(a.returned_by), "closed_by": username(a.closed_by), "close_reason": a.close_reason,
    }


def _absence(request: HttpRequest, pk: int) -> dict[str, Any]:
    return absence_dict(selectors.absence_get(actor=actor(request), absence_id=pk))


@router.get("/absences", response={200: AbsencePage, **errors(400, 401, 403)}, summary="Absences, newest first")
def absences(request: HttpRequest, query: Query[AbsenceQuery]):
    person = _person(request, query.inmate_number) if query.inmate_number else None
    qs = selectors.absence_list(actor=actor(request), status=query.status, unit_id=query.unit_id, person=person)
    return paginate(qs, query, lambda rows: [absence_dict(a) for a in rows])


@router.post("/absences", response={201: AbsenceOut, **errors(400, 401, 403, 409)},
             summary="Record an absence: scheduled (planned_out_at given) or leaving now")
def absence_create(request: HttpRequest, payload: AbsenceIn):
    person = _person(request, payload.inmate_number)
    if payload.planned_out_at is not None:
        a = services.absence_schedule(actor=actor(request), person=person, kind=payload.kind,
                                      destination=payload.destination, planned_out_at=payload.planned_out_at,
                                      expected_back_at=payload.expected_back_at, reason=payload.reason)
    else:
        a = services.absence_depart(actor=actor(request), person=person, kind=payload.kind,
                                    destination=payload.destination, expected_back_at=payload.expected_back_at,
                                    reason=payload.reason)
    return with_status(201, _absence(request, a.pk))


@router.get("/absences/{int:id}", response={200: AbsenceOut, **errors(401, 404)}, summary="One absence")
def absence(request: HttpRequest, id: Id):
    return _absence(request, id)


@router.post("/absences/{int:id}/depart", response={200: AbsenceOut, **errors(401, 403, 404, 409)},
             summary="A scheduled absence leaves now")
def absence_depart(request: HttpRequest, id: Id):
    a = selectors.absence_get(actor=actor(request), absence_id=id)
    services.absence_depart(actor=actor(request), absence=a)
    return _absence(request, id)


@router.post("/absences/{int:id}/return", response={200: AbsenceOut, **errors(401, 403, 404, 409)},
             summary="The person is back in their cell")
def absence_return(request: HttpRequest, id: Id):
    a = selectors.absence_get(actor=actor(request), absence_id=id)
    services.absence_return(actor=actor(request), absence=a)
    return _absence(request, id)


@router.post("/absences/{int:id}/cancel", response={200: AbsenceOut, **errors(400, 401, 403, 404, 409)},
             summary="Cancel a scheduled absence")
def absence_cancel(request: HttpRequest, id: Id, payload: MovementsReasonIn):
    a = selectors.absence_get(actor=actor(request), absence_id=id)
    services.absence_cancel(actor=actor(request), absence=a, reason=payload.reason)
    return _absence(request, id)


# --------------------------------------------------------------------------------------------------- transfers


class TransferOut(Schema):
    id: int
    person: PersonRef
    status: str = Field(..., description="requested, approved, rejected, executed, cancelled")
    from_unit: str
    from_cell: str
    to_unit: str
    to_facility: str
    to_cell: str | None
    between_facilities: bool
    reason: str
    ordered_by: str | None = Field(..., description="who asked for it")
    requested_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    approval_note: str
    rejected_by: str | None
    reject_reason: str
    cancelled_by: str | None
    cancel_reason: str
    executed_by: str | None
    executed_at: datetime | None
    placed_in: str | None = Field(..., description="the cell the person was moved to")
    emergency: bool
    emergency_reason: str
    emergency_reviewed_by: str | None
    emergency_review_note: str
    manager_review: str = Field(..., description="not_needed, pending, acknowledged, contested, upheld, reversed")
    contested_by: str | None
    contested_at: datetime | None
    contest_reason: str
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str
    moved_back_to: str | None
    reversal_problem: str


class TransferPage(Schema):
    count: int
    items: list[TransferOut]


class TransferQuery(PageQuery):
    status: Literal["requested", "approved", "rejected", "executed", "cancelled"] | None = None
    inmate_number: str | None = None
    queue: bool = Field(False, description="true: the unit manager's queue (transfers out of my units I did not "
                                           "approve)")
    contested: bool = Field(False, description="true: contested transfers awaiting a decision")


class MovementsTransferIn(In):
    inmate_number: Text
    reason: Text
    to_unit_id: Id | None = None
    to_cell_id: Id | None = None
    emergency: bool = Field(False, description="execute now without approval (flagged for review)")
    emergency_reason: Text = ""
    override_reason: Text = ""


class ExecuteIn(In):
    override_reason: Text = ""


class MovementsDecideIn(In):
    decision: Literal["upheld", "reversed"]
    reason: Text


class MovementsReviewIn(In):
    note: Text


def transfer_dict(t: Transfer) -> dict[str, Any]:
    return {
        "id": t.pk, "person": person_ref(t.person), "status": t.status, "from_unit": t.from_unit.code,
        "from_cell": t.from_cell.code, "to_unit": t.to_unit.code, "to_facility": t.to_unit.facility.code,
        "to_cell": t.to_cell.code if t.to_cell_id else None, "between_facilities": t.between_facilities,
        "reason": t.reason, "ordered_by": username(t.ordered_by), "requested_at": t.requested_at,
        "approved_by": username(t.approved_by), "approved_at": t.approved_at, "approval_note": t.approval_note,
        "rejected_by": username(t.rejected_by), "reject_reason": t.reject_reason,
        "cancelled_by": username(t.cancelled_by), "cancel_reason": t.cancel_reason,
        "executed_by": username(t.executed_by), "executed_at": t.executed_at,
        "placed_in": t.placement.cell.code if t.placement_id else None, "emergency": t.emergency,
        "emergency_reason": t.emergency_reason, "emergency_reviewed_by": username(t.emergency_reviewed_by),
        "emergency_review_note": t.emergency_review_note, "manager_review": t.manager_review,
        "contested_by": username(t.contested_by), "contested_at": t.contested_at, "contest_reason": t.contest_reason,
        "decided_by": username(t.decided_by), "decided_at": t.decided_at, "decision_reason": t.decision_reason,
        "moved_back_to": t.reversal_placement.cell.code if t.reversal_placement_id else None,
        "reversal_problem": t.reversal_problem,
    }


def _transfer(request: HttpRequest, pk: int) -> dict[str, Any]:
    return transfer_dict(selectors.transfer_get(actor=actor(request), transfer_id=pk))


@router.get("/transfers", response={200: TransferPage, **errors(400, 401, 403)},
            summary="Transfers, newest first (or the unit manager's queue)")
def transfers(request: HttpRequest, query: Query[TransferQuery]):
    user = actor(request)
    if query.queue:
        qs = selectors.manager_queue(actor=user)
    elif query.contested:
        qs = selectors.contested_list(actor=user)
    else:
        person = _person(request, query.inmate_number) if query.inmate_number else None
        qs = selectors.transfer_list(actor=user, status=query.status, person=person)
    return paginate(qs, query, lambda rows: [transfer_dict(t) for t in rows])


@router.post("/transfers", response={201: TransferOut, **errors(400, 401, 403, 409)},
             summary="Request a transfer (or make an emergency transfer)")
def transfer_create(request: HttpRequest, payload: MovementsTransferIn):
    person = _person(request, payload.inmate_number)
    unit = _unit(payload.to_unit_id)
    if payload.emergency:
        t = services.transfer_emergency(actor=actor(request), person=person, reason=payload.reason,
                                        emergency_reason=payload.emergency_reason, to_unit=unit,
                                        to_cell_id=payload.to_cell_id, override_reason=payload.override_reason)
    else:
        if payload.emergency_reason or payload.override_reason:
            raise _bad("emergency", _("emergency_reason and override_reason go with an emergency transfer "
                                      "(or, for override_reason, with its execution)."))
        t = services.transfer_request(actor=actor(request), person=person, reason=payload.reason, to_unit=unit,
                                      to_cell_id=payload.to_cell_id)
    return with_status(201, _transfer(request, t.pk))


@router.get("/transfers/{int:id}", response={200: TransferOut, **errors(401, 404)}, summary="One transfer")
def transfer(request: HttpRequest, id: Id):
    return _transfer(request, id)


def _t(request: HttpRequest, id: int) -> Transfer:
    return selectors.transfer_get(actor=actor(request), transfer_id=id)


@router.post("/transfers/{int:id}/approve", response={200: TransferOut, **errors(400, 401, 403, 404, 409)},
             summary="Approve a requested transfer")
def transfer_approve(request: HttpRequest, id: Id, payload: NoteIn):
    services.transfer_approve(actor=actor(request), transfer=_t(request, id), note=payload.note)
    return _transfer(request, id)


@router.post("/transfers/{int:id}/reject", response={200: TransferOut, **errors(400, 401, 403, 404, 409)},
             summary="Reject a requested transfer")
def transfer_reject(request: HttpRequest, id: Id, payload: MovementsReasonIn):
    services.transfer_reject(actor=actor(request), transfer=_t(request, id), reason=payload.reason)
    return _transfer(request, id)


@router.post("/transfers/{int:id}/cancel", response={200: TransferOut, **errors(400, 401, 403, 404, 409)},
             summary="Withdraw a transfer not yet executed")
def transfer_cancel(request: HttpRequest, id: Id, payload: MovementsReasonIn):
    services.transfer_cancel(actor=actor(request), transfer=_t(request, id), reason=payload.reason)
    return _transfer(request, id)


@router.post("/transfers/{int:id}/execute", response={200: TransferOut, **errors(400, 401, 403, 404, 409)},
             summary="Carry out an approved transfer (housing rules apply)")
def transfer_execute(request: HttpRequest, id: Id, payload: ExecuteIn):
    services.transfer_execute(actor=actor(request), transfer=_t(request, id), override_reason=payload.override_reason)
    return _transfer(request, id)


@router.post("/transfers/{int:id}/acknowledge", response={200: TransferOut, **errors(400, 401, 403, 404, 409)},
             summary="Unit manager: accept a transfer out of the unit (clears the queue)")
def transfer_acknowledge(request: HttpRequest, id: Id, payload: NoteIn):
    services.transfer_acknowledge(actor=actor(request), transfer=_t(request, id), note=payload.note)
    return _transfer(request, id)


@router.post("/transfers/{int:id}/contest", response={200: TransferOut, **errors(400, 401, 403, 404, 409)},
             summary="Unit manager: contest a transfer out of the unit")
def transfer_contest(request: HttpRequest, id: Id, payload: MovementsReasonIn):
    services.transfer_contest(actor=actor(request), transfer=_t(request, id), reason=payload.reason)
    return _transfer(request, id)


@router.post("/transfers/{int:id}/decide", response={200: TransferOut, **errors(400, 401, 403, 404, 409)},
             summary="Warden: decide a contested transfer (upheld or reversed)")
def transfer_decide(request: HttpRequest, id: Id, payload: MovementsDecideIn):
    services.transfer_decide(actor=actor(request), transfer=_t(request, id), decision=payload.decision,
                             reason=payload.reason)
    return _transfer(request, id)


@router.post("/transfers/{int:id}/review", response={200: TransferOut, **errors(400, 401, 403, 404, 409)},
             summary="Warden: review an emergency transfer")
def transfer_review(request: HttpRequest, id: Id, payload: MovementsReviewIn):
    services.transfer_review_emergency(actor=actor(request), transfer=_t(request, id), note=payload.note)
    return _transfer(request, id)


# --------------------------------------------------------------------------------------------------- counts


class LineOut(Schema):
    id: int
    person: PersonRef
    cell: str
    mark: str = Field(..., description="'' (not yet), present, absent, elsewhere, out (on a recorded absence)")
    where: str
    absence_id: int | None
    marked_by: str | None
    marked_at: datetime | None
    reconciled_by: str | None
    reconcile_note: str


class SheetOut(Schema):
    id: int
    unit: str
    expected: int
    expected_out: int
    counted: int
    absent: int
    elsewhere: int
    unreconciled: int
    total: int | None
    submitted_by: str | None
    submitted_at: datetime | None
    crosscheck_by: str | None
    crosscheck_total: int | None
    reconciled: bool
    problems: list[str]
    lines: list[LineOut] | None = None


class CountOut(Schema):
    id: int
    facility: str
    kind: str
    status: str = Field(..., description="open or cleared")
    scheduled_for: datetime | None
    reason: str
    started_by: str | None
    started_at: datetime
    cleared_by: str | None
    cleared_at: datetime | None
    escalated: bool
    lockdown_id: int | None
    sheets: list[SheetOut]


class CountPage(Schema):
    count: int
    items: list[CountOut]


class CountQuery(PageQuery):
    status: Literal["open", "cleared"] | None = None


class CountIn(In):
    facility: Text
    kind: Literal["scheduled", "emergency"] = "scheduled"
    reason: Text = ""


class MarkIn(In):
    mark: Literal["present", "absent", "elsewhere"]
    where: Text = ""


class TotalIn(In):
    total: int | None = Field(None, ge=0, le=100000)


class CrosscheckIn(In):
    total: int = Field(..., ge=0, le=100000)


class ReconcileIn(In):
    note: Text


class ScheduleIn(In):
    times: list[Text] = Field(..., description='local times "HH:MM"')


class ScheduleOut(Schema):
    facility: str
    times: list[str]


class AlertOut(Schema):
    id: int
    count_id: int
    facility: str
    unit: str
    message: str
    raised_at: datetime


def line_dict(ln: Any) -> dict[str, Any]:
    return {"id": ln.pk, "person": person_ref(ln.person), "cell": ln.cell.code, "mark": ln.mark, "where": ln.where,
            "absence_id": ln.absence_id, "marked_by": username(ln.marked_by), "marked_at": ln.marked_at,
            "reconciled_by": username(ln.reconciled_by), "reconcile_note": ln.reconcile_note}


def sheet_dict(row: dict[str, Any], lines: list[Any] | None = None) -> dict[str, Any]:
    s: CountSheet = row["sheet"]
    return {"id": s.pk, "unit": s.unit.code, "expected": s.expected, "expected_out": s.expected_out,
            "counted": row["counted"], "absent": row["absent"], "elsewhere": row["elsewhere"],
            "unreconciled": row["unreconciled"], "total": s.total, "submitted_by": username(s.submitted_by),
            "submitted_at": s.submitted_at, "crosscheck_by": username(s.crosscheck_by),
            "crosscheck_total": s.crosscheck_total, "reconciled": s.reconciled, "problems": row["problems"],
            "lines": [line_dict(ln) for ln in lines] if lines is not None else None}


def count_dict(c: Count) -> dict[str, Any]:
    return {"id": c.pk, "facility": c.facility.code, "kind": c.kind, "status": c.status,
            "scheduled_for": c.scheduled_for, "reason": c.reason, "started_by": username(c.started_by),
            "started_at": c.started_at, "cleared_by": username(c.cleared_by), "cleared_at": c.cleared_at,
            "escalated": c.escalated_at is not None, "lockdown_id": c.lockdown_id,
            "sheets": [sheet_dict(row) for row in selectors.count_summary(c)]}


def _count(request: HttpRequest, pk: int) -> dict[str, Any]:
    return count_dict(selectors.count_get(actor=actor(request), count_id=pk))


@router.get("/counts", response={200: CountPage, **errors(400, 401, 403)}, summary="Counts, newest first")
def counts(request: HttpRequest, query: Query[CountQuery]):
    qs = selectors.count_list(actor=actor(request), status=query.status)
    return paginate(qs, query, lambda rows: [count_dict(c) for c in rows])


@router.post("/counts", response={201: CountOut, **errors(400, 401, 403, 409)},
             summary="Start a count of a facility (scheduled: the time due now; or emergency with a reason)")
def count_create(request: HttpRequest, payload: CountIn):
    c = services.count_start(actor=actor(request), facility=_facility(payload.facility), kind=payload.kind,
                             reason=payload.reason)
    return with_status(201, _count(request, c.pk))


class AlertPage(Schema):
    count: int
    items: list[AlertOut]


@router.get("/counts/alerts", response={200: AlertPage, **errors(400, 401)},
            summary="Open count discrepancies, paged like every list (empty for roles that are not alerted)")
def alerts(request: HttpRequest, page: Query[PageQuery]):
    return paginate(list(selectors.open_alerts(actor=actor(request))), page, lambda rows: [
        {"id": a.pk, "count_id": a.count_id, "facility": a.facility.code, "unit": a.sheet.unit.code,
         "message": a.message, "raised_at": a.raised_at} for a in rows])


@router.get("/counts/schedule/{facility}", response={200: ScheduleOut, **errors(400, 401, 403)},
            summary="A facility's scheduled count times")
def schedule(request: HttpRequest, facility: str):
    from emerald.core.access import require_list
    from emerald.movements.models import CountSchedule

    require_list(actor(request), "count.view", "count")
    f = _facility(facility)
    return {"facility": f.code, "times": [f"{t:%H:%M}" for t in CountSchedule.objects.filter(facility=f)
                                          .values_list("time", flat=True)]}


@router.put("/counts/schedule/{facility}", response={200: ScheduleOut, **errors(400, 401, 403)},
            summary="Set a facility's scheduled count times")
def schedule_set(request: HttpRequest, facility: str, payload: ScheduleIn):
    f = _facility(facility)
    rows = services.count_schedule_set(actor=actor(request), facility=f, times=payload.times)
    return {"facility": f.code, "times": [f"{r.time:%H:%M}" for r in rows]}


@router.get("/counts/{int:id}", response={200: CountOut, **errors(401, 404)}, summary="One count with its sheets")
def count(request: HttpRequest, id: Id):
    return _count(request, id)


@router.get("/counts/sheets/{int:id}", response={200: SheetOut, **errors(401, 404)},
            summary="One unit's sheet with every line")
def sheet(request: HttpRequest, id: Id):
    from emerald.movements.services import sheet_findings

    s = selectors.sheet_get(actor=actor(request), sheet_id=id)
    lines = selectors.sheet_lines(actor=actor(request), sheet=s)
    return sheet_dict({"sheet": s, **sheet_findings(s, lines)}, lines)


def _sheet_out(request: HttpRequest, id: int) -> dict[str, Any]:
    return sheet(request, id)


@router.post("/counts/lines/{int:id}/mark", response={200: LineOut, **errors(400, 401, 403, 404, 409)},
             summary="Mark one person: present, absent or elsewhere (with where)")
def line_mark(request: HttpRequest, id: Id, payload: MarkIn):
    ln = selectors.line_get(actor=actor(request), line_id=id)
    services.count_mark(actor=actor(request), line=ln, mark=payload.mark, where=payload.where)
    return line_dict(selectors.line_get(actor=actor(request), line_id=id))


@router.post("/counts/lines/{int:id}/reconcile", response={200: LineOut, **errors(400, 401, 403, 404, 409)},
             summary="Supervisor: reconcile a person found elsewhere")
def line_reconcile(request: HttpRequest, id: Id, payload: ReconcileIn):
    ln = selectors.line_get(actor=actor(request), line_id=id)
    services.count_line_reconcile(actor=actor(request), line=ln, note=payload.note)
    return line_dict(selectors.line_get(actor=actor(request), line_id=id))


@router.post("/counts/sheets/{int:id}/submit", response={200: SheetOut, **errors(400, 401, 403, 404, 409)},
             summary="Submit a unit's sheet (every person marked, or a unit total)")
def sheet_submit(request: HttpRequest, id: Id, payload: TotalIn):
    s = selectors.sheet_get(actor=actor(request), sheet_id=id)
    services.count_sheet_submit(actor=actor(request), sheet=s, total=payload.total)
    return _sheet_out(request, id)


@router.post("/counts/sheets/{int:id}/crosscheck", response={200: SheetOut, **errors(400, 401, 403, 404, 409)},
             summary="A second officer's total for a submitted sheet")
def sheet_crosscheck(request: HttpRequest, id: Id, payload: CrosscheckIn):
    s = selectors.sheet_get(actor=actor(request), sheet_id=id)
    services.count_sheet_crosscheck(actor=actor(request), sheet=s, total=payload.total)
    return _sheet_out(request, id)


@router.post("/counts/{int:id}/escalate", response={200: CountOut, **errors(400, 401, 403, 404, 409)},
             summary="Start the escape procedure: lock the facility down")
def count_escalate(request: HttpRequest, id: Id, payload: MovementsReasonIn):
    c = selectors.count_get(actor=actor(request), count_id=id)
    services.count_escalate(actor=actor(request), count=c, reason=payload.reason)
    return _count(request, id)


# --------------------------------------------------------------------------------------------------- escapes


class EscapeOut(Schema):
    id: int
    person: PersonRef
    kind: str = Field(..., description="escape or attempt")
    last_seen_at: datetime
    circumstances: str
    from_unit: str | None
    from_cell: str | None
    incident_id: int | None
    count_id: int | None
    recorded_by: str | None
    recorded_at: datetime
    recaptured_at: datetime | None
    recaptured_by: str | None
    recapture_circumstances: str
    readmitted_to: str | None


class EscapePage(Schema):
    count: int
    items: list[EscapeOut]


class EscapeQuery(PageQuery):
    kind: Literal["escape", "attempt"] | None = None
    at_large: bool | None = Field(None, description="true: escaped and not recaptured")


class EscapeIn(In):
    inmate_number: Text
    last_seen_at: IsoDateTime
    circumstances: Text
    count_id: Id | None = None


class AttemptIn(In):
    inmate_numbers: list[Text] = Field(..., min_length=1)
    at: IsoDateTime
    circumstances: Text
    count_id: Id | None = None


class RecaptureIn(In):
    cell_id: Id
    at: IsoDateTime
    circumstances: Text


def escape_dict(e: Escape) -> dict[str, Any]:
    return {"id": e.pk, "person": person_ref(e.person), "kind": e.kind, "last_seen_at": e.last_seen_at,
            "circumstances": e.circumstances, "from_unit": e.from_unit.code if e.from_unit_id else None,
            "from_cell": e.from_cell.code if e.from_cell_id else None, "incident_id": e.incident_id,
            "count_id": e.count_id, "recorded_by": username(e.recorded_by), "recorded_at": e.recorded_at,
            "recaptured_at": e.recaptured_at, "recaptured_by": username(e.recaptured_by),
            "recapture_circumstances": e.recapture_circumstances,
            "readmitted_to": e.recapture_placement.cell.code if e.recapture_placement_id else None}


def _count_or_none(request: HttpRequest, pk: int | None) -> Count | None:
    return selectors.count_get(actor=actor(request), count_id=pk) if pk is not None else None


@router.get("/escapes", response={200: EscapePage, **errors(400, 401, 403)}, summary="Escapes and attempts")
def escapes(request: HttpRequest, query: Query[EscapeQuery]):
    qs = selectors.escape_list(actor=actor(request), kind=query.kind, at_large=query.at_large)
    return paginate(qs, query, lambda rows: [escape_dict(e) for e in rows])


@router.post("/escapes", response={201: EscapeOut, **errors(400, 401, 403, 404, 409)},
             summary="Record an escape: status escaped, placement closed, an incident")
def escape_create(request: HttpRequest, payload: EscapeIn):
    e = services.escape_record(actor=actor(request), person=_person(request, payload.inmate_number),
                               last_seen_at=payload.last_seen_at, circumstances=payload.circumstances,
                               count=_count_or_none(request, payload.count_id))
    return with_status(201, escape_dict(selectors.escape_get(actor=actor(request), escape_id=e.pk)))


@router.post("/escapes/attempts", response={201: list[EscapeOut], **errors(400, 401, 403, 404, 409)},
             summary="Record an escape attempt in which nobody got out")
def attempt_create(request: HttpRequest, payload: AttemptIn):
    people = [_person(request, n, "inmate_numbers") for n in payload.inmate_numbers]
    rows = services.escape_attempt_record(actor=actor(request), people=people, at=payload.at,
                                          circumstances=payload.circumstances,
                                          count=_count_or_none(request, payload.count_id))
    return with_status(201, [escape_dict(selectors.escape_get(actor=actor(request), escape_id=r.pk)) for r in rows])


@router.get("/escapes/{int:id}", response={200: EscapeOut, **errors(401, 404)}, summary="One escape or attempt")
def escape(request: HttpRequest, id: Id):
    return escape_dict(selectors.escape_get(actor=actor(request), escape_id=id))


@router.post("/escapes/{int:id}/recapture", response={200: EscapeOut, **errors(400, 401, 403, 404, 409)},
             summary="Recapture: re-admit into a new placement")
def recapture(request: HttpRequest, id: Id, payload: RecaptureIn):
    e = selectors.escape_get(actor=actor(request), escape_id=id)
    services.escape_recapture(actor=actor(request), person=e.person, cell_id=payload.cell_id, at=payload.at,
                              circumstances=payload.circumstances)
    return escape_dict(selectors.escape_get(actor=actor(request), escape_id=id))
