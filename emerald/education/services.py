"""Writes of education: courses, the waiting list and enrolments, sessions, attendance, assessments and
credentials; and the automatic suspension or end of enrolments when a student's custody changes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from emerald.accounts.models import Role
from emerald.accounts.permissions import role_of
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import forbid, require
from emerald.core.errors import Conflict, Invalid, field_error
from emerald.core.services import require_text, service
from emerald.education.models import (
    ACTIVE_STATUSES,
    SEATED_STATUSES,
    Assessment,
    Attendance,
    AttendanceStatus,
    Course,
    CourseKind,
    Credential,
    Enrolment,
    EnrolmentStatus,
    Session,
)
from emerald.facilities.models import Unit, UnitKind
from emerald.people.models import Person, PersonStatus, ReleaseKind

#: Shown to teachers: why a student left the class, without the security reason behind it.
AUTO_SUSPENDED = "Suspended automatically: the student is no longer available for class."
AUTO_ENDED = "Ended automatically: the student left custody."


def _teaches(actor: Any, course: Course, object_type: str, object_id: Any) -> None:
    """Educators act only on the courses they teach; administrators and wardens on every course."""
    if role_of(actor) == Role.EDUCATOR and course.teacher_id != getattr(actor, "pk", None):
        raise forbid(object_type, object_id, _("Only the course's teacher may do this."))


def _lock_enrolment(enrolment: Enrolment) -> Enrolment:
    return Enrolment.objects.select_for_update().select_related("course", "person").get(pk=enrolment.pk)


def _transition(e: Enrolment, to: str, allowed_from: tuple[str, ...]) -> None:
    if e.status not in allowed_from:
        raise Conflict(_("An enrolment that is %(status)s cannot become %(to)s.")
                       % {"status": e.get_status_display(), "to": EnrolmentStatus(to).label},
                       code="invalid_transition", extra={"status": e.status})


def _label(e: Enrolment) -> str:
    return f"enrolment #{e.pk} of {e.person.inmate_number} in {e.course.code}"


def _set_status(actor: Any, e: Enrolment, to: str, reason: str, action: str, verb: str,
                suffix: str = "") -> Enrolment:
    before = e.status
    now = clock.now()
    if e.decided_at is None:
        # Leaving the waiting list any other way (withdrawn, ended on release) is a decision too.
        e.decided_by, e.decided_at = actor, now
    e.status, e.status_changed_at, e.status_reason = to, now, reason
    if to in (EnrolmentStatus.COMPLETED, EnrolmentStatus.WITHDRAWN, EnrolmentStatus.ENDED):
        e.finished_at = now
    e.save(update_fields=["status", "status_changed_at", "status_reason", "finished_at", "decided_by",
                          "decided_at"])
    audit.record(actor=actor, action=action, object_type="enrolment", object_id=e.pk,
                 changes={"status": [before, to], "reason": reason}, summary=f"{verb} {_label(e)}{suffix}")
    return e


# --------------------------------------------------------------------------- courses


@service("course.create")
def course_create(
    *, actor: Any, code: str, name: str, kind: str, teacher: Any, schedule: str, capacity: int, starts_on: date,
    ends_on: date | None = None, unit: Unit | None = None, credential: str = "",
) -> Course:
    """Create a course with its teacher, schedule and capacity. An educator creates courses they teach."""
    require(actor, "course.manage", "course", "")
    errors: dict[str, list[str]] = {}
    code = " ".join(str(code or "").split()).upper()
    name = " ".join(str(name or "").split())
    schedule = " ".join(str(schedule or "").split())
    credential = " ".join(str(credential or "").split())
    if not code or len(code) > 20:
        errors["code"] = [_("A code of at most 20 characters is required.")]
    elif Course.objects.filter(code=code).exists():
        errors["code"] = [_("A course with this code exists.")]
    if not name or len(name) > 200:
        errors["name"] = [_("A name of at most 200 characters is required.")]
    if kind not in CourseKind.values:
        errors["kind"] = [_("Choose GED preparation, literacy or vocational.")]
    if not schedule or len(schedule) > 200:
        errors["schedule"] = [_("Give the schedule, e.g. Mon/Wed/Fri 09:00–11:00.")]
    if len(credential) > 100:
        errors["credential"] = [_("At most %(n)d characters.") % {"n": 100}]
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= 500:
        errors["capacity"] = [_("Between 1 and 500 students.")]
    if teacher is None or role_of(teacher) != Role.EDUCATOR:
        errors["teacher"] = [_("The teacher must be a member of the education staff.")]
    elif role_of(actor) == Role.EDUCATOR and teacher.pk != actor.pk:
        errors["teacher"] = [_("You may create courses that you teach.")]
    if not isinstance(starts_on, date):
        errors["starts_on"] = [_("Enter a date as YYYY-MM-DD.")]
    elif ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("The course cannot end before it starts.")]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    course = Course.objects.create(code=code, name=name, kind=kind, teacher=teacher, unit=unit, schedule=schedule,
                                   capacity=capacity, starts_on=starts_on, ends_on=ends_on, credential=credential,
                                   created_by=actor, created_at=clock.now())
    audit.record(actor=actor, action="course.create", object_type="course", object_id=course.pk,
                 changes={"code": code, "name": name, "kind": kind, "teacher": teacher.username,
                          "capacity": capacity, "schedule": schedule, "starts_on": starts_on,
                          "unit": unit.code if unit else None},
                 summary=f"created course {code} ({name}) taught by {teacher.username}")
    return course


# --------------------------------------------------------------------------- waiting list and enrolment


@service("enrolment.request")
def enrolment_request(*, actor: Any, course: Course, person: Person, note: str = "") -> Enrolment:
    """Put a person in custody on a course's waiting list (pending)."""
    require(actor, "enrolment.request", "course", course.pk)
    if len(note or "") > 2000:
        raise field_error("note", _("At most %(n)d characters.") % {"n": 2000})
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.status != PersonStatus.IN_CUSTODY:
        raise Conflict(_("%(name)s is not in custody.") % {"name": person.full_name}, code="not_in_custody")
    existing = Enrolment.objects.filter(course=course, person=person, status__in=ACTIVE_STATUSES).first()
    if existing is not None:
        raise Conflict(_("%(name)s is already on this course (%(status)s).")
                       % {"name": person.full_name, "status": existing.get_status_display()},
                       code="already_exists", extra={"enrolment_id": existing.pk})
    e = Enrolment.objects.create(course=course, person=person, requested_by=actor, requested_at=clock.now(),
                                 request_note=(note or "").strip())
    audit.record(actor=actor, action="enrolment.request", object_type="enrolment", object_id=e.pk,
                 changes={"course": course.code, "person": person.inmate_number},
                 summary=f"put {person.inmate_number} on the waiting list of {course.code}")
    return e


