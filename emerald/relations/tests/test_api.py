"""The relationships and groups API: roles, errors, the one-step keep-apart order, warnings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conftest import admit, make_person
from emerald.core import clock
from emerald.core.tests.api_helpers import Api

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def now():
    with clock.frozen_at(datetime(2026, 10, 5, 14, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def two(users, place):
    admin = users["administrator"]
    a, b = make_person(admin, "Said", number="A1"), make_person(admin, "Schillinger", number="A2")
    admit(admin, a, place.cell("EC-1-01"))
    admit(admin, b, place.cell("EC-1-01"))
    return a, b


def test_relationships_groups_and_warnings(users, two):
    inv = Api(users["investigator"])
    r = inv.post("/relationships", {"person_a": "A1", "person_b": "A2", "kind": "enemy", "source": "threats"})
    assert r.status_code == 201 and r.json()["kind"] == "enemy"
    rel = r.json()["id"]
    r = inv.post(f"/relationships/{rel}/keep-apart", {"scope": "cell"})
    assert r.status_code == 201 and r.json()["currently_violated"] is True and r.json()["where"] == "EC-1-01"
    assert inv.post(f"/relationships/{rel}/keep-apart", {}).json()["error"] == "already_exists"
    assert inv.get("/relationships", {"person": "A1"}).json()["count"] == 1
    muslims = inv.post("/groups", {"name": "Muslims"}).json()
    aryans = inv.post("/groups", {"name": "Aryan Brotherhood"}).json()
    assert inv.post("/rivalries", {"group_a": muslims["id"], "group_b": aryans["id"],
                                   "source": "staff"}).status_code == 201
    grading = {"source": "intel", "source_reliability": "B", "information_credibility": "2"}
    assert inv.post(f"/groups/{muslims['id']}/memberships", {"person": "A1", "role": "member",
                                                             **grading}).status_code == 201
    r = inv.post(f"/groups/{aryans['id']}/memberships", {"person": "A2", "role": "leader", **grading})
    assert r.status_code == 201
    r = inv.post(f"/groups/{muslims['id']}/leader", {"person": "A1", "reason": "elected", **grading})
    assert r.status_code == 201 and r.json()["previous_leader"] is None
    detail = inv.get(f"/groups/{muslims['id']}").json()
    assert detail["leader"]["inmate_number"] == "A1" and detail["members_by_unit"][0]["unit"] == "EC"
    from emerald.facilities.models import Cell

    cell = Cell.objects.get(code="EC-1-01")
    warnings = inv.get("/group-warnings", {"person": "A1", "cell_id": cell.pk}).json()["warnings"]
    assert {w["kind"] for w in warnings} == {"rival_in_cell", "rival_leader_in_unit"}
    r = inv.post(f"/groups/{muslims['id']}/memberships", {"person": "A1", "role": "boss", **grading})
    assert r.status_code == 400 and "role" in r.json()["fields"]
    r = inv.post("/relationships", {"person_a": "A1", "person_b": "NOPE", "kind": "family", "source": "x"})
    assert r.status_code == 400 and "person_b" in r.json()["fields"]


def test_security_data_is_hidden_from_education_and_medical(users, two):
    Api(users["investigator"]).post("/groups", {"name": "Irish"})
    for role in ("educator", "medical"):
        api = Api(users[role])
        assert api.get("/groups").status_code == 403
        assert api.get("/relationships").status_code == 403
        assert api.get("/memberships").status_code == 403
        assert api.get("/groups/1").status_code == 404
        assert api.post("/relationships", {"person_a": "A1", "person_b": "A2", "kind": "family",
                                           "source": "x"}).status_code == 403
    officer = Api(users["officer"])
    assert officer.get("/groups").status_code == 200
    assert officer.post("/groups", {"name": "Bikers"}).status_code == 403
