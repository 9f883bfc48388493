"""Checking the audit chain: the first entry that was changed or removed, and signed checkpoints."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from emerald.audit.keys import checkpoint_problem, known_keys
from emerald.audit.models import AuditEntry
from emerald.audit.services import GENESIS, chain_head, entry_hash


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""
    seq: int | None = None
    #: entries from before the chain was keyed (plain SHA-256), all at its start
    unkeyed: int = 0
    #: the checkpoints the chain was proven against, by seq
    checkpoints: list[int] = field(default_factory=list)


_FIELDS = (
    "seq", "at", "actor_username", "action", "object_type", "object_id",
    "outcome", "changes", "summary", "ip", "prev_hash", "hash", "key_id",
)


def verify_chain(progress: Callable[[int], Any] | None = None,
                 checkpoints: Iterable[dict[str, Any]] = ()) -> VerifyResult:
    """Walk the chain from the start; stop at the first entry that does not fit.

    Each entry's HMAC is recomputed with the key its ``key_id`` names, so a chain rewritten by someone
    without the keys fails at the first entry they touched. Each checkpoint's signature is checked
    first, then the chain must hold at its ``seq`` exactly the hash it names: that catches a rewrite
    by someone who does hold the key.
    """
    wanted: dict[int, str] = {}
    for checkpoint in checkpoints:
        problem = checkpoint_problem(checkpoint)
        if problem:
            return VerifyResult(False, 0, problem)
        seq, digest = int(checkpoint["seq"]), str(checkpoint["hash"])
        if wanted.get(seq, digest) != digest:
            return VerifyResult(False, 0, f"two checkpoints name different hashes for entry {seq}", seq)
        wanted[seq] = digest
    keys = known_keys()
    expected_seq = 1
    prev = GENESIS
    checked = unkeyed = 0
    keyed_seen = False
    if 0 in wanted and wanted[0] != GENESIS:
        return VerifyResult(False, 0, "the checkpoint of the empty chain does not name the start", 0)

    def result(ok: bool, problem: str = "", seq: int | None = None) -> VerifyResult:
        return VerifyResult(ok, checked, problem, seq, unkeyed, sorted(s for s in wanted if s <= checked))

    for row in AuditEntry.objects.order_by("seq").values_list(*_FIELDS).iterator(chunk_size=5000):
        (seq, at, actor_username, action, object_type, object_id, outcome, changes, summary, ip, prev_hash,
         digest, key_id) = row
        if seq != expected_seq:
            return result(False, f"entry {expected_seq} was removed (the chain jumps to {seq})", expected_seq)
        if prev_hash != prev:
            return result(False, f"entry {seq} does not follow entry {seq - 1}: an entry was removed or replaced", seq)
        key = None
        if key_id is None:
            if keyed_seen:
                return result(False, f"entry {seq} is not signed with an audit key although earlier entries are: "
                                     "it was written or rewritten without the key", seq)
            unkeyed += 1
        else:
            keyed_seen = True
            key = keys.get(key_id)
            if key is None:
                return result(False, f"entry {seq} was signed with audit key {key_id}, which is not configured "
                                     "(EMERALD_AUDIT_KEY or EMERALD_AUDIT_KEY_FALLBACKS): it cannot be checked", seq)
        recomputed = entry_hash(
            seq=seq, at=at, actor_username=actor_username, action=action, object_type=object_type,
            object_id=object_id, outcome=outcome, changes=changes, summary=summary, ip=ip, prev_hash=prev_hash,
            key_id=key_id, key=key,
        )
        if recomputed != digest:
            return result(False, f"entry {seq} was changed after it was written", seq)
        if seq in wanted and wanted[seq] != digest:
            return result(False, f"entry {seq} is not the entry the checkpoint signed: the trail up to it was "
                                 "rewritten", seq)
        prev = digest
        expected_seq += 1
        checked += 1
        if progress is not None:
            progress(checked)
    beyond = [s for s in wanted if s > checked]
    if beyond:
        return result(False, f"a checkpoint names entry {min(beyond)}, but the chain ends at entry {checked}: "
                             "entries were removed", checked + 1)
    head_seq, head_hash = chain_head()
    if head_seq != checked or head_hash != prev:
        return result(False, f"entries after {checked} were removed (the chain head names entry {head_seq})",
                      checked + 1)
    return result(True)
