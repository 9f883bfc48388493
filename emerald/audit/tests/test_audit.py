"""The audit trail: what is written, when, and that nobody can change it unnoticed."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import authenticate, login
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from conftest import PASSWORD, admit
from emerald.audit.models import AuditChainHead, AuditEntry
from emerald.audit.selectors import audit_list
from emerald.audit.services import GENESIS, record
from emerald.audit.verify import verify_chain
from emerald.core import clock
from emerald.core.errors import Conflict, Forbidden, Invalid, NotFound
from emerald.facilities import services as fs
from emerald.housing.services import (
    non_association_close,
    non_association_create,
    person_release,
    placement_move,
)
from emerald.people.services import person_create

pytestmark = pytest.mark.django_db
T0 = datetime(2025, 7, 15, 2, 0, 0, 123456, tzinfo=UTC)


def latest() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()


class TestWhatIsWritten:
    def test_every_write_names_people_by_number_and_places_by_code(self, users, place):
        admin, officer = users["administrator"], users["officer"]
        p = person_create(actor=officer, inmate_number="ZZ1001", first_name="Simon", last_name="Adebisi",
                          sex="male", custody_level="maximum")
        e = latest()
        assert (e.actor, e.actor_username, e.action, e.object_type, e.object_id, e.outcome) == (
            officer, "officer", "person.create", "person", "ZZ1001", "success")
        assert e.summary == "created the record of ZZ1001 (Simon Adebisi)"
        assert e.changes["last_name"] == "Adebisi"

        admit(officer, p, place.cell("B-1-01"), reason="committed")
        e = latest()
        assert (e.action, e.object_id, e.summary) == ("person.admit", "ZZ1001", "admitted ZZ1001 to B-1-01")
        assert e.changes == {"status": ["not_admitted", "in_custody"], "cell": "B-1-01", "reason": "committed"}

        placement_move(actor=officer, person=p, cell_id=place.cell("EC-1-03").pk, reason="re-housing")
        e = latest()
        assert (e.action, e.summary) == ("placement.move", "moved ZZ1001 from B-1-01 to EC-1-03")
        assert e.changes == {"cell": ["B-1-01", "EC-1-03"], "reason": "re-housing"}

        person_release(actor=admin, person=p, reason="paroled")
        e = latest()
        assert (e.actor, e.action, e.summary) == (admin, "person.release", "ended custody of ZZ1001 (released) from EC-1-03")
        assert e.changes == {"status": ["in_custody", "released"], "reason": "paroled", "cell": "EC-1-03"}

    def test_one_entry_per_service_call(self, users, place, person_factory):
        n = AuditEntry.objects.count()
        p = person_factory("A")
        admit(users["administrator"], p, place.cell("B-1-01"))
        assert AuditEntry.objects.count() == n + 2

    def test_facility_writes_are_audited(self, users, place):
        created = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
        assert created[:4] == ["facility.create", "unit.create", "unit.create", "unit.create"]
        assert created.count("cell.create") == 10
        assert AuditEntry.objects.filter(action="cell.create", summary="created cell EC-1-04 in EC").exists()
        assert AuditEntry.objects.filter(action="unit.assign_manager", summary="assigned unitmanager to manage EC").exists()

    def test_refused_attempt_is_recorded_though_the_change_rolled_back(self, users, place, person_factory):
        admin = users["administrator"]
        cell = place.cell("SOL-01")
        admit(admin, person_factory("A"), cell)
        b = person_factory("B")
        with pytest.raises(Conflict):
            admit(users["officer"], b, cell)
        e = latest()
        assert (e.actor, e.action, e.object_type, e.object_id, e.outcome) == (
            users["officer"], "person.admit", "person", b.inmate_number, "refused")
        assert e.changes["error"] == "cell_full" and "SOL-01" in e.changes["detail"]
        assert e.summary.startswith(f"refused person.admit on person {b.inmate_number}: cell_full")
        assert "SOL-01" in e.summary
        b.refresh_from_db()
        assert b.status == "not_admitted"
        assert not AuditEntry.objects.filter(action="person.admit", object_id=b.inmate_number, outcome="success").exists()

    def test_keep_apart_refusal_records_the_conflicts(self, users, place, person_factory):
        admin = users["administrator"]
        a, b = person_factory("Adebisi", "Simon"), person_factory("Schibetta", "Peter")
        admit(admin, a, place.cell("B-1-01"))
        order = non_association_create(actor=admin, person_a=a, person_b=b, scope="unit", reason="gang_rivalry")
        with pytest.raises(Conflict):
            admit(users["officer"], b, place.cell("B-1-02"))
        e = latest()
        assert (e.object_type, e.object_id, e.outcome) == ("person", b.inmate_number, "refused")
        assert e.changes == {"error": "keep_apart", "conflicts": [{
            "non_association_id": order.pk, "other": {"inmate_number": a.inmate_number, "name": "Simon Adebisi", "hidden": False},
            "scope": "unit", "reason": "gang_rivalry", "where": "B"}],
            "detail": "Peter Schibetta must be kept apart from Simon Adebisi (unit, gang rivalry): Simon Adebisi is in B."}

    def test_denied_attempt_is_recorded(self, users, place, person_factory):
        p = person_factory("A")
        admit(users["administrator"], p, place.cell("B-1-01"))
        with pytest.raises(Forbidden):
            person_release(actor=users["officer"], person=p, reason="x")
        e = latest()
        assert (e.actor, e.action, e.object_type, e.object_id, e.outcome) == (
            users["officer"], "person.release", "person", p.inmate_number, "denied")
        assert e.changes == {"error": "forbidden", "detail": "You are not allowed to do this."}
        assert e.summary.startswith(f"denied person.release on person {p.inmate_number}: forbidden")

    def test_hidden_404_is_recorded(self, users, place, person_factory):
        a, b = person_factory("A"), person_factory("B")
        order = non_association_create(actor=users["warden"], person_a=a, person_b=b, scope="unit", reason="threat")
        with pytest.raises(NotFound):
            non_association_close(actor=users["medical"], order=order, reason="x")
        e = latest()
        assert (e.actor, e.action, e.object_type, e.object_id, e.outcome, e.changes) == (
            users["medical"], "non_association.close", "non_association", str(order.pk), "denied",
            {"error": "not_found", "detail": "Not found."})

    def test_refusal_summary_stays_english_for_a_german_user(self, users, place, person_factory):
        from django.utils import translation

        p = person_factory("A")
        admit(users["administrator"], p, place.cell("B-1-01"))
        with translation.override("de"), pytest.raises(Forbidden):
            person_release(actor=users["officer"], person=p, reason="x")
        e = latest()
        assert e.summary == f"denied person.release on person {p.inmate_number}: forbidden"

    def test_invalid_input_is_not_audited(self, users, place):
        n = AuditEntry.objects.count()
        with pytest.raises(Invalid):
            fs.unit_close(actor=users["warden"], unit=place.b, reason="")
        assert AuditEntry.objects.count() == n

    def test_entry_time_has_hundredths_of_a_second(self, users, place, person_factory):
        with clock.frozen_at(T0):
            person_factory("A")
        e = latest()
        assert e.at == T0.replace(microsecond=120000)
        e.refresh_from_db()
        assert e.at.microsecond == 120000

    def test_login_success_and_failure(self, users):
        officer = users["officer"]
        request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.7")
        SessionMiddleware(lambda r: None).process_request(request)
        assert authenticate(request, username="officer", password="wrong password") is None
        e = AuditEntry.objects.filter(action="auth.login").latest("seq")
        assert (e.actor, e.action, e.object_id, e.outcome, e.ip) == (None, "auth.login", "officer", "failed", "10.0.0.7")
        assert authenticate(request, username="nobody", password="x") is None
        e = AuditEntry.objects.filter(action="auth.login").latest("seq")
        assert (e.object_id, e.outcome) == ("nobody", "failed")
        user = authenticate(request, username="officer", password=PASSWORD)
        assert user == officer
        login(request, user)
        e = AuditEntry.objects.filter(action="auth.login").latest("seq")  # other areas may add entries at sign-in
        assert (e.actor, e.action, e.outcome, e.summary, e.ip) == (
            officer, "auth.login", "success", "officer signed in", "10.0.0.7")

    def test_record_outside_a_service_is_written_at_once(self, users):
        record(actor=users["auditor"], action="report.export", object_type="report", object_id=7, summary="s")
        e = latest()
        assert (e.actor, e.object_id, e.summary) == (users["auditor"], "7", "s")


class TestReading:
    def test_only_auditors_and_administrators(self, users, place):
        assert audit_list(actor=users["auditor"]).count() > 0
        assert audit_list(actor=users["administrator"], action="cell.create").count() == 10
        for role in ("warden", "unit_manager", "officer", "medical", "educator", "investigator"):
            with pytest.raises(Forbidden):
                audit_list(actor=users[role])
            assert (latest().action, latest().outcome, latest().actor) == ("audit.view", "denied", users[role])

    def test_filters(self, users, place, person_factory):
        p = person_factory("A")
        with clock.frozen_at(T0):
            admit(users["officer"], p, place.cell("B-1-01"))
        auditor = users["auditor"]
        assert [e.action for e in audit_list(actor=auditor, object_type="person", object_id=p.inmate_number)] == [
            "person.admit", "person.create"]
        assert [e.action for e in audit_list(actor=auditor, actor_username="officer")] == ["person.admit"]
        assert [e.action for e in audit_list(actor=auditor, since=T0 - timedelta(seconds=1),
                                             until=T0 + timedelta(seconds=1))] == ["person.admit"]


# --- the chain -------------------------------------------------------------------------------------------


def _tamper(sql: str, params=()) -> None:
    """Run SQL the append-only triggers would refuse, as a database superuser could (inside the test transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params)
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        else:
            migration = importlib.import_module("emerald.audit.migrations.0002_append_only")
            for drop in migration.SQLITE_DOWN:
                cursor.execute(drop)
            try:
                cursor.execute(sql, params)
            finally:
                for create in migration.SQLITE_UP:
                    cursor.execute(create)


