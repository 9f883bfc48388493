"""The reads of one web request are written together, in order, and never shown unaudited."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from emerald.accounts.services import user_set_language
from emerald.audit import services as audit
from emerald.audit.models import AuditEntry
from emerald.audit.verify import verify_chain
from emerald.core.middleware import SecurityHeadersMiddleware

pytestmark = pytest.mark.django_db


def _read(actor, number: str) -> None:
    audit.record(actor=actor, action="person.view", object_type="person", object_id=number,
                 summary=f"viewed the record of {number}")


def test_reads_of_one_request_are_appended_once(rf, users):
    officer = users["officer"]

    def view(request):
        for number in ("ZZ1", "ZZ2", "ZZ3"):
            _read(officer, number)
        return HttpResponse("ok")

    with CaptureQueriesContext(connection) as queries:
        SecurityHeadersMiddleware(view)(rf.get("/people/ZZ1/", REMOTE_ADDR="10.0.0.7"))
    head_updates = [q for q in queries.captured_queries
                    if q["sql"].startswith("UPDATE") and "audit_auditchainhead" in q["sql"]]
    assert len(head_updates) == 1
    entries = list(AuditEntry.objects.filter(action="person.view").order_by("seq"))
    assert [e.object_id for e in entries] == ["ZZ1", "ZZ2", "ZZ3"]
    assert [e.seq for e in entries] == list(range(entries[0].seq, entries[0].seq + 3))
    assert {e.ip for e in entries} == {"10.0.0.7"}
    assert verify_chain().ok


def test_a_read_before_a_write_stays_before_it_in_the_chain(rf, users):
    officer = users["officer"]

    def view(request):
        _read(officer, "ZZ1")
        user_set_language(actor=officer, language="de")
        return HttpResponse("ok")

    SecurityHeadersMiddleware(view)(rf.post("/"))
    actions = list(AuditEntry.objects.filter(actor=officer).order_by("seq").values_list("action", flat=True))
    assert actions.index("person.view") < len(actions) - 1, actions


def test_a_page_whose_reads_cannot_be_recorded_is_not_shown(rf, users, monkeypatch):
    def broken(items):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "_append", broken)
    middleware = SecurityHeadersMiddleware(lambda request: (_read(users["officer"], "ZZ1"), HttpResponse("secret"))[1])
    with pytest.raises(RuntimeError):
        middleware(rf.get("/"))
    # The next request starts clean.
    monkeypatch.undo()
    SecurityHeadersMiddleware(lambda request: HttpResponse("ok"))(rf.get("/"))
    assert audit._local.reads is None
