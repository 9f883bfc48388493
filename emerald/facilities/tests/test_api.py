"""API: units and cells — occupancy, closing and reopening units, cells in and out of service."""

from __future__ import annotations

import pytest

from conftest import admit
from emerald.audit.models import AuditEntry, Outcome
from emerald.core.tests.api_helpers import api_factory, assert_error, fast_password_hashing, success_count
from emerald.facilities.models import Cell, CellServiceChange, Unit, UnitStatusChange
from emerald.housing.services import non_association_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    fast_password_hashing(settings)


@pytest.fixture
def api_as(users):
    return api_factory(users)


def test_units_list(api_as, place, person_factory, admin_user):
    admit(admin_user, person_factory("Beecher"), place.cell("EC-1-01"))
    body = api_as("educator").get("/units").json()
    assert body["count"] == 3
    assert [u["code"] for u in body["items"]] == ["B", "EC", "SOL"]
    ec = next(u for u in body["items"] if u["code"] == "EC")
    assert ec == {"id": place.ec.pk, "facility": "OZ", "code": "EC", "name": "Emerald City", "kind": "rehabilitation",
                  "security_level": "maximum", "status": "open", "capacity": 8, "certified_capacity": 8,
                  "occupied": 1, "free": 7}
    page = api_as("educator").get("/units", {"limit": 1, "offset": 2}).json()
    assert page["count"] == 3 and [u["code"] for u in page["items"]] == ["SOL"]


def test_unit_detail_with_occupants_and_keep_apart_warnings(api_as, place, person_factory, admin_user):
    a, b = person_factory("Adebisi", "Simon"), person_factory("Schibetta", "Peter")
    admit(admin_user, a, place.cell("EC-1-01"))
    admit(admin_user, b, place.cell("EC-1-01"))
    non_association_create(actor=admin_user, person_a=a, person_b=b, scope="cell", reason="threat")
    body = api_as("officer").get(f"/units/{place.ec.pk}").json()
    assert body["code"] == "EC" and body["occupied"] == 2 and body["capacity"] == 8 and body["free"] == 6
    cells = {c["code"]: c for c in body["cells"]}
    assert list(cells) == ["EC-1-01", "EC-1-02", "EC-1-03", "EC-1-04"]
    first = cells["EC-1-01"]
    assert first["status"] == "in_service" and first["capacity"] == 2 and first["certified_capacity"] == 2
    assert [o["inmate_number"] for o in first["occupants"]] == [a.inmate_number, b.inmate_number]
    assert first["occupants"][0]["name"] == "Simon Adebisi"
    assert first["occupants"][0]["keep_apart"] and cells["EC-1-04"]["accessible"] is True
    # Roles that may not see keep-apart orders see the occupants but not the warnings.
    hidden = api_as("medical").get(f"/units/{place.ec.pk}").json()
    assert hidden["cells"][0]["occupants"][0]["keep_apart"] == []


def test_cell_detail(api_as, place, person_factory, admin_user):
    p = person_factory("Beecher")
    admit(admin_user, p, place.cell("SOL-01"))
    body = api_as("investigator").get(f"/cells/{place.cell('SOL-01').pk}").json()
    assert body["code"] == "SOL-01" and body["unit"] == "SOL" and body["facility"] == "OZ"
    assert body["single_occupancy"] is True and body["free"] == 0
    assert body["occupants"][0]["inmate_number"] == p.inmate_number and body["occupants"][0]["bed"] == 1


@pytest.mark.parametrize("path", ["/units/999999", "/cells/999999", "/units/0", "/units/99999999999999999999999",
                                  "/cells/abc", "/units/-1"])
def test_unknown_unit_or_cell(api_as, place, path):
    response = api_as("officer").get(path)
    assert response.status_code in (400, 404)
    assert response.json()["error"] in ("invalid", "not_found")


def test_unknown_unit_is_an_audited_404(api_as, place):
    assert_error(api_as("officer").get("/units/999999"), 404, "not_found")
    assert AuditEntry.objects.filter(outcome=Outcome.DENIED, object_type="unit", object_id="999999").exists()


