"""Fixtures shared by every area's tests: one user per role and a small facility.

The suite runs on SQLite by default and on PostgreSQL when
EMERALD_DATABASE_URL points at one (``make test`` does both).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from emerald.accounts.models import Role, User
from emerald.core import clock

PASSWORD = "emerald-test-password-1"


def pytest_collection_modifyitems(config, items):
    on_pg = os.environ.get("EMERALD_DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set EMERALD_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords and not on_pg:
            item.add_marker(skip_pg)


@pytest.fixture
def frozen_now():
    """Freeze Emerald's clock at a fixed moment for the test."""
    moment = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    with clock.frozen_at(moment):
        yield moment


def make_user(username: str, role: str, **extra) -> User:
    user = User(username=username, role=role, first_name=extra.get("first_name", username.title()))
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def users(db) -> dict[str, User]:
    """One active user per role, keyed by role value (``users['officer']``)."""
    return {role.value: make_user(role.value.replace("_", ""), role.value) for role in Role}


@pytest.fixture
def admin_user(users) -> User:
    return users[Role.ADMINISTRATOR]


class Place:
    """A small facility built through the services: OZ with units EC, B, SOL."""

    def __init__(self, admin: User, manager: User):
        from emerald.facilities import services as fs

        self.facility = fs.facility_create(actor=admin, code="OZ", name="Oswald State Correctional Facility")
        self.ec = fs.unit_create(actor=admin, facility=self.facility, code="EC", name="Emerald City",
                                 kind="rehabilitation", security_level="maximum")
        self.b = fs.unit_create(actor=admin, facility=self.facility, code="B", name="Unit B",
                                kind="general_population", security_level="maximum")
        self.sol = fs.unit_create(actor=admin, facility=self.facility, code="SOL", name="Solitary",
                                  kind="segregation", security_level="maximum")
        fs.unit_assign_manager(actor=admin, unit=self.ec, manager=manager)
        self.cells = {}
        for unit, prefix, n, beds in ((self.ec, "EC-1-", 4, 2), (self.b, "B-1-", 4, 2), (self.sol, "SOL-", 2, 1)):
            for i in range(1, n + 1):
                code = f"{prefix}{i:02d}"
                self.cells[code] = fs.cell_create(
                    actor=admin, unit=unit, code=code, beds=beds, accessible=(code == "EC-1-04"),
                    single_occupancy=(beds == 1),
                )

    def cell(self, code: str):
        return self.cells[code]


@pytest.fixture
def place(users) -> Place:
    return Place(users[Role.ADMINISTRATOR], users[Role.UNIT_MANAGER])


_counter = {"n": 0}


def make_person(admin: User, last: str, first: str = "Test", *, number: str | None = None, **extra):
    from emerald.people.services import person_create

    _counter["n"] += 1
    return person_create(
        actor=admin, inmate_number=number or f"T{_counter['n']:05d}", first_name=first, last_name=last,
        sex=extra.pop("sex", "male"), custody_level=extra.pop("custody_level", "maximum"), **extra,
    )


def admit(admin: User, person, cell, reason: str = "committed by the court"):
    from emerald.housing.services import person_admit

    return person_admit(actor=admin, person=person, cell_id=cell.pk, reason=reason)


@pytest.fixture
def person_factory(admin_user):
    def factory(last: str, first: str = "Test", **extra):
        return make_person(admin_user, last, first, **extra)

    return factory


def _flush_through_audit_triggers() -> None:
    """Let the end-of-test flush of transactional tests (threads, live server) empty the audit table.

    Such tests end by emptying every table, which the append-only triggers refuse. For the flush (and
    only it) the triggers are set aside: on PostgreSQL with ``session_replication_role = replica`` (the
    test database belongs to a superuser), on SQLite by dropping and re-creating them. Application
    code never flushes.
    """
    import importlib

    # Each backend's ``base`` first: importing ``operations`` alone is a circular import in Django.
    from django.db.backends.postgresql import base as _pg_base  # noqa: F401
    from django.db.backends.postgresql.operations import DatabaseOperations as PgOps
    from django.db.backends.sqlite3 import base as _sqlite_base  # noqa: F401
    from django.db.backends.sqlite3.operations import DatabaseOperations as SqliteOps

    triggers = importlib.import_module("emerald.audit.migrations.0002_append_only")

    def wrap(ops_class, before, after):
        original = ops_class.execute_sql_flush
        if getattr(original, "_emerald_wrapped", False):
            return

        def flush(self, sql_list):
            with self.connection.cursor() as cursor:
                for sql in before:
                    cursor.execute(sql)
            try:
                original(self, sql_list)
            finally:
                with self.connection.cursor() as cursor:
                    for sql in after:
                        cursor.execute(sql)

        flush._emerald_wrapped = True  # type: ignore[attr-defined]
        ops_class.execute_sql_flush = flush

    wrap(PgOps, ["SET session_replication_role = replica"], ["SET session_replication_role = DEFAULT"])
    wrap(SqliteOps, triggers.SQLITE_DOWN, triggers.SQLITE_UP)


@pytest.fixture
def pg_flush_through_audit_triggers(transactional_db):
    """Kept for tests that name it: every transactional test now flushes through the triggers."""
    yield


def pytest_configure(config):
    _flush_through_audit_triggers()
    # Tests that call selectors and services directly read as the operator, like the command line; every
    # request through the test client or a live server names its own reader (emerald/core/visibility.py).
    from emerald.core.visibility import OPERATOR, set_reader

    set_reader(OPERATOR)
    # Real password hashing costs about 0.25 s per user and `users` makes eight per test; tests of
    # Emerald's behaviour need no key stretching. (Added by H3 for suite run time.)
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Every area's tests force_login any role and fire many API calls from 127.0.0.1: two-factor
    # enforcement and rate limits are off by default, and on in the tests of emerald/security and
    # tests/security (fixtures there). (Added by H12.)
    settings.EMERALD_2FA_REQUIRED = False
    settings.EMERALD_RATE_LIMITS_ENABLED = False


# One Playwright instance for the whole run: its sync API owns an event loop in this thread, so a second
# instance started by another module while the first is alive fails ("Sync API inside the asyncio loop").
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls stay synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
