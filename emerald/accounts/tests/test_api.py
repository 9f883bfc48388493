"""API: tokens — issue, wrong credentials, lockout, expiry, disabled users."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings

from conftest import PASSWORD
from emerald.accounts.models import ApiToken
from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.core.tests.api_helpers import Api, assert_error, fast_password_hashing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    fast_password_hashing(settings)


def ask_token(username: str, password: str, **extra):
    return Api().post("/auth/token", {"username": username, "password": password}, **extra)


def test_token_issued_and_usable(users, frozen_now):
    response = ask_token("officer", PASSWORD)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token"].startswith("emr_")
    assert body["expires_at"].startswith((frozen_now + settings.API_TOKEN_TTL).strftime("%Y-%m-%dT%H:%M"))
    assert Api(token=body["token"]).get("/units").status_code == 200
    entry = AuditEntry.objects.filter(action="token.issue").latest("seq")
    assert entry.actor_username == "officer" and entry.ip == "127.0.0.1"


def test_wrong_password_and_unknown_user_get_the_same_answer(users):
    wrong = assert_error(ask_token("officer", "not-the-password"), 401, "invalid_credentials")
    unknown = assert_error(ask_token("nobody-here", "not-the-password"), 401, "invalid_credentials")
    assert wrong == unknown


def test_five_failures_lock_the_username(users):
    for _ in range(4):
        assert_error(ask_token("warden", "wrong-password"), 401, "invalid_credentials")
    # The failure that reaches the limit locks the account...
    assert_error(ask_token("warden", "wrong-password"), 423, "account_locked")
    # ...and the sixth attempt is refused even with the right password.
    assert_error(ask_token("warden", PASSWORD), 423, "account_locked")
    # Other accounts are unaffected from other addresses (see tests/security/test_bad_input.py for the address).
    from django.test import Client

    other = Client(REMOTE_ADDR="10.9.9.9").post("/api/v1/auth/token", {"username": "officer", "password": PASSWORD},
                                                 content_type="application/json")
    assert other.status_code == 200


def test_unknown_username_locks_the_same_way(db):
    for _ in range(5):
        ask_token("ghost", "wrong-password")
    assert_error(ask_token("ghost", "wrong-password"), 423, "account_locked")


def test_success_clears_earlier_failures(users):
    for _ in range(4):
        ask_token("auditor", "wrong-password")
    assert ask_token("auditor", PASSWORD).status_code == 200
    for _ in range(4):
        assert_error(ask_token("auditor", "wrong-password"), 401, "invalid_credentials")


@pytest.mark.parametrize("body", [{}, {"username": "officer"}, {"username": 5, "password": []}, [1, 2]])
def test_token_bad_input(users, body):
    before = (ApiToken.objects.count(), AuditEntry.objects.filter(outcome="success").count())
    response = Api().post("/auth/token", body)
    body = assert_error(response, 400, "invalid")
    assert body["fields"]
    assert (ApiToken.objects.count(), AuditEntry.objects.filter(outcome="success").count()) == before


def test_token_malformed_json(users):
    assert_error(Api().post("/auth/token", raw="{not json"), 400, "invalid")


def test_expired_token_is_refused(users, frozen_now):
    api = Api(users["officer"])
    assert api.get("/units").status_code == 200
    with clock.frozen_at(frozen_now + settings.API_TOKEN_TTL + timedelta(seconds=1)):
        assert_error(api.get("/units"), 401, "not_authenticated")


def test_revoked_token_is_refused(users):
    api = Api(users["officer"])
    ApiToken.objects.update(revoked_at=clock.now())
    assert_error(api.get("/units"), 401, "not_authenticated")


def test_disabled_user_token_stops_working_and_cannot_get_a_new_one(users):
    api = Api(users["officer"])
    users["officer"].is_active = False
    users["officer"].save()
    assert_error(api.get("/units"), 401, "not_authenticated")
    assert_error(ask_token("officer", PASSWORD), 401, "invalid_credentials")


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Token abc", "Basic b2ZmaWNlcjp4"])
def test_missing_or_invalid_token(users, header):
    from django.test import Client

    headers = {"Authorization": header} if header else {}
    response = Client().get("/api/v1/people", headers=headers)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"
