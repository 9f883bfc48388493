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
    # Raised whenever the account is disabled or its role changes (emerald/security/signals.py): a
    # session remembers the epoch it started in, and one started under an older epoch is ended at once.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

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


class TokenKind(models.TextChoices):
    #: Issued by ``POST /auth/token`` after a password (and, for two-factor roles, a code): full scope, short life.
    LOGIN = "login", _("sign-in token")
    #: Made on purpose for a client program: named, scoped, longer life; separate from the password.
    PERSONAL = "personal", _("API token")


def _all_scopes() -> list[str]:
    return ["*"]


class ApiToken(models.Model):
    """A bearer token for API clients. Only its hash is stored; it expires and can be revoked.

    ``scopes`` narrow what the token may reach (``"people:read"``, ``"housing:write"``, ``"*:read"``,
    ``"*"``); they never widen the owner's role. See emerald/security/scopes.py.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=10, choices=TokenKind.choices, default=TokenKind.LOGIN)
    name = models.CharField(max_length=100, blank=True)
    scopes = models.JSONField(default=_all_scopes)
    revoked_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(expires_at__gt=models.F("created_at")), name="token_expiry_after_creation")
        ]

    def __str__(self) -> str:
        return f"API token {self.prefix}… of {self.user_id}"

    @staticmethod
    def new_key() -> str:
        return "emr_" + secrets.token_urlsafe(32)

    @staticmethod
    def hash_key(raw: str) -> str:
        return _hash(raw)
