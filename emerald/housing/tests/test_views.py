"""The move dialog, admission, release and keep-apart pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from conftest import admit, make_person
from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.housing.models import NonAssociation, Placement
from emerald.housing.services import non_association_create
from emerald.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def feud(users, place):
    """Adebisi in EC-1-01, Schibetta in B-1-01, ordered kept apart at cell scope."""
    admin = users["administrator"]
    a, b = make_person(admin, "Adebisi", "Simon"), make_person(admin, "Schibetta", "Peter")
    admit(admin, a, place.cell("EC-1-01"))
    admit(admin, b, place.cell("B-1-01"))
    non_association_create(actor=admin, person_a=a, person_b=b, scope="cell", reason="gang_rivalry")
    return a, b


def move_url(person):
    return reverse("housing:move", args=[person.inmate_number])


def open_cell(person):
    return Placement.objects.get(person=person, end_at__isnull=True).cell.code


def test_move_dialog_shows_conflicts_before_submitting(client, users, place, feud):
    a, b = feud
    client.force_login(users["officer"])
    response = client.get(move_url(b), {"unit": place.ec.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_cell" class="required">Cell</label>' in html
    assert 'data-cell-code="EC-1-01" data-state="conflict"' in html
    assert "Peter Schibetta must be kept apart from Simon Adebisi" in html
    assert f'<option value="{place.cell("EC-1-02").pk}" data-state="free">EC-1-02 – free bed</option>' in html
    assert 'data-state="free"><span class="state">Free bed:</span> EC-1-02, EC-1-03, EC-1-04' in html
    assert "override_reason" not in html


def test_cell_options_partial_for_htmx(client, users, place, feud):
    a, b = feud
    client.force_login(users["officer"])
    response = client.get(reverse("housing:cell_options", args=[b.inmate_number]), {"unit": place.ec.pk},
                          HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="id_cell"' in html and "keep-apart conflict" in html
    # The dialog's unit select is wired to it.
    page = client.get(move_url(b)).content.decode()
    assert f'hx-get="{reverse("housing:cell_options", args=[b.inmate_number])}"' in page
    assert 'aria-live="polite"' in page


def test_officer_conflicting_move_is_refused_without_override(client, users, place, feud):
    a, b = feud
    client.force_login(users["officer"])
    response = client.post(move_url(b), {"unit": place.ec.pk, "cell": place.cell("EC-1-01").pk, "reason": "bed space"})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Move refused: keep-apart order" in html
    assert "Peter Schibetta must be kept apart from Simon Adebisi" in html
    assert "override_reason" not in html
    assert open_cell(b) == "B-1-01"
    # A forged override is refused too, and nothing moves.
    response = client.post(move_url(b), {"unit": place.ec.pk, "cell": place.cell("EC-1-01").pk, "reason": "bed space",
                                         "override_offered": "1", "override_reason": "trust me"})
    assert response.status_code == 409
    assert open_cell(b) == "B-1-01"


def test_unit_manager_gets_override_field_and_can_override(client, users, place, feud):
    a, b = feud
    client.force_login(users["unit_manager"])
    data = {"unit": place.ec.pk, "cell": place.cell("EC-1-01").pk, "reason": "council seat"}
    response = client.post(move_url(b), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'name="override_reason"' in html and "Override reason" in html
    assert '<input type="hidden" name="override_offered" value="1">' in html
    assert open_cell(b) == "B-1-01"
    response = client.post(move_url(b), {**data, "override_offered": "1", "override_reason": ""})
    assert response.status_code == 409
    response = client.post(move_url(b), {**data, "override_offered": "1", "override_reason": "staff watch all night"})
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[b.inmate_number])
    assert open_cell(b) == "EC-1-01"
    page = client.get(response["Location"]).content.decode()
    assert "Moved Peter Schibetta to EC-1-01." in page
    assert "staff watch all night" in page


def test_plain_move_succeeds(client, users, place, feud):
    a, b = feud
    client.force_login(users["officer"])
    response = client.post(move_url(b), {"unit": place.b.pk, "cell": place.cell("B-1-02").pk, "reason": "cell repair"})
    assert response.status_code == 302
    assert open_cell(b) == "B-1-02"


def test_no_js_show_cells_button_reloads_without_saving(client, users, place, feud):
    a, b = feud
    client.force_login(users["officer"])
    response = client.post(move_url(b), {"unit": place.ec.pk, "reason": "typed first", "show_cells": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "EC-1-02 – free bed" in html and "typed first" in html
    assert "errorlist" not in html
    assert open_cell(b) == "B-1-01"


@pytest.mark.parametrize("data, field", [
    ({"cell": "", "reason": "x"}, "cell"),
    ({"reason": "   "}, "reason"),
    ({"cell": "999999", "reason": "x"}, "cell"),
])
def test_bad_move_input_shows_errors_and_writes_nothing(client, users, place, feud, data, field):
    a, b = feud
    client.force_login(users["officer"])
    payload = {"unit": place.b.pk, "cell": place.cell("B-1-02").pk, **data}
    before = (Placement.objects.count(), AuditEntry.objects.filter(outcome="success").exclude(action="person.view").count())
    response = client.post(move_url(b), payload)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert (Placement.objects.count(),
            AuditEntry.objects.filter(outcome="success").exclude(action="person.view").count()) == before


def test_full_cell_is_not_selectable_and_refused(client, users, place, feud):
    a, b = feud
    admin = users["administrator"]
    admit(admin, make_person(admin, "Filler", "One"), place.cell("EC-1-02"))
    admit(admin, make_person(admin, "Filler", "Two"), place.cell("EC-1-02"))
    client.force_login(users["officer"])
    html = client.get(move_url(b), {"unit": place.ec.pk}).content.decode()
    assert 'data-state="full" disabled' in html
    response = client.post(move_url(b), {"unit": place.ec.pk, "cell": place.cell("EC-1-02").pk, "reason": "x"})
    assert response.status_code == 409
    assert "has no free bed" in response.content.decode()
    assert open_cell(b) == "B-1-01"


def test_roles_that_may_not_move_get_403(client, users, feud):
    a, b = feud
    for role in ("medical", "educator", "auditor", "investigator"):
        client.force_login(users[role])
        assert client.get(move_url(b)).status_code == 403, role
        assert client.post(move_url(b), {"cell": "1", "reason": "x"}).status_code == 403, role
    assert AuditEntry.objects.filter(action="placement.move", outcome="denied", actor=users["medical"]).exists()


def test_admit_and_release(client, users, place):
    admin = users["administrator"]
    cyril = make_person(admin, "O'Reily", "Cyril")
    client.force_login(users["warden"])
    url = reverse("housing:admit", args=[cyril.inmate_number])
    assert client.get(url).status_code == 200
    response = client.post(url, {"unit": place.b.pk, "cell": place.cell("B-1-03").pk, "reason": "sentenced"})
    assert response.status_code == 302
    assert open_cell(cyril) == "B-1-03"
    # Admitting again is not offered.
    assert client.get(url).status_code == 302
    url = reverse("housing:release", args=[cyril.inmate_number])
    response = client.post(url, {"kind": "released", "reason": ""})
    assert response.status_code == 400
    assert Person.objects.get(pk=cyril.pk).status == "in_custody"
    response = client.post(url, {"kind": "released", "reason": "sentence served"})
    assert response.status_code == 302
    assert Person.objects.get(pk=cyril.pk).status == "released"


def test_officer_may_not_release(client, users, feud):
    a, b = feud
    client.force_login(users["officer"])
    assert client.get(reverse("housing:release", args=[a.inmate_number])).status_code == 403


def test_unit_manager_release_outside_own_unit_is_refused_on_the_form(client, users, feud):
    a, b = feud  # b is in unit B, not managed by the unit manager
    client.force_login(users["unit_manager"])
    response = client.post(reverse("housing:release", args=[b.inmate_number]), {"kind": "released", "reason": "x"})
    assert response.status_code == 403
    assert "only people in the units you manage" in response.content.decode()
    assert Person.objects.get(pk=b.pk).status == "in_custody"


def test_keep_apart_create_by_number_warns_when_violated(client, users, place):
    admin = users["administrator"]
    a, b = make_person(admin, "Adebisi", "Simon"), make_person(admin, "Wangler", "Kenny")
    admit(admin, a, place.cell("EC-1-01"))
    admit(admin, b, place.cell("EC-1-01"))
    client.force_login(users["unit_manager"])
    url = reverse("housing:non_association_create")
    page = client.get(url, {"person": a.inmate_number})
    assert page.status_code == 200
    assert 'for="id_other"' in page.content.decode()
    response = client.post(url, {"person": a.inmate_number, "other": b.inmate_number.lower(), "scope": "cell",
                                 "reason": "threat", "comment": "", "expires_at": ""}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "currently violated" in html and "EC-1-01" in html
    assert NonAssociation.objects.filter(closed_at__isnull=True).count() == 1


def test_keep_apart_by_name_ambiguous_and_bad_input(client, users, place):
    admin = users["administrator"]
    a = make_person(admin, "Said", "Kareem")
    make_person(admin, "O'Reily", "Ryan")
    make_person(admin, "O'Reily", "Cyril")
    client.force_login(users["investigator"])
    url = reverse("housing:non_association_create")
    base = {"person": a.inmate_number, "scope": "unit", "reason": "threat"}
    response = client.post(url, {**base, "other": "oreily"})
    assert response.status_code == 400
    assert "Several people match" in response.content.decode()
    response = client.post(url, {**base, "other": "Nobody Atall"})
    assert response.status_code == 400 and "Nobody matches" in response.content.decode()
    response = client.post(url, {**base, "other": a.inmate_number})
    assert response.status_code == 400 and "from themselves" in response.content.decode()
    past = (clock.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {**base, "other": "o’reily ryan", "expires_at": past})
    assert response.status_code == 400 and "must be in the future" in response.content.decode()
    assert not NonAssociation.objects.exists()
    response = client.post(url, {**base, "other": "o’reily ryan"})
    assert response.status_code == 302
    assert NonAssociation.objects.count() == 1
    # Several full matches: the user picks one of the offered people.
    response = client.post(url, {**base, "other": "oreily"})
    assert 'name="other_pick"' in response.content.decode()
    cyril = Person.objects.get(first_name="Cyril")
    response = client.post(url, {**base, "other": "oreily", "other_pick": cyril.inmate_number})
    assert response.status_code == 302
    assert NonAssociation.objects.count() == 2


def test_keep_apart_pages_denied_to_roles_without_access(client, users, place, feud):
    client.force_login(users["officer"])
    assert client.get(reverse("housing:non_association_list")).status_code == 200
    assert client.get(reverse("housing:non_association_create"), {"person": feud[0].inmate_number}).status_code == 403
    client.force_login(users["educator"])
    assert client.get(reverse("housing:non_association_list")).status_code == 403
    order = NonAssociation.objects.get()
    assert client.get(reverse("housing:non_association_close", args=[order.pk])).status_code == 404


def test_close_order_with_reason(client, users, place, feud):
    order = NonAssociation.objects.get()
    client.force_login(users["warden"])
    url = reverse("housing:non_association_close", args=[order.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 400
    assert NonAssociation.objects.get().closed_at is None
    response = client.post(url, {"reason": "reconciled", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("housing:non_association_list")
    order.refresh_from_db()
    assert order.close_reason == "reconciled" and order.closed_by == users["warden"]
    assert client.get(reverse("housing:non_association_list")).context["page"].paginator.count == 0


def test_person_suggestions(client, users, feud):
    client.force_login(users["investigator"])
    html = client.get(reverse("housing:person_suggestions"), {"other": "schib"}).content.decode()
    assert f'value="{feud[1].inmate_number}"' in html