@service("enrolment.decide")
def enrolment_decide(*, actor: Any, enrolment: Enrolment, approve: bool, reason: str = "") -> Enrolment:
    """Approve (the person waits for a place) or decline (with a reason) a pending request."""
    require(actor, "enrolment.decide", "enrolment", enrolment.pk)
    e = _lock_enrolment(enrolment)
    _teaches(actor, e.course, "enrolment", e.pk)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise field_error("reason", _("A declined request needs a reason."))
    _transition(e, EnrolmentStatus.APPROVED if approve else EnrolmentStatus.DECLINED, (EnrolmentStatus.PENDING,))
    e.decided_by, e.decided_at, e.decision_reason = actor, clock.now(), reason
    e.save(update_fields=["decided_by", "decided_at", "decision_reason"])
    to = EnrolmentStatus.APPROVED if approve else EnrolmentStatus.DECLINED
    return _set_status(actor, e, to, reason, "enrolment.decide", "approved" if approve else "declined")


@service("enrolment.enrol")
def enrolment_enrol(*, actor: Any, enrolment: Enrolment) -> Enrolment:
    """Give an approved person a place: 409 ``course_full`` when every place is taken."""
    require(actor, "enrolment.decide", "enrolment", enrolment.pk)
    e = _lock_enrolment(enrolment)
    _teaches(actor, e.course, "enrolment", e.pk)
    course = Course.objects.select_for_update().get(pk=e.course_id)  # serialises the last free place
    _transition(e, EnrolmentStatus.ENROLLED, (EnrolmentStatus.APPROVED,))
    if e.person.status != PersonStatus.IN_CUSTODY:
        raise Conflict(_("%(name)s is not in custody.") % {"name": e.person.full_name}, code="not_in_custody")
    seated = Enrolment.objects.filter(course=course, status__in=SEATED_STATUSES).count()
    if seated >= course.capacity:
        raise Conflict(_("%(code)s is full (%(n)d places).") % {"code": course.code, "n": course.capacity},
                       code="course_full")
    e.enrolled_at = clock.now()
    e.save(update_fields=["enrolled_at"])
    return _set_status(actor, e, EnrolmentStatus.ENROLLED, "", "enrolment.enrol", "enrolled")


