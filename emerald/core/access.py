"""Permission checks that services and selectors share."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from emerald.accounts.permissions import allowed
from emerald.audit import services as audit
from emerald.core.errors import Forbidden, NotFound, ServiceError


def _tag(error: ServiceError, object_type: str, object_id: Any) -> ServiceError:
    error.object_type = object_type
    error.object_id = "" if object_id is None else str(object_id)
    return error


def forbid(object_type: str, object_id: Any, detail: str | None = None) -> Forbidden:
    """A 403 for someone who may know the object exists; the service wrapper audits it."""
    return _tag(Forbidden(detail or _("You are not allowed to do this.")), object_type, object_id)  # type: ignore[return-value]


def hidden(object_type: str, object_id: Any) -> NotFound:
    """A 404 that looks exactly like "no such object"."""
    return _tag(NotFound(_("Not found.")), object_type, object_id)  # type: ignore[return-value]


def require(actor: Any, action: str, object_type: str = "", object_id: Any = "") -> None:
    """Raise 403 unless the actor's role may take ``action`` (inside a service: audited by the wrapper)."""
    if not allowed(actor, action):
        raise forbid(object_type, object_id)


def deny_read(actor: Any, action: str, object_type: str, object_id: Any) -> NotFound:
    """A refused read outside any service: audit it now and return the 404 to raise."""
    error = hidden(object_type, object_id)
    audit.record_refusal(actor=actor, action=action, error=error)
    return error


def require_read(actor: Any, action: str, object_type: str, object_id: Any) -> None:
    """For reads: a role that may not see this kind of record gets an audited 404."""
    if not allowed(actor, action):
        raise deny_read(actor, action, object_type, object_id)


def deny_list(actor: Any, action: str, object_type: str) -> Forbidden:
    """A refused list or collection read outside any service: audited 403 (the collection is no secret)."""
    error = forbid(object_type, "")
    audit.record_refusal(actor=actor, action=action, error=error)
    return error


def require_list(actor: Any, action: str, object_type: str) -> None:
    if not allowed(actor, action):
        raise deny_list(actor, action, object_type)
