"""API: people — search, create, read (audited), update, admission, moves, release, placements."""

from __future__ import annotations

import pytest

from conftest import admit
from emerald.audit.models import AuditEntry, Outcome
from emerald.core.tests.api_helpers import api_factory, assert_error, fast_password_hashing, success_count
from emerald.housing.models import Placement
from emerald.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    fast_password_hashing(settings)


@pytest.fixture
def api_as(users):
    return api_factory(users)

NEW = {
    "inmate_number": "ZZ1001", "first_name": "Tobias", "last_name": "Beecher", "aliases": ["Toby"],
    "date_of_birth": "1960-05-01", "sex": "male", "custody_level": "maximum",
}


def test_create_then_read(api_as):
    api = api_as("officer")
    response = api.post("/people", NEW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["inmate_number"] == "ZZ1001" and body["status"] == "not_admitted"
    assert body["aliases"] == ["Toby"] and body["current_placement"] is None
    assert body["date_of_birth"] == "1960-05-01" and body["gender_identity"] == ""
    read = api.get("/people/ZZ1001")
    assert read.status_code == 200
    assert read.json()["name"] == "Tobias Beecher"
    view = AuditEntry.objects.filter(action="person.view", object_id="ZZ1001").latest("seq")
    assert view.actor_username == "officer" and view.changes == {"channel": "api"}


def test_lower_case_number_finds_the_record(api_as, person_factory):
    person_factory("Beecher", "Tobias", number="ZZ2002")
    assert api_as("educator").get("/people/zz2002").json()["inmate_number"] == "ZZ2002"


def test_number_with_slash_is_addressable(api_as, place):
    api = api_as("administrator")
    assert api.post("/people", {**NEW, "inmate_number": "OZ/97/1001"}).status_code == 201
    assert api.get("/people/OZ/97/1001").json()["inmate_number"] == "OZ/97/1001"
    moved = api.post("/people/OZ/97/1001/admission", {"cell_id": place.cell("B-1-01").pk, "reason": "court"})
    assert moved.status_code == 201, moved.content
    assert api.get("/people/OZ/97/1001/placements").json()["count"] == 1


def test_search_is_tolerant_and_paginated(api_as, person_factory, place, admin_user):
    oreily = person_factory("O'Reily", "Ryan", aliases=["Ryan O’Reilly"])
    person_factory("Alvarez", "Miguel")
    person_factory("Adebisi", "Simon")
    admit(admin_user, oreily, place.cell("EC-1-01"))
    api = api_as("medical")
    for q in ("O’Reily", "oreily", "o reily", "O'Reilly"):
        items = api.get("/people", {"q": q}).json()["items"]
        assert items and items[0]["inmate_number"] == oreily.inmate_number, q
    page = api.get("/people", {"limit": 2, "offset": 1}).json()
    assert page["count"] == 3 and len(page["items"]) == 2
    assert [p["last_name"] for p in page["items"]] == ["Alvarez", "O'Reily"]
    in_ec = api.get("/people", {"unit": place.ec.pk}).json()
    assert [p["inmate_number"] for p in in_ec["items"]] == [oreily.inmate_number]
    assert in_ec["items"][0]["current_placement"]["cell"] == "EC-1-01"
    assert api.get("/people", {"status": "not_admitted"}).json()["count"] == 2


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"limit": "x"}, {"offset": -1},
                                    {"status": "asleep"}, {"unit": "EC"}])
def test_search_bad_query(api_as, params):
    body = assert_error(api_as("officer").get("/people", params), 400, "invalid")
    assert set(body["fields"]) == set(params)


def test_update_identity_and_aliases(api_as, person_factory):
    p = person_factory("Beecher", "Tobias", aliases=["Toby"])
    api = api_as("unit_manager")
    response = api.patch(f"/people/{p.inmate_number}", {"first_name": "Toby", "aliases": ["T.B.", "Tobe"],
                                                        "date_of_birth": None})
    assert response.status_code == 200, response.content
    assert response.json()["first_name"] == "Toby" and response.json()["aliases"] == ["T.B.", "Tobe"]
    assert AuditEntry.objects.filter(action="person.update", object_id=p.inmate_number).exists()


