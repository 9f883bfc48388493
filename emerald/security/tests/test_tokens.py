"""API tokens: separate from passwords, scoped per area and method, expiring, revocable, listed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from emerald.accounts.models import ApiToken
from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.core.tests.api_helpers import Api, assert_error
from emerald.security import scopes
from emerald.security.services import token_create

pytestmark = pytest.mark.django_db


def make(user, *wanted, **extra):
    raw, token = token_create(actor=user, name="test client", scopes=list(wanted), **extra)
    return Api(token=raw), token


def test_scopes_rules():
    assert scopes.grants(["*"], "people", "write")
    assert scopes.grants(["*:read"], "people", "read") and not scopes.grants(["*:read"], "people", "write")
    assert scopes.grants(["people:write"], "people", "read")
    assert not scopes.grants(["people:read"], "units", "read")
    assert scopes.area_of("/api/v1/people/A1/moves") == "people"
    assert scopes.within(["people:read"], ["people:write"]) and not scopes.within(["*"], ["*:read"])
    assert not scopes.within(["*:write"], ["*:read"]) and scopes.within(["*:read"], ["*:write"])


def test_read_scope_reads_its_area_only(users, place):
    api, _token = make(users["officer"], "people:read")
    assert api.get("/people").status_code == 200
    assert_error(api.get("/units"), 403, "insufficient_scope")
    response = api.post("/people", {"inmate_number": "S1", "first_name": "A", "last_name": "B", "sex": "male",
                                    "custody_level": "minimum"})
    assert_error(response, 403, "insufficient_scope")


def test_write_scope_writes_and_reads(users, place):
    api, _token = make(users["officer"], "people:write")
    response = api.post("/people", {"inmate_number": "S1", "first_name": "A", "last_name": "B", "sex": "male",
                                    "custody_level": "minimum"})
    assert response.status_code == 201, response.content
    assert api.get("/people/S1").status_code == 200


def test_read_everything_writes_nothing(users, place):
    api, _token = make(users["warden"], "*:read")
    assert api.get("/units").status_code == 200
    assert api.get("/people").status_code == 200
    assert_error(api.post("/tokens", {"name": "x", "scopes": ["*:read"]}), 403, "insufficient_scope")


def test_scope_never_widens_the_role(users, place):
    api, _token = make(users["educator"], "*")
    assert_error(api.get("/audit"), 403, "forbidden")


def test_unknown_scope_refused(users):
    response = Api(users["officer"]).post("/tokens", {"name": "x", "scopes": ["nonsense:read"]})
    assert assert_error(response, 400, "invalid")["fields"]["scopes"]


def test_token_cannot_mint_a_wider_token(users):
    api, _token = make(users["officer"], "tokens:write", "people:read")
    assert api.post("/tokens", {"name": "narrow", "scopes": ["people:read"]}).status_code == 201
    assert_error(api.post("/tokens", {"name": "wide", "scopes": ["*"]}), 403, "forbidden")
    assert_error(api.post("/tokens", {"name": "wide", "scopes": ["units:read"]}), 403, "forbidden")


def test_create_list_revoke_through_the_api(users):
    officer_api = Api(users["officer"])
    made = officer_api.post("/tokens", {"name": "roster sync", "scopes": ["people:read", "roll:read"]})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["token"].startswith("emr_") and body["scopes"] == ["people:read", "roll:read"]
    assert ApiToken.objects.get(pk=body["id"]).key_hash != body["token"]  # only the hash is stored
    listed = officer_api.get("/tokens").json()
    assert body["id"] in [t["id"] for t in listed["items"]]
    assert "token" not in listed["items"][0]
    # Others neither see nor revoke it; administrators do.
    auditor = Api(users["auditor"])
    assert body["id"] not in [t["id"] for t in auditor.get("/tokens").json()["items"]]
    assert_error(auditor.client.delete(f"/api/v1/tokens/{body['id']}", headers=auditor._headers()), 404,
                 "not_found")
    admin = Api(users["administrator"])
    assert body["id"] in [t["id"] for t in admin.get("/tokens", {"user": "officer"}).json()["items"]]
    revoked = admin.client.delete(f"/api/v1/tokens/{body['id']}", headers=admin._headers())
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert_error(Api(token=body["token"]).get("/people"), 401, "not_authenticated")
    assert AuditEntry.objects.filter(action="token.revoke", object_id=str(body["id"])).exists()


def test_tokens_expire(users, frozen_now):
    api, token = make(users["officer"], "*", expires_at=frozen_now + timedelta(days=2))
    assert api.get("/units").status_code == 200
    with clock.frozen_at(frozen_now + timedelta(days=2, seconds=1)):
        assert_error(api.get("/units"), 401, "not_authenticated")
    response = Api(users["officer"]).post("/tokens", {"name": "x", "scopes": ["*"],
                                                      "expires_at": "2099-01-01T00:00:00Z"})
    assert assert_error(response, 400, "invalid")["fields"]["expires_at"]


def test_areas_listed(users):
    body = Api(users["officer"]).get("/tokens/areas").json()
    assert {"people", "tokens", "units"} <= set(body["areas"]) and "people:read" in body["scopes"]


def test_ui_makes_lists_and_revokes_tokens(users):
    browser = Client()
    browser.force_login(users["officer"])
    response = browser.post(reverse("security:token_create"), {"name": "sync", "scopes": "people:read", "days": 30})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="new-token">emr_' in html and response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=users["officer"], name="sync")
    assert "sync" in browser.get(reverse("security:account")).content.decode()
    bad = browser.post(reverse("security:token_create"), {"name": "x", "scopes": "bogus", "days": 30})
    assert bad.status_code == 400
    browser.post(reverse("security:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    admin = Client()
    admin.force_login(users["administrator"])
    assert admin.get(reverse("security:tokens")).status_code == 200
    assert browser.get(reverse("security:tokens")).status_code == 403


def test_login_token_is_full_scope(users):
    from emerald.accounts.services import token_issue

    _raw, token = token_issue(actor=users["officer"])
    assert token.scopes == ["*"] and token.kind == "login"
