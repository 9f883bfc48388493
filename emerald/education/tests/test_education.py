"""Courses, the waiting list, enrolment and capacity, attendance, assessments and the chart, credentials, the
automatic suspension and end of enrolments, and what teachers may and may not see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from conftest import admit, make_person, make_user
from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.core.errors import Conflict, Forbidden, Invalid
from emerald.education import charts, selectors, services
from emerald.education.models import EnrolmentStatus
from emerald.housing.services import person_release, placement_move
from emerald.planning.loader import load_facility

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 25, 13, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now():
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def students(users, place):
    admin = users["administrator"]
    people = {k: make_person(admin, k.title(), number=f"E{n:04d}") for n, k in
              enumerate(["wangler", "adebisi", "said", "hill"], 1)}
    for key, cell in (("wangler", "EC-1-01"), ("adebisi", "EC-1-01"), ("said", "EC-1-02"), ("hill", "EC-1-04")):
        admit(admin, people[key], place.cell(cell))
    return people


@pytest.fixture
def ged(users, place):
    return services.course_create(actor=users["educator"], code="GED-26", name="GED preparation", kind="ged_prep",
                                  teacher=users["educator"], schedule="Mon/Wed/Fri 09:00–11:00", capacity=2,
                                  starts_on=date(2026, 5, 25), unit=place.ec, credential="GED")


def enrol(users, course, person):
    e = services.enrolment_request(actor=users["officer"], course=course, person=person)
    services.enrolment_decide(actor=users["educator"], enrolment=e, approve=True)
    return services.enrolment_enrol(actor=users["educator"], enrolment=e)


def test_course_needs_a_teacher_schedule_and_capacity(users, ged):
    assert ged.teacher == users["educator"] and ged.capacity == 2
    with pytest.raises(Invalid) as exc:
        services.course_create(actor=users["administrator"], code="", name="", kind="cooking",
                               teacher=users["officer"], schedule="", capacity=0, starts_on=date(2026, 5, 1),
                               ends_on=date(2026, 4, 1))
    assert set(exc.value.fields) == {"code", "name", "kind", "teacher", "schedule", "capacity", "ends_on"}
    other = make_user("teacher2", "educator")
    with pytest.raises(Invalid) as exc:
        services.course_create(actor=users["educator"], code="LIT-1", name="Literacy", kind="literacy",
                               teacher=other, schedule="Tue", capacity=5, starts_on=date(2026, 5, 1))
    assert "teacher" in exc.value.fields
    with pytest.raises(Forbidden):
        services.course_create(actor=users["officer"], code="LIT-1", name="Literacy", kind="literacy",
                               teacher=users["educator"], schedule="Tue", capacity=5, starts_on=date(2026, 5, 1))


def test_waiting_list_decisions_and_capacity(users, ged, students):
    e = services.enrolment_request(actor=users["officer"], course=ged, person=students["wangler"])
    assert e.status == EnrolmentStatus.PENDING
    with pytest.raises(Conflict) as exc:
        services.enrolment_request(actor=users["officer"], course=ged, person=students["wangler"])
    assert exc.value.code == "already_exists"
    with pytest.raises(Conflict) as exc:
        services.enrolment_enrol(actor=users["educator"], enrolment=e)
    assert exc.value.code == "invalid_transition"
    with pytest.raises(Invalid):
        services.enrolment_decide(actor=users["educator"], enrolment=e, approve=False)
    declined = services.enrolment_decide(actor=users["educator"], enrolment=e, approve=False,
                                         reason="must finish literacy first")
    assert declined.status == "declined" and declined.decided_by == users["educator"]
    enrol(users, ged, students["wangler"])
    enrol(users, ged, students["adebisi"])
    third = services.enrolment_request(actor=users["officer"], course=ged, person=students["said"])
    services.enrolment_decide(actor=users["educator"], enrolment=third, approve=True)
    with pytest.raises(Conflict) as exc:
        services.enrolment_enrol(actor=users["educator"], enrolment=third)
    assert exc.value.code == "course_full"
    third.refresh_from_db()
    assert third.status == "approved"


def test_only_the_courses_teacher_decides_and_records(users, ged, students):
    other = make_user("teacher2", "educator")
    e = services.enrolment_request(actor=users["officer"], course=ged, person=students["wangler"])
    with pytest.raises(Forbidden):
        services.enrolment_decide(actor=other, enrolment=e, approve=True)
    with pytest.raises(Forbidden):
        services.enrolment_decide(actor=users["officer"], enrolment=e, approve=True)
    services.enrolment_decide(actor=users["warden"], enrolment=e, approve=True)


def test_attendance_and_scores_over_time_with_a_chart(users, ged, students):
    wangler = enrol(users, ged, students["wangler"])
    adebisi = enrol(users, ged, students["adebisi"])
    teacher = users["educator"]
    for week, score in enumerate([41, 48, 57, 66, 74]):
        session = services.session_create(actor=teacher, course=ged, starts_at=NOW - timedelta(days=35 - 7 * week))
        services.attendance_record(actor=teacher, session=session, records=[
            {"enrolment_id": wangler.pk, "status": "present"},
            {"enrolment_id": adebisi.pk, "status": "absent" if week % 2 == 0 else "present"}])
        services.assessment_record(actor=teacher, enrolment=wangler, taken_on=(NOW - timedelta(days=35 - 7 * week)).date(),
                                   title=f"Practice test {week + 1}", score=score)
    rows = {e.person.last_name: e for e in selectors.enrolments_of_course(actor=teacher, course=ged)}
    assert rows["Wangler"].attendance_rate == 100 and rows["Adebisi"].attendance_rate == 40
    assert [float(a.score) for a in rows["Wangler"].assessment_list] == [41, 48, 57, 66, 74]
    svg = charts.progress_chart(charts.series_for([rows["Wangler"]]), title="Wangler")
    assert svg.startswith("<svg") and "polyline" in svg and "style=" not in svg and 'role="img"' in svg
    assert ">74<" in svg
    with pytest.raises(Invalid) as exc:
        services.assessment_record(actor=teacher, enrolment=wangler, taken_on=date(2027, 1, 1), title="",
                                   score=120)
    assert set(exc.value.fields) == {"taken_on", "title", "score"}
    later = services.session_create(actor=teacher, course=ged, starts_at=NOW + timedelta(days=1))
    with pytest.raises(Invalid):
        services.attendance_record(actor=teacher, session=later, records=[
            {"enrolment_id": wangler.pk, "status": "present"}])


def test_completion_with_a_credential(users, ged, students):
    e = enrol(users, ged, students["wangler"])
    cred = services.enrolment_complete(actor=users["educator"], enrolment=e)
    assert cred.name == "GED" and cred.person == students["wangler"]
    e.refresh_from_db()
    assert e.status == "completed" and e.finished_at
    assert AuditEntry.objects.filter(action="credential.award", summary__contains="awarded GED to E0001").exists()


def test_segregation_or_leaving_suspends_and_release_ends(users, ged, students, place):
    wangler = enrol(users, ged, students["wangler"])
    adebisi = enrol(users, ged, students["adebisi"])
    waiting = services.enrolment_request(actor=users["officer"], course=ged, person=students["said"])
    placement_move(actor=users["officer"], person=students["adebisi"], cell_id=place.cell("SOL-01").pk,
                   reason="disciplinary segregation")
    adebisi.refresh_from_db()
    assert adebisi.status == "suspended" and adebisi.status_reason == services.AUTO_SUSPENDED
    assert "SOL" not in adebisi.status_reason  # teachers do not learn where he went
    assert AuditEntry.objects.filter(action="enrolment.auto_suspend", summary__contains="SOL-01").exists()
    # A move within general housing changes nothing.
    placement_move(actor=users["officer"], person=students["wangler"], cell_id=place.cell("B-1-01").pk,
                   reason="cell change")
    wangler.refresh_from_db()
    assert wangler.status == "enrolled"
    person_release(actor=users["warden"], person=students["said"], reason="sentence served")
    waiting.refresh_from_db()
    assert waiting.status == "ended" and waiting.decided_at
    person_release(actor=users["warden"], person=students["wangler"], reason="escaped during transport",
                   kind="escaped")
    wangler.refresh_from_db()
    assert wangler.status == "suspended"
    resumed = services.enrolment_resume
    with pytest.raises(Conflict):
        resumed(actor=users["educator"], enrolment=wangler)
    placement_move(actor=users["warden"], person=students["adebisi"], cell_id=place.cell("EC-1-01").pk,
                   reason="back from segregation")
    assert resumed(actor=users["educator"], enrolment=adebisi).status == "enrolled"


def test_teachers_see_education_only(users, ged, students):
    from emerald.accounts.permissions import allowed

    enrol(users, ged, students["wangler"])
    teacher = users["educator"]
    assert selectors.class_list(actor=teacher)[0]["students"][0].person == students["wangler"]
    for action in ("placement.view", "non_association.view", "group.view", "relationship.view", "intake.view",
                   "vulnerability.view", "incident.view"):
        assert not allowed(teacher, action), action


def test_the_optimiser_keeps_students_near_their_course(users, ged, students, place):
    enrol(users, ged, students["wangler"])
    inst = load_facility(place.facility)
    assert inst.people[students["wangler"].pk].course_unit == place.ec.pk
