"""Reading the audit trail: auditors and administrators only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from emerald.audit.models import AuditEntry
from emerald.core.access import require_list


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
        qs = qs.filter(object_id=object_id)
    if action:
        qs = qs.filter(action=action)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    return qs
