"""Break-glass in a real browser: an officer opens a medical record from the person page with a reason, reads
it, and the medical staff see the notice on their dashboard and acknowledge it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client

from conftest import admit, make_person
from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.health import services
from emerald.health.models import BreakGlassAccess, MedicalNotification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(chromium):
    """The run's one Chromium (root conftest)."""
    return chromium


@pytest.fixture
def flush_through_audit_triggers(transactional_db):
    """The root conftest lets every transactional test's flush pass the audit triggers; kept as a name."""
    yield


def _page_as(browser, live_server, user):
    """A browser page signed in as ``user`` (the session cookie of a test client's sign-in)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    return context.new_page()


def test_break_glass_in_the_browser(flush_through_audit_triggers, browser, live_server, users, place):
    admin = users["administrator"]
    ryan = make_person(admin, "O'Reily", "Ryan", number="97A0007")
    admit(admin, ryan, place.cell("EC-1-01"))
    services.encounter_create(actor=users["medical"], person=ryan, kind="surgery",
                              occurred_at=clock.now() - timedelta(days=1), notes="Allergic to penicillin.")

    officer = _page_as(browser, live_server, users["officer"])
    officer.goto(f"/people/{ryan.inmate_number}/")
    assert "Allergic to penicillin" not in officer.content()
    officer.click("#break-glass-link")
    officer.click("#break-glass-submit")  # no reason: refused, nothing opened
    assert officer.locator("#form-errors").is_visible()
    assert not BreakGlassAccess.objects.exists()
    officer.fill("textarea[name=reason]", "Found unconscious in his cell; nobody from medical on site.")
    officer.click("#break-glass-submit")
    officer.wait_for_selector("#break-glass-banner")
    assert "Allergic to penicillin" in officer.content()
    assert AuditEntry.objects.filter(action="health.break_glass", outcome="success", actor=users["officer"]).exists()

    medical = _page_as(browser, live_server, users["medical"])
    medical.goto("/")
    notices = medical.locator("#medical-notices")
    assert "Found unconscious" in notices.inner_text()
    with medical.expect_navigation():  # wait for the answer, not the page still showing the notice
        notices.locator("button").first.click()
    assert medical.locator("#medical-notices").count() == 0
    assert MedicalNotification.objects.get().acknowledged_by == users["medical"]
