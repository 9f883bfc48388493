"""``emerald check --deploy``: Django's deployment checks plus Emerald's own."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from conftest import make_user
from emerald.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings, request, monkeypatch):
    """A safe production configuration. On PostgreSQL it runs as an application role made by
    ``emerald dbrole grant``; SQLite can never pass the audit-table check (emerald.E009, tested in
    emerald/audit/tests/test_app_role.py), so there it is left out of these tests."""
    from django.db import connection

    settings.DEBUG = False
    settings.SECRET_KEY = "k9" * 20 + "a-long-random-production-key-x"
    settings.EMERALD_AUDIT_KEY = "audit-" + "q7" * 24
    settings.ALLOWED_HOSTS = ["emerald.prison.example"]
    settings.EMERALD_2FA_REQUIRED = True
    settings.EMERALD_RATE_LIMITS_ENABLED = True
    if connection.vendor == "postgresql":
        request.getfixturevalue("app_role")
    else:
        monkeypatch.setattr("emerald.security.checks.audit_table_problems", lambda: [])
    return settings


@pytest.fixture
def app_role(db):
    from emerald.audit.tests.test_app_role import app_role as make

    yield from make.__wrapped__(db)


def run_check() -> str:
    try:
        call_command("check", deploy=True, fail_level="ERROR")
    except SystemCheckError as exc:
        return str(exc)
    return ""


def test_a_safe_configuration_passes(production, users):
    assert run_check() == ""


def test_development_settings_fail(settings, db):
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    from emerald.settings import DEV_SECRET

    settings.SECRET_KEY = DEV_SECRET
    errors = run_check()
    for code in ("emerald.E001", "emerald.E002", "emerald.E003", "emerald.E010"):
        assert code in errors


@pytest.mark.parametrize("switch", ["EMERALD_2FA_REQUIRED", "EMERALD_RATE_LIMITS_ENABLED"])
def test_protections_switched_off_fail(production, switch, db):
    setattr(production, switch, False)
    assert run_check()


def test_demo_accounts_fail(production, users):
    from emerald.demo.oz import DEMO_PASSWORD

    user = make_user("glynn", "warden")
    user.set_password(DEMO_PASSWORD)
    user.save()
    assert "emerald.E004" in run_check() and "glynn" in run_check()
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert run_check() == ""


def test_demo_two_factor_secret_fails(production, users):
    from emerald.security.demo import enrol_demo_staff

    enrol_demo_staff({"warden": users["warden"]})
    assert "demo two-factor secret" in run_check()


@pytest.mark.parametrize("key", ["", "short", "emerald-development-audit-key-not-a-secret"])
def test_a_weak_audit_key_fails(production, key, db):
    production.EMERALD_AUDIT_KEY = key
    assert "emerald.E010" in run_check()


def test_the_audit_key_is_not_the_secret_key(production, db):
    production.EMERALD_AUDIT_KEY = production.SECRET_KEY
    assert "emerald.E010" in run_check()
