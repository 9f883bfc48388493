"""Concurrent appends on PostgreSQL: the chain head lock keeps ``seq`` gapless and the chain valid."""

from __future__ import annotations

import pytest

from emerald.audit.models import AuditEntry
from emerald.audit.services import record
from emerald.audit.verify import verify_chain
from emerald.core.errors import Forbidden
from emerald.housing.tests.test_races import outcomes, race
from emerald.people.services import person_create

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]
THREADS, PER_THREAD = 4, 8


def test_concurrent_appends_keep_the_chain(pg_flush_through_audit_triggers, users):
    officer, medical = users["officer"], users["medical"]
    start = AuditEntry.objects.count()

    def writer(t: int):
        def run():
            for i in range(PER_THREAD):
                if i % 3 == 0:  # a service write, flushed just before its commit
                    person_create(actor=officer, inmate_number=f"C{t}-{i}", first_name="C", last_name=f"T{t}",
                                  sex="male", custody_level="minimum")
                elif i % 3 == 1:  # a refusal, written in its own transaction after the rollback
                    try:
                        person_create(actor=medical, inmate_number=f"D{t}-{i}", first_name="D", last_name="D",
                                      sex="male", custody_level="minimum")
                    except Forbidden:
                        pass
                else:  # an entry written outside any service
                    record(actor=officer, action="test.read", object_type="thing", object_id=f"{t}-{i}")
            return t
        return run

    results = race(*(writer(t) for t in range(THREADS)))
    assert outcomes(results) == ["ok"] * THREADS
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) == start + THREADS * PER_THREAD
    result = verify_chain()
    assert result.ok, result.problem
    assert AuditEntry.objects.filter(action="person.create", outcome="denied").count() == THREADS * 3
