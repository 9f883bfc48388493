"""Writes on sessions, two-factor devices and API tokens. Each is audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db.models import Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from emerald.accounts.models import ApiToken, TokenKind, User
from emerald.accounts.permissions import allowed
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import forbid, hidden
from emerald.core.errors import Invalid, field_error
from emerald.core.services import require_text, service
from emerald.security import otp
from emerald.security import scopes as scope_rules
from emerald.security.models import UserSession

RECOVERY_CODES = 10


class WrongCode(Invalid):
    """A wrong two-factor code: bad input, but audited (someone may be guessing)."""

    code = "invalid_otp"
    audited = True

    def __init__(self, detail: str):
        super().__init__(detail, fields={"code": [detail]})


def _drop_stored_session(session_key: str) -> None:
    """Remove the session from Django's store too (the tracked row alone already stops it)."""
    if session_key:
        store = import_module(settings.SESSION_ENGINE).SessionStore
        store(session_key=session_key).delete()


# --------------------------------------------------------------------------- sessions


@service("session.start")
def session_start(*, actor: User, session_key: str, ip: str = "", user_agent: str = "") -> UserSession:
    """Track a session that has just signed in (the sign-in itself is audited as ``auth.login``)."""
    now = clock.now()
    row = UserSession.objects.create(user=actor, session_key=session_key or "", started_at=now, last_seen_at=now,
                                     ip=(ip or "")[:45], user_agent=(user_agent or "")[:200])
    audit.record(actor=actor, action="session.start", object_type="session", object_id=row.pk,
                 changes={"ip": row.ip}, summary=f"session {row.pk} of {actor.username} started")
    return row


@service("session.end")
def session_end(*, actor: User, session: UserSession, reason: str) -> UserSession:
    """End one session now. Its owner may end it; administrators may end anyone's."""
    if session.user_id != actor.pk and not allowed(actor, "session.manage"):
        raise hidden("session", session.pk)
    reason = require_text(reason, "reason", _("A reason"))
    if session.ended_at is not None:
        return session
    session.ended_at = max(clock.now(), session.started_at)
    session.ended_by = actor
    session.end_reason = reason[:200]
    session.save(update_fields=["ended_at", "ended_by", "end_reason"])
    _drop_stored_session(session.session_key)
    audit.record(actor=actor, action="session.end", object_type="session", object_id=session.pk,
                 changes={"user": session.user.username, "reason": reason},
                 summary=f"ended session {session.pk} of {session.user.username}: {reason}")
    return session


def end_all_sessions(*, actor: User | None, user: User, reason: str) -> int:
    """End every open session of ``user`` (inside the caller's service or signal). Returns how many."""
    now = clock.now()
    open_rows = UserSession.objects.filter(user=user, ended_at__isnull=True)
    keys = list(open_rows.values_list("session_key", flat=True))
    count = open_rows.update(ended_at=Greatest("started_at", Value(now)), end_reason=reason[:200],
                             ended_by=actor if getattr(actor, "pk", None) else None)
    for key in keys:
        _drop_stored_session(key)
    return count


def revoke_all_tokens(*, actor: User | None, user: User, reason: str) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=clock.now(), revoked_reason=reason[:200], revoked_by=actor if getattr(actor, "pk", None) else None)


@service("session.end_all")
def sessions_end_for(*, actor: User, user: User, reason: str) -> int:
    """End every session of ``user`` (their own, or anyone's for an administrator)."""
    if user.pk != actor.pk and not allowed(actor, "session.manage"):
        raise forbid("user", user.pk)
    reason = require_text(reason, "reason", _("A reason"))
    count = end_all_sessions(actor=actor, user=user, reason=reason)
    audit.record(actor=actor, action="session.end_all", object_type="user", object_id=user.pk,
                 changes={"sessions": count, "reason": reason},
                 summary=f"ended all {count} sessions of {user.username}: {reason}")
    return count


# --------------------------------------------------------------------------- two-factor devices


@service("otp.enrol_begin")
def otp_enrol_begin(*, actor: User) -> Any:
    """Start (or restart) enrolment: a new unconfirmed TOTP device with a fresh random secret."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not getattr(actor, "pk", None):
        raise forbid("user", "")
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=actor, name="authenticator app", confirmed=False)
    audit.record(actor=actor, action="otp.enrol_begin", object_type="user", object_id=actor.pk,
                 summary=f"{actor.username} started two-factor enrolment")
    return device


def _new_recovery_codes(user: User) -> list[str]:
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@service("otp.enrol")
def otp_enrol_confirm(*, actor: User, code: str) -> tuple[Any, list[str]]:
    """Confirm the pending device with a code from the app; returns it and 10 new recovery codes (shown once).

    Any earlier authenticator of the user is replaced (re-enrolment after a lost phone).
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("-id").first()
    if device is None:
        raise Invalid(_("Start the enrolment again: no authenticator is waiting for confirmation."))
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or not device.verify_token(code):
        raise field_error("code", _("That code is not right. Check the time on your phone and try again."))
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(actor)
    audit.record(actor=actor, action="otp.enrol", object_type="user", object_id=actor.pk,
                 changes={"recovery_codes": len(codes)}, summary=f"{actor.username} enrolled for two-factor sign-in")
    return device, codes


