"""Issue 3 in a real browser: a facility lockdown refuses moves until lifted; the re-housing wizard empties
Emerald City into solitary and the gym, with a preview first and a progress bar."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    axe_violations,
    choose,
    choose_and_settle,
    login,
    overflows_horizontally,
    submit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lockdown_refuses_moves_until_lifted(demo, open_page):
    page = open_page(DESKTOP)
    login(page, "glynn")
    page.goto("/lockdowns/")
    page.get_by_label("What to lock down").select_option(index=1)  # the whole facility comes first
    page.get_by_label("Reason").fill("Riot in Emerald City")
    submit(page, page.get_by_role("button", name="Lock down"))
    assert axe_violations(page) == []

    officer = open_page(PHONE)
    login(officer, "metzger")
    assert "Riot in Emerald City" in officer.locator("body").inner_text()  # the banner, on every page
    officer.goto("/people/97A0003/")
    submit(officer, officer.get_by_role("link", name="Move", exact=True))
    officer.wait_for_url("**/move/")
    choose_and_settle(officer, officer.get_by_label("Unit", exact=True), "Emerald City|EC")
    officer.get_by_label("Cell", exact=True).locator("option", has_text="EC-2-16").wait_for(state="attached")
    choose(officer.get_by_label("Cell", exact=True), "^EC-2-16")
    officer.get_by_label("Reason", exact=True).fill("Bed space")
    submit(officer, officer.get_by_role("button", name="Move", exact=True))
    assert "lock" in officer.locator("main").inner_text().lower()
    assert not overflows_horizontally(officer)

    page.goto("/lockdowns/")
    page.get_by_label("Why is the lockdown lifted?").fill("Order restored")
    submit(page, page.get_by_role("button", name="Lift lockdown"))
    assert "No lockdown is in force" in page.locator("main").inner_text()


def test_rehousing_wizard_empties_emerald_city(demo, open_page):
    from emerald.facilities.models import Unit
    from emerald.housing.models import Placement

    page = open_page(DESKTOP)
    login(page, "glynn")
    page.goto("/lockdowns/rehousing/new/")
    assert axe_violations(page) == []
    choose(page.get_by_label("Closed unit", exact=True), "Gym|GYM")
    page.get_by_label("Why is it reopened?").fill("Opened as a temporary camp")
    submit(page, page.get_by_role("button", name="Reopen unit"))

    choose(page.get_by_label("Empty this unit", exact=True), "Emerald City|EC")
    choose(page.get_by_label("First target unit", exact=True), "Solitary|SOL")
    choose(page.get_by_label("Second target unit", exact=True), "Gym|GYM")
    page.locator("#rehousing-form").get_by_label("Reason").fill("Riot: the unit is a crime scene")
    submit(page, page.get_by_role("button", name="Preview"))
    assert page.get_by_role("heading", name="Step 2: Preview").is_visible()
    assert axe_violations(page) == []
    # Nothing has moved yet.
    ec = Unit.objects.get(code="EC")
    before = Placement.objects.filter(unit=ec, end_at__isnull=True).count()
    assert before > 40

    # An htmx post: the server answers with HX-Redirect once the moves are made, so wait for step 4.
    page.get_by_role("button", name="Execute re-housing").click()
    page.locator("#rehousing-progress").wait_for()
    page.get_by_role("heading", name="Step 4: Close the emptied unit").wait_for(timeout=60_000)
    assert Placement.objects.filter(unit=ec, end_at__isnull=True).count() == 0
    page.get_by_label("Why is the unit closed?").fill("Crime scene; repairs")
    submit(page, page.get_by_role("button", name=re.compile("Close unit EC")))
    ec.refresh_from_db()
    assert ec.status == "closed"
    assert axe_violations(page) == []
