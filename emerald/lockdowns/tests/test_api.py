"""API: /lockdowns and /rehousing, and the 409 locked_down on moves and admissions."""

from __future__ import annotations

import pytest

from conftest import admit
from emerald.audit.models import AuditEntry, Outcome
from emerald.core.tests.api_helpers import api_factory, assert_error, success_count
from emerald.facilities.services import cell_create, unit_create
from emerald.housing.models import Placement
from emerald.lockdowns.models import EmergencyMove, Lockdown, RehousingRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_as(users):
    return api_factory(users)


@pytest.fixture
def two(users, place, person_factory):
    admin = users["administrator"]
    a, b = person_factory("Adebisi", "Simon"), person_factory("Wangler", "Kenny")
    admit(admin, a, place.cell("EC-1-01"))
    admit(admin, b, place.cell("EC-1-01"))
    return a, b


def test_lock_down_a_facility_and_moves_answer_locked_down(api_as, place, two, person_factory):
    a, _b = two
    warden = api_as("warden")
    r = warden.post("/lockdowns", {"facility": "OZ", "reason": "riot in Emerald City"})
    assert r.status_code == 201, r.content
    lk = r.json()
    assert lk["scope"] == "facility" and lk["facility"] == "OZ" and lk["active"] and lk["ordered_by"] == "warden"
    newcomer = person_factory("Said", "Kareem")
    api_as("officer")  # its token is issued (and audited) before counting
    before = (Placement.objects.count(), success_count())
    body = assert_error(api_as("officer").post(f"/people/{a.inmate_number}/moves",
                                               {"cell_id": place.cell("B-1-01").pk, "reason": "bed"}),
                        409, "locked_down")
    assert body["lockdowns"][0]["lockdown_id"] == lk["id"]
    assert_error(api_as("officer").post(f"/people/{newcomer.inmate_number}/admission",
                                        {"cell_id": place.cell("B-1-01").pk, "reason": "court"}),
                 409, "locked_down")
    assert (Placement.objects.count(), success_count()) == before
    # Officers may not make emergency moves: 403, nothing written.
    assert_error(api_as("officer").post(f"/people/{a.inmate_number}/moves",
                                        {"cell_id": place.cell("SOL-01").pk, "reason": "x", "emergency": True,
                                         "emergency_reason": "fire"}), 403, "forbidden")
    assert AuditEntry.objects.filter(action="placement.move", outcome=Outcome.DENIED).exists()
    # The warden may; the move is flagged for review.
    r = warden.post(f"/people/{a.inmate_number}/moves", {"cell_id": place.cell("SOL-01").pk, "reason": "ringleader",
                                                         "emergency": True, "emergency_reason": "isolate him"})
    assert r.status_code == 201, r.content
    pending = warden.get("/lockdowns/emergency-moves", {"pending": "true"}).json()
    assert pending["count"] == 1
    move = pending["items"][0]
    assert move["person"]["inmate_number"] == a.inmate_number and move["to_cell"] == "SOL-01"
    assert move["lockdown_ids"] == [lk["id"]] and not move["reviewed"]
    r = warden.post(f"/lockdowns/emergency-moves/{move['id']}/review", {"outcome": "justified", "note": "ok"})
    assert r.status_code == 200 and r.json()["reviewed"]
    assert_error(warden.post(f"/lockdowns/emergency-moves/{move['id']}/review",
                             {"outcome": "justified", "note": "ok"}), 409, "already_reviewed")
    # Lift: moves work again.
    r = warden.post(f"/lockdowns/{lk['id']}/lift", {"reason": "calm restored"})
    assert r.status_code == 200 and not r.json()["active"] and r.json()["lift_reason"] == "calm restored"
    assert_error(warden.post(f"/lockdowns/{lk['id']}/lift", {"reason": "again"}), 409, "already_lifted")
    r = api_as("officer").post(f"/people/{newcomer.inmate_number}/admission",
                               {"cell_id": place.cell("B-1-01").pk, "reason": "court"})
    assert r.status_code == 201


def test_unit_lockdown_sets_status_and_lists(api_as, place):
    manager = api_as("unit_manager")
    r = manager.post("/lockdowns", {"unit_id": place.ec.pk, "reason": "search"})
    assert r.status_code == 201, r.content
    assert api_as("officer").get(f"/units/{place.ec.pk}").json()["status"] == "locked_down"
    assert_error(manager.post("/lockdowns", {"unit_id": place.ec.pk, "reason": "again"}), 409,
                 "already_locked_down")
    listing = api_as("educator").get("/lockdowns", {"active": "true"}).json()
    assert listing["count"] == 1 and listing["items"][0]["unit"] == "EC"
    assert api_as("auditor").get(f"/lockdowns/{r.json()['id']}").status_code == 200
    manager.post(f"/lockdowns/{r.json()['id']}/lift", {"reason": "done"})
    assert api_as("officer").get(f"/units/{place.ec.pk}").json()["status"] == "open"
    assert api_as("officer").get("/lockdowns", {"active": "false"}).json()["count"] == 1


@pytest.mark.parametrize("role", ["officer", "medical", "educator", "investigator", "auditor"])
def test_roles_that_may_not_lock_down(api_as, place, role):
    assert_error(api_as(role).post("/lockdowns", {"facility": "OZ", "reason": "x"}), 403, "forbidden")
    assert Lockdown.objects.count() == 0


