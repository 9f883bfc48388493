"""Browser tests: Playwright driving Debian's Chromium against the live test server, with axe-core scans.

Chromium is /usr/bin/chromium (never `playwright install`). ``make test`` skips these tests locally
when it is absent and fails on CI.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def open_page(chromium, live_server):
    """``open_page(viewport)`` gives a fresh page (own cookies) whose relative URLs go to the live server."""
    contexts = []

    def factory(viewport: dict[str, int] = DESKTOP, locale: str = "en-US"):
        context = chromium.new_context(viewport=viewport, locale=locale, base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def demo(transactional_db):
    """The Oz demo as it stood on 1 June 2025 (before chapter 1)."""
    from emerald.demo import oz

    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        result = oz.load(story=False)
    assert result.loaded, result.message
    return result


@pytest.fixture
def story(transactional_db):
    """The Oz demo with every chapter played."""
    from emerald.demo import oz

    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        result = oz.load()
    assert result.loaded, result.message
    return result


def login(page, username: str, password: str = "emerald-demo") -> None:
    page.goto("/accounts/login/")
    # By id, not label: the same helper signs in on the German page.
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    submit(page, page.locator("main form button[type=submit]"))
    assert "/accounts/login/" not in page.url, f"login as {username} failed"


def submit(page, target) -> None:
    """Click a link or a full-page form button and wait until the next page has loaded.

    ``click()`` followed by ``wait_for_load_state()`` returns at once while the old page is still
    showing, so a test could read the database before the server had answered; waiting for the
    navigation itself closes that race."""
    with page.expect_navigation():
        target.click()


def axe_violations(page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations (WCAG 2.x A/AA) on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={
        "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
        "resultTypes": ["violations"],
    })
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]


def overflows_horizontally(page) -> bool:
    """Whether the page scrolls sideways (unusable on a phone)."""
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")


def choose(select, pattern: str) -> str:
    """Select the first option whose visible text matches the regular expression; returns its value."""
    import re

    regex = re.compile(pattern)
    for option in select.locator("option").all():
        if regex.search(option.inner_text()):
            value = option.get_attribute("value")
            select.select_option(value=value)
            return value
    texts = [o.inner_text() for o in select.locator("option").all()]
    raise AssertionError(f"no option matches {pattern!r}: {texts}")


def choose_and_settle(page, select, pattern: str) -> str:
    """Choose an option whose change makes htmx reload part of the page, and wait until the swap is done.

    Without this the test could pick from the old fragment, and the arriving one would wipe its choice.
    """
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        value = choose(select, pattern)
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    return value
