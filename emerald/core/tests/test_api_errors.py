"""API plumbing: the error shape for unknown routes, wrong methods, junk input; docs and schema served."""

from __future__ import annotations

import pytest
from django.test import Client

from emerald.audit.models import AuditEntry
from emerald.core.tests.api_helpers import Api, api_factory, assert_error, fast_password_hashing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    fast_password_hashing(settings)


@pytest.fixture
def api_as(users):
    return api_factory(users)


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/people/X/unknown-action/", "/api/v1/units/",
                                  "/api/v1/units/1/explode", "/api/v1/units/-1"])
def test_unknown_route_is_json_404(users, path):
    api = Api(users["officer"])
    response = api.client.get(path, headers=api._headers())
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert response["Content-Type"].startswith("application/json")


def test_wrong_method_is_json_405(api_as):
    response = api_as("officer").client.delete("/api/v1/people", headers=api_as("officer")._headers())
    body = assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"] and "GET" in body["detail"]


def test_docs_and_schema_are_served(db):
    client = Client()
    root = client.get("/api/v1/")
    assert root.status_code == 200 and root.json()["openapi"] == "/api/v1/openapi.json"
    assert client.get("/api/v1/docs").status_code == 200
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "Emerald API"


def test_request_ip_is_recorded_and_not_left_behind(api_as, person_factory):
    person_factory("Beecher", number="ZZ1")
    Api(api_as("officer").user, token=api_as("officer").token).client.get(
        "/api/v1/people/ZZ1", headers=api_as("officer")._headers(), REMOTE_ADDR="10.1.2.3")
    assert AuditEntry.objects.filter(action="person.view").latest("seq").ip == "10.1.2.3"
    from emerald.audit.services import record

    record(actor=None, action="test.after", summary="after the request")
    assert AuditEntry.objects.latest("seq").ip == ""


@pytest.mark.parametrize("raw", ["[]", "null", "42", '"text"', "{", '{"a": NaN}', "\ufeff{}"])
def test_junk_bodies_are_400(api_as, raw):
    response = api_as("administrator").post("/people", raw=raw)
    assert_error(response, 400, "invalid")


def test_huge_numbers_and_odd_types_never_500(api_as, place):
    api = api_as("administrator")
    for body in ({"cell_id": 2**70, "reason": "x"}, {"cell_id": 1.5, "reason": "x"}, {"cell_id": True, "reason": {}},
                 {"cell_id": [], "reason": []}):
        response = api.post("/people/NOBODY/admission", body)
        assert response.status_code in (400, 404), response.content
    for params in ({"offset": 10**30}, {"limit": "1e3"}, {"unit": 2**70}, {"q": "a\x00b"}):
        response = api.get("/people", params)
        assert response.status_code == 400, (params, response.content)


@pytest.mark.parametrize("path,field", [
    ("/people/A%00B", "inmate_number"), ("/people/" + "X" * 200, "inmate_number"),
    ("/people/" + "X" * 200 + "/placements", "inmate_number"),
])
def test_malformed_inmate_numbers_in_paths(api_as, path, field):
    api = api_as("administrator")
    body = assert_error(api.client.get("/api/v1" + path, headers=api._headers()), 400, "invalid")
    assert set(body["fields"]) == {field}


def test_long_inmate_number_that_could_exist_is_an_audited_404(api_as):
    api = api_as("administrator")
    assert_error(api.get("/people/" + "X" * 60), 404, "not_found")
    assert AuditEntry.objects.filter(outcome="denied", object_type="person").latest("seq").object_id == "X" * 60


def test_long_filter_values_are_not_500(api_as):
    api = api_as("administrator")
    assert_error(api.get("/non-associations", {"person": "Y" * 300}), 400, "invalid")
    assert api.get("/audit", {"object_id": "Y" * 300, "actor": "Z" * 300}).json()["count"] == 0
    assert api.get("/people", {"q": "Q" * 2000}).json()["count"] == 0