@pytest.mark.parametrize("body,fields", [
    ({"reason": "x"}, {"unit_id"}),
    ({"facility": "OZ", "unit_id": 1, "reason": "x"}, {"unit_id"}),
    ({"facility": "NOPE", "reason": "x"}, {"facility"}),
    ({"unit_id": 999999, "reason": "x"}, {"unit_id"}),
    ({"facility": "OZ", "reason": ""}, {"reason"}),
    ({"facility": "OZ"}, {"reason"}),
    ({"facility": "OZ", "reason": "x", "extra": 1}, {"extra"}),
    ({"unit_id": "abc", "reason": "x"}, {"unit_id"}),
])
def test_lockdown_bad_input_is_400_and_writes_nothing(api_as, place, body, fields):
    api_as("warden")
    before = success_count()
    response = assert_error(api_as("warden").post("/lockdowns", body), 400, "invalid")
    assert set(response["fields"]) == fields
    assert Lockdown.objects.count() == 0 and success_count() == before


def test_unknown_lockdown_is_404(api_as):
    assert_error(api_as("warden").get("/lockdowns/999999"), 404, "not_found")
    assert_error(api_as("warden").post("/lockdowns/999999/lift", {"reason": "x"}), 404, "not_found")


def test_rehousing_preview_execute_and_close(api_as, users, place, two, person_factory):
    admin = users["administrator"]
    gym = unit_create(actor=admin, facility=place.facility, code="GYM", name="Gym", kind="temporary",
                      security_level="maximum", status="closed")
    cell_create(actor=admin, unit=gym, code="GYM-D1", beds=10, bunks=False)
    warden = api_as("warden")
    assert warden.post(f"/units/{gym.pk}/reopen", {"reason": "opened as a temporary camp"}).status_code == 200
    assert warden.post("/lockdowns", {"facility": "OZ", "reason": "riot"}).status_code == 201
    a, b = two
    r = warden.post("/rehousing", {
        "source_unit_id": place.ec.pk, "target_unit_ids": [place.sol.pk, gym.pk], "reason": "riot",
        "preferences": [{"inmate_number": a.inmate_number, "unit_id": place.sol.pk}],
    })
    assert r.status_code == 201, r.content
    run = r.json()
    assert run["status"] == "previewed" and [t["code"] for t in run["targets"]] == ["SOL", "GYM"]
    by_number = {i["person"]["inmate_number"]: i for i in run["items"]}
    assert by_number[a.inmate_number]["to_unit"] == "SOL"
    assert run["planned"] == 2 and run["unplaceable"] == 0
    assert Placement.objects.filter(unit=place.ec, end_at__isnull=True).count() == 2
    # Officers may read runs but not execute them.
    assert api_as("officer").get(f"/rehousing/{run['id']}").status_code == 200
    assert_error(api_as("officer").post(f"/rehousing/{run['id']}/execute"), 403, "forbidden")
    assert_error(api_as("medical").get(f"/rehousing/{run['id']}"), 404, "not_found")
    r = warden.post(f"/rehousing/{run['id']}/execute")
    assert r.status_code == 200, r.content
    done = r.json()
    assert done["status"] == "executed" and done["emergency"] and done["moved"] == 2
    assert done["progress"] == {"done": 2, "total": 2, "state": "executed", "detail": ""}
    assert EmergencyMove.objects.count() == 2
    assert_error(warden.post(f"/rehousing/{run['id']}/execute"), 409, "already_executed")
    assert_error(warden.post(f"/rehousing/{run['id']}/cancel", {"reason": "x"}), 409, "already_executed")
    r = warden.post(f"/units/{place.ec.pk}/close", {"reason": "emptied after the riot"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert warden.get("/rehousing").json()["count"] == 1


@pytest.mark.parametrize("body,fields", [
    ({"target_unit_ids": [], "reason": "x", "people": ["T1"]}, {"people"}),
    ({"source_unit_id": 999999, "target_unit_ids": [1], "reason": "x"}, {"source_unit_id"}),
    ({"reason": "x", "target_unit_ids": [999999], "source_unit_id": 1}, {"target_unit_ids"}),
    ({"reason": "x", "source_unit_id": 1}, {"target_unit_ids"}),
    ({"target_unit_ids": [1], "source_unit_id": 1}, {"reason"}),
    ({"target_unit_ids": [1], "source_unit_id": 1, "reason": "x", "bogus": True}, {"bogus"}),
    ({"target_unit_ids": [1], "source_unit_id": 1, "reason": "x",
      "preferences": [{"inmate_number": "NOPE", "unit_id": 1}]}, {"preferences"}),
])
def test_rehousing_bad_input_is_400_and_writes_nothing(api_as, place, body, fields):
    api_as("warden")
    before = success_count()
    response = assert_error(api_as("warden").post("/rehousing", body), 400, "invalid")
    assert fields <= set(response["fields"]), response
    assert RehousingRun.objects.count() == 0 and success_count() == before


def test_rehousing_service_level_bad_input(api_as, place, two):
    # Target equal to the source, and nothing chosen: the service's own checks, still 400.
    r = api_as("warden").post("/rehousing", {"source_unit_id": place.ec.pk, "target_unit_ids": [place.ec.pk],
                                             "reason": "x"})
    assert_error(r, 400, "invalid")
    r = api_as("warden").post("/rehousing", {"target_unit_ids": [place.sol.pk], "reason": "x"})
    assert_error(r, 400, "invalid")
    assert RehousingRun.objects.count() == 0


def test_rehousing_cancel(api_as, place, two):
    warden = api_as("warden")
    run = warden.post("/rehousing", {"source_unit_id": place.ec.pk, "target_unit_ids": [place.b.pk],
                                     "reason": "x"}).json()
    assert_error(warden.post(f"/rehousing/{run['id']}/cancel", {"reason": ""}), 400, "invalid")
    r = warden.post(f"/rehousing/{run['id']}/cancel", {"reason": "not needed"})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert_error(warden.post(f"/rehousing/{run['id']}/execute"), 409, "already_cancelled")
