"""Medical encounters exist only for medical staff: every other role, through every endpoint and page that
could show one, meets a 404 or a refused list, and never the encounter's content."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.core.tests.api_helpers import Api
from emerald.health import services
from emerald.health.tests.fixtures import NON_MEDICAL, SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def encounter(users, cast):
    return services.encounter_create(
        actor=users["medical"], person=cast.ryan, kind="surgery", occurred_at=clock.now() - timedelta(hours=3),
        notes=f"Chest surgery {SECRET}", diagnoses=f"Stab wound {SECRET}", procedures="thoracotomy",
        medications="morphine")


def _pages(client: Client, encounter, cast) -> dict[str, object]:
    number = cast.ryan.inmate_number
    return {
        "list": client.get(reverse("health:list")),
        "search": client.get(reverse("health:list"), {"q": "Stab"}),
        "export": client.get(reverse("health:export")),
        "detail": client.get(reverse("health:encounter", args=[encounter.pk])),
        "record": client.get(reverse("health:record", args=[number])),
        "log": client.get(reverse("health:break_glass_log")),
        "person": client.get(reverse("people:detail", args=[number])),
        "people_search": client.get(reverse("people:search"), {"q": "O'Reily"}),
        "dashboard": client.get(reverse("core:dashboard")),
    }


@pytest.mark.parametrize("role", NON_MEDICAL)
def test_encounter_does_not_exist_for_role_api(role, users, cast, encounter):
    api = Api(users[role])
    number = cast.ryan.inmate_number
    detail = api.get(f"/health/encounters/{encounter.pk}")
    assert detail.status_code == 404 and detail.json()["error"] == "not_found"
    assert SECRET not in detail.content.decode()
    for params in ({}, {"q": SECRET}, {"person": number}, {"kind": "surgery"}):
        listing = api.get("/health/encounters", params)
        assert listing.status_code == 403 and SECRET not in listing.content.decode()
    assert api.get("/health/encounters/stats").status_code == 403
    record = api.get(f"/health/people/{number}/record")
    assert record.status_code == 404 and SECRET not in record.content.decode()
    assert api.get("/health/break-glass").status_code == 403
    assert api.get("/health/notifications").status_code == 403
    # Writes on it answer 404 too (the encounter is unknown), and write nothing.
    assert api.post(f"/health/encounters/{encounter.pk}/addenda", {"text": "x"}).status_code == 404
    assert api.post(f"/health/encounters/{encounter.pk}/incidents", {"incident_id": 1}).status_code == 404
    assert api.post("/health/encounters", {"person": number, "kind": "sick_call",
                                           "occurred_at": "2026-07-10T10:00:00Z", "notes": "x"}).status_code == 403
    assert encounter.addenda.count() == 0
    # The person's record itself is readable, and says nothing medical.
    person = api.get(f"/people/{number}")
    assert person.status_code == 200 and SECRET not in person.content.decode()
    # The refusals are on the audit trail; no successful read of the record is.
    assert AuditEntry.objects.filter(actor=users[role], object_type="health_encounter", outcome="denied").exists()
    assert not AuditEntry.objects.filter(actor=users[role], action="health.record.view").exists()


@pytest.mark.parametrize("role", NON_MEDICAL)
def test_encounter_does_not_exist_for_role_pages(role, users, cast, encounter):
    client = Client()
    client.force_login(users[role])
    pages = _pages(client, encounter, cast)
    for name, response in pages.items():
        body = response.content.decode()
        assert SECRET not in body and "Stab wound" not in body, name
        assert "thoracotomy" not in body and "Surgery" not in body, name
    for name in ("list", "search", "export", "log"):
        assert pages[name].status_code == 403, name
    assert pages["detail"].status_code == 404 and pages["record"].status_code == 404
    person = pages["person"].content.decode()
    assert pages["person"].status_code == 200
    assert 'id="person-encounters"' not in person
    assert reverse("health:encounter", args=[encounter.pk]) not in person
    assert pages["people_search"].status_code == 200
    assert 'id="medical-notices"' not in pages["dashboard"].content.decode()


def test_medical_staff_see_everything(users, cast, encounter):
    api = Api(users["medical"])
    number = cast.ryan.inmate_number
    assert SECRET in api.get(f"/health/encounters/{encounter.pk}").json()["notes"]
    assert api.get("/health/encounters", {"q": SECRET}).json()["count"] == 1
    assert api.get("/health/encounters", {"person": number}).json()["count"] == 1
    assert api.get("/health/encounters/stats").json() == {"total": 1, "by_kind": [{"kind": "surgery", "count": 1}]}
    record = api.get(f"/health/people/{number}/record").json()
    assert record["break_glass"] is None and [e["id"] for e in record["encounters"]] == [encounter.pk]
    client = Client()
    client.force_login(users["medical"])
    pages = _pages(client, encounter, cast)
    for name in ("list", "search", "detail", "record", "person", "export", "log"):
        assert pages[name].status_code == 200, name
    assert SECRET in pages["detail"].content.decode() and SECRET in pages["record"].content.decode()
    assert 'id="person-encounters"' in pages["person"].content.decode()
    assert number in pages["export"].content.decode()
    # Every read of the record is audited, never with its content.
    reads = AuditEntry.objects.filter(actor=users["medical"], action="health.record.view")
    assert reads.count() >= 4
    assert not any(SECRET in (e.summary + str(e.changes)) for e in AuditEntry.objects.all())
