"""The education API: course, waiting list, enrolment, attendance, scores, completion; roles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conftest import admit, make_person
from emerald.core import clock
from emerald.core.tests.api_helpers import Api

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def now():
    with clock.frozen_at(datetime(2026, 6, 1, 14, 0, tzinfo=UTC)):
        yield


def test_a_course_through_the_api(users, place):
    admin = users["administrator"]
    admit(admin, make_person(admin, "Wangler", number="E1"), place.cell("EC-1-01"))
    teacher = Api(users["educator"])
    r = teacher.post("/education/courses", {"code": "ged-1", "name": "GED", "kind": "ged_prep",
                                             "teacher": users["educator"].username, "schedule": "Mon 9-11",
                                             "capacity": 1, "starts_on": "2026-05-25", "unit_id": place.ec.pk,
                                             "credential": "GED"})
    assert r.status_code == 201 and r.json()["code"] == "GED-1"
    course = r.json()["id"]
    e = Api(users["officer"]).post(f"/education/courses/{course}/requests", {"person": "E1"}).json()
    assert e["status"] == "pending"
    assert Api(users["officer"]).post(f"/education/enrolments/{e['id']}/decision",
                                      {"approve": True}).status_code == 403
    assert teacher.post(f"/education/enrolments/{e['id']}/decision", {"approve": True}).json()["status"] == "approved"
    assert teacher.post(f"/education/enrolments/{e['id']}/enrol").json()["status"] == "enrolled"
    s = teacher.post(f"/education/courses/{course}/sessions", {"starts_at": "2026-06-01T13:00:00Z"}).json()
    r = teacher.post(f"/education/sessions/{s['id']}/attendance",
                     {"records": [{"enrolment_id": e["id"], "status": "present"}]})
    assert r.status_code == 200
    r = teacher.post(f"/education/enrolments/{e['id']}/assessments",
                     {"taken_on": "2026-06-01", "title": "Test 1", "score": 41})
    assert r.status_code == 201 and r.json()["percent"] == 41.0
    assert teacher.post(f"/education/enrolments/{e['id']}/assessments",
                        {"taken_on": "2026-06-01", "title": "x", "score": 141}).status_code == 400
    detail = teacher.get(f"/education/enrolments/{e['id']}").json()
    assert detail["attendance_rate"] == 100 and detail["assessments"][0]["score"] == 41.0
    done = teacher.post(f"/education/enrolments/{e['id']}/complete", {}).json()
    assert done["status"] == "completed" and done["credential"] == "GED"
    assert Api(users["medical"]).get("/education/courses").status_code == 403
    assert teacher.get(f"/education/courses/{course}").json()["seats_taken"] == 0
