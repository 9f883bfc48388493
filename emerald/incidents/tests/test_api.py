"""The incidents API: shapes, status codes, and nothing written on bad input."""

from __future__ import annotations

import pytest

from emerald.core.tests.api_helpers import Api, assert_error
from emerald.incidents.models import Incident, Involvement
from emerald.people.models import PersonStatus

pytestmark = pytest.mark.django_db


def _body(place, cast, **extra):
    body = {
        "type": "riot_disorder", "severity": "critical", "occurred_at": "2026-09-15T21:00:00Z",
        "description": "Riot in Emerald City.", "unit_id": place.ec.pk,
        "involvements": [
            {"kind": "in_custody", "role": "victim", "person": cast.wangler.inmate_number, "died": True},
            {"kind": "in_custody", "role": "assailant", "person": cast.adebisi.inmate_number,
             "injury": "burns", "injury_severity": "serious"},
            {"kind": "staff", "role": "victim", "name": "Officer Gordon", "description": "officer", "died": True},
            {"kind": "outside", "role": "witness", "name": "Governor James Devlin"},
            {"kind": "unknown", "role": "suspect"},
        ],
    }
    body.update(extra)
    return body


def test_create_submit_review_close_through_the_api(users, place, cast):
    warden = Api(users["warden"])
    r = warden.post("/incidents", _body(place, cast))
    assert r.status_code == 201, r.content
    incident = r.json()
    assert incident["status"] == "draft" and incident["suspect_unknown"] is True
    assert len(incident["involvements"]) == 5
    r = warden.post(f"/incidents/{incident['id']}/submit")
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    cast.wangler.refresh_from_db()
    assert cast.wangler.status == PersonStatus.DECEASED
    assert_error(warden.post(f"/incidents/{incident['id']}/submit"), 409, "invalid_transition")
    assert_error(warden.post(f"/incidents/{incident['id']}/close", {}), 409, "invalid_transition")
    assert_error(warden.patch(f"/incidents/{incident['id']}", {"title": "x"}), 409, "not_editable")
    r = warden.post(f"/incidents/{incident['id']}/addenda", {"text": "Two more officers injured."})
    assert r.status_code == 201 and r.json()["text"]
    assert warden.post(f"/incidents/{incident['id']}/review").json()["status"] == "under_review"
    r = warden.post(f"/incidents/{incident['id']}/close", {"outcome": "Handed to the special unit."})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    listing = warden.get("/incidents", {"status": "closed"}).json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == incident["id"]


def test_bad_input_answers_400_with_fields_and_writes_nothing(users, place, cast):
    officer = Api(users["officer"])
    body = _body(place, cast, severity="apocalyptic")
    body["involvements"][0]["person"] = "NO-SUCH"
    r = officer.post("/incidents", body)
    err = assert_error(r, 400, "invalid")
    assert "severity" in err["fields"]
    r = officer.post("/incidents", _body(place, cast, occurred_at="2099-01-01T00:00:00Z",
                                         involvements=[{"kind": "in_custody", "role": "victim", "person": "NOPE"}]))
    err = assert_error(r, 400, "invalid")
    assert "occurred_at" in err["fields"] and "involvements.0.person" in err["fields"]
    r = officer.post("/incidents", _body(place, cast, unit_id=None, description=""))
    err = assert_error(r, 400, "invalid")
    assert {"description", "location_text"} <= set(err["fields"])
    assert Incident.objects.count() == 0 and Involvement.objects.count() == 0


def test_return_with_request_and_keep_apart_proposal(users, place, cast):
    officer, manager = Api(users["officer"]), Api(users["unit_manager"])
    incident = officer.post("/incidents", _body(place, cast, type="assault", involvements=[
        {"kind": "in_custody", "role": "victim", "person": cast.schibetta.inmate_number},
        {"kind": "in_custody", "role": "assailant", "person": cast.adebisi.inmate_number}])).json()
    officer.post(f"/incidents/{incident['id']}/submit")
    assert_error(manager.post(f"/incidents/{incident['id']}/return", {"request": ""}), 400, "invalid")
    r = manager.post(f"/incidents/{incident['id']}/return", {"request": "Add the time of the lock-in."})
    assert r.json()["status"] == "draft" and r.json()["return_requests"][0]["request"]
    r = officer.patch(f"/incidents/{incident['id']}", {"description": "Assault at 21:40 before lock-in."})
    assert r.status_code == 200
    body = officer.post(f"/incidents/{incident['id']}/submit").json()
    proposal = body["proposals"][0]
    assert proposal["status"] == "proposed" and proposal["victim"]["inmate_number"] == cast.schibetta.inmate_number
    assert_error(officer.post(f"/incidents/{incident['id']}/proposals/{proposal['id']}/accept", {}), 403, "forbidden")
    assert_error(manager.post(f"/incidents/{incident['id']}/proposals/{proposal['id']}/reject", {"reason": ""}),
                 400, "invalid")
    r = manager.post(f"/incidents/{incident['id']}/proposals/{proposal['id']}/accept", {"scope": "unit"})
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["order_id"]
    assert_error(manager.post(f"/incidents/{incident['id']}/proposals/{proposal['id']}/accept", {}),
                 409, "already_decided")


def test_record_death_route(users, place, cast):
    officer, warden = Api(users["officer"]), Api(users["warden"])
    incident = officer.post("/incidents", _body(place, cast, involvements=[
        {"kind": "in_custody", "role": "victim", "person": cast.said.inmate_number, "died": True}])).json()
    body = officer.post(f"/incidents/{incident['id']}/submit").json()
    inv = body["involvements"][0]
    assert inv["death_pending"] is True
    assert_error(officer.post(f"/incidents/{incident['id']}/involvements/{inv['id']}/death"), 403, "forbidden")
    r = warden.post(f"/incidents/{incident['id']}/involvements/{inv['id']}/death")
    assert r.status_code == 200 and r.json()["death_pending"] is False
    assert warden.get(f"/people/{cast.said.inmate_number}").json()["status"] == "deceased"


def test_unknown_ids_are_404(users, place, cast):
    api = Api(users["warden"])
    assert_error(api.get("/incidents/999999"), 404, "not_found")
    assert_error(api.post("/incidents/999999/submit"), 404, "not_found")
    assert api.get("/incidents", {"limit": 501}).status_code == 400
    assert api.get("/incidents").json() == {"count": 0, "items": []}