@service("enrolment.suspend")
def enrolment_suspend(*, actor: Any, enrolment: Enrolment, reason: str) -> Enrolment:
    """Suspend an enrolled student (the place stays theirs)."""
    require(actor, "enrolment.decide", "enrolment", enrolment.pk)
    reason = require_text(reason, "reason", _("A reason"))
    e = _lock_enrolment(enrolment)
    _teaches(actor, e.course, "enrolment", e.pk)
    _transition(e, EnrolmentStatus.SUSPENDED, (EnrolmentStatus.ENROLLED,))
    return _set_status(actor, e, EnrolmentStatus.SUSPENDED, reason, "enrolment.suspend", "suspended")


@service("enrolment.resume")
def enrolment_resume(*, actor: Any, enrolment: Enrolment) -> Enrolment:
    """Take a suspended student back into the class (they must be in custody)."""
    require(actor, "enrolment.decide", "enrolment", enrolment.pk)
    e = _lock_enrolment(enrolment)
    _teaches(actor, e.course, "enrolment", e.pk)
    _transition(e, EnrolmentStatus.ENROLLED, (EnrolmentStatus.SUSPENDED,))
    if e.person.status != PersonStatus.IN_CUSTODY:
        raise Conflict(_("%(name)s is not in custody.") % {"name": e.person.full_name}, code="not_in_custody")
    return _set_status(actor, e, EnrolmentStatus.ENROLLED, "", "enrolment.resume", "resumed")


@service("enrolment.withdraw")
def enrolment_withdraw(*, actor: Any, enrolment: Enrolment, reason: str) -> Enrolment:
    """Take a person off the list or out of the class, with a reason."""
    require(actor, "enrolment.decide", "enrolment", enrolment.pk)
    reason = require_text(reason, "reason", _("A reason"))
    e = _lock_enrolment(enrolment)
    _teaches(actor, e.course, "enrolment", e.pk)
    _transition(e, EnrolmentStatus.WITHDRAWN, ACTIVE_STATUSES)
    return _set_status(actor, e, EnrolmentStatus.WITHDRAWN, reason, "enrolment.withdraw", "withdrew")


