"""Writes on staff accounts and API tokens."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from emerald.accounts.models import ApiToken, Role, TokenKind, User
from emerald.accounts.permissions import allowed
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.errors import Forbidden, Invalid, field_error
from emerald.core.services import require_text, service


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
        kind=TokenKind.LOGIN,
        scopes=["*"],
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


def token_authenticate(raw: str, request=None) -> User | None:
    """The active user a token belongs to, or None. Not a service: it changes nothing the audit needs.

    With the ``request``, the token's scopes must cover the request's area and method (read for
    GET/HEAD, write otherwise): otherwise 403 ``insufficient_scope``. The token is kept on the request
    as ``request.api_token``.
    """
    if not raw:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(raw), revoked_at__isnull=True, expires_at__gt=clock.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if request is not None:
        from emerald.security import scopes

        area, access = scopes.area_of(request.path), scopes.access_of(request.method)
        if not scopes.grants(token.scopes, area, access):
            raise Forbidden(
                _("This token may not %(access)s %(area)s; it holds: %(scopes)s.")
                % {"access": access, "area": area or "/", "scopes": ", ".join(token.scopes)},
                code="insufficient_scope",
            )
        request.api_token = token
        now = clock.now()
        # Bookkeeping for the token list ("last used"); at most once a minute per token, so reads stay cheap.
        if token.last_used_at is None or abs((now - token.last_used_at).total_seconds()) > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_expiry(token: ApiToken) -> datetime:
    return token.expires_at


@service("user.set_language")
def user_set_language(*, actor: User, language: str) -> User:
    """Save the language ``actor`` chose for the UI; empty means "follow the browser"."""
    if not getattr(actor, "pk", None):
        raise Forbidden(_("Sign in first."))
    language = (language or "").strip()
    if language and language not in dict(settings.LANGUAGES):
        raise field_error("language", _("Unknown language."))
    before = actor.language
    if before == language:
        return actor
    User.objects.filter(pk=actor.pk).update(language=language)
    actor.language = language
    audit.record(actor=actor, action="user.set_language", object_type="user", object_id=actor.pk,
                 changes={"language": [before, language]},
                 summary=f"{actor.username} chose the language {language or 'of the browser'}")
    return actor


@service("user.set_active")
def user_set_active(*, actor: User, user: User, active: bool, reason: str) -> User:
    """Disable (or re-enable) a staff account. Disabling ends every session and revokes every token at
    once (emerald/security/signals.py does that for any change of ``is_active``)."""
    if not allowed(actor, "user.manage"):
        raise Forbidden(_("Only administrators manage staff accounts."))
    reason = require_text(reason, "reason", _("A reason"))
    if user.pk == actor.pk and not active:
        raise Invalid(_("You cannot disable your own account."))
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    verb = "enabled" if active else "disabled"
    audit.record(actor=actor, action="user.enable" if active else "user.disable", object_type="user",
                 object_id=user.pk, changes={"is_active": [not active, active], "reason": reason},
                 summary=f"{verb} staff account {user.username}: {reason}")
    return user


@service("user.set_role")
def user_set_role(*, actor: User, user: User, role: str, reason: str) -> User:
    """Give a staff member another role. Their sessions end and their tokens are revoked at once: what
    they may see changes, and a session or token must never carry the old role's reach."""
    if not allowed(actor, "user.manage"):
        raise Forbidden(_("Only administrators manage staff accounts."))
    reason = require_text(reason, "reason", _("A reason"))
    if role not in Role.values:
        raise field_error("role", _("Unknown role: %(role)s.") % {"role": role})
    before = user.role
    if before == role:
        return user
    user.role = role
    user.save(update_fields=["role"])
    audit.record(actor=actor, action="user.set_role", object_type="user", object_id=user.pk,
                 changes={"role": [before, role], "reason": reason},
                 summary=f"changed the role of {user.username} from {before} to {role}: {reason}")
    return user
