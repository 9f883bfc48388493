"""Issue 8 in a real browser, at phone width: the warden plans the emptying of Reception, reviews the plan and
accepts part of it; the unit manager uses "Suggest a cell" in the move dialog and moves Schibetta there."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PHONE, axe_violations, choose, login, overflows_horizontally, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check_page(page) -> None:
    assert axe_violations(page) == []
    assert not overflows_horizontally(page)


def test_warden_plans_a_unit_reviews_and_accepts_part(demo, open_page):
    from emerald.housing.models import Placement
    from emerald.planning.models import ItemStatus, Plan

    page = open_page(PHONE)
    login(page, "glynn")
    submit(page, page.get_by_role("link", name="Housing plans"))
    check_page(page)
    submit(page, page.get_by_role("link", name="New plan"))
    check_page(page)
    page.get_by_label(re.compile(r"^R&D – ")).check()
    page.get_by_label("Empty these units").check()
    choose(page.get_by_label("Thinking time"), "^2 seconds")
    # An htmx post: the progress bar shows while the optimiser thinks, then the server redirects to the plan.
    with page.expect_navigation(timeout=60_000):
        page.get_by_role("button", name="Compute plan").click()
        page.locator("#plan-progress progress").wait_for(state="visible")
    plan = Plan.objects.get()
    assert page.url.endswith(f"/plans/{plan.pk}/")
    assert page.get_by_role("heading", name=f"Housing plan {plan.pk}").is_visible()
    assert "Nothing has moved yet" in page.locator("main").inner_text()
    check_page(page)

    items = list(plan.items.select_related("person", "to_cell", "to_bed").order_by("id"))
    assert len(items) >= 2  # the three men in Reception go to proper units
    rows = page.locator("#plan-items tbody tr")
    assert rows.count() == len(items)
    first = items[0]
    row = page.locator(f'#plan-items tr[data-item-id="{first.pk}"]')
    assert first.to_cell.code in row.inner_text() and row.locator(".plan-reasons li").count() >= 1
    row.get_by_role("checkbox").check()
    page.get_by_label("Reason", exact=True).fill("Classified")
    submit(page, page.get_by_role("button", name="Accept selected"))
    assert "1 move carried out." in page.locator("main").inner_text()
    check_page(page)

    first.refresh_from_db()
    assert first.status == ItemStatus.ACCEPTED and first.decided_by.username == "glynn"
    placement = Placement.objects.get(person=first.person, end_at__isnull=True)
    assert (placement.cell_id, placement.bed_id) == (first.to_cell_id, first.to_bed_id)
    assert "Accepted" in page.locator(f'#plan-items tr[data-item-id="{first.pk}"]').inner_text()
    assert plan.items.filter(status=ItemStatus.PROPOSED).count() == len(items) - 1
    plan.refresh_from_db()
    assert plan.status == "partly_accepted"


def test_manager_moves_schibetta_to_a_suggested_cell(demo, open_page):
    from emerald.housing.models import Placement

    page = open_page(PHONE)
    login(page, "mcmanus")
    page.goto("/people/97A0003/")
    submit(page, page.get_by_role("link", name="Move", exact=True))
    page.wait_for_url("**/move/")
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.get_by_role("link", name="Suggest a cell").click()
    suggestions = page.locator("#cell-suggestions .cell-suggestions > li")
    suggestions.first.wait_for()
    check_page(page)
    code = suggestions.first.get_attribute("data-cell-code")
    assert code and suggestions.first.locator("li").count() >= 1  # each suggestion says why
    submit(page, suggestions.first.get_by_role("link", name=f"Choose {code}"))
    cell = page.get_by_label("Cell", exact=True)
    assert cell.locator("option:checked").inner_text().startswith(code)
    page.get_by_label("Reason", exact=True).fill("Suggested cell")
    submit(page, page.get_by_role("button", name="Move", exact=True))
    assert f"to {code}" in page.locator("main").inner_text()
    assert Placement.objects.get(person__inmate_number="97A0003", end_at__isnull=True).cell.code == code
    check_page(page)
