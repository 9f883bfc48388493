"""The keyed chain: hashes recomputed without the key are caught, keys rotate, signed checkpoints prove the past."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from emerald.audit.keys import current_key, key_id
from emerald.audit.models import AuditChainHead, AuditEntry
from emerald.audit.selectors import chain_checkpoint
from emerald.audit.services import entry_hash, record
from emerald.audit.tests.test_audit import _tamper
from emerald.audit.verify import verify_chain
from emerald.core.tests.api_helpers import api_factory, fast_password_hashing

pytestmark = pytest.mark.django_db

KEY_A = "audit-key-A-" + "a" * 40
KEY_B = "audit-key-B-" + "b" * 40


@pytest.fixture
def key_a(settings):
    settings.EMERALD_AUDIT_KEY = KEY_A
    settings.EMERALD_AUDIT_KEY_FALLBACKS = []
    return settings


def write(users, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        record(actor=users["officer"], action="test.write", object_type="thing", object_id=i, summary=f"wrote {i}")


def rewrite_from(seq: int, *, summary: str, hasher) -> None:
    """Change entry ``seq`` and recompute every later hash and the head, as the database's owner could."""
    rows = list(AuditEntry.objects.order_by("seq"))
    prev = rows[seq - 2].hash if seq > 1 else "0" * 64
    for row in rows[seq - 1:]:
        text = summary if row.seq == seq else row.summary
        digest = hasher(row, text, prev)
        _tamper("UPDATE audit_auditentry SET summary = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                [text, prev, digest, row.seq])
        prev = digest
    _tamper("UPDATE audit_auditchainhead SET hash = %s WHERE id = 1", [prev])


def fields(row, summary, prev):
    return dict(seq=row.seq, at=row.at, actor_username=row.actor_username, action=row.action,
                object_type=row.object_type, object_id=row.object_id, outcome=row.outcome, changes=row.changes,
                summary=summary, ip=row.ip, prev_hash=prev)


def test_every_entry_names_its_key_and_the_hash_is_an_hmac(key_a, users):
    write(users, 2)
    entry = AuditEntry.objects.get(seq=1)
    assert entry.key_id == key_id(KEY_A) and len(entry.key_id) == 16 and KEY_A not in json.dumps(entry.changes)
    plain = entry_hash(**fields(entry, entry.summary, entry.prev_hash), key_id=entry.key_id, key=None)
    assert entry.hash != plain, "without the key the hash cannot be reproduced"
    assert verify_chain().ok


def test_hashes_recomputed_without_the_key_are_caught(key_a, users):
    """The whole rest of the chain and the head rewritten with SHA-256, as someone who can write the table but
    does not hold the key would: verify names the first entry touched."""
    write(users, 5)

    def sha256(row, summary, prev):
        payload = json.dumps([row.seq, row.at.isoformat(), row.actor_username, row.action, row.object_type,
                              row.object_id, row.outcome, row.changes, summary, row.ip, prev, row.key_id],
                             sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()

    rewrite_from(3, summary="nothing happened", hasher=sha256)
    result = verify_chain()
    assert not result.ok and result.seq == 3 and "entry 3 was changed" in result.problem


def test_a_guessed_key_is_caught(key_a, users):
    write(users, 4)
    rewrite_from(2, summary="forged", hasher=lambda row, summary, prev: entry_hash(
        **fields(row, summary, prev), key_id=row.key_id, key=b"a guess"))
    assert verify_chain().seq == 2


def test_entries_stripped_of_their_key_are_caught(key_a, users):
    """Rewriting entries as if from before the chain was keyed does not pass: keyless entries only lead."""
    write(users, 4)
    rows = list(AuditEntry.objects.order_by("seq"))
    prev = rows[1].hash
    for row in rows[2:]:
        digest = entry_hash(**fields(row, row.summary, prev), key_id=None, key=None)
        _tamper("UPDATE audit_auditentry SET key_id = NULL, prev_hash = %s, hash = %s WHERE seq = %s",
                [prev, digest, row.seq])
        prev = digest
    _tamper("UPDATE audit_auditchainhead SET hash = %s WHERE id = 1", [prev])
    result = verify_chain()
    assert not result.ok and result.seq == 3 and "not signed with an audit key" in result.problem


def test_rotation_keeps_the_old_entries_verifiable(key_a, users):
    write(users, 3)
    key_a.EMERALD_AUDIT_KEY = KEY_B
    key_a.EMERALD_AUDIT_KEY_FALLBACKS = [KEY_A]
    write(users, 3, start=3)
    assert {e.key_id for e in AuditEntry.objects.all()} == {key_id(KEY_A), key_id(KEY_B)}
    assert verify_chain().ok
    key_a.EMERALD_AUDIT_KEY_FALLBACKS = []
    result = verify_chain()
    assert not result.ok and result.seq == 1 and "not configured" in result.problem


def test_a_checkpoint_catches_a_rewrite_by_someone_with_the_key(key_a, users):
    """The key on the server does not help against a checkpoint kept elsewhere."""
    write(users, 4)
    checkpoint = chain_checkpoint(actor=None)
    assert checkpoint["seq"] == 4 and checkpoint["hash"] == AuditEntry.objects.get(seq=4).hash
    write(users, 2, start=4)
    assert verify_chain(checkpoints=[checkpoint]).ok
    kid, key = current_key()
    rewrite_from(2, summary="forged", hasher=lambda row, summary, prev: entry_hash(
        **fields(row, summary, prev), key_id=kid, key=key))
    assert verify_chain().ok, "a rewrite with the key and the head passes the chain alone"
    result = verify_chain(checkpoints=[checkpoint])
    assert not result.ok and result.seq == 4 and "checkpoint" in result.problem


def test_an_altered_or_foreign_checkpoint_is_refused(key_a, users):
    write(users, 2)
    checkpoint = chain_checkpoint(actor=None)
    altered = {**checkpoint, "seq": 1}
    assert "altered" in verify_chain(checkpoints=[altered]).problem
    key_a.EMERALD_AUDIT_KEY = KEY_B
    assert "not configured" in verify_chain(checkpoints=[checkpoint]).problem
    assert "not an Emerald" in verify_chain(checkpoints=[{"seq": 1}]).problem


def test_a_checkpoint_beyond_the_end_shows_removed_entries(key_a, users):
    write(users, 4)
    checkpoint = chain_checkpoint(actor=None)
    _tamper("DELETE FROM audit_auditentry WHERE seq >= 3")
    _tamper("UPDATE audit_auditchainhead SET seq = 2, hash = %s WHERE id = 1", [AuditEntry.objects.get(seq=2).hash])
    result = verify_chain(checkpoints=[checkpoint])
    assert not result.ok and "removed" in result.problem


def test_taking_a_checkpoint_is_audited_after_the_entry_it_names(key_a, users):
    write(users, 1)
    checkpoint = chain_checkpoint(actor=None)
    last = AuditEntry.objects.order_by("-seq").first()
    assert last.action == "audit.checkpoint" and last.seq == checkpoint["seq"] + 1
    assert AuditChainHead.objects.get().seq == last.seq


def test_cli_checkpoint_then_verify(key_a, users, tmp_path, capsys):
    write(users, 3)
    path = tmp_path / "checkpoints.jsonl"
    call_command("audit", "checkpoint", "--output", str(path))
    write(users, 1, start=3)
    call_command("audit", "checkpoint", "--output", str(path))
    assert len(path.read_text().splitlines()) == 2
    capsys.readouterr()
    call_command("audit", "verify", "--no-progress", "--checkpoint", str(path))
    out = capsys.readouterr().out
    assert out.startswith("OK") and "2 signed checkpoint(s)" in out
    kid, key = current_key()
    rewrite_from(1, summary="forged", hasher=lambda row, summary, prev: entry_hash(
        **fields(row, summary, prev), key_id=kid, key=key))
    with pytest.raises(SystemExit) as exc:
        call_command("audit", "verify", "--no-progress", "--checkpoint", str(path))
    assert exc.value.code == 1 and "BROKEN" in capsys.readouterr().err


def test_cli_checkpoint_prints_one_json_line(key_a, users, capsys):
    call_command("audit", "checkpoint")
    line = capsys.readouterr().out.strip()
    assert json.loads(line)["kind"] == "emerald-audit-checkpoint"


def test_cli_refuses_a_file_that_is_not_checkpoints(key_a, users, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    with pytest.raises(CommandError, match="line 1"):
        call_command("audit", "verify", "--no-progress", "--checkpoint", str(bad))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("audit", "verify", "--no-progress", "--checkpoint", str(tmp_path / "missing"))


def test_api_checkpoint_for_auditors_only(key_a, users, settings):
    fast_password_hashing(settings)
    api_as = api_factory(users)
    body = api_as("auditor").get("/audit/checkpoint").json()
    assert body["kind"] == "emerald-audit-checkpoint" and verify_chain(checkpoints=[body]).ok
    assert api_as("officer").get("/audit/checkpoint").status_code in (403, 404)
