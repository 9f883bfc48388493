"""API: courses, the waiting list and enrolments, sessions and attendance, assessments, completion with a
credential. Education data only. See docs/education.md."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from emerald.accounts.models import User
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
from emerald.education import selectors, services
from emerald.education.models import Course, Enrolment, Session
from emerald.facilities.models import Unit
from emerald.people.visibility import person_ref
from emerald.relations.api import person_from_number

router = Router()

KindIn = Literal["ged_prep", "literacy", "vocational"]
StatusIn = Literal["pending", "approved", "declined", "enrolled", "suspended", "completed", "withdrawn", "ended"]


class CourseIn(In):
    code: Text
    name: Text
    kind: KindIn
    teacher: Text = Field(..., description="username of an educator")
    schedule: Text = Field(..., description="e.g. Mon/Wed/Fri 09:00–11:00")
    capacity: int = Field(..., ge=1, le=500)
    starts_on: IsoDate
    ends_on: IsoDate | None = None
    unit_id: Id | None = Field(None, description="where the class meets")
    credential: Text = Field("", description='what completion earns, e.g. "GED"')


class CourseOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    teacher: str | None
    schedule: str
    capacity: int
    seats_taken: int
    starts_on: date
    ends_on: date | None
    unit: str | None
    credential: str


class CoursePage(Schema):
    count: int
    items: list[CourseOut]


class ScoreOut(Schema):
    id: int
    taken_on: date
    title: str
    score: float
    max_score: float
    percent: float


class EnrolmentOut(Schema):
    id: int
    course: str = Field(..., description="course code")
    course_id: int
    person: PersonRef
    status: str
    requested_at: datetime
    requested_by: str | None
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str
    enrolled_at: datetime | None
    status_reason: str
    attendance_rate: int | None = Field(..., description="percent of sessions present (excused not counted)")
    sessions_present: int
    sessions_absent: int
    sessions_excused: int
    assessments: list[ScoreOut]
    credential: str | None


class EnrolmentPage(Schema):
    count: int
    items: list[EnrolmentOut]


class EducationSessionOut(Schema):
    id: int
    starts_at: datetime
    topic: str


class CourseFullOut(CourseOut):
    enrolments: list[EnrolmentOut]
    sessions: list[EducationSessionOut]


class RequestIn(In):
    person: Text = Field(..., description="inmate number")
    note: Text = ""


class EducationDecideIn(In):
    approve: bool
    reason: Text = ""


class EducationReasonIn(In):
    reason: Text


class EducationCompleteIn(In):
    credential: Text = Field("", description="default: the course's credential")
    awarded_on: IsoDate | None = None


class SessionIn(In):
    starts_at: IsoDateTime
    topic: Text = ""


class AttendanceRow(In):
    enrolment_id: Id
    status: Literal["present", "absent", "excused"]
    note: Text = ""


class AttendanceIn(In):
    records: list[AttendanceRow]


class AttendanceOut(Schema):
    session_id: int
    records: list[dict[str, Any]]


class AssessmentIn(In):
    taken_on: IsoDate
    title: Text
    score: float = Field(..., ge=0)
    max_score: float = Field(100, gt=0)


class EnrolmentQuery(PageQuery):
    person: Text = Field("", description="inmate number")
    course: Id | None = None
    status: StatusIn | None = None


# --------------------------------------------------------------------------- serialisation


def course_dict(c: Course) -> dict[str, Any]:
    return {"id": c.pk, "code": c.code, "name": c.name, "kind": c.kind, "teacher": username(c.teacher),
            "schedule": c.schedule, "capacity": c.capacity, "seats_taken": selectors.seats_taken(c),
            "starts_on": c.starts_on, "ends_on": c.ends_on, "unit": c.unit.code if c.unit_id else None,
            "credential": c.credential}


def enrolment_dict(e: Enrolment) -> dict[str, Any]:
    cred = getattr(e, "credential", None) if e.status == "completed" else None
    return {
        "id": e.pk, "course": e.course.code, "course_id": e.course_id, "person": person_ref(e.person),
        "status": e.status, "requested_at": e.requested_at, "requested_by": username(e.requested_by),
        "decided_by": username(e.decided_by), "decided_at": e.decided_at, "decision_reason": e.decision_reason,
        "enrolled_at": e.enrolled_at, "status_reason": e.status_reason,
        "attendance_rate": getattr(e, "attendance_rate", None), "sessions_present": getattr(e, "sessions_present", 0),
        "sessions_absent": getattr(e, "sessions_absent", 0), "sessions_excused": getattr(e, "sessions_excused", 0),
        "assessments": [{"id": a.pk, "taken_on": a.taken_on, "title": a.title, "score": float(a.score),
                         "max_score": float(a.max_score), "percent": round(a.percent, 1)}
                        for a in getattr(e, "assessment_list", [])],
        "credential": cred.name if cred else None,
    }


def _fresh(request: HttpRequest, e: Enrolment) -> dict[str, Any]:
    return enrolment_dict(selectors.enrolment_get(actor=actor(request), enrolment_id=e.pk))


def _enrolment(request: HttpRequest, id: int) -> Enrolment:
    return selectors.enrolment_get(actor=actor(request), enrolment_id=id)


# --------------------------------------------------------------------------- routes


@router.get("/courses", response={200: CoursePage, **errors(400, 401, 403)}, summary="Courses")
def course_list(request: HttpRequest, query: Query[PageQuery]):
    return paginate(selectors.course_list(actor=actor(request)), query, lambda rows: [course_dict(c) for c in rows])


@router.post("/courses", response={201: CourseOut, **errors(400, 401, 403)}, summary="Create a course")
def course_create(request: HttpRequest, payload: CourseIn):
    data = payload.dict()
    teacher = User.objects.filter(username=data.pop("teacher"), is_active=True).first()
    unit_id = data.pop("unit_id")
    unit = Unit.objects.filter(pk=unit_id).first() if unit_id else None
    if unit_id and unit is None:
        raise Invalid(_("Some fields need correcting."), fields={"unit_id": [_("No such unit.")]})
    course = services.course_create(actor=actor(request), teacher=teacher, unit=unit, **data)
    return with_status(201, course_dict(course))


@router.get("/courses/{int:id}", response={200: CourseFullOut, **errors(401, 404)},
            summary="One course with its enrolments, attendance and scores")
def course_detail(request: HttpRequest, id: Id):
    course = selectors.course_get(actor=actor(request), course_id=id)
    rows = selectors.enrolments_of_course(actor=actor(request), course=course)
    return {**course_dict(course), "enrolments": [enrolment_dict(e) for e in rows],
            "sessions": [{"id": s.pk, "starts_at": s.starts_at, "topic": s.topic}
                         for s in selectors.sessions_of(course)]}


@router.post("/courses/{int:id}/requests", response={201: EnrolmentOut, **errors(400, 401, 403, 404, 409)},
             summary="Put a person on the waiting list")
def enrolment_request(request: HttpRequest, id: Id, payload: RequestIn):
    """409 ``already_exists`` (already on the list or in the class), ``not_in_custody``."""
    course = selectors.course_get(actor=actor(request), course_id=id)
    person = person_from_number(request, payload.person, "person")
    e = services.enrolment_request(actor=actor(request), course=course, person=person, note=payload.note)
    return with_status(201, _fresh(request, e))


@router.post("/courses/{int:id}/sessions", response={201: EducationSessionOut, **errors(400, 401, 403, 404, 409)},
             summary="Schedule a session")
def session_create(request: HttpRequest, id: Id, payload: SessionIn):
    course = selectors.course_get(actor=actor(request), course_id=id)
    s = services.session_create(actor=actor(request), course=course, starts_at=payload.starts_at,
                                topic=payload.topic)
    return with_status(201, {"id": s.pk, "starts_at": s.starts_at, "topic": s.topic})


@router.post("/sessions/{int:id}/attendance", response={200: AttendanceOut, **errors(400, 401, 403, 404)},
             summary="Record attendance at a session")
def attendance_record(request: HttpRequest, id: Id, payload: AttendanceIn):
    """``records``: [{"enrolment_id", "status" (present / absent / excused), "note"?}]; a second record of a
    student corrects the first."""
    session: Session = selectors.session_get(actor=actor(request), session_id=id)
    rows = services.attendance_record(actor=actor(request), session=session,
                                      records=[r.dict() for r in payload.records])
    return {"session_id": session.pk,
            "records": [{"enrolment_id": a.enrolment_id, "status": a.status, "note": a.note} for a in rows]}


@router.get("/enrolments", response={200: EnrolmentPage, **errors(400, 401, 403)}, summary="Enrolments")
def enrolment_list(request: HttpRequest, query: Query[EnrolmentQuery]):
    person = person_from_number(request, query.person, "person") if query.person else None
    course = selectors.course_get(actor=actor(request), course_id=query.course) if query.course else None
    qs = selectors.enrolment_list(actor=actor(request), person=person, course=course, status=query.status or "")

    def serialize(rows: list[Enrolment]) -> list[dict[str, Any]]:
        selectors._decorate(rows)
        return [enrolment_dict(e) for e in rows]

    return paginate(qs, query, serialize)


@router.get("/enrolments/{int:id}", response={200: EnrolmentOut, **errors(401, 404)},
            summary="One enrolment with attendance and scores over time")
def enrolment_detail(request: HttpRequest, id: Id):
    return enrolment_dict(_enrolment(request, id))


@router.post("/enrolments/{int:id}/decision", response={200: EnrolmentOut, **errors(400, 401, 403, 404, 409)},
             summary="Approve or decline a waiting-list request")
def enrolment_decide(request: HttpRequest, id: Id, payload: EducationDecideIn):
    """Declining needs a ``reason``; 409 ``invalid_transition`` unless pending."""
    e = services.enrolment_decide(actor=actor(request), enrolment=_enrolment(request, id), approve=payload.approve,
                                  reason=payload.reason)
    return _fresh(request, e)


@router.post("/enrolments/{int:id}/enrol", response={200: EnrolmentOut, **errors(401, 403, 404, 409)},
             summary="Give an approved person a place")
def enrolment_enrol(request: HttpRequest, id: Id):
    """409 ``course_full`` when every place is taken."""
    return _fresh(request, services.enrolment_enrol(actor=actor(request), enrolment=_enrolment(request, id)))


@router.post("/enrolments/{int:id}/suspend", response={200: EnrolmentOut, **errors(400, 401, 403, 404, 409)},
             summary="Suspend an enrolled student")
def enrolment_suspend(request: HttpRequest, id: Id, payload: EducationReasonIn):
    return _fresh(request, services.enrolment_suspend(actor=actor(request), enrolment=_enrolment(request, id),
                                                      reason=payload.reason))


@router.post("/enrolments/{int:id}/resume", response={200: EnrolmentOut, **errors(401, 403, 404, 409)},
             summary="Take a suspended student back")
def enrolment_resume(request: HttpRequest, id: Id):
    return _fresh(request, services.enrolment_resume(actor=actor(request), enrolment=_enrolment(request, id)))


@router.post("/enrolments/{int:id}/withdraw", response={200: EnrolmentOut, **errors(400, 401, 403, 404, 409)},
             summary="Withdraw from the list or the class")
def enrolment_withdraw(request: HttpRequest, id: Id, payload: EducationReasonIn):
    return _fresh(request, services.enrolment_withdraw(actor=actor(request), enrolment=_enrolment(request, id),
                                                       reason=payload.reason))


@router.post("/enrolments/{int:id}/complete", response={200: EnrolmentOut, **errors(400, 401, 403, 404, 409)},
             summary="Complete with a credential")
def enrolment_complete(request: HttpRequest, id: Id, payload: EducationCompleteIn):
    e = _enrolment(request, id)
    services.enrolment_complete(actor=actor(request), enrolment=e, credential=payload.credential,
                                awarded_on=payload.awarded_on)
    return _fresh(request, e)


@router.post("/enrolments/{int:id}/assessments", response={201: ScoreOut, **errors(400, 401, 403, 404, 409)},
             summary="Record a score")
def assessment_create(request: HttpRequest, id: Id, payload: AssessmentIn):
    """409 ``not_enrolled`` unless the student is enrolled."""
    a = services.assessment_record(actor=actor(request), enrolment=_enrolment(request, id), taken_on=payload.taken_on,
                                   title=payload.title, score=payload.score, max_score=payload.max_score)
    return with_status(201, {"id": a.pk, "taken_on": a.taken_on, "title": a.title, "score": float(a.score),
                             "max_score": float(a.max_score), "percent": round(a.percent, 1)})