def test_admission_move_history_release(api_as, person_factory, place):
    p = person_factory("Beecher", "Tobias")
    api = api_as("warden")
    admitted = api.post(f"/people/{p.inmate_number}/admission",
                        {"cell_id": place.cell("EC-1-01").pk, "reason": "sentenced"})
    assert admitted.status_code == 201, admitted.content
    assert admitted.json()["cell"] == "EC-1-01" and admitted.json()["kind"] == "admission"
    record = api.get(f"/people/{p.inmate_number}").json()
    assert record["status"] == "in_custody"
    assert record["current_placement"]["cell"] == "EC-1-01" and record["current_placement"]["unit"] == "EC"
    moved = api.post(f"/people/{p.inmate_number}/moves", {"cell_id": place.cell("B-1-02").pk, "reason": "bed space"})
    assert moved.status_code == 201, moved.content
    assert moved.json()["cell"] == "B-1-02" and moved.json()["ordered_by"] == "warden"
    history = api.get(f"/people/{p.inmate_number}/placements").json()
    assert history["count"] == 2
    assert [h["cell"] for h in history["items"]] == ["B-1-02", "EC-1-01"]
    assert history["items"][1]["end"] is not None and history["items"][0]["end"] is None
    released = api.post(f"/people/{p.inmate_number}/release", {"reason": "sentence served"})
    assert released.status_code == 200, released.content
    assert released.json()["status"] == "released" and released.json()["current_placement"] is None
    assert Placement.objects.filter(person=p, end_at__isnull=True).count() == 0


def test_unknown_person_is_404_everywhere(api_as, place):
    api = api_as("administrator")
    for method, path, body in [
        ("GET", "/people/NOPE1", None), ("PATCH", "/people/NOPE1", {"first_name": "X"}),
        ("POST", "/people/NOPE1/admission", {"cell_id": place.cell("B-1-01").pk, "reason": "x"}),
        ("POST", "/people/NOPE1/moves", {"cell_id": place.cell("B-1-01").pk, "reason": "x"}),
        ("POST", "/people/NOPE1/release", {"reason": "x"}), ("GET", "/people/NOPE1/placements", None),
    ]:
        assert_error(api.call(method, path, body), 404, "not_found")


# ----------------------------------------------------------------------------- rule refusals


def test_cell_full(api_as, person_factory, place, admin_user):
    a, b, c = (person_factory(n) for n in ("Alpha", "Bravo", "Charlie"))
    admit(admin_user, a, place.cell("B-1-01"))
    admit(admin_user, b, place.cell("B-1-01"))
    response = api_as("officer").post(f"/people/{c.inmate_number}/admission",
                                      {"cell_id": place.cell("B-1-01").pk, "reason": "x"})
    assert_error(response, 409, "cell_full")


def test_cell_unavailable(api_as, person_factory, place):
    p = person_factory("Alpha")
    admin = api_as("administrator")
    out = admin.post(f"/cells/{place.cell('B-1-03').pk}/service", {"in_service": False, "reason": "broken window"})
    assert out.status_code == 200, out.content
    response = api_as("officer").post(f"/people/{p.inmate_number}/admission",
                                      {"cell_id": place.cell("B-1-03").pk, "reason": "x"})
    assert_error(response, 409, "cell_unavailable")


def test_not_in_custody(api_as, person_factory, place, admin_user):
    p = person_factory("Alpha")
    api = api_as("officer")
    assert_error(api.post(f"/people/{p.inmate_number}/moves", {"cell_id": place.cell("B-1-01").pk, "reason": "x"}),
                 409, "not_in_custody")
    admit(admin_user, p, place.cell("B-1-02"))
    assert_error(api.post(f"/people/{p.inmate_number}/admission",
                          {"cell_id": place.cell("B-1-01").pk, "reason": "x"}), 409, "not_in_custody")
    assert_error(api_as("warden").post("/people/" + person_factory("Bravo").inmate_number + "/release",
                                       {"reason": "x"}), 409, "not_in_custody")


# ----------------------------------------------------------------------------- bad input writes nothing


def _counts():
    return (Person.objects.count(), Placement.objects.count(), success_count())


