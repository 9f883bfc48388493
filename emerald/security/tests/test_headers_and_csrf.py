"""Security headers on every answer, CSRF on every form, HSTS behind TLS, production settings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def test_headers_on_pages_and_api(client, users):
    for response in (client.get("/accounts/login/"), client.get("/api/v1/units")):
        csp = response["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_api_docs_work_under_the_policy(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    # Every executable script is a same-origin file; the only inline one is JSON data, which never runs.
    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert "cdn" not in html.lower()


def _urls(resolver: URLResolver, prefix: str = ""):
    for item in resolver.url_patterns:
        route = prefix + str(item.pattern)
        if isinstance(item, URLResolver):
            yield from _urls(item, route)
        elif isinstance(item, URLPattern):
            yield route, item


def _sample(route: str) -> str:
    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<(?:str|slug|path):[^>]+>", "x", route)
    route = re.sub(r"<[^>]+>", "x", route)
    return "/" + route.lstrip("^").rstrip("$")


def test_every_ui_url_refuses_a_post_without_csrf_token(users):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["administrator"])
    checked = []
    for route, pattern in _urls(get_resolver()):
        if route.startswith("api/") or "(?" in route or "\\" in route:
            continue
        path = _sample(route)
        assert not getattr(pattern.callback, "csrf_exempt", False), f"{path} is exempt from CSRF"
        response = browser.post(path, {"anything": "1"})
        assert response.status_code == 403, (path, response.status_code)
        checked.append(path)
    assert len(checked) > 20 and "/accounts/login/" in checked and "/security/tokens/new/" in checked


def test_hsts_only_behind_tls(settings, users):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = Client().get("/accounts/login/")
    assert "Strict-Transport-Security" not in plain
    tls = Client().get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert tls["Strict-Transport-Security"].startswith("max-age=3600")


def test_production_settings_are_strict():
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMERALD_")}
    env.update(EMERALD_DEBUG="0", EMERALD_SECRET_KEY="x" * 60, DJANGO_SETTINGS_MODULE="emerald.settings")
    code = ("import json; from emerald import settings as s; print(json.dumps([s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT, "
            "s.SESSION_COOKIE_HTTPONLY, s.X_FRAME_OPTIONS, s.EMERALD_2FA_REQUIRED, s.EMERALD_RATE_LIMITS_ENABLED]))")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [True, True, 31536000, ["HTTP_X_FORWARDED_PROTO", "https"], True, True, "DENY",
                                      True, True]