@service("otp.recovery_codes")
def otp_recovery_regenerate(*, actor: User, code: str) -> list[str]:
    """Replace the user's recovery codes with 10 new ones (the old ones stop working).

    Asks for a current code of the authenticator app again, never a recovery code: new recovery codes
    are a second factor, so making them must take the second factor itself. Otherwise a session (or a
    thief) with the password alone could mint codes and sign in with one.
    """
    device = otp.confirmed_totp(actor)
    if device is None:
        raise Invalid(_("Enrol an authenticator app first."))
    code = (code or "").strip().replace(" ", "")
    if not code:
        raise field_error("code", _("Enter the code your authenticator app shows now."))
    if not code.isdigit() or not device.verify_token(code):
        raise WrongCode(_("That code is not right. Wait for the next code and try again."))
    codes = _new_recovery_codes(actor)
    audit.record(actor=actor, action="otp.recovery_codes", object_type="user", object_id=actor.pk,
                 summary=f"{actor.username} made new recovery codes")
    return codes


@service("otp.reset")
def otp_reset(*, actor: User, user: User, reason: str) -> None:
    """Remove a user's authenticator and recovery codes (lost phone): they enrol again at the next sign-in.

    Their sessions end too: a session verified with the old device must not outlive it.
    """
    if not allowed(actor, "otp.reset"):
        raise forbid("user", user.pk)
    reason = require_text(reason, "reason", _("A reason"))
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    ended = end_all_sessions(actor=actor, user=user, reason="two-factor reset")
    audit.record(actor=actor, action="otp.reset", object_type="user", object_id=user.pk,
                 changes={"reason": reason, "sessions_ended": ended},
                 summary=f"reset two-factor sign-in of {user.username}: {reason}")


@service("otp.enrol_known_secret")
def otp_enrol_known_secret(*, actor: User | None, user: User, secret_b32: str) -> Any:
    """Give ``user`` a confirmed authenticator with a given secret. For the demo only: a published secret
    protects nothing, and ``emerald check --deploy`` fails while any account has it."""
    if actor is not None and not allowed(actor, "otp.reset"):
        raise forbid("user", user.pk)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="demo authenticator", key=otp.hex_key(secret_b32),
                                       confirmed=True)
    audit.record(actor=actor, action="otp.enrol", object_type="user", object_id=user.pk,
                 changes={"demo": True}, summary=f"enrolled {user.username} with the published demo secret")
    return device


# --------------------------------------------------------------------------- API tokens


@service("token.create")
def token_create(
    *, actor: User, name: str, scopes: list[str] | None = None, expires_at: datetime | None = None,
    held_scopes: list[str] | None = None,
) -> tuple[str, ApiToken]:
    """Make a named, scoped token for a client program. Returns the raw key, shown only this once.

    ``held_scopes`` are those of the token the request came with (API): a token cannot mint a
    wider one.
    """
    if not getattr(actor, "pk", None):
        raise forbid("api_token", "")
    name = require_text(name, "name", _("A name"))[:100]
    wanted = scope_rules.normalise(list(scopes or []))
    if held_scopes is not None and not scope_rules.within(wanted, list(held_scopes)):
        raise forbid("api_token", "", _("A token cannot make a token with wider scopes than its own."))
    now = clock.now()
    if expires_at is None:
        expires_at = now + settings.API_TOKEN_PERSONAL_TTL
    if expires_at <= now + timedelta(minutes=1):
        raise field_error("expires_at", _("The expiry must be in the future."))
    if expires_at > now + settings.API_TOKEN_PERSONAL_MAX_TTL:
        raise field_error("expires_at", _("A token may live at most %(days)d days.")
                          % {"days": settings.API_TOKEN_PERSONAL_MAX_TTL.days})
    raw = ApiToken.new_key()
    token = ApiToken.objects.create(user=actor, key_hash=ApiToken.hash_key(raw), prefix=raw[4:12], created_at=now,
                                    expires_at=expires_at, kind=TokenKind.PERSONAL, name=name, scopes=wanted)
    audit.record(actor=actor, action="token.create", object_type="api_token", object_id=token.pk,
                 changes={"name": name, "scopes": wanted, "expires_at": expires_at},
                 summary=f"{actor.username} made API token {token.prefix}… ({name}; {', '.join(wanted)})")
    return raw, token


@service("token.revoke")
def token_revoke(*, actor: User, token: ApiToken, reason: str = "") -> ApiToken:
    """Revoke a token at once. Its owner may; administrators may revoke anyone's."""
    if token.user_id != actor.pk and not allowed(actor, "token.manage"):
        raise hidden("api_token", token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = clock.now()
    token.revoked_by = actor
    token.revoked_reason = (reason or "revoked")[:200]
    token.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    audit.record(actor=actor, action="token.revoke", object_type="api_token", object_id=token.pk,
                 changes={"owner": token.user.username, "reason": token.revoked_reason},
                 summary=f"{actor.username} revoked API token {token.prefix}… of {token.user.username}")
    return token
