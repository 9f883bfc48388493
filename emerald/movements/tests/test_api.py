"""API: /absences, /transfers, /counts, /escapes, /roll/live and /roll/units."""

from __future__ import annotations

from datetime import timedelta

import pytest

from emerald.core.tests.api_helpers import api_factory, assert_error
from emerald.housing.models import Placement
from emerald.movements.models import Absence, Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_as(users):
    return api_factory(users)


def iso(moment) -> str:
    return moment.isoformat()


def test_absence_roundtrip_and_live_roll(world, api_as):
    w = world
    officer = api_as("officer")
    r = officer.post("/absences", {"inmate_number": w.people.ann.inmate_number, "kind": "court",
                                   "destination": "County Court", "reason": "hearing",
                                   "expected_back_at": iso(w.now + timedelta(hours=3))})
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["cell"], body["overdue"]) == ("out", "EC-1-01", False)
    roll = officer.get("/roll/live").json()
    ec = next(u for u in roll["units"] if u["code"] == "EC")
    assert (ec["occupied"], ec["in_cell"], ec["out"], ec["free"], ec["beds"]) == (3, 2, 1, 5, 8)
    assert ec["away"][0]["person"]["inmate_number"] == w.people.ann.inmate_number
    assert roll["totals"]["out"] == 1
    assert_error(officer.post("/absences", {"inmate_number": w.people.ann.inmate_number, "kind": "work",
                                            "destination": "kitchen", "reason": "x",
                                            "expected_back_at": iso(w.now + timedelta(hours=1))}), 409, "already_out")
    r = officer.post(f"/absences/{body['id']}/return")
    assert r.status_code == 200 and r.json()["status"] == "returned"
    # GET /roll (housing) keeps its contract.
    old = officer.get("/roll").json()
    assert set(old) == {"at", "total", "facilities"}


def test_absence_bad_input_is_400_with_fields(world, api_as):
    w = world
    r = api_as("officer").post("/absences", {"inmate_number": "NOPE", "kind": "party", "destination": "x",
                                             "reason": "x", "expected_back_at": "tomorrow"})
    body = assert_error(r, 400, "invalid")
    assert {"kind", "expected_back_at"} <= set(body["fields"])
    r = api_as("officer").post("/absences", {"inmate_number": "NOPE", "kind": "court", "destination": "x",
                                             "reason": "x", "expected_back_at": iso(w.now + timedelta(hours=1))})
    assert assert_error(r, 400, "invalid")["fields"] == {"inmate_number": ["No person with inmate number NOPE."]}
    assert not Absence.objects.exists()
    assert_error(api_as("educator").get("/absences"), 403, "forbidden")
    assert_error(api_as("officer").get("/absences/999"), 404, "not_found")


def test_transfer_story_over_the_api(world, api_as):
    w = world
    r = api_as("officer").post("/transfers", {"inmate_number": w.people.cid.inmate_number,
                                              "to_unit_id": w.place.b.pk, "reason": "disrespect"})
    assert r.status_code == 201, r.content
    t = r.json()
    assert (t["status"], t["ordered_by"], t["from_cell"], t["to_unit"]) == ("requested", "officer", "EC-1-02", "B")
    assert_error(api_as("officer").post(f"/transfers/{t['id']}/execute"), 409, "not_approved")
    assert_error(api_as("officer").post(f"/transfers/{t['id']}/approve"), 403, "forbidden")
    t = api_as("warden").post(f"/transfers/{t['id']}/approve", {"note": "ok"}).json()
    assert (t["approved_by"], t["manager_review"]) == ("warden", "pending")
    t = api_as("officer").post(f"/transfers/{t['id']}/execute").json()
    assert t["status"] == "executed" and t["placed_in"].startswith("B-")
    queue = api_as("unit_manager").get("/transfers", {"queue": "true"}).json()
    assert [i["id"] for i in queue["items"]] == [t["id"]]
    t = api_as("unit_manager").post(f"/transfers/{t['id']}/contest", {"reason": "not approved by me"}).json()
    assert t["manager_review"] == "contested"
    contested = api_as("warden").get("/transfers", {"contested": "true"}).json()
    assert contested["count"] == 1
    assert_error(api_as("warden").post(f"/transfers/{t['id']}/decide", {"decision": "maybe", "reason": "x"}),
                 400, "invalid")
    t = api_as("warden").post(f"/transfers/{t['id']}/decide", {"decision": "reversed", "reason": "no grounds"}).json()
    assert (t["manager_review"], t["moved_back_to"]) == ("reversed", "EC-1-02")
    assert Placement.objects.get(person=w.people.cid, end_at__isnull=True).cell.code == "EC-1-02"


