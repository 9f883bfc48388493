"""Security pages: the two-factor step and enrolment, sessions, API tokens and staff accounts."""

from __future__ import annotations

from datetime import timedelta

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from emerald.accounts import services as account_services
from emerald.accounts.models import ApiToken, User
from emerald.accounts.permissions import allowed
from emerald.audit import services as audit
from emerald.audit.models import Outcome
from emerald.core import clock
from emerald.core.errors import ServiceError
from emerald.core.views import apply_service_error, error_status, require_allowed
from emerald.security import otp, selectors, services
from emerald.security.forms import CodeForm, ReasonForm, RoleForm, TokenForm, TotpCodeForm
from emerald.security.models import UserSession

RECOVERY_SESSION_KEY = "_emerald_recovery_codes"


def _user(request: HttpRequest) -> User:
    """The signed-in staff member: every page here is behind ``login_required``."""
    user = request.user
    assert isinstance(user, User)
    return user


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


# --------------------------------------------------------------------------- two-factor step


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """After the password: a TOTP or recovery code. Wrong codes are audited; django-otp slows guessing."""
    user = _user(request)
    if not otp.is_enrolled(user):
        return redirect("security:otp_enrol")
    if user.is_verified():  # type: ignore[attr-defined]  # set on the user by django-otp's OTPMiddleware
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].replace(" ", "").lower()
        device = django_otp.match_token(user, code) if code else None
        if device is not None:
            # A new session key for the raised privilege, as at sign-in.
            request.session.cycle_key()
            django_otp.login(request, device)
            from emerald.security.signals import SID_KEY

            sid = request.session.get(SID_KEY)
            if sid is not None:  # (without one, no tracked session to update)
                UserSession.objects.filter(pk=sid).update(session_key=request.session.session_key or "")
            used_recovery = device.__class__.__name__ == "StaticDevice"
            audit.record(actor=user, action="auth.otp", object_type="user", object_id=user.pk,
                         changes={"method": "recovery_code" if used_recovery else "totp"},
                         summary=f"{user.username} confirmed sign-in with a "
                                 f"{'recovery code' if used_recovery else 'TOTP code'}")
            if used_recovery:
                messages.warning(request, _("You signed in with a recovery code; it cannot be used again."))
            return redirect(_next(request))
        audit.record(actor=user, action="auth.otp", object_type="user", object_id=user.pk, outcome=Outcome.FAILED,
                     summary=f"wrong two-factor code for {user.username}")
        form.add_error("code", _("That code is not right. Wait for the next code and try again."))
        status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "security/otp_verify.html", {"form": form, "next": _next(request),
                                                        "title": _("Confirm sign-in")}, status=status)


