"""The one source of "now" for the whole application.

Tests and the demo loader freeze it, so a record made "at 02:10 on the night of
the riot" carries that time, and tests never depend on the wall clock.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import datetime

from django.utils import timezone

_frozen: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("emerald_frozen_now", default=None)


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    frozen = _frozen.get()
    return frozen if frozen is not None else timezone.now()


@contextlib.contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Make ``now()`` answer ``moment`` inside the block."""
    if timezone.is_naive(moment):
        raise ValueError("frozen_at needs an aware datetime")
    token = _frozen.set(moment)
    try:
        yield
    finally:
        _frozen.reset(token)


def set_frozen(moment: datetime | None) -> None:
    """Freeze (or with None, unfreeze) the clock until changed again; for long loaders."""
    _frozen.set(moment)
