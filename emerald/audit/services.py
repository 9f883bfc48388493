"""Writing to the audit trail.

Services do not write entries directly: they call :func:`record`, which
buffers the entry; the ``@service`` wrapper flushes the buffer at the end of
the outermost transaction. Calls outside any service (logins, record views)
are written at once in their own transaction — or, while a web request is being
served, gathered and written together in one transaction before its response
leaves (:func:`begin_request`, :func:`end_request`): a person page records three
or four reads, and one append instead of four shortens the time every request
waits for the chain head's lock.
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import translation

from emerald.audit.keys import current_key, sign
from emerald.audit.models import AuditChainHead, AuditEntry, Outcome
from emerald.core import clock

GENESIS = "0" * 64
_local = threading.local()


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def canonical_changes(changes: dict[str, Any] | None) -> dict[str, Any]:
    """Changes as they will read back from the JSON column (dates as ISO strings)."""
    return json.loads(json.dumps(changes or {}, default=_json_default, sort_keys=True))


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor_username: str,
    action: str,
    object_type: str,
    object_id: str,
    outcome: str,
    changes: dict[str, Any],
    summary: str,
    ip: str,
    prev_hash: str,
    key_id: str | None,
    key: bytes | None,
) -> str:
    """The HMAC-SHA-256, under ``key``, of an entry's content, its key's fingerprint and its predecessor's hash.

    ``key_id`` None is an entry from before the chain was keyed: a plain SHA-256 without the fingerprint.
    """
    fields: list[Any] = [seq, at.isoformat(), actor_username, action, object_type, object_id, outcome, changes,
                         summary, ip, prev_hash]
    if key_id is not None:
        fields.append(key_id)
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    if key_id is None or key is None:
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()
    return sign(key, payload)


def chain_head() -> tuple[int, str]:
    """The last entry's ``seq`` and ``hash`` as committed (0 and the genesis hash for an empty chain)."""
    head = AuditChainHead.objects.filter(pk=1).first()
    return (head.seq, head.hash) if head else (0, GENESIS)


def _centiseconds(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=(moment.microsecond // 10_000) * 10_000)


def begin_buffer() -> None:
    _local.buffer = []
    _local.taken_reads = []


def begin_request() -> None:
    """Start gathering the entries of reads made while serving one request."""
    _local.reads = []


def end_request() -> None:
    """Write the gathered entries; raises if they cannot be written, so that nothing is shown unaudited."""
    try:
        _flush_reads()
    finally:
        _local.reads = None


def _flush_reads() -> None:
    items, _local.reads = _local.reads, []
    if items:
        with transaction.atomic():
            _append(items)


def discard_buffer() -> None:
    _local.buffer = None
    # The service failed, perhaps at commit: the request's reads it would have carried are written later.
    taken, _local.taken_reads = getattr(_local, "taken_reads", None) or [], []
    if taken and getattr(_local, "reads", None) is not None:
        _local.reads = taken + _local.reads


def _buffer() -> list[dict[str, Any]] | None:
    return getattr(_local, "buffer", None)


def _clip(value: str, length: int) -> str:
    """Fit a column: a refused read of a 200-character "inmate number" must be recorded, not crash.

    NUL characters (which PostgreSQL refuses in text) are written out visibly.
    """
    return str(value).replace("\x00", "\\x00")[:length]


def record(
    *,
    actor: Any,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    changes: dict[str, Any] | None = None,
    summary: str = "",
    outcome: str = Outcome.SUCCESS,
    ip: str = "",
    about: list[tuple[str, Any]] | None = None,
) -> None:
    """Add an entry to the trail, in the current service's transaction when there is one.

    ``about`` names restricted records the entry is a consequence of besides its object (a reassessment
    opened by a sexual-abuse report names the report): whoever may not know them reads the entry
    redacted (``audit.selectors.as_seen_by``). They are kept in ``changes["_about"]``, under the hash.
    """
    if about:
        changes = {**(changes or {}), "_about": [[kind, str(object_id)] for kind, object_id in about]}
    item = {
        "actor": actor if getattr(actor, "pk", None) else None,
        "actor_username": _clip(getattr(actor, "username", "") or "", 150),
        "action": _clip(action, 80),
        "object_type": _clip(object_type, 60),
        "object_id": _clip(str(object_id), 80) if object_id not in (None, "") else "",
        "changes": canonical_changes(changes),
        "summary": summary,
        "outcome": str(outcome),
        "ip": ip or getattr(_local, "ip", "") or "",
        "at": clock.now(),
    }
    buffer = _buffer()
    reads = getattr(_local, "reads", None)
    if buffer is not None:
        buffer.append(item)
    elif reads is not None:
        reads.append(item)
    else:
        with transaction.atomic():
            _append([item])


def flush_buffer() -> None:
    buffer = _buffer() or []
    _local.buffer = None
    # Reads gathered earlier in this request go first, so the order of the chain is the order of events.
    reads = getattr(_local, "reads", None)
    if reads:
        _local.taken_reads, _local.reads = reads, []
        buffer = reads + buffer
    if buffer:
        _append(buffer)


def _append(items: list[dict[str, Any]]) -> None:
    # Lock the head row: appends are serialised so sequence numbers have no gaps.
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    seq, prev = head.seq, head.hash
    kid, key = current_key()
    rows = []
    for item in items:
        seq += 1
        at = _centiseconds(item["at"])
        digest = entry_hash(
            seq=seq,
            at=at,
            actor_username=item["actor_username"],
            action=item["action"],
            object_type=item["object_type"],
            object_id=item["object_id"],
            outcome=item["outcome"],
            changes=item["changes"],
            summary=item["summary"],
            ip=item["ip"],
            prev_hash=prev,
            key_id=kid,
            key=key,
        )
        rows.append(
            AuditEntry(
                seq=seq,
                at=at,
                actor=item["actor"],
                actor_username=item["actor_username"],
                action=item["action"],
                object_type=item["object_type"],
                object_id=item["object_id"],
                outcome=item["outcome"],
                changes=item["changes"],
                summary=item["summary"],
                ip=item["ip"],
                prev_hash=prev,
                hash=digest,
                key_id=kid,
            )
        )
        prev = digest
    AuditEntry.objects.bulk_create(rows)
    AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)


def record_refusal(*, actor: Any, action: str, error: Any) -> None:
    """Record a denied or refused attempt; runs after the refused transaction rolled back."""
    outcome = Outcome.DENIED if error.status in (403, 404) else Outcome.REFUSED
    record(
        actor=actor,
        action=action,
        object_type=getattr(error, "object_type", ""),
        object_id=getattr(error, "object_id", ""),
        outcome=outcome,
        # The error's extra details (e.g. the keep-apart conflicts, naming the others by inmate number)
        # are evidence too.
        # The detail was written in the user's language; the summary is evidence and stays English.
        changes={**(getattr(error, "extra", None) or {}), "error": error.code, "detail": str(error.detail)[:2000]},
        summary=_refusal_summary(action, outcome, error),
    )


def _refusal_summary(action: str, outcome: str, error: Any) -> str:
    target = " ".join(x for x in (getattr(error, "object_type", ""), getattr(error, "object_id", "")) if x)
    verb = "denied" if outcome == Outcome.DENIED else "refused"
    summary = f"{verb} {action}" + (f" on {target}" if target else "") + f": {error.code}"
    language = translation.get_language() or "en"
    if language.startswith("en"):
        # The detail names the places involved; it is evidence only when it is in English.
        summary += f" ({error.detail})"
    return summary[:2000]


def set_request_ip(ip: str) -> None:
    """Remember the client address of the current request for its audit entries."""
    _local.ip = ip