@pytest.fixture
def chain(users):
    """Six entries."""
    for i in range(6):
        record(actor=users["officer"], action="test.write", object_type="thing", object_id=i, summary=f"wrote {i}",
               changes={"n": i, "when": T0})
    assert AuditEntry.objects.count() == 6
    return users


class TestChain:
    def test_fresh_chain_verifies(self, chain):
        result = verify_chain()
        assert (result.ok, result.checked, result.problem) == (True, 6, "")
        head = AuditChainHead.objects.get()
        assert head.seq == 6 and head.hash == AuditEntry.objects.get(seq=6).hash
        assert AuditEntry.objects.get(seq=1).prev_hash == GENESIS
        assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6]

    def test_empty_chain_verifies(self, db):
        assert verify_chain().ok

    def test_services_keep_the_chain_valid(self, users, place, person_factory):
        p = person_factory("A")
        admit(users["administrator"], p, place.cell("B-1-01"))
        with pytest.raises(Forbidden):
            person_release(actor=users["officer"], person=p, reason="x")
        assert verify_chain().ok

    @pytest.mark.parametrize("column,value", [("summary", "nothing happened"), ("actor_username", "someone_else"),
                                              ("outcome", "denied"), ("object_id", "99")])
    def test_an_edited_entry_is_caught(self, chain, column, value):
        _tamper(f"UPDATE audit_auditentry SET {column} = %s WHERE seq = 3", [value])
        assert AuditEntry.objects.get(seq=3).__dict__[column] == value
        result = verify_chain()
        assert not result.ok and result.seq == 3 and "entry 3 was changed" in result.problem

    def test_edited_changes_and_time_are_caught(self, chain):
        _tamper("UPDATE audit_auditentry SET at = %s WHERE seq = 2", [T0 + timedelta(seconds=1)])
        assert verify_chain().seq == 2

    def test_rehashing_the_rest_of_the_chain_is_caught_at_the_head(self, chain):
        """Someone who edits entry 4 and recomputes every hash after it still leaves the head pointing
        at the old last hash (unless they rewrite the head too: see docs/audit.md)."""
        from emerald.audit.keys import current_key
        from emerald.audit.services import entry_hash

        kid, key = current_key()
        rows = list(AuditEntry.objects.order_by("seq"))
        prev = rows[2].hash
        for row in rows[3:]:
            summary = "forged" if row.seq == 4 else row.summary
            digest = entry_hash(seq=row.seq, at=row.at, actor_username=row.actor_username, action=row.action,
                                object_type=row.object_type, object_id=row.object_id, outcome=row.outcome,
                                changes=row.changes, summary=summary, ip=row.ip, prev_hash=prev,
                                key_id=kid, key=key)
            _tamper("UPDATE audit_auditentry SET summary = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                    [summary, prev, digest, row.seq])
            prev = digest
        result = verify_chain()
        assert not result.ok and "removed" in result.problem and result.checked == 6

    def test_a_deleted_middle_entry_is_caught(self, chain):
        _tamper("DELETE FROM audit_auditentry WHERE seq = 4")
        result = verify_chain()
        assert not result.ok and result.seq == 4 and "entry 4 was removed" in result.problem
        assert result.checked == 3

    def test_a_deleted_tail_is_caught(self, chain):
        _tamper("DELETE FROM audit_auditentry WHERE seq >= 5")
        result = verify_chain()
        assert not result.ok and result.checked == 4 and result.seq == 5
        assert "entries after 4 were removed" in result.problem

    def test_appending_after_tampering_does_not_heal_the_chain(self, chain, users):
        _tamper("UPDATE audit_auditentry SET summary = 'x' WHERE seq = 2")
        record(actor=users["officer"], action="test.write", summary="later")
        assert verify_chain().seq == 2

    def test_progress_callback(self, chain):
        seen = []
        verify_chain(progress=seen.append)
        assert seen == [1, 2, 3, 4, 5, 6]


class TestAppendOnly:
    """The application's own database connection cannot change or remove an entry."""

    def test_orm_update_is_refused(self, chain):
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.filter(seq=2).update(summary="rewritten")
        assert AuditEntry.objects.get(seq=2).summary == "wrote 1"

    def test_model_save_is_refused(self, chain):
        entry = AuditEntry.objects.get(seq=2)
        entry.summary = "rewritten"
        with pytest.raises(DatabaseError), transaction.atomic():
            entry.save()

    def test_orm_delete_is_refused(self, chain):
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.filter(seq=6).delete()
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.all().delete()
        assert AuditEntry.objects.count() == 6
        assert verify_chain().ok

    @pytest.mark.postgres_only
    def test_truncate_is_refused(self, chain):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE audit_auditentry")
        assert AuditEntry.objects.count() == 6
