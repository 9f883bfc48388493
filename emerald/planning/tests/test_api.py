"""API: /plans — create a preview, read it with its diff, accept or reject items; /plans/suggest."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import admit
from emerald.audit.models import AuditEntry, Outcome
from emerald.core.tests.api_helpers import api_factory, assert_error, fast_password_hashing, success_count
from emerald.housing.models import Placement
from emerald.housing.services import non_association_create, placement_move
from emerald.planning.models import Plan

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[3] / "docs"


@pytest.fixture(autouse=True)
def _fast(settings):
    fast_password_hashing(settings)


@pytest.fixture
def api_as(users):
    return api_factory(users)


@pytest.fixture
def rivals(users, place, person_factory):
    """Two men of rival gangs in one cell of Emerald City, with a cell-scope keep-apart order."""
    admin = users["administrator"]
    a, b = person_factory("Adebisi", "Simon"), person_factory("Schibetta", "Peter")
    admit(admin, a, place.cell("EC-1-01"))
    admit(admin, b, place.cell("EC-1-01"))
    non_association_create(actor=admin, person_a=a, person_b=b, scope="cell", reason="gang_rivalry")
    return a, b


def cell_of(person) -> str:
    return Placement.objects.get(person=person, end_at__isnull=True).cell.code


def test_a_unit_plan_is_a_preview_until_accepted(api_as, place, rivals):
    a, b = rivals
    warden = api_as("warden")
    r = warden.post("/plans", {"facility": "OZ", "unit_ids": [place.ec.pk], "time_limit": 1})
    assert r.status_code == 201, r.content
    plan = r.json()
    assert plan["status"] == "preview" and plan["facility"] == "OZ" and plan["scope"]["units"] == ["EC"]
    assert plan["created_by"] == "warden" and plan["weights"]["move"] == 10 and plan["unplaced"] == []
    assert plan["counts"] == {"items": 1, "proposed": 1, "accepted": 0, "rejected": 0, "unplaced": 0}
    (item,) = plan["items"]
    assert item["person"]["inmate_number"] in (a.inmate_number, b.inmate_number)
    assert item["from_cell"] == "EC-1-01" and item["to_cell"] != "EC-1-01" and item["to_bed"] in (1, 2)
    assert item["status"] == "proposed" and item["reasons"] and item["decided_by"] is None
    assert any("keep-apart" in reason for reason in item["reasons"])
    assert cell_of(a) == cell_of(b) == "EC-1-01"  # nothing moved

    listed = warden.get("/plans").json()
    assert listed["count"] == 1 and listed["items"][0]["counts"]["proposed"] == 1
    assert "items" not in listed["items"][0]  # the list leaves the moves out
    assert warden.get("/plans", {"status": "done"}).json()["count"] == 0
    assert warden.get(f"/plans/{plan['id']}").json()["items"] == plan["items"]

    r = warden.post(f"/plans/{plan['id']}/accept", {"reason": "after the fight"})
    assert r.status_code == 200, r.content
    done = r.json()
    assert done["status"] == "done" and done["items"][0]["status"] == "accepted"
    assert done["items"][0]["decided_by"] == "warden" and done["items"][0]["placement_id"]
    assert done["items"][0]["decision_reason"] == "after the fight"
    assert cell_of(a) != cell_of(b)
    assert_error(warden.post(f"/plans/{plan['id']}/accept", {}), 409, "plan_done")
    assert_error(warden.post(f"/plans/{plan['id']}/reject", {"reason": "too late"}), 409, "plan_done")


def test_accept_part_then_an_already_decided_item_is_409(api_as, place, person_factory):
    arrivals = [person_factory(f"New{i}") for i in range(3)]
    warden = api_as("warden")
    numbers = [p.inmate_number.lower() for p in arrivals] + [arrivals[0].inmate_number]  # one listed twice
    r = warden.post("/plans", {"facility": "OZ", "arrivals": numbers,
                               "time_limit": 1, "weights": {"distance": 3}})
    assert r.status_code == 201, r.content
    plan = r.json()
    assert plan["scope"]["arrivals"] == sorted(p.inmate_number for p in arrivals)
    assert plan["weights"]["distance"] == 3 and all(i["from_cell"] is None for i in plan["items"])
    first, second, third = (i["id"] for i in plan["items"])
    r = warden.post(f"/plans/{plan['id']}/accept", {"item_ids": [first]})
    assert r.status_code == 200 and r.json()["status"] == "partly_accepted"
    before = success_count()
    body = assert_error(warden.post(f"/plans/{plan['id']}/accept", {"item_ids": [first, second]}),
                        409, "already_decided")
    assert body["item_ids"] == [first]
    assert success_count() == before  # nothing of the batch happened
    assert AuditEntry.objects.filter(action="plan.accept", outcome=Outcome.REFUSED, object_type="plan",
                                     object_id=str(plan["id"])).exists()
    assert_error(warden.post(f"/plans/{plan['id']}/reject", {"item_ids": [first], "reason": "no"}),
                 409, "already_decided")
    r = warden.post(f"/plans/{plan['id']}/reject", {"item_ids": [second], "reason": "wait for classification"})
    assert r.status_code == 200
    items = {i["id"]: i for i in r.json()["items"]}
    assert items[second]["status"] == "rejected" and items[second]["decision_reason"] == "wait for classification"
    assert items[third]["status"] == "proposed" and r.json()["status"] == "partly_accepted"
    r = warden.post(f"/plans/{plan['id']}/reject", {"reason": "the rest later"})
    assert r.json()["status"] == "done" and r.json()["counts"] == {
        "items": 3, "proposed": 0, "accepted": 1, "rejected": 2, "unplaced": 0}


def test_who_may_see_create_and_decide(api_as, place, rivals):
    plan = api_as("warden").post("/plans", {"facility": "OZ", "unit_ids": [place.ec.pk], "time_limit": 1}).json()
    url = f"/plans/{plan['id']}"
    for role in ("officer", "auditor", "medical", "educator", "investigator"):
        api_as(role)  # tokens are issued (and audited) before counting
    before = (success_count(), Plan.objects.count())
    for role in ("officer", "auditor", "medical", "educator", "investigator"):
        assert_error(api_as(role).post("/plans", {"facility": "OZ", "unit_ids": [place.ec.pk]}), 403, "forbidden")
    # Roles that may not see plans are told nothing about them.
    for role in ("officer", "medical", "educator", "investigator"):
        assert_error(api_as(role).get("/plans"), 403, "forbidden")
        assert_error(api_as(role).get(url), 404, "not_found")
        assert_error(api_as(role).post(url + "/accept", {}), 404, "not_found")
        assert_error(api_as(role).post(url + "/reject", {"reason": "no"}), 404, "not_found")
    # Auditors read plans but decide nothing.
    assert api_as("auditor").get(url).status_code == 200
    assert api_as("auditor").get("/plans").json()["count"] == 1
    assert_error(api_as("auditor").post(url + "/accept", {}), 403, "forbidden")
    assert_error(api_as("auditor").post(url + "/reject", {"reason": "no"}), 403, "forbidden")
    assert (success_count(), Plan.objects.count()) == before
    assert AuditEntry.objects.filter(action="plan.create", outcome=Outcome.DENIED).count() == 5
    # A unit manager plans only the units they manage (EC, not B).
    assert_error(api_as("unit_manager").post("/plans", {"facility": "OZ", "unit_ids": [place.b.pk]}),
                 403, "forbidden")
    r = api_as("unit_manager").post("/plans", {"facility": "OZ", "unit_ids": [place.ec.pk], "time_limit": 1})
    assert r.status_code == 201, r.content


def test_bad_input_is_400_and_writes_nothing(api_as, place, rivals, person_factory):
    warden = api_as("warden")
    before = (success_count(), Plan.objects.count())
    cases = [
        ({"facility": "NOPE", "unit_ids": [place.ec.pk]}, "facility"),
        ({"facility": "OZ"}, "unit_ids"),
        ({"facility": "OZ", "arrivals": ["ZZ9999"]}, "arrivals"),
        ({"facility": "OZ", "arrivals": [rivals[0].inmate_number]}, "arrivals"),  # already in custody
        ({"facility": "OZ", "unit_ids": [place.ec.pk], "weights": {"move": -1}}, "weights"),
        ({"facility": "OZ", "unit_ids": [place.ec.pk], "weights": {"charm": 1}}, "weights"),
        ({"facility": "OZ", "unit_ids": [place.ec.pk], "time_limit": 600}, "time_limit"),
        ({"facility": "OZ", "unit_ids": [place.ec.pk], "colour": "green"}, "colour"),
        ({"facility": "OZ", "unit_ids": [0]}, "unit_ids"),
    ]
    for body, field in cases:
        answer = assert_error(warden.post("/plans", body), 400, "invalid")
        assert field in answer["fields"], (body, answer)
    assert_error(warden.post("/plans", raw="{not json"), 400, "invalid")
    plan = warden.post("/plans", {"facility": "OZ", "unit_ids": [place.ec.pk], "time_limit": 1}).json()
    before = (success_count(), Plan.objects.count())
    assert "item_ids" in assert_error(warden.post(f"/plans/{plan['id']}/accept", {"item_ids": []}),
                                      400, "invalid")["fields"]
    assert "item_ids" in assert_error(warden.post(f"/plans/{plan['id']}/accept", {"item_ids": [10**6]}),
                                      400, "invalid")["fields"]
    assert "reason" in assert_error(warden.post(f"/plans/{plan['id']}/reject", {"reason": " "}),
                                    400, "invalid")["fields"]
    assert "reason" in assert_error(warden.post(f"/plans/{plan['id']}/reject", {}), 400, "invalid")["fields"]
    assert_error(warden.get("/plans/999999"), 404, "not_found")
    assert_error(warden.post("/plans/999999/accept", {}), 404, "not_found")
    assert (success_count(), Plan.objects.count()) == before


def test_a_stale_plan_is_refused_whole(api_as, users, place, rivals):
    a, b = rivals
    warden = api_as("warden")
    plan = warden.post("/plans", {"facility": "OZ", "unit_ids": [place.ec.pk], "time_limit": 1}).json()
    mover = next(p for p in (a, b) if p.inmate_number == plan["items"][0]["person"]["inmate_number"])
    placement_move(actor=users["administrator"], person=mover, cell_id=place.cell("B-1-04").pk, reason="by hand")
    body = assert_error(warden.post(f"/plans/{plan['id']}/accept", {}), 409, "plan_stale")
    assert body["item_id"] == plan["items"][0]["id"]
    assert cell_of(mover) == "B-1-04"


def test_suggest_ranks_safe_cells(api_as, place, rivals, person_factory):
    a, b = rivals
    r = api_as("officer").get("/plans/suggest", {"person": b.inmate_number})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["person"]["inmate_number"] == b.inmate_number and body["facility"] == "OZ"
    cells = body["cells"]
    assert cells and len(cells) <= 10 and "EC-1-01" not in [c["cell"] for c in cells]
    assert [c["cost"] for c in cells] == sorted(c["cost"] for c in cells)
    assert all(c["reasons"] and c["unit_id"] in (place.ec.pk, place.b.pk) for c in cells)
    assert any("keep-apart" in reason for reason in cells[0]["reasons"])  # officers may see the orders
    assert len(api_as("warden").get("/plans/suggest", {"person": b.inmate_number, "limit": 2}).json()["cells"]) == 2
    newcomer = person_factory("Newcomer")
    assert "facility" in assert_error(api_as("warden").get("/plans/suggest", {"person": newcomer.inmate_number}),
                                      400, "invalid")["fields"]
    r = api_as("warden").get("/plans/suggest", {"person": newcomer.inmate_number, "facility": "OZ"})
    assert r.status_code == 200 and r.json()["cells"]
    assert_error(api_as("warden").get("/plans/suggest", {"person": b.inmate_number, "facility": "NOPE"}),
                 400, "invalid")
    assert_error(api_as("warden").get("/plans/suggest", {"person": "ZZ9999"}), 404, "not_found")
    assert_error(api_as("warden").get("/plans/suggest", {"person": b.inmate_number, "limit": 0}), 400, "invalid")
    for role in ("medical", "educator", "investigator", "auditor"):
        assert_error(api_as(role).get("/plans/suggest", {"person": b.inmate_number}), 403, "forbidden")


def test_every_plans_route_is_documented():
    from emerald.api import api

    doc = (DOCS / "api.md").read_text(encoding="utf-8")
    documented = {(m, re.sub(r"\{[^}]*\}", "{}", p.split("?")[0]))
                  for m, p in re.findall(r"`(GET|POST|PATCH|PUT|DELETE) (/[^`\s]*)`", doc)}
    routes = [(method.upper(), re.sub(r"\{[^}]*\}", "{}", path.removeprefix("/api/v1")))
              for path, ops in api.get_openapi_schema()["paths"].items() for method in ops
              if path.removeprefix("/api/v1").startswith("/plans")]
    assert len(routes) == 6
    missing = [r for r in routes if r not in documented]
    assert not missing, missing
