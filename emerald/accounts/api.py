"""API: exchange a username and password for a bearer token."""

from __future__ import annotations

from datetime import datetime

from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from emerald.accounts.services import token_issue
from emerald.core.api_support import In, Text, error_response, errors

router = Router()


class TokenIn(In):
    username: Text
    password: Text
    otp: Text | None = Field(None, max_length=32,
                             description="administrators, wardens, investigators and medical staff: the current "
                                         "TOTP code (or a recovery code)")


class TokenOut(Schema):
    token: str
    expires_at: datetime


@router.post("/token", auth=None, response={200: TokenOut, **errors(400, 401, 403, 423, 429)},
             summary="Exchange username and password for a bearer token")
def token(request: HttpRequest, payload: TokenIn):
    """Answers 401 ``invalid_credentials`` for a wrong password and for an unknown user alike.

    Five failures for a username lock it for ten minutes (django-axes): the
    failure that reaches the limit and every attempt during the lock answer 423
    ``account_locked``, even with the right password.

    Roles with two-factor sign-in send ``otp`` too: missing → 401 ``otp_required``, wrong → 401
    ``invalid_otp``; not yet enrolled → 403 ``otp_enrolment_required`` (enrol in the web UI first).
    The token has the full scope of the role and lives 12 hours; for programs make a scoped token
    (``POST /tokens``).
    """
    user = authenticate(request=request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        # Axes' middleware would replace our answer with its own lockout page; the API answers JSON.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        return error_response(423, "account_locked",
                              _("Too many failed sign-ins: this account is locked for a while. Try again later."))
    if user is None:
        return error_response(401, "invalid_credentials", _("Wrong username or password."))
    refusal = _second_factor(request, user, payload.otp)
    if refusal is not None:
        return refusal
    # As a web sign-in does (AXES_RESET_ON_SUCCESS): a success clears the failures counted so far.
    axes_reset(username=user.get_username())
    raw, issued = token_issue(actor=user)
    return {"token": raw, "expires_at": issued.expires_at}


def _second_factor(request: HttpRequest, user, code: str | None):
    """None when the user needs no second factor or gave a right one; else the error answer."""
    from emerald.audit import services as audit
    from emerald.audit.models import Outcome
    from emerald.security import otp

    if not otp.required_for(user):
        return None
    if not otp.is_enrolled(user):
        return error_response(403, "otp_enrolment_required",
                              _("Your role needs two-factor sign-in: sign in to the web pages once to set it up."))
    if not code:
        return error_response(401, "otp_required", _("Send the code of your authenticator app as otp."))
    import django_otp

    if django_otp.match_token(user, code.strip().replace(" ", "").lower()) is None:
        audit.record(actor=user, action="auth.otp", object_type="user", object_id=user.pk, outcome=Outcome.FAILED,
                     summary=f"wrong two-factor code for {user.username} (API)")
        return error_response(401, "invalid_otp", _("The code is wrong or was used already; wait for the next one."))
    return None
