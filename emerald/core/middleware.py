"""Response headers and per-request bookkeeping for the staff UI."""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from emerald.core.network import client_address

# Every script and style is a static file, so the policy can forbid inline code outright:
# an injected <script> or style="" attribute does nothing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class RequestGuardMiddleware:
    """Refuse, before anything reads it, a body that cannot be read: too large (413), or sent with a
    Content-Type that cannot be parsed (a ``multipart/form-data`` without its boundary: 400).

    Otherwise the first reader of ``request.POST`` (the CSRF check, the sign-in throttle) would raise
    deep inside another component and the client would get a 500. API paths answer in the API's error
    shape (``{"error", "detail"}``); pages get a short plain page. Multipart bodies are not measured
    here: their files stream to disk, and Django limits the rest itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http.multipartparser import parse_header_parameters

        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            content_type, params = parse_header_parameters(request.META.get("CONTENT_TYPE", "") or "")
            if content_type.startswith("multipart/"):
                boundary = params.get("boundary", "")
                if not boundary or len(boundary) > 70:
                    return self._refuse(request, 400, "invalid",
                                        _("The request's Content-Type is multipart without a valid boundary."))
            else:
                try:
                    length = int(request.META.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    return self._refuse(request, 400, "invalid", _("The request's Content-Length is not a number."))
                limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
                if limit is not None and length > limit:
                    return self._refuse(request, 413, "too_large",
                                        _("The request body is larger than %(limit)d bytes.") % {"limit": limit})
        return self.get_response(request)

    @staticmethod
    def _refuse(request, status: int, code: str, detail: str):
        from django.http import HttpResponse, JsonResponse

        if request.path_info.startswith("/api/"):
            return JsonResponse({"error": code, "detail": str(detail)}, status=status)
        return HttpResponse(str(detail), status=status, content_type="text/plain; charset=utf-8")


class ReaderMiddleware:
    """Name who is reading, for every person reference, refusal message and template tag of the request.

    A page is read by the signed-in user; an API call by the owner of its token, whom the API's
    bearer auth names once it has checked the token (until then: nobody). See
    :mod:`emerald.core.visibility`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from emerald.core.visibility import NOBODY, reading_as

        api = request.path_info.startswith("/api/")
        with reading_as(NOBODY if api else getattr(request, "user", None)):
            return self.get_response(request)


class SecurityHeadersMiddleware:
    """Send the Content-Security-Policy and Referrer-Policy on every response, note the client address
    so audit entries written while serving the request carry it, and write the request's read entries
    together before the response leaves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from emerald.audit import services as audit

        audit.set_request_ip(client_address(request))
        audit.begin_request()
        try:
            response = self.get_response(request)
        finally:
            try:
                # If the entries cannot be written this raises, and the user gets an error instead of
                # the page: nothing is shown without its audit entry.
                audit.end_request()
            finally:
                audit.set_request_ip("")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Referrer-Policy", getattr(settings, "SECURE_REFERRER_POLICY", None) or "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class LanguagePreferenceMiddleware:
    """Remember the language a signed-in user picks with Django's ``set_language`` view.

    The switcher posts to Django's own view (which sets the cookie for this
    browser); this stores the choice on the account too, so the next sign-in on
    any device starts in that language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "POST" and response.status_code in (200, 204, 302):
            try:
                setlang = reverse("set_language")
            except NoReverseMatch:
                return response
            user = getattr(request, "user", None)
            if request.path == setlang and user is not None and user.is_authenticated:
                code = request.POST.get("language", "")
                if code in dict(settings.LANGUAGES) and code != user.language:
                    from emerald.accounts.services import user_set_language

                    user_set_language(actor=user, language=code)
        return response
