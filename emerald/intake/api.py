"""API: reception. Candidates for a returning person, intakes (start, classify, screen, housing preview,
admit, cancel) and reassessment tasks. See docs/intake.md."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from emerald.core.api_support import (
    Id,
    In,
    IsoDate,
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
from emerald.facilities.models import Facility
from emerald.housing.visibility import reason_code
from emerald.intake import scoring, selectors, services
from emerald.intake.models import Intake, ReassessmentTask
from emerald.people.visibility import person_ref
from emerald.relations.api import person_from_number

router = Router()

Level = Literal["minimum", "medium", "maximum"]
BuildIn = Literal["slight", "average", "heavy"]


class ClassificationIn(In):
    offence_severity: Literal["minor", "moderate", "serious", "very_serious"]
    violence_history: Literal["none", "minor", "serious"]
    escape_history: Literal["none", "walkaway", "secure"]
    sentence_length: Literal["under_1y", "1_to_5y", "5_to_15y", "over_15y"]
    institutional_behaviour: Literal["none", "minor", "serious"]
    age: Literal["35_plus", "25_to_34", "under_25"] | None = Field(
        None, description="ignored when the date of birth is known (it decides)")
    override_level: Level | None = Field(None, description="administrators, wardens, unit managers")
    override_reason: Text = ""


class ScreeningIn(In):
    build: BuildIn
    prior_victimisation: bool = False
    lgbti_disclosed: bool = Field(False, description="only what the person chose to disclose")
    mental_health: bool = False
    staff_concern: Text = ""
    first_time: bool | None = Field(None, description="default: no earlier stay in Emerald")


class NewPersonIn(In):
    inmate_number: Text = Field("", description="empty: the next number of this year's series")
    first_name: Text
    last_name: Text
    sex: Literal["male", "female"]
    date_of_birth: IsoDate | None = None
    gender_identity: Text = ""
    aliases: list[Text] = Field(default_factory=list)
    custody_level: Level = Field("maximum", description="until classified")


class IntakeIn(In):
    facility: Text = Field(..., description="facility code")
    person: Text = Field("", description="inmate number of a known (returning) person")
    new_person: NewPersonIn | None = None
    confirm_new: bool = Field(False, description="the candidates were checked: this is a new person")
    candidates_seen: list[Text] = Field(default_factory=list, description="inmate numbers staff ruled out")


class AdmitIn(In):
    cell_id: Id
    reason: Text = ""
    override_reason: Text = ""


class CancelIn(In):
    reason: Text


class TaskDoneIn(ClassificationIn):
    build: BuildIn
    prior_victimisation: bool = False
    lgbti_disclosed: bool = False
    mental_health: bool = False
    staff_concern: Text = ""
    notes: Text = ""


class CandidateQuery(Schema):
    first_name: Text = ""
    last_name: Text = ""
    date_of_birth: IsoDate | None = None
    inmate_number: Text = ""
    alias: Text = ""


class CandidateOut(Schema):
    person: PersonRef
    date_of_birth: date | None
    status: str
    why: list[str] = Field(..., description="number / name / alias / date_of_birth")


class CandidatesOut(Schema):
    items: list[CandidateOut]


class FactorOut(Schema):
    factor: str
    answer: str
    points: int


class ClassificationOut(Schema):
    id: int
    factors: list[FactorOut]
    total_points: int
    scored_level: str
    override_level: str
    override_reason: str
    level: str
    decided_by: str | None
    decided_at: datetime


class VulnerabilityOut(Schema):
    vulnerable: bool
    screened_at: datetime
    reasons: list[str] | None = Field(..., description="only for roles allowed to see them, and the screener")


class IntakeOut(Schema):
    id: int
    person: PersonRef
    facility: str
    returning: bool
    status: str = Field(..., description="open / admitted / cancelled")
    started_by: str | None
    started_at: datetime
    classification: ClassificationOut | None
    vulnerability: VulnerabilityOut | None = Field(..., description="null for roles that may not see it")
    cell: str | None
    completed_at: datetime | None
    cancel_reason: str
    sealed_matches: list[PersonRef] = Field(
        default_factory=list, description="sealed records with the arrival's name and date of birth, for readers "
        "who may see sealed records only (the receiving officer could not see them)")


class IntakePage(Schema):
    count: int
    items: list[IntakeOut]


class IntakeQuery(PageQuery):
    status: Literal["open", "admitted", "cancelled"] | None = None


class ConnectionOut(Schema):
    person: PersonRef
    kind: str
    detail: str
    cell: str
    unit: str


class IntakeOrderOut(Schema):
    non_association_id: int
    other: PersonRef
    scope: str
    reason: str
    cell: str | None
    unit: str | None


class GroupMemberOut(Schema):
    person: PersonRef
    cell: str
    role: str


class UnitGroupOut(Schema):
    group: str
    stance: str = Field(..., description="own / rival / other (to the arrival's groups)")
    members: list[GroupMemberOut]


class UnitGroupsOut(Schema):
    unit: str
    groups: list[UnitGroupOut]


class SuggestionOut(Schema):
    rank: int
    cell_id: int
    cell: str
    unit: str
    cost: int
    reasons: list[str]
    warnings: list[str] = Field(..., description="group warnings (never refusals)")


class HousingOut(Schema):
    connections: list[ConnectionOut] = Field(..., description="relatives, co-defendants, associates, enemies in custody")
    keep_apart: list[IntakeOrderOut]
    groups: list[str] = Field(..., description="the arrival's own groups, as 'name (role)'")
    unit_groups: list[UnitGroupsOut]
    cells: list[SuggestionOut] = Field(..., description="ranked safe cells, best first")
    none_reason: str
    vulnerable: bool | None


class HousingQuery(Schema):
    unit: Id | None = Field(None, description="target unit id: only its cells")


class TaskOut(Schema):
    id: int
    person: PersonRef
    trigger: str = Field(..., description="intake / incident")
    incident_id: int | None = Field(..., description="null unless the caller may see the incident")
    due_at: datetime
    status: str
    completed_by: str | None
    completed_at: datetime | None
    level: str | None


class TaskPage(Schema):
    count: int
    items: list[TaskOut]


class TaskQuery(PageQuery):
    status: Literal["open", "done"] | None = "open"


# --------------------------------------------------------------------------- serialisation


def classification_dict(c: Any) -> dict[str, Any] | None:
    if c is None:
        return None
    return {"id": c.pk, "factors": c.factors, "total_points": c.total_points, "scored_level": c.scored_level,
            "override_level": c.override_level, "override_reason": c.override_reason, "level": c.level,
            "decided_by": username(c.decided_by), "decided_at": c.decided_at}


def vulnerability_dict(v: dict[str, Any] | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {"vulnerable": v["vulnerable"], "screened_at": v["screened_at"],
            "reasons": [str(r) for r in v["reasons"]] if v["reasons"] is not None else None}


def intake_dict(request: HttpRequest, i: Intake) -> dict[str, Any]:
    c = i.classifications.order_by("-decided_at", "-id").first()
    return {
        "id": i.pk, "person": person_ref(i.person), "facility": i.facility.code, "returning": i.returning,
        "status": i.status, "started_by": username(i.started_by), "started_at": i.started_at,
        "classification": classification_dict(c),
        "vulnerability": vulnerability_dict(selectors.vulnerability_of(actor=actor(request), person=i.person,
                                                                       channel="api")),
        "cell": i.placement.cell.code if i.placement_id else None, "completed_at": i.completed_at,
        "cancel_reason": i.cancel_reason,
        "sealed_matches": [person_ref(p) for p in selectors.hidden_matches_of(actor=actor(request), intake=i)],
    }


def task_dict(request: HttpRequest, t: ReassessmentTask) -> dict[str, Any]:
    return {"id": t.pk, "person": person_ref(t.person), "trigger": t.trigger,
            "incident_id": t.incident_id if selectors.task_incident_visible(actor(request), t) else None,
            "due_at": t.due_at, "status": t.status, "completed_by": username(t.completed_by),
            "completed_at": t.completed_at, "level": t.classification.level if t.classification_id else None}


def _answers(payload: ClassificationIn) -> dict[str, str]:
    data = payload.dict()
    return {k: data[k] for k in scoring.FACTORS if data.get(k)}


# --------------------------------------------------------------------------- routes


@router.get("/candidates", response={200: CandidatesOut, **errors(400, 401, 403)},
            summary="Known people who may be this arrival")
def candidates(request: HttpRequest, query: Query[CandidateQuery]):
    """By inmate number, name, alias and date of birth, strongest first. Ask before creating a new record."""
    from emerald.core.access import require_list

    require_list(actor(request), "intake.conduct", "intake")
    rows = selectors.returning_candidates(
        actor=actor(request), first_name=query.first_name, last_name=query.last_name,
        date_of_birth=query.date_of_birth, inmate_number=query.inmate_number,
        aliases=[query.alias] if query.alias else [])
    return {"items": [{"person": person_ref(r["person"]), "date_of_birth": r["person"].date_of_birth,
                       "status": r["person"].status, "why": r["why"]} for r in rows]}


@router.get("", response={200: IntakePage, **errors(400, 401, 403)}, summary="Intakes")
def intake_list(request: HttpRequest, query: Query[IntakeQuery]):
    qs = selectors.intake_list(actor=actor(request), status=query.status or "")
    return paginate(qs, query, lambda rows: [intake_dict(request, i) for i in rows])


@router.post("", response={201: IntakeOut, **errors(400, 401, 403, 409)}, summary="Start an intake")
def intake_start(request: HttpRequest, payload: IntakeIn):
    """``person`` (returning) or ``new_person``. 409 ``duplicate_person`` (same name or alias and date of
    birth as a known record), ``confirm_new`` (check the candidates first), ``not_in_custody`` (already in
    custody), ``already_exists`` (an intake in progress)."""
    facility = Facility.objects.filter(code__iexact=payload.facility.strip().upper()).first()
    if facility is None:
        raise Invalid(_("Some fields need correcting."), fields={"facility": [_("No such facility.")]})
    person = person_from_number(request, payload.person, "person") if payload.person else None
    new_person = payload.new_person.dict() if payload.new_person is not None else None
    intake = services.intake_start(actor=actor(request), facility=facility, person=person, new_person=new_person,
                                   confirm_new=payload.confirm_new, candidates_seen=payload.candidates_seen)
    return with_status(201, intake_dict(request, intake))


@router.get("/tasks", response={200: TaskPage, **errors(400, 401, 403)}, summary="Reassessment tasks")
def task_list(request: HttpRequest, query: Query[TaskQuery]):
    """Open tasks by due time (``status=done`` for completed ones)."""
    qs = selectors.task_list(actor=actor(request), status=query.status or "")
    return paginate(qs, query, lambda rows: [task_dict(request, t) for t in rows])


@router.post("/tasks/{int:id}/complete", response={200: TaskOut, **errors(400, 401, 403, 404, 409)},
             summary="Complete a reassessment")
def task_complete(request: HttpRequest, id: Id, payload: TaskDoneIn):
    """A new classification and screening; 409 ``already_closed``."""
    task = selectors.task_get(actor=actor(request), task_id=id)
    data = payload.dict()
    task = services.reassessment_complete(
        actor=actor(request), task=task, answers=_answers(payload), build=data["build"],
        prior_victimisation=data["prior_victimisation"], lgbti_disclosed=data["lgbti_disclosed"],
        mental_health=data["mental_health"], staff_concern=data["staff_concern"],
        override_level=data.get("override_level") or "", override_reason=data["override_reason"],
        notes=data["notes"])
    return task_dict(request, task)


@router.get("/{int:id}", response={200: IntakeOut, **errors(401, 404)}, summary="One intake")
def intake_detail(request: HttpRequest, id: Id):
    return intake_dict(request, selectors.intake_get(actor=actor(request), intake_id=id))


@router.post("/{int:id}/classification", response={201: ClassificationOut, **errors(400, 401, 403, 404, 409)},
             summary="Classify (points-based)")
def intake_classification(request: HttpRequest, id: Id, payload: ClassificationIn):
    """The points of each factor and the level; ``override_level`` needs ``override_reason`` (and the right
    to override)."""
    intake = selectors.intake_get(actor=actor(request), intake_id=id)
    c = services.intake_classify(actor=actor(request), intake=intake, answers=_answers(payload),
                                 override_level=payload.override_level or "",
                                 override_reason=payload.override_reason)
    return with_status(201, classification_dict(c))


@router.post("/{int:id}/screening", response={201: VulnerabilityOut, **errors(400, 401, 403, 404, 409)},
             summary="Vulnerability screening")
def intake_screening(request: HttpRequest, id: Id, payload: ScreeningIn):
    intake = selectors.intake_get(actor=actor(request), intake_id=id)
    s = services.intake_screen(actor=actor(request), intake=intake, **payload.dict())
    return with_status(201, {"vulnerable": s.vulnerable, "screened_at": s.screened_at,
                             "reasons": [str(r) for r in scoring.reason_labels(s.reasons)]})


@router.get("/{int:id}/housing", response={200: HousingOut, **errors(400, 401, 404)},
            summary="What to know before choosing a cell")
def intake_housing(request: HttpRequest, id: Id, query: Query[HousingQuery]):
    """Relatives and associates in custody, enemies and keep-apart orders, groups in the target unit(s), and
    the ranked safe cells (housing optimiser) with reasons and group warnings."""
    intake = selectors.intake_get(actor=actor(request), intake_id=id)
    p = selectors.housing_preview(actor=actor(request), intake=intake, unit_id=query.unit)
    return {
        "connections": [{"person": person_ref(c["person"]), "kind": c["kind"], "detail": c["detail"],
                         "cell": c["cell"], "unit": c["unit"]} for c in p["connections"]],
        "keep_apart": [{"non_association_id": o["order"].pk, "other": person_ref(o["person"]),
                        "scope": o["order"].scope, "reason": reason_code(o["order"]), "cell": o["cell"], "unit": o["unit"]}
                       for o in p["keep_apart"]],
        "groups": [f"{m.group.name} ({m.role})" for m in p["groups"]],
        "unit_groups": [{"unit": ug["unit"].code, "groups": [
            {"group": g["group"].name, "stance": g["stance"],
             "members": [{"person": person_ref(m["person"]), "cell": m["cell"], "role": m["role"]}
                         for m in g["members"]]} for g in ug["groups"]]} for ug in p["unit_groups"]],
        "cells": [{"rank": c["rank"], "cell_id": c["cell_id"], "cell": c["cell"], "unit": c["unit"],
                   "cost": c["cost"], "reasons": c["reasons"], "warnings": c["warnings"]} for c in p["cells"]],
        "none_reason": p["none_reason"],
        "vulnerable": p["vulnerability"]["vulnerable"] if p["vulnerability"] else None,
    }


@router.post("/{int:id}/admission", response={201: IntakeOut, **errors(400, 401, 403, 404, 409)},
             summary="Admit into the chosen cell")
def intake_admission(request: HttpRequest, id: Id, payload: AdmitIn):
    """Through the housing service (409 ``keep_apart``, ``cell_full``...); 409 ``steps_missing`` before the
    classification and screening. Opens the 72-hour reassessment."""
    intake = selectors.intake_get(actor=actor(request), intake_id=id)
    services.intake_admit(actor=actor(request), intake=intake, cell_id=payload.cell_id, reason=payload.reason,
                          override_reason=payload.override_reason)
    return with_status(201, intake_dict(request, selectors.intake_get(actor=actor(request), intake_id=id)))


@router.post("/{int:id}/cancel", response={200: IntakeOut, **errors(400, 401, 403, 404, 409)},
             summary="Cancel an intake in progress")
def intake_cancel(request: HttpRequest, id: Id, payload: CancelIn):
    intake = selectors.intake_get(actor=actor(request), intake_id=id)
    intake = services.intake_cancel(actor=actor(request), intake=intake, reason=payload.reason)
    return intake_dict(request, intake)

