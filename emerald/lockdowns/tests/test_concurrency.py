"""Two wardens ordering the same lockdown at the same moment: exactly one lockdown is in force."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from emerald.core.errors import Conflict
from emerald.lockdowns.models import Lockdown
from emerald.lockdowns.services import lockdown_order


@pytest.fixture
def pg_flush_through_audit_triggers(transactional_db):
    """Let the end-of-test flush empty the append-only audit table (its trigger refuses TRUNCATE): the
    triggers are set aside with ``session_replication_role = replica`` for that one flush only."""
    yield
    if connection.vendor != "postgresql":
        return
    ops = type(connection.ops)
    original = ops.execute_sql_flush

    def flush(self, sql_list):
        ops.execute_sql_flush = original
        with self.connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            original(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")

    ops.execute_sql_flush = flush


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_leave_one_lockdown(pg_flush_through_audit_triggers, users, place):
    warden, admin = users["warden"], users["administrator"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def order(actor):
        try:
            barrier.wait()
            lockdown_order(actor=actor, facility=place.facility, reason="riot")
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=order, args=(a,)) for a in (warden, admin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already_locked_down", "ok"] or sorted(outcomes) == ["conflict", "ok"]
    assert Lockdown.objects.filter(lifted_at__isnull=True).count() == 1
