"""Reading the audit trail: auditors and administrators only."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from emerald.accounts.permissions import allowed
from emerald.audit.models import AuditEntry
from emerald.core.access import require_list
from emerald.people.models import Person

SEALED = "[sealed]"
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
        if not allowed(actor, "person.view_sealed") and Person.objects.filter(
                sealed=True, inmate_number=object_id.strip().upper()).exists():
            # Entries about a sealed record would tell the reader that the record exists.
            return qs.none()
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action=action)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    return qs


def redact_sealed(*, actor: Any, entries: list[AuditEntry]) -> list[AuditEntry]:
    """The page of entries as ``actor`` may see it: sealed persons' inmate numbers become "[sealed]".

    Auditors read the whole trail, but a sealed record is known only to the roles allowed to see it;
    an entry still shows that something happened, by whom and when, without naming the person.
    The stored entries are untouched (and their hashes still verify); the returned ones are not saved.
    """
    if not entries or allowed(actor, "person.view_sealed"):
        return entries
    tokens: set[str] = set()
    for entry in entries:
        for token in _TOKEN.findall(f"{entry.object_id} {entry.summary} {json.dumps(entry.changes)}"):
            tokens.update((token, token.rstrip("./")))  # "... viewed 97A0003." ends a sentence
    sealed = sorted(Person.objects.filter(sealed=True, inmate_number__in=tokens)
                    .values_list("inmate_number", flat=True), key=len, reverse=True)
    if not sealed:
        return entries
    pattern = re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(n) for n in sealed) + r")(?![A-Za-z0-9])")
    for entry in entries:
        entry.object_id = pattern.sub(SEALED, entry.object_id)
        entry.summary = pattern.sub(SEALED, entry.summary)
        entry.changes = json.loads(pattern.sub(SEALED, json.dumps(entry.changes)))
    return entries