def test_emergency_transfer_over_the_api(world, api_as):
    w = world
    body = {"inmate_number": w.people.cid.inmate_number, "to_unit_id": w.place.sol.pk, "reason": "fight",
            "emergency": True, "emergency_reason": "threat to life"}
    assert_error(api_as("officer").post("/transfers", body), 403, "forbidden")
    t = api_as("warden").post("/transfers", body).json()
    assert (t["status"], t["emergency"], t["approved_by"]) == ("executed", True, None)
    t = api_as("warden").post(f"/transfers/{t['id']}/review", {"note": "justified"}).json()
    assert t["emergency_reviewed_by"] == "warden"
    assert_error(api_as("officer").post("/transfers", {**body, "emergency": False}), 400, "invalid")
    assert Transfer.objects.count() == 1


def test_count_over_the_api(world, api_as):
    w = world
    warden, officer = api_as("warden"), api_as("officer")
    resp = warden.client.put("/api/v1/counts/schedule/OZ", data='{"times": ["06:00", "22:00"]}',
                             content_type="application/json", headers=warden._headers())
    assert resp.status_code == 200 and resp.json()["times"] == ["06:00", "22:00"]
    assert_error(officer.post("/counts", {"facility": "OZ"}), 409, "no_count_due")
    c = officer.post("/counts", {"facility": "OZ", "kind": "emergency", "reason": "fight"})
    assert c.status_code == 201, c.content
    c = c.json()
    ec = next(s for s in c["sheets"] if s["unit"] == "EC")
    sheet = officer.get(f"/counts/sheets/{ec['id']}").json()
    assert len(sheet["lines"]) == 3
    for line in sheet["lines"]:
        mark = "absent" if line["person"]["inmate_number"] == w.people.ann.inmate_number else "present"
        assert officer.post(f"/counts/lines/{line['id']}/mark", {"mark": mark}).status_code == 200
    s = officer.post(f"/counts/sheets/{ec['id']}/submit", {}).json()
    assert not s["reconciled"] and s["problems"]
    alerts = warden.get("/counts/alerts").json()
    assert alerts["count"] == 1 and alerts["items"][0]["unit"] == "EC"  # paged, like every list
    assert api_as("educator").get("/counts/alerts").json() == {"count": 0, "items": []}
    c2 = warden.post(f"/counts/{c['id']}/escalate", {"reason": "one missing"}).json()
    assert c2["escalated"] and c2["lockdown_id"]
    ann = next(ln for ln in sheet["lines"] if ln["person"]["inmate_number"] == w.people.ann.inmate_number)
    assert_error(officer.post(f"/counts/lines/{ann['id']}/mark", {"mark": "elsewhere"}), 400, "invalid")
    officer.post(f"/counts/lines/{ann['id']}/mark", {"mark": "elsewhere", "where": "chapel"})
    assert_error(officer.post(f"/counts/lines/{ann['id']}/reconcile", {"note": "x"}), 403, "forbidden")
    assert warden.post(f"/counts/lines/{ann['id']}/reconcile", {"note": "at the chapel"}).status_code == 200
    for s in c["sheets"]:
        if s["unit"] != "EC":
            officer.post(f"/counts/sheets/{s['id']}/submit", {"total": s["expected"]})
    assert warden.get(f"/counts/{c['id']}").json()["status"] == "cleared"
    assert warden.get("/counts/alerts").json() == {"count": 0, "items": []}


def test_escape_and_recapture_over_the_api(world, api_as):
    w = world
    warden = api_as("warden")
    e = warden.post("/escapes", {"inmate_number": w.people.dan.inmate_number,
                                 "last_seen_at": iso(w.now - timedelta(hours=1)), "circumstances": "fence"})
    assert e.status_code == 201, e.content
    e = e.json()
    assert (e["kind"], e["from_cell"]) == ("escape", "B-1-01") and e["incident_id"]
    assert warden.get("/escapes", {"at_large": "true"}).json()["count"] == 1
    r = warden.post(f"/escapes/{e['id']}/recapture", {"cell_id": w.place.cell("SOL-02").pk, "at": iso(w.now),
                                                      "circumstances": "caught"})
    assert r.status_code == 200 and r.json()["readmitted_to"] == "SOL-02"
    a = api_as("officer").post("/escapes/attempts", {"inmate_numbers": [w.people.ann.inmate_number,
                                                                        w.people.bob.inmate_number],
                                                     "at": iso(w.now), "circumstances": "tunnel"})
    assert a.status_code == 201 and len(a.json()) == 2


def test_roll_units_as_of(world, api_as):
    w = world
    r = api_as("auditor").get("/roll/units", {"at": iso(w.now - timedelta(days=1))}).json()
    assert sum(u["occupied"] for u in r["units"]) == 0
    r = api_as("auditor").get("/roll/units", {"at": iso(w.now + timedelta(seconds=1))}).json()
    assert r["totals"]["occupied"] == 6
    assert_error(api_as("auditor").get("/roll/units", {"at": "yesterday"}), 400, "invalid")