@service("enrolment.complete")
def enrolment_complete(*, actor: Any, enrolment: Enrolment, credential: str = "",
                       awarded_on: date | None = None) -> Credential:
    """Complete an enrolled student's course with its credential (e.g. "GED")."""
    require(actor, "enrolment.decide", "enrolment", enrolment.pk)
    e = _lock_enrolment(enrolment)
    _teaches(actor, e.course, "enrolment", e.pk)
    _transition(e, EnrolmentStatus.COMPLETED, (EnrolmentStatus.ENROLLED,))
    name = " ".join(str(credential or "").split()) or e.course.credential or "Certificate of completion"
    if len(name) > 100:
        raise field_error("credential", _("At most %(n)d characters.") % {"n": 100})
    awarded_on = awarded_on or clock.now().date()
    if awarded_on > clock.now().date():
        raise field_error("awarded_on", _("The date must not be in the future."))
    _set_status(actor, e, EnrolmentStatus.COMPLETED, "", "enrolment.complete", "completed")
    cred = Credential.objects.create(person=e.person, enrolment=e, name=name, awarded_on=awarded_on,
                                     awarded_by=actor)
    audit.record(actor=actor, action="credential.award", object_type="enrolment", object_id=e.pk,
                 changes={"credential": name, "awarded_on": awarded_on},
                 summary=f"awarded {name} to {e.person.inmate_number} ({e.course.code})")
    return cred


# --------------------------------------------------------------------------- sessions, attendance, scores


@service("session.create")
def session_create(*, actor: Any, course: Course, starts_at: datetime, topic: str = "") -> Session:
    """Schedule (or record) one class meeting."""
    require(actor, "education.record", "course", course.pk)
    _teaches(actor, course, "course", course.pk)
    topic = " ".join(str(topic or "").split())
    if len(topic) > 200:
        raise field_error("topic", _("At most %(n)d characters.") % {"n": 200})
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        raise field_error("starts_at", _("Enter a date and time."))
    if Session.objects.filter(course=course, starts_at=starts_at).exists():
        raise Conflict(_("This course already meets at that time."), code="already_exists")
    s = Session.objects.create(course=course, starts_at=starts_at, topic=topic, created_by=actor)
    audit.record(actor=actor, action="session.create", object_type="course", object_id=course.pk,
                 changes={"session_id": s.pk, "starts_at": starts_at, "topic": topic},
                 summary=f"scheduled a session of {course.code}")
    return s


@service("attendance.record")
def attendance_record(*, actor: Any, session: Session, records: list[dict[str, Any]]) -> list[Attendance]:
    """Record who came to a session: ``records`` = [{"enrolment_id", "status", "note"?}]. A second record
    for the same student corrects the first (the audit trail keeps both)."""
    require(actor, "education.record", "course", session.course_id)
    course = session.course
    _teaches(actor, course, "course", course.pk)
    if session.starts_at > clock.now():
        raise field_error("session", _("Attendance is recorded once the session has started."))
    errors: dict[str, list[str]] = {}
    enrolments = {e.pk: e for e in Enrolment.objects.filter(course=course).select_related("person")}
    cleaned = []
    for i, row in enumerate(records or []):
        e = enrolments.get(row.get("enrolment_id")) if isinstance(row, dict) else None
        if e is None or e.status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED):
            errors.setdefault(f"records.{i}.enrolment_id", []).append(_("Not a student enrolled in this course."))
            continue
        status = row.get("status")
        if status not in AttendanceStatus.values:
            errors.setdefault(f"records.{i}.status", []).append(_("Choose present, absent or excused."))
            continue
        cleaned.append((e, status, str(row.get("note") or "").strip()[:200]))
    if not records:
        errors["records"] = [_("Record at least one student.")]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    now = clock.now()
    out = []
    for e, status, note in cleaned:
        obj, created = Attendance.objects.select_for_update().get_or_create(
            session=session, enrolment=e,
            defaults={"status": status, "note": note, "recorded_by": actor, "recorded_at": now})
        if not created and (obj.status, obj.note) != (status, note):
            obj.status, obj.note, obj.recorded_by, obj.recorded_at = status, note, actor, now
            obj.save()
        out.append(obj)
    audit.record(actor=actor, action="attendance.record", object_type="course", object_id=course.pk,
                 changes={"session_id": session.pk,
                          "attendance": {e.person.inmate_number: status for e, status, _n in cleaned}},
                 summary=f"recorded attendance of {len(cleaned)} students at a session of {course.code}")
    return out


