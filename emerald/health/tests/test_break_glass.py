"""Break-glass: an allowed non-medical role opens one person's record for an hour, with a reason; audited and
notified to medical staff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.core.tests.api_helpers import Api, assert_error
from emerald.health import services
from emerald.health.models import BreakGlassAccess, MedicalNotification
from emerald.health.tests.fixtures import SECRET

pytestmark = pytest.mark.django_db

ALLOWED = ["warden", "unit_manager", "officer"]
REFUSED = ["administrator", "educator", "investigator", "auditor"]


@pytest.fixture
def encounters(users, cast):
    make = services.encounter_create
    return [make(actor=users["medical"], person=cast.ryan, kind="surgery", occurred_at=clock.now() - timedelta(days=1),
                 notes=f"Allergic to penicillin {SECRET}"),
            make(actor=users["medical"], person=cast.hill, kind="sick_call", occurred_at=clock.now() - timedelta(days=1),
                 notes="Hill's own record")]


@pytest.mark.parametrize("role", ALLOWED)
def test_break_glass_opens_one_record_for_an_hour(role, users, cast, encounters):
    api = Api(users[role])
    number = cast.ryan.inmate_number
    assert api.get(f"/health/people/{number}/record").status_code == 404
    opened = api.post(f"/health/people/{number}/break-glass", {"reason": "found unconscious in his cell"})
    assert opened.status_code == 201
    access = BreakGlassAccess.objects.get()
    assert opened.json()["expires_at"].startswith((clock.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    entry = AuditEntry.objects.get(action="health.break_glass")
    assert entry.outcome == "success" and entry.actor == users[role] and entry.object_id == number
    assert "found unconscious" in entry.summary
    record = api.get(f"/health/people/{number}/record")
    assert record.status_code == 200
    body = record.json()
    assert body["break_glass"]["id"] == access.pk and SECRET in body["encounters"][0]["notes"]
    assert api.get(f"/health/encounters/{encounters[0].pk}").status_code == 200
    # Scoped to that person: another person's encounter still does not exist.
    assert api.get(f"/health/encounters/{encounters[1].pk}").status_code == 404
    assert api.get(f"/health/people/{cast.hill.inmate_number}/record").status_code == 404
    # Lists and counts remain medical staff's.
    assert api.get("/health/encounters").status_code == 403
    reads = AuditEntry.objects.filter(action="health.record.view", actor=users[role])
    assert reads.count() == 2 and all(e.changes["break_glass"] == access.pk for e in reads)
    # Medical staff are notified.
    notice = MedicalNotification.objects.get()
    assert notice.access == access and "found unconscious" in notice.message
    medical = Api(users["medical"])
    listed = medical.get("/health/notifications").json()
    assert listed["count"] == 1 and listed["items"][0]["break_glass_id"] == access.pk
    # An hour later the record is closed again.
    with clock.frozen_at(clock.now() + timedelta(minutes=61)):
        assert api.get(f"/health/people/{number}/record").status_code == 404
        assert api.get(f"/health/encounters/{encounters[0].pk}").status_code == 404


@pytest.mark.parametrize("role", REFUSED)
def test_other_roles_may_not_break_glass(role, users, cast, encounters):
    api = Api(users[role])
    r = api.post(f"/health/people/{cast.ryan.inmate_number}/break-glass", {"reason": "curious"})
    assert_error(r, 403, "forbidden")
    assert not BreakGlassAccess.objects.exists() and not MedicalNotification.objects.exists()
    assert AuditEntry.objects.filter(action="health.break_glass", outcome="denied").count() == 1
    assert api.get(f"/health/people/{cast.ryan.inmate_number}/record").status_code == 404


def test_break_glass_needs_a_reason(users, cast):
    api = Api(users["officer"])
    for body in ({"reason": ""}, {"reason": "   "}, {}, {"reason": "x", "extra": 1}):
        r = api.post(f"/health/people/{cast.ryan.inmate_number}/break-glass", body)
        assert r.status_code == 400 and "fields" in r.json(), body
    assert not BreakGlassAccess.objects.exists() and not MedicalNotification.objects.exists()
    assert_error(api.post("/health/people/NOPE/break-glass", {"reason": "x"}), 404, "not_found")


def test_medical_staff_acknowledge_the_notice(users, cast):
    services.break_glass_open(actor=users["officer"], person=cast.ryan, reason="collapsed in the yard")
    notice = MedicalNotification.objects.get()
    client = Client()
    client.force_login(users["medical"])
    page = client.get(reverse("core:dashboard")).content.decode()
    assert 'id="medical-notices"' in page and "collapsed in the yard" in page
    for role in ("officer", "warden", "administrator"):
        other = Client()
        other.force_login(users[role])
        assert "collapsed in the yard" not in other.get(reverse("core:dashboard")).content.decode()
        assert other.post(reverse("health:notification_ack", args=[notice.pk])).status_code == 404
        assert_error(Api(users[role]).post(f"/health/notifications/{notice.pk}/acknowledge"), 404, "not_found")
    assert client.post(reverse("health:notification_ack", args=[notice.pk])).status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_by == users["medical"]
    assert 'id="medical-notices"' not in client.get(reverse("core:dashboard")).content.decode()
    assert_error(Api(users["medical"]).post(f"/health/notifications/{notice.pk}/acknowledge"), 409,
                 "already_acknowledged")


def test_break_glass_pages(users, cast, encounters):
    client = Client()
    client.force_login(users["officer"])
    number = cast.ryan.inmate_number
    person = client.get(reverse("people:detail", args=[number])).content.decode()
    assert 'id="break-glass-link"' in person and SECRET not in person
    r = client.post(reverse("health:break_glass", args=[number]), {"reason": ""})
    assert r.status_code == 400 and not BreakGlassAccess.objects.exists()
    r = client.post(reverse("health:break_glass", args=[number]), {"reason": "seizure in the day room"})
    assert r.status_code == 302 and r["Location"] == reverse("health:record", args=[number])
    page = client.get(r["Location"]).content.decode()
    assert 'id="break-glass-banner"' in page and SECRET in page
    educator = Client()
    educator.force_login(users["educator"])
    assert educator.get(reverse("health:break_glass", args=[number])).status_code == 403
    assert 'id="break-glass-link"' not in educator.get(reverse("people:detail", args=[number])).content.decode()
