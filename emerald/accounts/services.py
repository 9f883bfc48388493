"""Writes on staff accounts and API tokens."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from emerald.accounts.models import ApiToken, Role, User
from emerald.accounts.permissions import allowed
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.errors import Forbidden, Invalid, field_error
from emerald.core.services import service


@service("user.create")
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    check_password: bool = True,
) -> User:
    """Create a staff account. ``actor`` None is the command line run by the system's operator."""
    if actor is not None and not allowed(actor, "user.manage"):
        raise Forbidden(_("Only administrators manage staff accounts."))
    username = (username or "").strip()
    if not username:
        raise field_error("username", _("A username is required."))
    if role not in Role.values:
        raise field_error("role", _("Unknown role: %(role)s.") % {"role": role})
    if User.objects.filter(username__iexact=username).exists():
        raise field_error("username", _("That username is taken."))
    user = User(username=username, role=role, first_name=first_name, last_name=last_name, email=email)
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise Invalid(_("The password is not strong enough."), fields={"password": list(exc.messages)}) from exc
    user.set_password(password)
    user.save()
    audit.record(
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.pk,
        changes={"username": username, "role": role},
        summary=f"created staff account {username} ({role})",
    )
    return user


@service("token.issue")
def token_issue(*, actor: User) -> tuple[str, ApiToken]:
    """Issue an API token for ``actor`` (who has just proved their password). Returns the raw key once."""
    raw = ApiToken.new_key()
    now = clock.now()
    token = ApiToken.objects.create(
        user=actor,
        key_hash=ApiToken.hash_key(raw),
        prefix=raw[4:12],
        created_at=now,
        expires_at=now + settings.API_TOKEN_TTL,
    )
    audit.record(
        actor=actor,
        action="token.issue",
        object_type="api_token",
        object_id=token.pk,
        changes={"expires_at": token.expires_at},
        summary=f"issued API token {token.prefix}… to {actor.username}",
    )
    return raw, token


def token_authenticate(raw: str) -> User | None:
    """The active user a token belongs to, or None. Not a service: it changes nothing the audit needs."""
    if not raw:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(raw), revoked_at__isnull=True, expires_at__gt=clock.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token.user


def token_expiry(token: ApiToken) -> datetime:
    return token.expires_at
