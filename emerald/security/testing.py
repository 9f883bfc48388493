"""Helpers for tests (this suite's and other areas', browser tests too) that sign in as a two-factor role.

The suite switches two-factor enforcement and rate limits off by default (conftest.py) so that
every area's tests can ``force_login`` any role; tests of the sign-in itself switch them on with
the ``two_factor`` / ``rate_limits`` fixtures of tests/security/conftest.py, or with
``settings.EMERALD_2FA_REQUIRED = True``.
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from typing import Any

from django.urls import reverse

from emerald.security import otp


def enrol(user: Any) -> str:
    """Give ``user`` a confirmed authenticator with a fresh secret; returns the secret (base32)."""
    from emerald.security.services import otp_enrol_known_secret

    secret = b32encode(secrets.token_bytes(20)).decode("ascii")
    otp_enrol_known_secret(actor=None, user=user, secret_b32=secret)
    return secret


def code_for(user: Any) -> str:
    """A code the user's authenticator would show now (or the next one if this one was used)."""
    return otp.code_for(user)


def sign_in(client: Any, username: str, password: str, user: Any = None) -> Any:
    """Sign in through the real pages: password, then (when the role needs it) the TOTP step.

    Returns the last response. ``user`` defaults to the account named ``username``.
    """
    from emerald.accounts.models import User

    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    user = user or User.objects.get(username=username)
    if otp.required_for(user):
        if not otp.is_enrolled(user):
            enrol(user)
        response = client.post(reverse("security:otp_verify"), {"code": code_for(user)})
    return response