@login_required
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: secret + QR code, then a code to confirm; recovery codes follow."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = _user(request)
    if otp.is_enrolled(user) and otp.required_for(user) and not user.is_verified():  # type: ignore[attr-defined]
        # Re-enrolling must not skip the second factor of an enrolled account.
        return redirect("security:otp_verify")
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if pending is None or request.GET.get("restart"):
        pending = services.otp_enrol_begin(actor=user)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                device, codes = services.otp_enrol_confirm(actor=user, code=form.cleaned_data["code"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                request.session.cycle_key()
                django_otp.login(request, device)
                request.session[RECOVERY_SESSION_KEY] = codes
                return redirect("security:otp_recovery_shown")
        else:
            status = 400
    return render(request, "security/otp_enrol.html", {
        "form": form, "secret": otp.b32_secret(pending), "uri": pending.config_url,
        "qr": otp.qr_svg_data_uri(pending.config_url), "title": _("Set up two-factor sign-in"),
    }, status=status)


@login_required
def otp_recovery_shown(request: HttpRequest) -> HttpResponse:
    """The recovery codes, once: they are taken out of the session as they are shown."""
    codes = request.session.pop(RECOVERY_SESSION_KEY, None)
    if not codes:
        return redirect("security:account")
    response = render(request, "security/recovery_codes.html", {"codes": codes, "title": _("Recovery codes")})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def otp_recovery_new(request: HttpRequest) -> HttpResponse:
    """New recovery codes: only for a fully signed-in user, who gives a current authenticator code again."""
    form = TotpCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                codes = services.otp_recovery_regenerate(actor=_user(request), code=form.cleaned_data["code"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = error_status(exc)
            else:
                request.session[RECOVERY_SESSION_KEY] = codes
                return redirect("security:otp_recovery_shown")
        else:
            status = 400
    return render(request, "security/recovery_new.html", {
        "form": form, "enrolled": otp.is_enrolled(request.user), "title": _("Make new recovery codes"),
        "nav": "security"}, status=status)


# --------------------------------------------------------------------------- account, sessions, tokens


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own security page: two-factor status, sessions, API tokens."""
    from emerald.security.signals import SID_KEY

    return render(request, "security/account.html", {
        "enrolled": otp.is_enrolled(request.user), "required": otp.required_for(request.user),
        "sessions": selectors.active_sessions(actor=request.user, user=request.user),
        "current_sid": request.session.get(SID_KEY),
        "tokens": selectors.tokens_for(actor=request.user, user=request.user),
        "token_form": TokenForm(), "may_manage": allowed(request.user, "session.manage"),
        "title": _("Account security"), "nav": "security",
    })


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    """Administrators: every active session, each with an end button."""
    require_allowed(request, "session.manage", "session")
    from emerald.security.signals import SID_KEY

    return render(request, "security/sessions.html", {
        "sessions": selectors.active_sessions(actor=request.user), "current_sid": request.session.get(SID_KEY),
        "title": _("Active sessions"), "nav": "security",
    })


@login_required
@require_POST
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(UserSession.objects.select_related("user"), pk=pk)
    try:
        services.session_end(actor=_user(request), session=session,
                             reason=request.POST.get("reason") or _("ended from the sessions page"))
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404(exc.detail) from exc
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Session ended."))
    return redirect(request.POST.get("back") == "list" and "security:sessions" or "security:account")


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """Administrators: every token that still works."""
    require_allowed(request, "token.manage", "api_token")
    return render(request, "security/tokens.html", {
        "tokens": selectors.tokens_for(actor=request.user), "title": _("API tokens"), "nav": "security",
    })


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    raw = None
    status = 200
    if form.is_valid():
        try:
            raw, _token = services.token_create(
                actor=_user(request), name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"].split(),
                expires_at=clock.now() + timedelta(days=form.cleaned_data["days"]))
        except ServiceError as exc:
            apply_service_error(form, exc)
            status = error_status(exc)
    else:
        status = 400
    if raw is None:
        return render(request, "security/account.html", {
            "enrolled": otp.is_enrolled(request.user), "required": otp.required_for(request.user),
            "sessions": selectors.active_sessions(actor=request.user, user=request.user),
            "tokens": selectors.tokens_for(actor=request.user, user=request.user), "token_form": form,
            "title": _("Account security"), "nav": "security",
        }, status=status)
    response = render(request, "security/token_made.html", {"raw": raw, "title": _("API token made")})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
    try:
        services.token_revoke(actor=_user(request), token=token, reason=request.POST.get("reason", ""))
    except ServiceError as exc:
        raise Http404(exc.detail) from exc
    messages.success(request, _("Token revoked."))
    return redirect(request.POST.get("back") == "list" and "security:tokens" or "security:account")


# --------------------------------------------------------------------------- staff accounts (administrators)


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    require_allowed(request, "user.manage", "user")
    staff = User.objects.order_by("username")
    enrolled = set(otp.enrolled_user_ids())
    return render(request, "security/staff.html", {
        "staff": staff, "enrolled": enrolled, "role_form": RoleForm(), "reason_form": ReasonForm(),
        "title": _("Staff accounts"), "nav": "security",
    })


@login_required
@require_POST
def staff_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    require_allowed(request, "user.manage", "user", pk)
    target = get_object_or_404(User, pk=pk)
    reason = request.POST.get("reason", "")
    try:
        if action == "disable":
            account_services.user_set_active(actor=_user(request), user=target, active=False, reason=reason)
        elif action == "enable":
            account_services.user_set_active(actor=_user(request), user=target, active=True, reason=reason)
        elif action == "role":
            account_services.user_set_role(actor=_user(request), user=target, role=request.POST.get("role", ""),
                                           reason=reason)
        elif action == "otp-reset":
            services.otp_reset(actor=_user(request), user=target, reason=reason)
        elif action == "end-sessions":
            services.sessions_end_for(actor=_user(request), user=target, reason=reason)
        else:
            raise Http404
    except ServiceError as exc:
        messages.error(request, exc.detail)
        return redirect("security:staff")
    messages.success(request, _("Done: %(user)s.") % {"user": target.username})
    return redirect("security:staff")


