"""API: the audit trail, for auditors and administrators."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from emerald.audit.models import AuditEntry
from emerald.audit.selectors import as_seen_by, audit_list, chain_checkpoint
from emerald.core.api_support import IsoDateTime, PageQuery, Text, actor, errors, paginate

router = Router()


class AuditEntryOut(Schema):
    seq: int = Field(..., description="position in the hash chain")
    at: datetime
    actor: str = Field(..., description="username; empty for the system")
    action: str
    object_type: str
    object_id: str
    outcome: str = Field(..., description="success / denied / refused / failed")
    changes: dict[str, Any]
    summary: str
    ip: str
    redacted: bool = Field(False, description="about a restricted record the reader may not know: object id, "
                           "summary and changes withheld (docs/audit.md)")


class AuditPage(Schema):
    count: int
    items: list[AuditEntryOut]


class AuditQuery(PageQuery):
    actor: Text = Field("", description="username")
    action: Text = ""
    object_type: Text = ""
    object_id: Text = ""
    since: IsoDateTime | None = Field(None, description="inclusive")
    until: IsoDateTime | None = Field(None, description="exclusive")


def entry_dict(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq, "at": e.at, "actor": e.actor_username, "action": e.action, "object_type": e.object_type,
        "object_id": e.object_id, "outcome": e.outcome, "changes": e.changes, "summary": e.summary, "ip": e.ip,
        "redacted": getattr(e, "redacted", False),
    }


@router.get("", response={200: AuditPage, **errors(400, 401, 403)}, summary="The audit trail, newest first")
def entries(request: HttpRequest, query: Query[AuditQuery]):
    qs = audit_list(actor=actor(request), actor_username=query.actor, object_type=query.object_type,
                    object_id=query.object_id, since=query.since, until=query.until, action=query.action)
    return paginate(qs, query, lambda rows: [
        entry_dict(e) for e in as_seen_by(actor=actor(request), entries=list(rows))])


class CheckpointOut(Schema):
    kind: str = Field(..., description="always emerald-audit-checkpoint")
    seq: int = Field(..., description="the last entry of the chain when the checkpoint was taken (0: empty)")
    hash: str = Field(..., description="that entry's hash")
    at: str = Field(..., description="when the checkpoint was taken (ISO 8601, UTC)")
    key_id: str = Field(..., description="fingerprint of the audit key that signed it")
    signature: str = Field(..., description="HMAC-SHA-256 of the fields above")


@router.get("/checkpoint", response={200: CheckpointOut, **errors(401, 403, 404)},
            summary="A signed checkpoint of the chain's head, to keep off the server",
            description="Store it where the database's owners cannot write; `emerald audit verify --checkpoint "
                        "FILE` later proves that nothing up to that entry changed (docs/audit.md).")
def checkpoint(request: HttpRequest):
    return chain_checkpoint(actor=actor(request))