def test_close_and_reopen_unit(api_as, place):
    api = api_as("warden")
    closed = api.post(f"/units/{place.sol.pk}/close", {"reason": "repairs"})
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed" and len(closed.json()["cells"]) == 2
    assert_error(api.post(f"/units/{place.sol.pk}/close", {"reason": "again"}), 409, "already_closed")
    reopened = api.post(f"/units/{place.sol.pk}/reopen", {"reason": "repaired"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    assert_error(api.post(f"/units/{place.sol.pk}/reopen", {"reason": "again"}), 409, "not_closed")
    assert UnitStatusChange.objects.filter(unit=place.sol).count() == 2


def test_occupied_unit_cannot_close(api_as, place, person_factory, admin_user):
    admit(admin_user, person_factory("Beecher"), place.cell("EC-1-01"))
    assert_error(api_as("unit_manager").post(f"/units/{place.ec.pk}/close", {"reason": "x"}), 409, "unit_occupied")


def test_unit_manager_only_their_units(api_as, place):
    api = api_as("unit_manager")
    assert_error(api.post(f"/units/{place.sol.pk}/close", {"reason": "x"}), 403, "forbidden")
    assert_error(api.post(f"/cells/{place.cell('B-1-01').pk}/service", {"in_service": False, "reason": "x"}),
                 403, "forbidden")
    ok = api.post(f"/cells/{place.cell('EC-1-02').pk}/service", {"in_service": False, "reason": "flooded"})
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "out_of_service" and ok.json()["out_of_service_reason"] == "flooded"
    assert ok.json()["capacity"] == 0
    back = api.post(f"/cells/{place.cell('EC-1-02').pk}/service", {"in_service": True, "reason": "dry"})
    assert back.json()["status"] == "in_service" and back.json()["capacity"] == 2


def test_cell_service_conflicts(api_as, place, person_factory, admin_user):
    admit(admin_user, person_factory("Beecher"), place.cell("B-1-01"))
    api = api_as("administrator")
    assert_error(api.post(f"/cells/{place.cell('B-1-01').pk}/service", {"in_service": False, "reason": "x"}),
                 409, "cell_occupied")
    assert_error(api.post(f"/cells/{place.cell('B-1-02').pk}/service", {"in_service": True, "reason": "x"}),
                 409, "unchanged")


def _counts():
    return (Unit.objects.filter(status="closed").count(), Cell.objects.filter(in_service=False).count(),
            UnitStatusChange.objects.count(), CellServiceChange.objects.count(), success_count())


@pytest.mark.parametrize("action,body,fields", [
    ("close", {}, {"reason"}), ("close", {"reason": ""}, {"reason"}), ("close", {"reason": None}, {"reason"}),
    ("close", {"reason": "x", "force": True}, {"force"}), ("reopen", {}, {"reason"}),
    ("reopen", {"reason": "   "}, {"reason"}),
])
def test_unit_writes_bad_input(api_as, place, action, body, fields):
    api = api_as("administrator")
    if action == "reopen":
        api.post(f"/units/{place.sol.pk}/close", {"reason": "setup"})
    before = _counts()
    response = assert_error(api.post(f"/units/{place.sol.pk}/{action}", body), 400, "invalid")
    assert set(response["fields"]) == fields
    assert _counts() == before


@pytest.mark.parametrize("body,fields", [
    ({}, {"in_service", "reason"}), ({"in_service": "maybe", "reason": "x"}, {"in_service"}),
    ({"in_service": False}, {"reason"}), ({"in_service": False, "reason": "  "}, {"reason"}),
    ({"in_service": False, "reason": "a\x00b"}, {"reason"}),
])
def test_cell_service_bad_input(api_as, place, body, fields):
    api = api_as("administrator")
    before = _counts()
    response = assert_error(api.post(f"/cells/{place.cell('B-1-03').pk}/service", body), 400, "invalid")
    assert set(response["fields"]) == fields
    assert _counts() == before
