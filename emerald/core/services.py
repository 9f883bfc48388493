"""The shape every write in Emerald takes.

``@service`` wraps a function in one transaction, flushes its audit entries
just before commit (so the audit chain lock is always the last lock taken), and
records a refusal (forbidden, hidden, or a business rule) in a transaction of
its own, since the refused transaction itself is rolled back.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from django.db import IntegrityError, transaction

from emerald.core.errors import Conflict, ServiceError

P = ParamSpec("P")
R = TypeVar("R")

_local = threading.local()


def _depth() -> int:
    return getattr(_local, "depth", 0)


def service(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare ``fn`` a service: keyword-only, atomic, audited, refusals recorded."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if args:
                raise TypeError(f"{fn.__name__} takes keyword arguments only")
            from emerald.audit import services as audit

            outermost = _depth() == 0
            _local.depth = _depth() + 1
            try:
                with transaction.atomic():
                    if outermost:
                        audit.begin_buffer()
                    try:
                        result = fn(**kwargs)
                    except IntegrityError as exc:
                        # A database invariant caught what the service checks did not
                        # (usually a race). Never surface it as a 500.
                        raise Conflict(
                            "The change conflicts with a concurrent change; nothing was saved. Try again.",
                            code="conflict",
                        ) from exc
                    if outermost:
                        audit.flush_buffer()
                    return result
            except ServiceError as exc:
                if outermost:
                    audit.discard_buffer()
                    if exc.audited:
                        audit.record_refusal(actor=kwargs.get("actor"), action=action, error=exc)
                raise
            except BaseException:
                if outermost:
                    audit.discard_buffer()
                raise
            finally:
                _local.depth = _depth() - 1

        wrapper.service_action = action  # type: ignore[attr-defined]
        return wrapper

    return decorate


def in_service() -> bool:
    return _depth() > 0


def require_text(value: Any, field: str, label: str) -> str:
    """A reason or comment that must not be blank; returns it stripped."""
    from django.utils.translation import gettext as _

    from emerald.core.errors import field_error

    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if not text:
        raise field_error(field, _("%(label)s is required.") % {"label": label})
    return text
