"""Encounters and custody notes through the API: bad input is a 400 with fields and writes nothing; notes are
closed or superseded, never deleted; custody staff read notes, others do not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.core.tests.api_helpers import Api, assert_error
from emerald.health import services
from emerald.health.models import CustodyNote, Encounter, EncounterIncidentLink
from emerald.incidents import services as inc

pytestmark = pytest.mark.django_db


def test_encounter_create_and_bad_input(users, cast, place):
    api = Api(users["medical"])
    good = {"person": cast.ryan.inmate_number, "kind": "surgery", "occurred_at": "2026-07-10T13:00:00Z",
            "notes": "Chest surgery went well.", "diagnoses": "pneumothorax", "procedures": "chest drain",
            "medications": "antibiotics", "location": "St. Mary's"}
    for bad, field in (({"kind": "massage"}, "kind"), ({"occurred_at": "2026-07-10T13:00:00"}, "occurred_at"),
                       ({"occurred_at": "2027-01-01T00:00:00Z"}, "occurred_at"), ({"notes": " "}, "notes"),
                       ({"person": "NOPE"}, "person"), ({"clinician": "officer"}, "clinician"),
                       ({"incident_ids": [999]}, "incident_ids"), ({"bogus": 1}, "bogus"),
                       ({"notes": "a\x00b"}, "notes")):
        r = api.post("/health/encounters", {**good, **bad})
        body = assert_error(r, 400, "invalid")
        assert field in body["fields"], (bad, body)
    assert not Encounter.objects.exists()
    incident = inc.incident_create(actor=users["medical"], type="poisoning", severity="high",
                                   occurred_at=clock.now() - timedelta(hours=5), description="poisoned",
                                   unit_id=place.ec.pk)
    r = api.post("/health/encounters", {**good, "clinician": "medical", "incident_ids": [incident.pk]})
    assert r.status_code == 201
    body = r.json()
    assert body["clinician"] == "medical" and body["incidents"][0]["incident_id"] == incident.pk
    encounter = Encounter.objects.get()
    assert_error(api.post(f"/health/encounters/{encounter.pk}/incidents", {"incident_id": incident.pk}), 409,
                 "already_linked")
    r = api.post(f"/health/encounters/{encounter.pk}/addenda", {"text": "Drain removed on day 3."})
    assert r.status_code == 201
    assert api.get(f"/health/encounters/{encounter.pk}").json()["addenda"][0]["text"] == "Drain removed on day 3."
    # The audit entry names the encounter and the person, never the clinical content.
    entry = AuditEntry.objects.get(action="health.encounter_create")
    assert "pneumothorax" not in entry.summary + str(entry.changes) and cast.ryan.inmate_number in entry.summary


def test_link_to_a_restricted_incident_is_hidden_from_those_outside_the_team(users, cast, place):
    """An encounter reader under break-glass (an officer) does not learn of a sexual-abuse report it treated."""
    investigator = users["investigator"]
    restricted = inc.incident_create(actor=investigator, type="sexual_assault", severity="high",
                                     occurred_at=clock.now() - timedelta(hours=5), description="report",
                                     unit_id=place.ec.pk)
    encounter = services.encounter_create(actor=users["medical"], person=cast.ryan, kind="emergency",
                                          occurred_at=clock.now() - timedelta(hours=4), notes="examined",
                                          incident_ids=[restricted.pk])
    assert EncounterIncidentLink.objects.count() == 1
    assert len(Api(users["medical"]).get(f"/health/encounters/{encounter.pk}").json()["incidents"]) == 1
    services.break_glass_open(actor=users["officer"], person=cast.ryan, reason="emergency")
    assert Api(users["officer"]).get(f"/health/encounters/{encounter.pk}").json()["incidents"] == []


def test_custody_notes_who_reads_and_writes(users, cast):
    medical = Api(users["medical"])
    body = {"person": cast.ryan.inmate_number, "text": "post-operative: no lifting, bottom bunk",
            "kinds": ["no_lifting", "bottom_bunk"], "valid_until": "2026-08-21"}
    for bad, field in (({"kinds": []}, "kinds"), ({"kinds": ["nap"]}, "kinds"), ({"text": ""}, "text"),
                       ({"valid_until": "2026-07-01"}, "valid_until"), ({"valid_from": "soon"}, "valid_from"),
                       ({"valid_from": "2026-09-01", "valid_until": "2026-08-01"}, "valid_until")):
        assert field in assert_error(medical.post("/health/custody-notes", {**body, **bad}), 400, "invalid")["fields"]
    assert not CustodyNote.objects.exists()
    r = medical.post("/health/custody-notes", body)
    assert r.status_code == 201
    note = CustodyNote.objects.get()
    for role in ("officer", "unit_manager", "warden", "administrator"):
        api = Api(users[role])
        assert api.get("/health/custody-notes", {"person": cast.ryan.inmate_number}).json()["count"] == 1
        assert api.get(f"/health/custody-notes/{note.pk}").json()["text"].startswith("post-operative")
        assert_error(api.post("/health/custody-notes", body), 403, "forbidden")
        assert_error(api.post(f"/health/custody-notes/{note.pk}/close", {"reason": "x"}), 403, "forbidden")
    for role in ("educator", "investigator", "auditor"):
        api = Api(users[role])
        assert_error(api.get("/health/custody-notes"), 403, "forbidden")
        assert_error(api.get(f"/health/custody-notes/{note.pk}"), 404, "not_found")
        assert_error(api.post(f"/health/custody-notes/{note.pk}/close", {"reason": "x"}), 404, "not_found")
    # Superseded: the old note is closed, pointing at the new one; nothing is deleted.
    r = medical.post("/health/custody-notes", {**body, "kinds": ["no_lifting"], "text": "no lifting only",
                                               "supersedes": note.pk})
    assert r.status_code == 201
    note.refresh_from_db()
    assert note.closed_at and note.superseded_by_id == r.json()["id"] and note.closed_by == users["medical"]
    assert_error(medical.post(f"/health/custody-notes/{note.pk}/close", {"reason": "x"}), 409, "already_closed")
    assert_error(medical.post(f"/health/custody-notes/{r.json()['id']}/close", {"reason": ""}), 400, "invalid")
    closed = medical.post(f"/health/custody-notes/{r.json()['id']}/close", {"reason": "recovered"})
    assert closed.status_code == 200 and closed.json()["close_reason"] == "recovered"
    assert not closed.json()["in_force"]
    assert CustodyNote.objects.count() == 2
    assert medical.get("/health/custody-notes", {"in_force": "true"}).json()["count"] == 0
