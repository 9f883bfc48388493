"""Fixed-window rate limits kept in Django's cache.

Each limit is ``(requests, seconds)`` from ``settings.EMERALD_RATE_LIMITS``. A failing cache
(e.g. the database cache table was never created) lets requests through and logs the error:
availability of the roll matters more than the limit; ``emerald check --deploy`` checks the
cache works. The
counters live in the default cache: with several app processes that cache must
be shared (the database cache or Redis, see docs/deployment.md), or every
process counts on its own.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger("emerald.security")


@dataclass
class Verdict:
    allowed: bool
    limit: int
    retry_after: int


def enabled() -> bool:
    return bool(getattr(settings, "EMERALD_RATE_LIMITS_ENABLED", True))


def hit(name: str, ident: str) -> Verdict:
    """Count one request for ``ident`` under limit ``name``; refuse once the window's budget is spent."""
    limit, window = settings.EMERALD_RATE_LIMITS[name]
    # Wall time, not emerald.core.clock: tests freeze the business clock, not the rate of requests.
    now = time.time()
    slot = int(now // window)
    key = f"emerald:rl:{name}:{hashlib.sha256(ident.encode()).hexdigest()[:32]}:{slot}"
    try:
        cache.add(key, 0, timeout=window + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=window + 1)
            count = 1
    except Exception:  # noqa: BLE001 - a broken cache must not take the API down: count nothing, say so
        log.exception("rate limit %s not counted: the cache failed", name)
        return Verdict(True, limit, 0)
    retry = max(1, int((slot + 1) * window - now + 0.999))
    return Verdict(count <= limit, limit, retry)


def reset() -> None:
    """Forget every counter (tests)."""
    cache.clear()
