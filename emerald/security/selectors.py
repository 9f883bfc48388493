"""Reads for the security pages and API, filtered by who asks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from emerald.accounts.models import ApiToken
from emerald.accounts.permissions import allowed
from emerald.core import clock
from emerald.security.models import UserSession


def active_sessions(*, actor: Any, user: Any = None) -> QuerySet[UserSession]:
    """Sessions not ended and seen within the idle timeout: the actor's own, or anyone's for administrators."""
    since = clock.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    qs = UserSession.objects.filter(ended_at__isnull=True, last_seen_at__gte=since).select_related("user")
    if user is not None:
        qs = qs.filter(user=user)
    if not allowed(actor, "session.manage"):
        qs = qs.filter(user=actor)
    return qs.order_by("-last_seen_at")


def tokens_for(*, actor: Any, user: Any = None, include_inactive: bool = False) -> QuerySet[ApiToken]:
    """Tokens that still work (or all with ``include_inactive``): own, or anyone's for administrators."""
    qs = ApiToken.objects.select_related("user")
    if not include_inactive:
        qs = qs.filter(revoked_at__isnull=True, expires_at__gt=clock.now())
    if user is not None:
        qs = qs.filter(user=user)
    if not allowed(actor, "token.manage"):
        qs = qs.filter(user=actor)
    return qs.order_by("-created_at", "-id")
