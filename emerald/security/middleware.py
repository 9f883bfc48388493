"""Per-request guards: ended sessions, the two-factor step, and rate limits."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from emerald.core import clock
from emerald.core.network import client_address
from emerald.security import otp, ratelimit
from emerald.security.models import UserSession
from emerald.security.scopes import api_prefix
from emerald.security.signals import EPOCH_KEY, SID_KEY

SEEN_EVERY = timedelta(minutes=1)


def _open_to_unverified(path: str, user) -> bool:
    """Pages a signed-in user may reach before the second factor: an exact list, never a prefix.

    Sign-in, sign-out, the code step, enrolment (only for a user with no confirmed device: an
    enrolled user must give a code, not start again), the language switch, static files and the
    API (which authenticates with tokens and asks for the code itself). Anything else, including
    every other page under ``/security/2fa/``, waits for the code.
    """
    exact = {reverse("accounts:login"), reverse("accounts:logout"), reverse("security:otp_verify"),
             reverse("set_language")}
    if not otp.is_enrolled(user):
        exact.add(reverse("security:otp_enrol"))
    return path in exact or path.startswith(("/static/", api_prefix()))


class SessionGuardMiddleware:
    """Ends a browser session that was ended elsewhere, and holds 2FA roles at the code step.

    A session is ended when an administrator (or its owner) ends it, when the account
    is disabled or its role changes (the account's ``session_epoch`` moved on), or
    when it has no tracked row at all (started before tracking, or forged).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(api_prefix()):
            return self.get_response(request)  # the API authenticates with tokens, never with the session
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if not self._session_alive(request, user):
                # Not django's logout(): that would audit a sign-out nobody made. The ending was audited
                # when it happened; the request goes on as anonymous (the sign-in page).
                request.session.flush()
                request.user = AnonymousUser()
            elif otp.required_for(user) and not user.is_verified() and not _open_to_unverified(request.path_info, user):
                target = "security:otp_verify" if otp.is_enrolled(user) else "security:otp_enrol"
                url = reverse(target) + "?" + urlencode({"next": request.get_full_path()})
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = url
                    return response
                return redirect(url)
        return self.get_response(request)

    @staticmethod
    def _session_alive(request: HttpRequest, user) -> bool:
        sid = request.session.get(SID_KEY)
        if sid is None or request.session.get(EPOCH_KEY) != user.session_epoch:
            return False
        row = UserSession.objects.filter(pk=sid, user_id=user.pk).values("ended_at", "last_seen_at").first()
        if row is None or row["ended_at"] is not None:
            return False
        now = clock.now()
        if now - row["last_seen_at"] > SEEN_EVERY:
            UserSession.objects.filter(pk=sid, last_seen_at__lt=now).update(last_seen_at=now)
            # Saving the session pushes its expiry (30 idle minutes) forward; once a minute is precise enough.
            request.session.modified = True
        return True


def too_many(request: HttpRequest, retry_after: int, *, api: bool) -> HttpResponse:
    detail = _("Too many requests: wait %(seconds)d seconds and try again.") % {"seconds": retry_after}
    response: HttpResponse
    if api:
        response = JsonResponse({"error": "rate_limited", "detail": detail, "retry_after": retry_after}, status=429)
    else:
        response = render(request, "security/rate_limited.html",
                          {"title": _("Too many requests"), "detail": detail}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _bearer(request: HttpRequest) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _is_export(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and "export" in (match.url_name or ""))


class RateLimitMiddleware:
    """429 with ``Retry-After`` past the limits of ``settings.EMERALD_RATE_LIMITS``; audits bulk exports.

    API: per client address and per token. ``POST /api/v1/auth/token``: a stricter
    per-address limit (guessing passwords). Exports (any URL whose name contains
    ``export``, in the UI or the API): per user, and every export that answers 200
    is written to the audit trail as ``<area>.export``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if ratelimit.enabled() and request.path_info.startswith(api_prefix()):
            ip = client_address(request) or "-"
            checks = [("api_ip", ip)]
            if request.method == "POST" and request.path_info.rstrip("/") == api_prefix() + "auth/token":
                checks.append(("auth_token", ip))
            raw = _bearer(request)
            if raw:
                checks.append(("api_token", hashlib.sha256(raw.encode()).hexdigest()))
            for name, ident in checks:
                verdict = ratelimit.hit(name, ident)
                if not verdict.allowed:
                    return too_many(request, verdict.retry_after, api=True)
        response = self.get_response(request)
        if getattr(request, "_emerald_export", None) and response.status_code == 200:
            self._audit_export(request, response)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not _is_export(request):
            return None
        match = request.resolver_match
        assert match is not None  # _is_export found it
        area = (match.namespaces[-1] if match.namespaces and match.namespaces[-1] != "api" else "") or \
            (match.url_name or "export").replace("_export", "").replace("export_", "")
        request._emerald_export = area  # type: ignore[attr-defined]
        if not ratelimit.enabled():
            return None
        user = getattr(request, "user", None)
        ident = f"user:{user.pk}" if user is not None and user.is_authenticated else f"token:{_bearer(request)}"
        verdict = ratelimit.hit("export", ident)
        if not verdict.allowed:
            return too_many(request, verdict.retry_after, api=request.path_info.startswith(api_prefix()))
        return None

    @staticmethod
    def _audit_export(request: HttpRequest, response: HttpResponse) -> None:
        if getattr(request, "_emerald_export_audited", False):
            return
        from emerald.audit import services as audit

        actor = getattr(request, "auth", None) or getattr(request, "user", None)
        rows = None
        if not getattr(response, "streaming", False):
            rows = max(0, response.content.count(b"\n") - 1) if b"text/csv" in response.get(
                "Content-Type", "").encode() else None
        area = request._emerald_export  # type: ignore[attr-defined]
        audit.record(actor=actor if getattr(actor, "pk", None) else None, action=f"{area}.export",
                     object_type=area, changes={"path": request.path, "query": request.GET.urlencode()[:500],
                                                "rows": rows},
                     summary=f"exported {area}" + (f" ({rows} rows)" if rows is not None else ""),
                     ip=client_address(request))
