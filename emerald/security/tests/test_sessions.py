"""Sessions: a new one at sign-in; all of a user's end when they are disabled or change role; admins end any."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from emerald.accounts.models import ApiToken
from emerald.accounts.services import user_set_active, user_set_role
from emerald.audit.models import AuditEntry
from emerald.core.errors import NotFound
from emerald.core.tests.api_helpers import Api, assert_error
from emerald.security.models import UserSession
from emerald.security.services import session_end

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 200
    return client


def test_sign_in_starts_a_new_session(client, users):
    client.get(reverse("accounts:login"))
    session = client.session
    session["planted"] = "by an attacker"
    session.save()
    before = session.session_key
    client.post(reverse("accounts:login"), {"username": "officer", "password": PASSWORD})
    assert client.session.session_key != before
    row = UserSession.objects.get(user=users["officer"])
    assert row.session_key == client.session.session_key and row.ended_at is None


@pytest.mark.parametrize("change", ["disable", "role"])
def test_disable_or_role_change_ends_every_session_and_token(users, change):
    officer = users["officer"]
    browsers = [signed_in("officer"), signed_in("officer")]
    api = Api(officer)
    assert api.get("/units").status_code == 200
    if change == "disable":
        user_set_active(actor=users["administrator"], user=officer, active=False, reason="left the service")
    else:
        user_set_role(actor=users["administrator"], user=officer, role="educator", reason="moved to education")
    for browser in browsers:
        response = browser.get(reverse("core:dashboard"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert_error(api.get("/units"), 401, "not_authenticated")
    assert not UserSession.objects.filter(user=officer, ended_at__isnull=True).exists()
    assert not ApiToken.objects.filter(user=officer, revoked_at__isnull=True).exists()
    assert AuditEntry.objects.filter(action="session.end_all", object_id=str(officer.pk)).exists()


def test_role_change_saved_any_way_ends_sessions(users):
    officer = users["officer"]
    browser = signed_in("officer")
    officer.role = "auditor"
    officer.save()
    assert browser.get(reverse("core:dashboard")).status_code == 302


def test_a_new_sign_in_after_the_change_works(users):
    officer = users["officer"]
    user_set_role(actor=users["administrator"], user=officer, role="educator", reason="moved")
    signed_in("officer")


def test_administrator_lists_and_ends_any_session(users):
    victim = signed_in("officer")
    admin = Client()
    admin.force_login(users["administrator"])
    page = admin.get(reverse("security:sessions"))
    assert page.status_code == 200 and "officer" in page.content.decode()
    row = UserSession.objects.get(user=users["officer"], ended_at__isnull=True)
    response = admin.post(reverse("security:session_end", args=[row.pk]), {"back": "list"})
    assert response.status_code == 302
    assert victim.get(reverse("core:dashboard")).status_code == 302
    assert AuditEntry.objects.filter(action="session.end", object_id=str(row.pk), actor=users["administrator"]).exists()


def test_others_cannot_list_or_end_sessions(users):
    signed_in("auditor")
    row = UserSession.objects.get(user=users["auditor"], ended_at__isnull=True)
    officer = Client()
    officer.force_login(users["officer"])
    assert officer.get(reverse("security:sessions")).status_code == 403
    assert officer.post(reverse("security:session_end", args=[row.pk])).status_code == 404
    with pytest.raises(NotFound):
        session_end(actor=users["officer"], session=row, reason="x")
    assert UserSession.objects.get(pk=row.pk).ended_at is None


def test_sessions_api(users):
    signed_in("officer")
    admin = Api(users["administrator"])
    body = admin.get("/sessions").json()
    assert any(s["user"] == "officer" for s in body["items"])
    sid = next(s["id"] for s in body["items"] if s["user"] == "officer")
    assert_error(Api(users["auditor"]).post(f"/sessions/{sid}/end", {"reason": "x"}), 404, "not_found")
    assert admin.post(f"/sessions/{sid}/end", {"reason": "suspicious"}).status_code == 200
    assert UserSession.objects.get(pk=sid).ended_at is not None


def test_own_account_page(users):
    browser = signed_in("officer")
    page = browser.get(reverse("security:account"))
    assert page.status_code == 200
    assert "this session" in page.content.decode()


def test_staff_page_disables_and_changes_roles(users):
    admin = Client()
    admin.force_login(users["administrator"])
    assert admin.get(reverse("security:staff")).status_code == 200
    officer = users["officer"]
    admin.post(reverse("security:staff_action", args=[officer.pk, "role"]), {"role": "auditor", "reason": "audit"})
    officer.refresh_from_db()
    assert officer.role == "auditor"
    admin.post(reverse("security:staff_action", args=[officer.pk, "disable"]), {"reason": "left"})
    officer.refresh_from_db()
    assert not officer.is_active
    other = Client()
    other.force_login(users["warden"])
    assert other.post(reverse("security:staff_action", args=[officer.pk, "enable"]), {"reason": "x"}).status_code == 403


def test_idle_expiry_moves_forward_once_a_minute_not_on_every_click(users):
    """The session is written when the user is seen after more than a minute, not on every page."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session

    from emerald.core import clock

    client = signed_in("officer")
    key = client.session.session_key
    first = Session.objects.get(session_key=key).expire_date
    row = UserSession.objects.get(session_key=key)
    with clock.frozen_at(row.last_seen_at + timedelta(seconds=30)):
        assert client.get(reverse("core:dashboard")).status_code == 200
    assert Session.objects.get(session_key=key).expire_date == first  # within the minute: no write
    with clock.frozen_at(row.last_seen_at + timedelta(minutes=2)):
        assert client.get(reverse("core:dashboard")).status_code == 200
    assert Session.objects.get(session_key=key).expire_date > first
    assert UserSession.objects.get(session_key=key).last_seen_at > row.last_seen_at
