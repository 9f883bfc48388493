"""In Chromium: an officer receives Cyril O'Reily, sees the warnings (his brother Ryan, the Aryan Brotherhood in
the unit, his vulnerability) before choosing a cell, and admits him to the best-ranked safe cell."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import PASSWORD, admit, make_person
from emerald.people.models import Person
from emerald.relations import services as relations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="en-US")
    p = context.new_page()
    p.set_default_timeout(20_000)
    yield p
    context.close()


@pytest.fixture
def oz(users, place):
    admin = users["administrator"]
    ryan = make_person(admin, "O'Reily", "Ryan", number="97A0007", date_of_birth=date(1966, 10, 5))
    vern = make_person(admin, "Schillinger", "Vern", number="97A0004")
    aryan = make_person(admin, "Hayes", "Rick", number="97A0100")
    admit(admin, ryan, place.cell("EC-1-01"))
    admit(admin, vern, place.cell("EC-1-02"))
    admit(admin, aryan, place.cell("EC-1-03"))
    irish = relations.group_create(actor=admin, name="Irish")
    aryans = relations.group_create(actor=admin, name="Aryan Brotherhood")
    relations.rivalry_create(actor=admin, group_a=irish, group_b=aryans, source="staff observation")
    g = {"source": "intelligence", "source_reliability": "B", "information_credibility": "2"}
    relations.membership_create(actor=admin, person=ryan, group=irish, role="leader", **g)
    relations.membership_create(actor=admin, person=vern, group=aryans, role="leader", **g)
    relations.membership_create(actor=admin, person=aryan, group=aryans, role="member", **g)
    return place


def test_intake_shows_the_warnings_and_admits_to_a_suggested_safe_cell(page, live_server, users, oz):
    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", users["officer"].username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(base + "/")

    # 1. Identity: Emerald offers Ryan's record (same surname); this is a new person.
    page.goto(base + "/intake/new/")
    page.fill("#id_first_name", "Cyril")
    page.fill("#id_last_name", "O’Reily")
    page.fill("#id_date_of_birth", "2004-02-14")
    page.select_option("#id_sex", "male")
    with page.expect_navigation():  # wait for the server's answer, not the old page
        page.get_by_role("button", name="Check for known people").click()
    page.locator('[data-candidate="97A0007"]').wait_for()
    page.locator("#create-new").click()
    page.wait_for_url("**/classification/")

    # 2. Classification: every answer shows its points.
    for field, answer in (("offence_severity", "serious"), ("violence_history", "minor"), ("escape_history", "none"),
                          ("sentence_length", "5_to_15y"), ("institutional_behaviour", "none")):
        page.locator(f'input[name="{field}"][value="{answer}"]').check()
    page.get_by_role("button", name="Classify").click()
    page.wait_for_url("**/screening/")

    # 3. Screening: first time in custody, 22, slight build.
    page.locator('input[name="build"][value="slight"]').check()
    page.get_by_role("button", name="Record the screening").click()
    page.wait_for_url("**/housing/")
    assert "Vulnerable" in page.locator("#messages").inner_text()

    cyril = Person.objects.get(first_name="Cyril")
    # He tells the officer that Ryan is his brother; the Irish count him as one of theirs.
    page.goto(base + f"/relations/people/{cyril.inmate_number}/relationships/new/")
    page.fill("#id_other", "97A0007")
    page.select_option("#id_kind", "family")
    page.fill("#id_detail", "brother")
    page.fill("#id_source", "self-reported at intake")
    with page.expect_navigation():  # wait for the server's answer, not the old page
        page.get_by_role("button", name="Record relationship").click()
    page.goto(base + f"/relations/people/{cyril.inmate_number}/memberships/new/")
    page.select_option("#id_group", label="Irish")
    page.select_option("#id_role", "associate")
    page.fill("#id_source", "brother of Ryan O'Reily")
    with page.expect_navigation():  # wait for the server's answer, not the old page
        page.get_by_role("button", name="Record membership").click()

    # 4. Housing: the warnings come before the choice of cell.
    intake_id = cyril_intake_id(cyril)
    page.goto(base + f"/intake/{intake_id}/housing/")
    page.select_option("#unit-select", str(oz.ec.pk))
    with page.expect_navigation():  # wait for the server's answer, not the old page
        page.get_by_role("button", name="Show").click()
    connections = page.locator("#connections").inner_text()
    assert "Ryan O'Reily (97A0007)" in connections and "EC-1-01" in connections and "brother" in connections
    groups = page.locator("#unit-groups").inner_text()
    assert "Rival group" in groups and "Aryan Brotherhood" in groups and "Vern Schillinger (EC-1-02" in groups
    assert "Vulnerable" in page.locator("#vulnerable-flag").inner_text()
    first = page.locator('#safe-cells tr[data-rank="1"]')
    best_code = first.get_attribute("data-cell-code")
    assert best_code and best_code.startswith("EC-") and best_code not in ("EC-1-02", "EC-1-03")
    first.locator('input[name="cell"]').check()
    page.get_by_role("button", name="Admit to the chosen cell").click()
    page.wait_for_url(f"**/people/{cyril.inmate_number}/")
    assert best_code in page.locator("#current-cell").inner_text()
    cyril.refresh_from_db()
    assert cyril.status == "in_custody"
    assert cyril.placements.get().cell.code == best_code


def cyril_intake_id(person: Person) -> int:
    from emerald.intake.models import Intake

    return Intake.objects.get(person=person).pk
