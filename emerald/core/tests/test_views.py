"""The dashboard, the page shell (headers, no inline code), deny-by-default and German rendering."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import admit, make_person
from emerald.accounts.models import Role
from emerald.core.middleware import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.django_db

UI_NAMESPACES = ("core", "accounts", "facilities", "people", "housing", "audit")  # also the apps whose .po H2 keeps
PUBLIC = {"accounts:login", "accounts:logout"}


def _patterns(resolver, prefix="", ns=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p, prefix + str(p.pattern), p.namespace or ns)
        elif isinstance(p, URLPattern) and p.name:
            yield ns, p.name, prefix + str(p.pattern)


def _sample_url(route: str) -> str:
    route = re.sub(r"<int:[^>]+>", "1", route)
    route = re.sub(r"<(?:path|str):[^>]+>", "ZZ1", route)
    return "/" + route.lstrip("^").rstrip("$")


def test_every_ui_page_requires_login(client):
    checked = 0
    for ns, name, route in _patterns(get_resolver()):
        if ns not in UI_NAMESPACES or f"{ns}:{name}" in PUBLIC:
            continue
        url = _sample_url(route)
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
        checked += 1
    assert checked >= 10


def test_dashboard_roll_for_every_role(client, users, place):
    admin = users["administrator"]
    admit(admin, make_person(admin, "Adebisi", "Simon"), place.cell("EC-1-01"))
    for role in Role:
        client.force_login(users[role.value])
        response = client.get(reverse("core:dashboard"))
        assert response.status_code == 200, role
        html = response.content.decode()
        assert 'data-unit-code="EC"' in html
        assert reverse("facilities:unit", args=[place.ec.pk]) in html
        assert '<th scope="col"' in html


def test_dashboard_totals_and_over_capacity(client, users, place):
    admin = users["administrator"]
    for i in range(3):
        admit(admin, make_person(admin, f"Person{i}"), place.cell("EC-1-01" if i < 2 else "EC-1-02"))
    client.force_login(users["officer"])
    response = client.get(reverse("core:dashboard"))
    groups = response.context["groups"]
    assert len(groups) == 1
    ec = next(u for u in groups[0]["units"] if u.code == "EC")
    assert (ec.capacity, ec.occupied, ec.free) == (8, 3, 5)
    assert groups[0]["totals"]["capacity"] == 8 + 8 + 2
    assert groups[0]["totals"]["occupied"] == 3


def test_security_headers_and_no_inline_code(client, users, place):
    pages = [(None, reverse("accounts:login"))] + [
        (users["administrator"], url) for url in (reverse("core:dashboard"), reverse("facilities:unit", args=[place.ec.pk]))
    ]
    for user, url in pages:
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert response["Referrer-Policy"]
        html = response.content.decode()
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, url
        assert re.search(r"\sstyle\s*=", html) is None, url
        assert "<style" not in html
        assert '"includeIndicatorStyles": false' in html
        assert 'name="viewport"' in html
        assert 'class="skip-link"' in html


def test_dashboard_in_german(client, users, place):
    client.force_login(users["officer"])
    response = client.get(reverse("core:dashboard"), HTTP_ACCEPT_LANGUAGE="de")
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "Belegung" in html
    assert "Freie" in html or "Frei" in html
    assert "Abmelden" in html


def test_dashboard_query_count_does_not_grow(client, users, place, django_assert_max_num_queries):
    admin = users["administrator"]
    client.force_login(users["warden"])
    admit(admin, make_person(admin, "First"), place.cell("EC-1-01"))
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("core:dashboard")).status_code == 200
    cells = ["EC-1-01", "EC-1-02", "EC-1-03", "B-1-01", "B-1-02", "B-1-03", "B-1-04", "SOL-01", "SOL-02"]
    for i, code in enumerate(cells):
        admit(admin, make_person(admin, f"More{i}"), place.cell(code))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse("core:dashboard")).status_code == 200


def test_unknown_page_is_a_404_page(client, users):
    client.force_login(users["officer"])
    response = client.get(reverse("people:detail", args=["NOPE1"]))
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def _untranslated(po_text: str) -> list[str]:
    missing = []
    for block in po_text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        text = "\n".join(lines)
        if not text.startswith("msgid ") or text.startswith('msgid ""\nmsgstr'):
            continue
        strs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', text, re.M)
        if not strs or any(not (first or rest.strip('\n"')) for first, rest in strs):
            missing.append(text.splitlines()[0])
    return missing


@pytest.mark.parametrize("app", UI_NAMESPACES)
def test_german_catalogue_is_complete(app):
    from pathlib import Path

    import emerald

    po = Path(emerald.__file__).parent / app / "locale" / "de" / "LC_MESSAGES" / "django.po"
    assert po.exists() and po.with_suffix(".mo").exists()
    assert _untranslated(po.read_text(encoding="utf-8")) == []
