"""Signing in and out, the lockout page, and the language preference."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# django-axes answers a locked username with this status; 429 tells clients to wait.
LOCKED_STATUS = 429


class LoginView(auth_views.LoginView):
    """Django's sign-in (``authenticate`` runs through django-axes, which counts failures).

    After a successful sign-in the UI switches to the language saved on the
    account, if any; otherwise the browser's language stays in charge.
    """

    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    extra_context = {"title": _("Sign in")}

    def form_valid(self, form):
        response = super().form_valid(form)
        language = getattr(form.get_user(), "language", "")
        if language and language in dict(settings.LANGUAGES):
            translation.activate(language)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, language,
                max_age=settings.LANGUAGE_COOKIE_AGE, path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN, secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY, samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only, so a link or an image cannot sign anyone out)."""


def locked_out(request: HttpRequest, original_response=None, credentials=None, *args, **kwargs) -> HttpResponse:
    """What django-axes shows once a username has failed five times: the same for known and unknown names."""
    return render(request, "accounts/locked_out.html", {"title": _("Sign-in locked")}, status=LOCKED_STATUS)
