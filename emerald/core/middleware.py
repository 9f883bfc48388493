"""Response headers and per-request bookkeeping for the staff UI."""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse

# Every script and style is a static file, so the policy can forbid inline code outright:
# an injected <script> or style="" attribute does nothing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    """Send the Content-Security-Policy and Referrer-Policy on every response, and note the client address
    so audit entries written while serving the request carry it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from emerald.audit.services import set_request_ip

        set_request_ip(request.META.get("REMOTE_ADDR", "") or "")
        try:
            response = self.get_response(request)
        finally:
            set_request_ip("")
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
