"""Rate limits: 429 with Retry-After on the API, the token endpoint and exports; exports audited."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from conftest import PASSWORD
from emerald.audit.models import AuditEntry
from emerald.core.tests.api_helpers import Api, assert_error
from emerald.security.exports import Column, csv_response

pytestmark = pytest.mark.django_db


def limits(settings, **changes):
    settings.EMERALD_RATE_LIMITS = {**settings.EMERALD_RATE_LIMITS, **changes}


def test_per_token_limit(users, rate_limits):
    limits(rate_limits, api_token=(3, 60))
    api = Api(users["officer"])
    for _ in range(3):
        assert api.get("/units").status_code == 200
    response = api.get("/units")
    body = assert_error(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60 and body["retry_after"] == int(response["Retry-After"])
    # Another token (another user) is counted on its own.
    assert Api(users["auditor"]).get("/units").status_code == 200


def test_per_address_limit(users, rate_limits):
    limits(rate_limits, api_ip=(4, 60))
    for role in ("officer", "auditor", "warden", "educator"):
        assert Api(users[role]).get("/units").status_code == 200
    assert_error(Api(users["medical"]).get("/units"), 429, "rate_limited")
    assert_error(Client().get("/api/v1/units", REMOTE_ADDR="127.0.0.1"), 429, "rate_limited")
    assert Client().get("/api/v1/units", REMOTE_ADDR="10.0.0.9").status_code == 401  # another address


def test_token_endpoint_is_stricter(users, rate_limits):
    limits(rate_limits, auth_token=(2, 60))
    api = Api()
    for _ in range(2):
        api.post("/auth/token", {"username": "officer", "password": "wrong-password"})
    assert_error(api.post("/auth/token", {"username": "officer", "password": PASSWORD}), 429, "rate_limited")


def test_exports_are_limited_and_audited(users, place, rate_limits):
    limits(rate_limits, export=(2, 3600))
    browser = Client()
    browser.force_login(users["warden"])
    url = reverse("incidents:export")
    for _ in range(2):
        response = browser.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    refused = browser.get(url)
    assert refused.status_code == 429 and refused["Retry-After"]
    entries = AuditEntry.objects.filter(action="incidents.export", actor=users["warden"])
    assert entries.count() == 2
    assert entries.first().changes["rows"] == 0


def test_export_helper_leaves_out_restricted_columns(users):
    request = RequestFactory().get("/x/export.csv")
    rows = [users["officer"], users["auditor"]]
    columns = [Column("username", lambda u: u.username), Column("role", lambda u: u.role, requires="user.manage"),
               Column("note", lambda u: "=cmd()")]
    request.user = users["warden"]
    text = csv_response(request, action="staff.export", object_type="user", filename="s.csv", columns=columns,
                        rows=rows).content.decode()
    assert text.splitlines()[0] == "username,note" and "'=cmd()" in text and "auditor" in text
    entry = AuditEntry.objects.get(action="staff.export", actor=users["warden"])
    assert entry.changes["left_out"] == ["role"] and entry.changes["rows"] == 2
    request.user = users["administrator"]
    text = csv_response(request, action="staff.export", object_type="user", filename="s.csv", columns=columns,
                        rows=rows).content.decode()
    assert text.splitlines()[0] == "username,role,note"