def _decimal(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        errors[field] = [_("Enter a number.")]
        return None
    if not d.is_finite() or d < 0 or d > 10000:
        errors[field] = [_("Enter a number between 0 and 10000.")]
        return None
    return d.quantize(Decimal("0.1"))


@service("assessment.record")
def assessment_record(*, actor: Any, enrolment: Enrolment, taken_on: date, title: str, score: Any,
                      max_score: Any = 100) -> Assessment:
    """Record a test score of an enrolled student."""
    require(actor, "education.record", "enrolment", enrolment.pk)
    e = _lock_enrolment(enrolment)
    _teaches(actor, e.course, "enrolment", e.pk)
    errors: dict[str, list[str]] = {}
    title = " ".join(str(title or "").split())
    if not title or len(title) > 200:
        errors["title"] = [_("A title of at most 200 characters is required.")]
    s = _decimal(score, "score", errors)
    m = _decimal(max_score, "max_score", errors)
    if m is not None and m <= 0:
        errors["max_score"] = [_("Must be more than 0.")]
    if s is not None and m is not None and s > m:
        errors["score"] = [_("The score cannot exceed the maximum.")]
    if not isinstance(taken_on, date):
        errors["taken_on"] = [_("Enter a date as YYYY-MM-DD.")]
    elif taken_on > clock.now().date():
        errors["taken_on"] = [_("The date must not be in the future.")]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    if e.status != EnrolmentStatus.ENROLLED:
        raise Conflict(_("Scores are recorded for enrolled students only."), code="not_enrolled")
    a = Assessment.objects.create(enrolment=e, taken_on=taken_on, title=title, score=s, max_score=m,
                                  recorded_by=actor, recorded_at=clock.now())
    audit.record(actor=actor, action="assessment.record", object_type="enrolment", object_id=e.pk,
                 changes={"title": title, "score": str(s), "max_score": str(m), "taken_on": taken_on},
                 summary=f"recorded a score of {s}/{m} for {e.person.inmate_number} in {e.course.code}")
    return a


# --------------------------------------------------------------------------- custody changes


def on_placement_change(*, actor: Any, person: Person, event: str, before: Any, after: Any,
                        release_kind: str = "", **kwargs: Any) -> None:
    """Called by emerald.housing.services after every admission, move and release, in its transaction.

    A move into segregation or out of the facility suspends the person's enrolments; a release ends them
    (an escape or a transfer out only suspends them). A consequence of the housing change the actor was
    allowed to make, so no education permission is asked. The reason teachers see names no security
    detail; the audit summary (for auditors) names the cell.
    """
    active = list(Enrolment.objects.select_for_update().filter(
        person=person, status__in=ACTIVE_STATUSES).select_related("course", "person"))
    if not active:
        return
    if event == "release":
        if release_kind in (ReleaseKind.RELEASED, ReleaseKind.DECEASED):
            for e in active:
                _set_status(actor, e, EnrolmentStatus.ENDED, AUTO_ENDED, "enrolment.auto_end", "ended",
                            f": custody ended ({release_kind})")
        else:
            for e in active:
                if e.status == EnrolmentStatus.ENROLLED:
                    _set_status(actor, e, EnrolmentStatus.SUSPENDED, AUTO_SUSPENDED, "enrolment.auto_suspend",
                                "suspended", f": custody ended ({release_kind})")
        return
    if event != "move" or after is None:
        return
    target = Unit.objects.select_related("facility").get(pk=after.unit_id)
    left_facility = before is not None and Unit.objects.filter(pk=before.unit_id).values_list(
        "facility_id", flat=True).first() != target.facility_id
    if target.kind != UnitKind.SEGREGATION and not left_facility:
        return
    why = f"moved to {after.cell.code}" + (" (segregation)" if target.kind == UnitKind.SEGREGATION else
                                           f" in {target.facility.code}")
    for e in active:
        if e.status == EnrolmentStatus.ENROLLED:
            _set_status(actor, e, EnrolmentStatus.SUSPENDED, AUTO_SUSPENDED, "enrolment.auto_suspend",
                        "suspended", f": {why}")
