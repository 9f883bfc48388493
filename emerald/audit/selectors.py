"""Reading the audit trail: auditors and administrators only, and restricted records redacted for those
who may not know them (:func:`as_seen_by`)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from emerald.audit.models import AuditEntry
from emerald.core.access import require_list
from emerald.core.visibility import may_see_record, record_kinds, restricted_among

# Inmate numbers are letters, digits and - _ / . (97A0003, NYC-349801); anything shaped so is a candidate.
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-/.]*")


def audit_list(
    *, actor: Any, actor_username: str = "", object_type: str = "", object_id: str = "",
    since: datetime | None = None, until: datetime | None = None, action: str = "",
) -> QuerySet[AuditEntry]:
    """Entries newest first, filtered. Anyone else gets an audited 404."""
    require_list(actor, "audit.view", "audit")
    qs = AuditEntry.objects.all().order_by("-seq")
    if actor_username:
        qs = qs.filter(actor_username=actor_username)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        kinds = [object_type] if object_type else record_kinds()
        for kind in kinds:
            if restricted_among(kind, [object_id]) and not may_see_record(actor, kind, object_id):
                # Entries about a restricted record would tell the reader that the record exists.
                return qs.none()
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action=action)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    return qs


#: What a redacted entry says instead of its object, summary and changes (the same for every record).
REDACTED = "[restricted]"


def as_seen_by(*, actor: Any, entries: list[AuditEntry]) -> list[AuditEntry]:
    """The page of entries as ``actor`` may see it: an entry about a restricted record the reader may not
    know is redacted, the same way whatever the record.

    Auditors read the whole trail, but some records are restricted in themselves (a sealed person, a
    sexual-abuse report, an investigation, a confidential keep-apart order: the kinds that registered
    ``restricted_among`` with ``emerald/core/visibility.py``). An entry is about a record if it is its
    object, if it names it in ``changes["_about"]`` (written by ``audit.record(about=...)``: a
    reassessment opened by a report), or, for a person, if the entry mentions their inmate number. Such an
    entry keeps its sequence number, time, actor, action and outcome (something happened, by whom, when)
    and loses its object id, summary and changes: no name, no date of birth, no reason, no content.

    The stored entries are untouched (and their hashes still verify); the returned copies are not saved.
    """
    if not entries:
        return entries
    about: list[list[tuple[str, str]]] = []
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        refs = [(entry.object_type, entry.object_id)] if entry.object_type and entry.object_id else []
        extra = (entry.changes or {}).get("_about") if isinstance(entry.changes, dict) else None
        for ref in extra or []:
            if isinstance(ref, list | tuple) and len(ref) == 2:
                refs.append((str(ref[0]), str(ref[1])))
        text = f"{entry.object_id} {entry.summary} {json.dumps(entry.changes)}"
        for token in _TOKEN.findall(text):
            # "... viewed 97A0003." ends a sentence
            refs += [("person", token), ("person", token.rstrip("./"))]
        about.append(refs)
        for kind, object_id in refs:
            wanted.setdefault(kind, set()).add(object_id)
    restricted = {(kind, i) for kind, ids in wanted.items() for i in restricted_among(kind, sorted(ids))}
    if not restricted:
        return entries
    verdicts: dict[tuple[str, str], bool] = {}

    def hidden(ref: tuple[str, str]) -> bool:
        if ref not in restricted:
            return False
        if ref not in verdicts:
            verdicts[ref] = not may_see_record(actor, *ref)
        return verdicts[ref]

    for entry, refs in zip(entries, about, strict=True):
        if any(hidden(ref) for ref in refs):
            entry.object_id, entry.summary, entry.changes = "", REDACTED, {}
            entry.redacted = True  # type: ignore[attr-defined]
    return entries


def chain_checkpoint(*, actor: Any | None) -> dict[str, Any]:
    """A signed checkpoint of the chain as it stands (emerald/audit/keys.py), to keep off the machine.

    ``actor`` None is the operator at the server's command line; anyone else needs ``audit.view``. Taking
    one is itself recorded, after the entry it names.
    """
    from emerald.audit.keys import checkpoint_sign
    from emerald.audit.services import chain_head, record
    from emerald.core import clock

    if actor is not None:
        require_list(actor, "audit.view", "audit")
    seq, digest = chain_head()
    checkpoint = checkpoint_sign(seq=seq, digest=digest, at=clock.now().isoformat())
    record(actor=actor, action="audit.checkpoint", object_type="audit", object_id=str(seq),
           summary=f"took a checkpoint of the audit chain at entry {seq}")
    return checkpoint
