"""Two database roles on PostgreSQL: the application's role appends to the trail and cannot rewrite it.

The role is created inside the test's transaction (CREATE ROLE is transactional), granted by
``emerald dbrole grant`` and taken with SET ROLE, so the test sees exactly what a deployed application
would. Both vanish when the test's transaction rolls back.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import DatabaseError, connection, transaction

from emerald.audit.models import AuditEntry
from emerald.audit.services import record
from emerald.audit.verify import verify_chain
from emerald.core.management.commands.dbrole import grant_app_role
from emerald.security.checks import audit_table_problems

pytestmark = pytest.mark.django_db

ROLE = "emerald_test_app"


@pytest.fixture
def app_role(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL roles")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {ROLE} NOLOGIN")
    grant_app_role(ROLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {ROLE}")
    yield ROLE
    try:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    except DatabaseError:
        pass  # the rollback at the end of the test resets it


def refused(statement: str, params=()) -> str:
    """Run a statement in a savepoint; return the database's refusal (the test fails if there is none)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
    except DatabaseError as exc:
        return str(exc)
    pytest.fail(f"the application's role was allowed to run: {statement}")


def test_the_application_role_appends_and_reads(app_role, users):
    record(actor=users["officer"], action="test.write", summary="as the application")
    assert AuditEntry.objects.filter(action="test.write").exists()
    assert verify_chain().ok


@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditentry SET summary = 'forged'",
    "DELETE FROM audit_auditentry",
    "TRUNCATE audit_auditentry",
    "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL",
    "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_update",
    "DROP TRIGGER audit_entry_no_update ON audit_auditentry",
    "SET session_replication_role = replica",
    "DROP TABLE audit_auditentry",
])
def test_the_application_role_cannot_rewrite_or_unguard_the_trail(app_role, users, statement):
    record(actor=users["officer"], action="test.write", summary="evidence")
    message = refused(statement).lower()
    assert "permission denied" in message or "must be owner" in message


def test_deploy_check_passes_for_the_application_role_and_fails_for_the_owner(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL roles")
    owner = audit_table_problems()
    assert owner and all(e.id == "emerald.E009" for e in owner)
    assert "superuser" in owner[0].msg or "owns the audit table" in owner[0].msg
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {ROLE} NOLOGIN")
        cursor.execute(f"GRANT ALL ON audit_auditentry TO {ROLE}")
        cursor.execute(f"SET ROLE {ROLE}")
    held = audit_table_problems()
    assert len(held) == 1 and "UPDATE, DELETE, TRUNCATE, TRIGGER" in held[0].msg
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    grant_app_role(ROLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {ROLE}")
    assert audit_table_problems() == []


def test_a_disabled_trigger_fails_the_deploy_check(app_role):
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_update")
        cursor.execute(f"SET ROLE {ROLE}")
    problems = audit_table_problems()
    assert len(problems) == 1 and "audit_entry_no_update" in problems[0].msg


def test_sqlite_fails_the_deploy_check(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite")
    problems = audit_table_problems()
    assert [e.id for e in problems] == ["emerald.E009"] and "SQLite" in problems[0].msg


def test_dbrole_grant_refuses_an_unknown_role_and_sqlite(db):
    with pytest.raises(CommandError):
        call_command("dbrole", "grant", "no_such_role_here")


def test_check_deploy_command_reports_e009(db, settings):
    settings.DEBUG = False
    with pytest.raises(SystemCheckError, match="emerald.E009"):
        call_command("check", deploy=True, fail_level="ERROR")
