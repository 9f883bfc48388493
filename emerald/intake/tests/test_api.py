"""The intake API end to end: candidates, start, classification, screening, housing preview, admission, tasks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from conftest import admit, make_person
from emerald.core import clock
from emerald.core.tests.api_helpers import Api
from emerald.people.models import Person

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 10, 5, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now():
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def ryan(users, place):
    person = make_person(users["administrator"], "O'Reily", "Ryan", number="97A0007", date_of_birth=date(1966, 10, 5))
    admit(users["administrator"], person, place.cell("EC-1-01"))
    return person


CLASSIFY = {"offence_severity": "serious", "violence_history": "minor", "escape_history": "none",
            "sentence_length": "5_to_15y", "institutional_behaviour": "none"}


def test_intake_through_the_api(users, place, ryan):
    api = Api(users["officer"])
    r = api.get("/intake/candidates", {"first_name": "Ryan", "last_name": "O’Reilly"})
    assert r.status_code == 200 and r.json()["items"][0]["person"]["inmate_number"] == "97A0007"
    body = {"facility": "oz", "new_person": {"first_name": "Cyril", "last_name": "O'Reily", "sex": "male",
                                             "date_of_birth": "2004-02-14"}}
    r = api.post("/intake", body)
    assert r.status_code == 409 and r.json()["error"] == "confirm_new"
    # The refusal names the same candidates as the candidates route (here: O'Reily by name).
    assert r.json()["candidates"] == ["97A0007"] and "97A0007" in r.json()["detail"]
    r = api.post("/intake", {**body, "confirm_new": True, "candidates_seen": ["97A0007"]})
    assert r.status_code == 201, r.json()
    intake = r.json()
    assert intake["status"] == "open" and intake["returning"] is False and intake["vulnerability"] is None
    number = intake["person"]["inmate_number"]
    r = api.post(f"/intake/{intake['id']}/classification", {**CLASSIFY, "override_level": "maximum",
                                                             "override_reason": "x"})
    assert r.status_code == 403
    r = api.post(f"/intake/{intake['id']}/classification", CLASSIFY)
    assert r.status_code == 201 and r.json()["total_points"] == 11 and r.json()["level"] == "medium"
    r = api.post(f"/intake/{intake['id']}/screening", {"build": "slight"})
    assert r.status_code == 201 and r.json()["vulnerable"] is True and len(r.json()["reasons"]) == 3
    r = api.post("/relationships", {"person_a": number, "person_b": "97A0007", "kind": "family",
                                    "source": "self-reported at intake", "detail": "brother"})
    assert r.status_code == 201
    r = api.get(f"/intake/{intake['id']}/housing", {"unit": place.ec.pk})
    assert r.status_code == 200
    housing = r.json()
    assert housing["connections"][0]["person"]["inmate_number"] == "97A0007"
    assert housing["connections"][0]["cell"] == "EC-1-01" and housing["vulnerable"] is True
    best = housing["cells"][0]
    assert best["rank"] == 1 and best["unit"] == "EC" and best["reasons"]
    r = api.post(f"/intake/{intake['id']}/admission", {"cell_id": best["cell_id"]})
    assert r.status_code == 201 and r.json()["cell"] == best["cell"] and r.json()["status"] == "admitted"
    assert Person.objects.get(inmate_number=number).status == "in_custody"
    tasks = api.get("/intake/tasks").json()
    assert tasks["count"] == 1 and tasks["items"][0]["trigger"] == "intake"
    r = api.post(f"/intake/tasks/{tasks['items'][0]['id']}/complete", {**CLASSIFY, "build": "average"})
    assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["level"] == "medium"


def test_errors_and_roles(users, place, ryan):
    api = Api(users["officer"])
    r = api.post("/intake", {"facility": "OZ", "person": "97A0007"})
    assert r.status_code == 409 and r.json()["error"] == "not_in_custody"
    r = api.post("/intake", {"facility": "NOPE", "person": "97A0007", "typo": 1})
    assert r.status_code == 400 and "typo" in r.json()["fields"]
    r = api.post("/intake", {"facility": "OZ", "new_person": {"first_name": "Ryan", "last_name": "O'Reilly",
                                                             "sex": "male", "date_of_birth": "1966-10-05"},
                             "confirm_new": True})
    assert r.status_code == 409 and r.json()["error"] == "duplicate_person" and r.json()["candidates"] == ["97A0007"]
    teacher = Api(users["educator"])
    assert teacher.get("/intake").status_code == 403
    assert teacher.get("/intake/candidates", {"last_name": "x"}).status_code == 403
    assert teacher.get("/intake/1").status_code == 404
    assert Api(users["auditor"]).get("/intake").status_code == 200