BAD_CREATE = [
    ({}, {"inmate_number", "first_name", "last_name", "sex", "custody_level"}),
    ({**NEW, "sex": "other"}, {"sex"}),
    ({**NEW, "custody_level": "supermax"}, {"custody_level"}),
    ({**NEW, "date_of_birth": "01/05/1960"}, {"date_of_birth"}),
    ({**NEW, "date_of_birth": "2999-01-01"}, {"date_of_birth"}),
    ({**NEW, "inmate_number": "has space"}, {"inmate_number"}),
    ({**NEW, "first_name": "   "}, {"first_name"}),
    ({**NEW, "first_name": "x" * 101}, {"first_name"}),
    ({**NEW, "aliases": "Toby"}, {"aliases"}),
    ({**NEW, "aliases": [1]}, {"aliases"}),
    ({**NEW, "first_name": "nul\x00byte"}, {"first_name"}),
    ({**NEW, "favourite_colour": "green"}, {"favourite_colour"}),
    ({**NEW, "first_name": None}, {"first_name"}),
]


@pytest.mark.parametrize("body,fields", BAD_CREATE)
def test_create_bad_input(api_as, body, fields):
    api = api_as("officer")
    before = _counts()
    response = assert_error(api.post("/people", body), 400, "invalid")
    assert set(response["fields"]) == fields, response
    assert _counts() == before


def test_create_duplicate_number(api_as, person_factory):
    person_factory("Beecher", number="ZZ1001")
    api = api_as("officer")
    before = _counts()
    assert set(assert_error(api.post("/people", NEW), 400, "invalid")["fields"]) == {"inmate_number"}
    assert _counts() == before


def test_malformed_json_body(api_as):
    api = api_as("officer")
    before = _counts()
    assert_error(api.post("/people", raw='{"inmate_number": '), 400, "invalid")
    assert_error(api.post("/people", raw=b"\xff\xfe"), 400, "invalid")
    assert_error(api.post("/people", raw=""), 400, "invalid")
    assert _counts() == before


@pytest.mark.parametrize("body,fields", [
    ({"first_name": ""}, {"first_name"}),
    ({"first_name": None}, {"first_name"}),
    ({"sex": "x"}, {"sex"}),
    ({"inmate_number": "NEW1"}, {"inmate_number"}),
    ({"status": "released"}, {"status"}),
    ({"aliases": None}, {"aliases"}),
    ({"date_of_birth": "yesterday"}, {"date_of_birth"}),
])
def test_update_bad_input(api_as, person_factory, body, fields):
    p = person_factory("Beecher")
    api = api_as("officer")
    before = _counts()
    response = assert_error(api.patch(f"/people/{p.inmate_number}", body), 400, "invalid")
    assert set(response["fields"]) == fields
    assert _counts() == before
    p.refresh_from_db()
    assert p.last_name == "Beecher" and p.status == "not_admitted"


@pytest.mark.parametrize("action,body,fields", [
    ("admission", {}, {"cell_id", "reason"}),
    ("admission", {"cell_id": "one", "reason": "x"}, {"cell_id"}),
    ("admission", {"cell_id": 10**30, "reason": "x"}, {"cell_id"}),
    ("admission", {"cell_id": 999999, "reason": "x"}, {"cell_id"}),
    ("admission", {"cell_id": "CELL", "reason": " "}, {"cell_id"}),
    ("admission", {"reason": " ", "cell_id": None}, {"cell_id"}),
    ("moves", {"cell_id": 999999, "reason": "x"}, {"cell_id"}),
    ("moves", {"cell_id": 1, "reason": ""}, {"reason"}),
    ("moves", {"cell_id": 1, "reason": "x", "override": "yes"}, {"override"}),
    ("release", {}, {"reason"}),
    ("release", {"reason": "x", "kind": "paroled"}, {"kind"}),
    ("release", {"reason": "  "}, {"reason"}),
])
def test_housing_writes_bad_input(api_as, person_factory, place, admin_user, action, body, fields):
    p = person_factory("Beecher")
    if action != "admission":
        admit(admin_user, p, place.cell("B-1-01"))
    api = api_as("administrator")
    before = _counts()
    response = assert_error(api.post(f"/people/{p.inmate_number}/{action}", body), 400, "invalid")
    assert set(response["fields"]) == fields, response
    assert _counts() == before


def test_admission_audit_mentions_person_and_cell(api_as, person_factory, place):
    p = person_factory("Beecher", number="ZZ1001")
    api_as("officer").post("/people/ZZ1001/admission", {"cell_id": place.cell("B-1-01").pk, "reason": "court"})
    entry = AuditEntry.objects.filter(action="person.admit", outcome=Outcome.SUCCESS).latest("seq")
    assert entry.summary == f"admitted {p.inmate_number} to B-1-01"
