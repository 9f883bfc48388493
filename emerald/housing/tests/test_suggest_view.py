"""'Suggest a cell' in the move and admission dialogs: ranked safe cells from the housing optimiser."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from conftest import admit, make_person
from emerald.housing.models import Placement
from emerald.housing.services import non_association_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def feud(users, place):
    """Adebisi in EC-1-01, Schibetta in EC-1-02, ordered kept apart at cell scope."""
    admin = users["administrator"]
    a, b = make_person(admin, "Adebisi", "Simon"), make_person(admin, "Schibetta", "Peter")
    admit(admin, a, place.cell("EC-1-01"))
    admit(admin, b, place.cell("EC-1-02"))
    non_association_create(actor=admin, person_a=a, person_b=b, scope="cell", reason="gang_rivalry")
    return a, b


def move_url(person):
    return reverse("housing:move", args=[person.inmate_number])


def test_the_dialog_offers_suggestions_with_a_plain_link(client, users, place, feud):
    a, b = feud
    client.force_login(users["officer"])
    html = client.get(move_url(b)).content.decode()
    assert "Suggest a cell" in html
    assert f'href="{move_url(b)}?suggest=1&amp;unit={place.ec.pk}#cell-suggestions"' in html
    assert f'hx-get="{move_url(b)}?suggest=1" hx-include="#id_unit" hx-target="#cell-suggestions"' in html

    html = client.get(move_url(b), {"suggest": "1", "unit": place.ec.pk}).content.decode()
    assert "Suggested cells in OZ" in html and "<html" in html
    codes = re.findall(r'<li data-cell-code="([^"]+)">', html)
    assert codes and len(codes) <= 5
    assert "EC-1-01" not in codes and "EC-1-02" not in codes  # the order's cell, and where he is now
    assert not any(c.startswith("SOL") for c in codes)  # segregation is never suggested
    first = place.cells[codes[0]]
    assert f'href="{move_url(b)}?unit={first.unit_id}&amp;cell={first.pk}">Choose {codes[0]}</a>' in html
    suggestions = html.split('id="cell-suggestions"')[1].split('id="cell-options"')[0]
    assert "Respects 1 keep-apart order." in suggestions  # officers may see the orders, so the reason is shown


def test_htmx_gets_only_the_suggestions(client, users, place, feud):
    _a, b = feud
    client.force_login(users["unit_manager"])
    response = client.get(move_url(b), {"suggest": "1", "unit": place.b.pk}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and "<form" not in html
    assert 'class="cell-suggestions"' in html and "Choose " in html


def test_choosing_a_suggestion_fills_in_unit_and_cell(client, users, place, feud):
    _a, b = feud
    client.force_login(users["officer"])
    cell = place.cell("B-1-03")
    html = client.get(move_url(b), {"unit": place.b.pk, "cell": cell.pk}).content.decode()
    assert re.search(rf'<option value="{place.b.pk}" selected>', html)
    assert f'<option value="{cell.pk}" data-state="free" selected>' in html
    response = client.post(move_url(b), {"unit": place.b.pk, "cell": cell.pk, "reason": "suggested"})
    assert response.status_code == 302
    assert Placement.objects.get(person=b, end_at__isnull=True).cell == cell


def test_reasons_revealing_orders_are_hidden_from_roles_that_may_not_see_them(client, users, place, feud,
                                                                              monkeypatch):
    _a, b = feud
    from emerald.accounts import permissions

    # No role that may move people is barred from keep-apart orders today; take the right away to check.
    officer = users["officer"]
    original = permissions.allowed
    monkeypatch.setattr("emerald.planning.selectors.allowed", lambda user, action: False if (
        action == "non_association.view") else original(user, action))
    client.force_login(officer)
    html = client.get(move_url(b), {"suggest": "1", "unit": place.ec.pk}).content.decode()
    suggestions = html.split('id="cell-suggestions"')[1].split('id="cell-options"')[0]
    assert "Choose " in suggestions and "keep-apart" not in suggestions


def test_admission_dialog_suggests_too(client, users, place):
    newcomer = make_person(users["administrator"], "Newcomer")
    client.force_login(users["officer"])
    url = reverse("housing:admit", args=[newcomer.inmate_number])
    html = client.get(url, {"suggest": "1"}).content.decode()  # one facility: no unit needed
    assert "Suggested cells in OZ" in html and f'href="{url}?unit=' in html
