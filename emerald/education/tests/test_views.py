"""Education pages: the course page with its server-rendered chart, a student's page, attendance, the class
list; and the person page section."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client

from conftest import admit, make_person
from emerald.core import clock
from emerald.education import services

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 26, 18, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now():
    with clock.frozen_at(NOW):
        yield


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def course(users, place):
    admin, teacher = users["administrator"], users["educator"]
    wangler = make_person(admin, "Wangler", "Kenny", number="97A0002")
    admit(admin, wangler, place.cell("EC-1-01"))
    c = services.course_create(actor=teacher, code="GED-26", name="GED preparation", kind="ged_prep",
                               teacher=teacher, schedule="Mon/Wed/Fri", capacity=12, starts_on=date(2026, 5, 25),
                               unit=place.ec, credential="GED")
    e = services.enrolment_request(actor=users["officer"], course=c, person=wangler)
    services.enrolment_decide(actor=teacher, enrolment=e, approve=True)
    services.enrolment_enrol(actor=teacher, enrolment=e)
    for week, score in enumerate([41, 48, 57, 66, 74]):
        services.assessment_record(actor=teacher, enrolment=e, taken_on=date(2026, 5, 29) + timedelta(days=7 * week),
                                   title=f"Practice test {week + 1}", score=score)
    return c, e


def test_pages(users, course):
    c, e = course
    teacher = client_for(users["educator"])
    page = teacher.get(f"/education/courses/{c.pk}/").content.decode()
    assert '<svg class="chart" id="course-chart"' in page and "Kenny Wangler" in page and "style=" not in page
    student = teacher.get(f"/education/enrolments/{e.pk}/").content.decode()
    assert 'id="student-chart"' in student and ">74<" in student and 'id="scores"' in student
    r = teacher.post(f"/education/enrolments/{e.pk}/", {"taken_on": "2026-06-26", "title": "Mock exam",
                                                         "score": "80", "max_score": "100"})
    assert r.status_code == 302
    classes = teacher.get("/education/classes/").content.decode()
    assert "GED-26" in classes and "80" in classes
    r = teacher.post(f"/education/courses/{c.pk}/session/", {"starts_at": "2026-06-26T09:00", "topic": "Algebra"})
    assert r.status_code == 302
    session = c.sessions.get()
    r = teacher.post(f"/education/sessions/{session.pk}/", {f"status-{e.pk}": "absent"})
    assert r.status_code == 302 and e.attendance.get().status == "absent"
    person = teacher.get("/people/97A0002/").content.decode()
    assert 'id="education"' in person and "GED-26" in person
    assert client_for(users["officer"]).post(f"/education/enrolments/{e.pk}/complete/").status_code == 302
    e.refresh_from_db()
    assert e.status == "enrolled"  # the officer may not decide: nothing changed
    assert client_for(users["medical"]).get("/education/").status_code == 403
