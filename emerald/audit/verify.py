"""Checking the audit chain: the first entry that was changed or removed."""

from __future__ import annotations

from dataclasses import dataclass

from emerald.audit.models import AuditChainHead, AuditEntry
from emerald.audit.services import GENESIS, entry_hash


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""
    seq: int | None = None


def verify_chain(progress=None) -> VerifyResult:
    """Walk the chain from the start; stop at the first entry that does not fit."""
    expected_seq = 1
    prev = GENESIS
    checked = 0
    fields = (
        "seq", "at", "actor_username", "action", "object_type", "object_id",
        "outcome", "changes", "summary", "ip", "prev_hash", "hash",
    )
    for row in AuditEntry.objects.order_by("seq").values_list(*fields).iterator(chunk_size=5000):
        seq, at, actor_username, action, object_type, object_id, outcome, changes, summary, ip, prev_hash, digest = row
        if seq != expected_seq:
            return VerifyResult(False, checked, f"entry {expected_seq} was removed (the chain jumps to {seq})", expected_seq)
        if prev_hash != prev:
            return VerifyResult(False, checked, f"entry {seq} does not follow entry {seq - 1}: an entry was removed or replaced", seq)
        recomputed = entry_hash(
            seq=seq, at=at, actor_username=actor_username, action=action, object_type=object_type,
            object_id=object_id, outcome=outcome, changes=changes, summary=summary, ip=ip, prev_hash=prev_hash,
        )
        if recomputed != digest:
            return VerifyResult(False, checked, f"entry {seq} was changed after it was written", seq)
        prev = digest
        expected_seq += 1
        checked += 1
        if progress is not None:
            progress(checked)
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != checked or head_hash != prev:
        return VerifyResult(
            False, checked, f"entries after {checked} were removed (the chain head names entry {head_seq})", checked + 1
        )
    return VerifyResult(True, checked)
