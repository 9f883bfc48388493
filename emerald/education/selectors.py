"""Permission-filtered reads of education: courses, the teacher's class list, enrolments with attendance and
progress. Nothing here reads housing or security data."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import QuerySet

from emerald.accounts.models import Role
from emerald.accounts.permissions import allowed, role_of
from emerald.core.access import deny_read, require_list
from emerald.education.models import (
    ACTIVE_STATUSES,
    SEATED_STATUSES,
    Assessment,
    Attendance,
    AttendanceStatus,
    Course,
    Enrolment,
    EnrolmentStatus,
    Session,
)
from emerald.people.models import Person
from emerald.people.selectors import people_visible_to


def _pk(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def course_list(*, actor: Any) -> QuerySet[Course]:
    require_list(actor, "education.view", "course")
    return Course.objects.select_related("teacher", "unit").order_by("-starts_on", "code")


def course_get(*, actor: Any, course_id: Any) -> Course:
    pk = _pk(course_id)
    course = (Course.objects.select_related("teacher", "unit").filter(pk=pk).first()
              if pk is not None and allowed(actor, "education.view") else None)
    if course is None:
        raise deny_read(actor, "education.view", "course", course_id)
    return course


def may_teach(actor: Any, course: Course) -> bool:
    """Whether the actor runs this course's class (its teacher, or an administrator or warden)."""
    if not allowed(actor, "education.record"):
        return False
    return role_of(actor) != Role.EDUCATOR or course.teacher_id == getattr(actor, "pk", None)


def may_decide(actor: Any, course: Course) -> bool:
    if not allowed(actor, "enrolment.decide"):
        return False
    return role_of(actor) != Role.EDUCATOR or course.teacher_id == getattr(actor, "pk", None)


def seats_taken(course: Course) -> int:
    return Enrolment.objects.filter(course=course, status__in=SEATED_STATUSES).count()


def enrolments_of_course(*, actor: Any, course: Course) -> list[Enrolment]:
    """Every enrolment of a course (the waiting list too), with ``attendance_rate``, ``latest_score``
    and ``scores`` (percent, oldest first) set on each."""
    require_list(actor, "education.view", "enrolment")
    rows = list(Enrolment.objects.filter(course=course, person__in=people_visible_to(actor))
                .select_related("person", "decided_by").order_by("person__last_name", "person__first_name", "id"))
    _decorate(rows)
    return rows


def _decorate(rows: list[Enrolment]) -> None:
    ids = [e.pk for e in rows]
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for eid, status in Attendance.objects.filter(enrolment_id__in=ids).values_list("enrolment_id", "status"):
        counts[eid][status] += 1
    scores: dict[int, list[Assessment]] = defaultdict(list)
    for a in Assessment.objects.filter(enrolment_id__in=ids).order_by("taken_on", "id"):
        scores[a.enrolment_id].append(a)
    for e in rows:
        c = counts[e.pk]
        counted = c[AttendanceStatus.PRESENT] + c[AttendanceStatus.ABSENT]
        e.sessions_present = c[AttendanceStatus.PRESENT]  # type: ignore[attr-defined]
        e.sessions_absent = c[AttendanceStatus.ABSENT]  # type: ignore[attr-defined]
        e.sessions_excused = c[AttendanceStatus.EXCUSED]  # type: ignore[attr-defined]
        e.attendance_rate = (round(100 * c[AttendanceStatus.PRESENT] / counted)  # type: ignore[attr-defined]
                             if counted else None)
        e.assessment_list = scores[e.pk]  # type: ignore[attr-defined]
        e.latest_score = scores[e.pk][-1] if scores[e.pk] else None  # type: ignore[attr-defined]


def enrolment_get(*, actor: Any, enrolment_id: Any) -> Enrolment:
    pk = _pk(enrolment_id)
    e = (Enrolment.objects.select_related("course", "course__teacher", "person").filter(
        pk=pk, person__in=people_visible_to(actor)).first()
        if pk is not None and allowed(actor, "education.view") else None)
    if e is None:
        raise deny_read(actor, "education.view", "enrolment", enrolment_id)
    _decorate([e])
    return e


def enrolments_of_person(*, actor: Any, person: Person) -> list[Enrolment]:
    if not allowed(actor, "education.view"):
        return []
    rows = list(Enrolment.objects.filter(person=person).select_related("course", "course__teacher")
                .order_by("-requested_at", "-id"))
    _decorate(rows)
    return rows


def enrolment_list(*, actor: Any, person: Person | None = None, course: Course | None = None,
                   status: str = "") -> QuerySet[Enrolment]:
    require_list(actor, "education.view", "enrolment")
    qs = Enrolment.objects.select_related("course", "person").filter(person__in=people_visible_to(actor))
    if person is not None:
        qs = qs.filter(person=person)
    if course is not None:
        qs = qs.filter(course=course)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-requested_at", "-id")


def sessions_of(course: Course) -> QuerySet[Session]:
    return course.sessions.order_by("starts_at")


def session_get(*, actor: Any, session_id: Any) -> Session:
    pk = _pk(session_id)
    s = (Session.objects.select_related("course", "course__teacher").filter(pk=pk).first()
         if pk is not None and allowed(actor, "education.view") else None)
    if s is None:
        raise deny_read(actor, "education.view", "session", session_id)
    return s


def attendance_of(session: Session) -> dict[int, Attendance]:
    return {a.enrolment_id: a for a in session.attendance.all()}


def class_list(*, actor: Any) -> list[dict[str, Any]]:
    """The teacher's class list: each course they teach (every course, for administrators and wardens)
    with its enrolled and suspended students, attendance rate and latest score, and the waiting list."""
    require_list(actor, "education.record", "course")
    courses = Course.objects.select_related("teacher", "unit").order_by("-starts_on", "code")
    if role_of(actor) == Role.EDUCATOR:
        courses = courses.filter(teacher=actor)
    out = []
    for course in courses:
        rows = enrolments_of_course(actor=actor, course=course)
        out.append({
            "course": course,
            "students": [e for e in rows if e.status in SEATED_STATUSES],
            "waiting": [e for e in rows if e.status in (EnrolmentStatus.PENDING, EnrolmentStatus.APPROVED)],
            "seats_taken": sum(1 for e in rows if e.status in SEATED_STATUSES),
        })
    return out


def is_active(e: Enrolment) -> bool:
    return e.status in ACTIVE_STATUSES


# --------------------------------------------------------------------------- the housing optimiser


def planning_traits(person_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For emerald.planning: ``course_unit``, the unit of the course a student is enrolled in (the first)."""
    traits: dict[int, dict[str, Any]] = {}
    for pid, unit_id in (Enrolment.objects.filter(person_id__in=person_ids, status=EnrolmentStatus.ENROLLED,
                                                  course__unit__isnull=False)
                         .order_by("person_id", "enrolled_at").values_list("person_id", "course__unit_id")):
        traits.setdefault(pid, {"course_unit": unit_id})
    return traits
