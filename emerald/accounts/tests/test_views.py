"""Signing in and out through the UI, the lockout after five failures, and the language preference."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import PASSWORD
from emerald.accounts.models import User
from emerald.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_page_and_successful_sign_in(client, users):
    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'for="id_username"' in html and 'for="id_password"' in html and "csrfmiddlewaretoken" in html
    response = login(client, "officer", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")
    assert client.get(reverse("core:dashboard")).status_code == 200


def test_wrong_password_shows_error(client, users):
    response = login(client, "officer", "wrong-password")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert AuditEntry.objects.filter(action="auth.login", outcome="failed", object_id="officer").exists()


@pytest.mark.parametrize("username", ["officer", "nobody-such"])
def test_five_failures_lock_the_username_for_ten_minutes(client, users, username):
    for _ in range(4):
        assert login(client, username, "wrong-password").status_code == 200
    locked = login(client, username, "wrong-password")
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts; try again in 10 minutes." in locked.content.decode()
    # Even the right password is refused while locked.
    again = login(client, username, PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only(client, users):
    client.force_login(users["officer"])
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("core:dashboard")).status_code == 302


def test_language_choice_is_saved_and_used_at_next_sign_in(client, users):
    client.force_login(users["officer"])
    response = client.post(reverse("set_language"), {"language": "de", "next": reverse("core:dashboard")})
    assert response.status_code == 302
    assert User.objects.get(pk=users["officer"].pk).language == "de"
    assert AuditEntry.objects.filter(action="user.set_language", actor=users["officer"]).exists()
    client.post(reverse("accounts:logout"))
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    response = login(client, "officer", PASSWORD)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    html = client.get(reverse("core:dashboard")).content.decode()
    assert '<html lang="de">' in html


def test_browser_language_is_the_default(client, users):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert '<html lang="de">' in response.content.decode()
    response = login(client, "officer", PASSWORD)
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_header_has_language_switcher_and_search(client, users):
    client.force_login(users["officer"])
    html = client.get(reverse("core:dashboard")).content.decode()
    assert f'action="{reverse("set_language")}"' in html
    assert 'for="language-select"' in html
    assert 'role="search"' in html and f'action="{reverse("people:search")}"' in html
