"""Signed-in browser sessions, tracked so that they can be listed and ended."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSession(models.Model):
    """One browser session, from sign-in to sign-out (or until it was ended or expired).

    The session itself lives in Django's session store; this row is what the
    middleware checks on every request, so ending it here ends the session at once
    whatever the session backend (a deleted store entry alone would not stop a
    signed-cookie session).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tracked_sessions")
    session_key = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "ended_at"], name="usersession_user_open_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="usersession_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(last_seen_at__gte=models.F("started_at")), name="usersession_seen_after_start"
            ),
        ]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"session {self.pk} of user {self.user_id}"
