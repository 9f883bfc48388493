"""Bad input and abuse (issue 13): each gets a 4xx in the API's error shape, writes nothing, and never a 500.

Regressions: a lone surrogate in JSON, a body over the size limit and a multipart Content-Type without
its boundary all answered 500; sign-in throttling counted per username only, so anyone could keep a known
account locked; behind a proxy every client had the proxy's address, or a forged X-Forwarded-For.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from conftest import PASSWORD
from emerald.accounts.models import User
from emerald.audit.models import AuditEntry
from emerald.core.tests.api_helpers import Api, fast_password_hashing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    fast_password_hashing(settings)


def _token(client: Client, username: str, password: str, **extra):
    return client.post("/api/v1/auth/token", json.dumps({"username": username, "password": password}),
                       content_type="application/json", **extra)


def _shape(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) >= {"error", "detail"}
    return body


@pytest.mark.parametrize("path", ["/auth/token", "/people", "/non-associations"])
def test_a_lone_surrogate_answers_400(users, path):
    before = AuditEntry.objects.count()
    raw = '{"username": "\\ud800", "password": "x", "inmate_number": "ZZ\\udfff1", "first_name": "\\ud800"}'
    for api in (Api(), Api(users["warden"])):
        body = _shape(api.post(path, raw=raw), 401 if (path != "/auth/token" and api.token is None) else 400)
        if body["error"] == "invalid":
            assert "Unicode" in body["detail"]
    # Nothing was written (a refused anonymous call writes nothing either).
    assert AuditEntry.objects.filter(outcome="success").count() <= before + 1  # the warden's token issue


def test_a_lone_surrogate_in_a_nested_key_answers_400(users):
    raw = '{"inmate_number": "ZZ1", "first_name": "A", "last_name": "B", "aliases": ["ok", "\\ud83d"]}'
    _shape(Api(users["warden"]).post("/people", raw=raw), 400)
    from emerald.people.models import Person

    assert not Person.objects.filter(inmate_number="ZZ1").exists()


def test_a_body_over_the_limit_answers_413(users, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = json.dumps({"username": "x" * 20_000, "password": "y"})
    client = Client()
    body = _shape(client.post("/api/v1/auth/token", big, content_type="application/json"), 413)
    assert body["error"] == "too_large"
    api = Api(users["warden"])
    _shape(api.post("/people", raw=json.dumps({"inmate_number": "ZZ2", "first_name": "a" * 20_000})), 413)
    # A page answers 413 too, without reading the body.
    client.force_login(users["officer"])
    form = "first_name=" + "a" * 20_000
    assert client.post("/people/", form, content_type="application/x-www-form-urlencoded").status_code == 413


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary=",
                                          "multipart/form-data; boundary=" + "x" * 200])
def test_a_multipart_body_without_a_boundary_answers_400(db, content_type):
    response = Client().post("/api/v1/auth/token", data=b"--x\r\n", content_type=content_type)
    assert _shape(response, 400)["error"] == "invalid"
    page = Client().post("/accounts/login/", data=b"--x\r\n", content_type=content_type)
    assert page.status_code == 400


def test_throttling_counts_per_address_and_username(users):
    """Five failures from one address lock that address (spraying across usernames ends there), while the
    same account still signs in from elsewhere: nobody can keep a known account locked."""
    attacker = Client(REMOTE_ADDR="10.1.1.1")
    for name in ("warden", "officer", "auditor", "ghost", "medical"):
        _token(attacker, name, "wrong-password")
    assert _token(attacker, "educator", PASSWORD).status_code == 423
    assert _token(Client(REMOTE_ADDR="10.2.2.2"), "warden", PASSWORD).status_code != 423
    assert _token(Client(REMOTE_ADDR="10.2.2.2"), "officer", PASSWORD).status_code == 200


def test_forged_forwarded_for_is_ignored_without_a_trusted_proxy(users):
    client = Client(REMOTE_ADDR="10.3.3.3", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert _token(client, "officer", PASSWORD).status_code == 200
    assert AuditEntry.objects.filter(action="token.issue").latest("seq").ip == "10.3.3.3"
    # Rotating a forged header does not escape the lock either.
    for i in range(5):
        _token(Client(REMOTE_ADDR="10.4.4.4", HTTP_X_FORWARDED_FOR=f"1.1.1.{i}"), "auditor", "wrong")
    assert _token(Client(REMOTE_ADDR="10.4.4.4", HTTP_X_FORWARDED_FOR="9.9.9.9"), "auditor", PASSWORD).status_code == 423


def test_the_client_behind_a_trusted_proxy(users, settings):
    settings.EMERALD_TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The proxy (10.0.0.2) appended the address it saw; anything the client put before it is not believed.
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert _token(client, "officer", PASSWORD).status_code == 200
    assert AuditEntry.objects.filter(action="token.issue").latest("seq").ip == "203.0.113.7"
    # Throttling sees the real clients: one client's failures do not lock another behind the same proxy.
    for _ in range(5):
        _token(Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.8"), "auditor", "wrong")
    assert _token(Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.8"), "auditor",
                  PASSWORD).status_code == 423
    assert _token(Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9"), "auditor",
                  PASSWORD).status_code == 200
    # A page's failed sign-in is audited with the client's address as well.
    Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.10").post(
        "/accounts/login/", {"username": "officer", "password": "nope"})
    assert AuditEntry.objects.filter(action="auth.login", outcome="failed").latest("seq").ip == "203.0.113.10"
    assert User.objects.filter(username="officer").exists()


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_exports_neutralise_formulas(users, place, start):
    """OWASP's rule on CSV injection, in the one writer every export uses (emerald/security/exports.py)."""
    import csv
    import io
    from datetime import timedelta

    from emerald.core import clock
    from emerald.incidents import services as inc

    title = f"{start}HYPERLINK(\"http://evil\",\"x\")"
    made = inc.incident_create(actor=users["officer"], type="assault", severity="low", title=title,
                               occurred_at=clock.now() - timedelta(hours=1), description="d", unit_id=place.ec.pk)
    title = made.title  # a title's surrounding whitespace is trimmed when saved
    client = Client()
    client.force_login(users["unit_manager"])
    response = client.get("/incidents/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    [cell] = [r[-1] for r in rows[1:] if "HYPERLINK" in r[-1]]
    assert cell == ("'" + title if title[:1] in "=+-@\t\r" else title)
    assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r")
