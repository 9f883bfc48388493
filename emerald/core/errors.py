"""The errors every service may raise, with the stable codes of ../shared/API.md.

Views, the API and the CLI translate these into a form message, a JSON
``{"error", "detail"}`` answer or an exit status; none of them invents its own.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refusal with a stable machine-readable code and a message a person can act on."""

    status = 400
    code = "invalid"
    #: Whether the refusal is written to the audit trail (denials and business-rule refusals are).
    audited = True

    def __init__(self, detail: str, *, code: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(detail)
        self.detail = str(detail)
        if code:
            self.code = code
        self.extra: dict[str, Any] = extra or {}
        # Filled in by the service layer for the audit entry of a refusal.
        self.object_type = ""
        self.object_id = ""

    def as_dict(self) -> dict[str, Any]:
        return {"error": self.code, "detail": self.detail, **self.extra}


class Invalid(ServiceError):
    """Malformed or invalid input. ``fields`` maps field names to messages."""

    status = 400
    code = "invalid"
    audited = False

    def __init__(self, detail: str, *, fields: dict[str, list[str]] | None = None):
        super().__init__(detail, extra={"fields": fields or {}})
        self.fields = fields or {}


class Forbidden(ServiceError):
    """The caller may see the object but may not do this."""

    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    """No such object, or the caller may not know it exists."""

    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """A business rule refused the change (``keep_apart``, ``cell_full``, ...)."""

    status = 409
    code = "conflict"


def field_error(field: str, message: str) -> Invalid:
    return Invalid(message, fields={field: [message]})
