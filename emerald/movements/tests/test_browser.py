"""The count screen in a real browser at phone width (375 px): big targets, no sideways scrolling, each mark
saved without reloading the page, progress "n of m counted"."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from emerald.movements.models import CountLine
from emerald.movements.services import count_start

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(chromium):
    """The run's one Chromium (root conftest)."""
    return chromium


def _phone_as(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport={"width": 375, "height": 740},
                                  has_touch=True, is_mobile=True)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    return context.new_page()


def test_count_screen_on_a_phone(browser, live_server, world):
    # The end-of-test flush gets past the append-only audit triggers through the root conftest.
    w = world
    count = count_start(actor=w.officer, facility=w.place.facility, kind="emergency", reason="drill")
    sheet = count.sheets.get(unit__code="EC")
    ann = CountLine.objects.get(sheet=sheet, person=w.people.ann)
    bob = CountLine.objects.get(sheet=sheet, person=w.people.bob)

    page = _phone_as(browser, live_server, w.officer)
    page.goto(f"/movements/counts/sheets/{sheet.pk}/")
    page.wait_for_function("window.htmx !== undefined")
    assert "0 of 3 counted" in page.locator("#count-progress").inner_text()
    # Works at 375 px: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # Big touch targets: every mark button at least 48 x 48 CSS pixels.
    buttons = page.locator(".mark-buttons button")
    assert buttons.count() == 9
    for i in range(buttons.count()):
        box = buttons.nth(i).bounding_box()
        assert box["width"] >= 48 and box["height"] >= 48, box
    page.evaluate("window.__notReloaded = true")

    row = page.locator(f"#line-{ann.pk}")
    row.get_by_role("button", name="Present").click()
    page.wait_for_selector(f"#line-{ann.pk}.mark-present")
    assert "1 of 3 counted" in page.locator("#count-progress").inner_text()
    assert page.evaluate("window.__notReloaded === true")  # saved by htmx, no page load
    assert page.locator(f"#line-{ann.pk}").get_by_role("button", name="Present").get_attribute("aria-pressed") == "true"

    # Elsewhere without saying where: the row says so and nothing is saved.
    page.locator(f"#line-{bob.pk}").get_by_role("button", name="Elsewhere").click()
    page.wait_for_selector(f"#line-{bob.pk} .line-error")
    page.locator(f"#where-{bob.pk}").fill("chapel")
    page.locator(f"#line-{bob.pk}").get_by_role("button", name="Elsewhere").click()
    page.wait_for_selector(f"#line-{bob.pk}.mark-elsewhere")
    assert "2 of 3 counted" in page.locator("#count-progress").inner_text()
    assert page.evaluate("window.__notReloaded === true")

    ann.refresh_from_db()
    bob.refresh_from_db()
    assert (ann.mark, bob.mark, bob.where) == ("present", "elsewhere", "chapel")
