"""Staff accounts, their roles and their API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    WARDEN = "warden", _("Warden")
    UNIT_MANAGER = "unit_manager", _("Unit manager")
    OFFICER = "officer", _("Correctional officer")
    MEDICAL = "medical", _("Medical staff")
    EDUCATOR = "educator", _("Educator")
    INVESTIGATOR = "investigator", _("Investigator")
    AUDITOR = "auditor", _("Auditor")


class User(AbstractUser):
    """A member of staff. Exactly one role; unit managers are scoped to the units they manage.

    What a role may do is decided in :mod:`emerald.accounts.permissions`, never
    by Django's per-object permission tables, so the whole policy is one table.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    language = models.CharField(
        _("language"), max_length=8, blank=True, help_text=_("Empty: use the browser's language.")
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_valid"
            )
        ]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for API clients. Only its hash is stored; it expires and can be revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")), name="token_expiry_after_creation")
        ]

    @staticmethod
    def new_key() -> str:
        return "emr_" + secrets.token_urlsafe(32)

    @staticmethod
    def hash_key(raw: str) -> str:
        return _hash(raw)
