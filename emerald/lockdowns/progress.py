"""Progress of a re-housing run, published outside the database.

A run executes in one transaction (all or nothing), so rows it writes are
invisible to the page polling for progress until it commits. The executor
therefore publishes its progress through Django's cache instead: with the
default per-process memory cache the poll sees it when served by the same
process (the development server, a threaded server); with a shared cache
(Redis, database cache) every worker sees it. Without it, the page shows an
indeterminate bar until the run's committed status says "executed".
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

TTL_SECONDS = 3600


def _key(run_id: int) -> str:
    return f"emerald:rehousing-progress:{run_id}"


def publish(run_id: int, done: int, total: int, state: str, detail: str = "") -> None:
    cache.set(_key(run_id), {"done": done, "total": total, "state": state, "detail": detail}, TTL_SECONDS)


def read(run_id: int) -> dict[str, Any] | None:
    return cache.get(_key(run_id))
