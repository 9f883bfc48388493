"""The unit board: cells, occupants, warnings, close/reopen and out-of-service controls."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import admit, make_person
from emerald.audit.models import AuditEntry
from emerald.facilities.models import Cell, Unit
from emerald.housing.services import non_association_create

pytestmark = pytest.mark.django_db


def board(client, unit):
    return client.get(reverse("facilities:unit", args=[unit.pk]))


def test_board_shows_cells_occupants_and_badges(client, users, place):
    admin = users["administrator"]
    said = make_person(admin, "Said", "Kareem")
    admit(admin, said, place.cell("EC-1-04"))
    client.force_login(users["officer"])
    response = board(client, place.ec)
    assert response.status_code == 200
    html = response.content.decode()
    for code in ("EC-1-01", "EC-1-02", "EC-1-03", "EC-1-04"):
        assert f'data-cell-code="{code}"' in html
    assert reverse("people:detail", args=[said.inmate_number]) in html
    assert "Accessible" in html
    assert "Close unit" not in html  # officers do not close units


def test_board_keep_apart_warning_only_for_roles_that_see_orders(client, users, place):
    admin = users["administrator"]
    a, b = make_person(admin, "Adebisi", "Simon"), make_person(admin, "Wangler", "Kenny")
    admit(admin, a, place.cell("EC-1-01"))
    admit(admin, b, place.cell("EC-1-01"))
    non_association_create(actor=admin, person_a=a, person_b=b, scope="cell", reason="threat")
    client.force_login(users["officer"])
    html = board(client, place.ec).content.decode()
    assert "Keep apart from Kenny Wangler" in html
    client.force_login(users["medical"])
    html = board(client, place.ec).content.decode()
    assert "Keep apart" not in html  # keep-apart orders are security data
    assert "Kenny Wangler" in html
    client.force_login(users["educator"])
    html = board(client, place.ec).content.decode()
    assert "Kenny Wangler" not in html  # educators do not read placements


def test_single_and_out_of_service_badges(client, users, place):
    client.force_login(users["warden"])
    response = client.post(reverse("facilities:cell_service", args=[place.cell("SOL-02").pk]),
                           {"in_service": "0", "reason": "broken window"})
    assert response.status_code == 302
    html = board(client, place.sol).content.decode()
    assert "Single" in html and "Out of service" in html and "broken window" in html
    assert not Cell.objects.get(pk=place.cell("SOL-02").pk).in_service


def test_unit_manager_closes_and_reopens_own_unit(client, users, place):
    manager = users["unit_manager"]
    client.force_login(manager)
    html = board(client, place.ec).content.decode()
    assert "Close unit" in html
    response = client.post(reverse("facilities:unit_status", args=[place.ec.pk]), {"action": "close", "reason": "riot"})
    assert response.status_code == 302
    assert Unit.objects.get(pk=place.ec.pk).status == "closed"
    html = client.get(response["Location"]).content.decode()
    assert "Reopen unit" in html and "is closed" in html
    response = client.post(reverse("facilities:unit_status", args=[place.ec.pk]),
                           {"action": "reopen", "reason": "ten months later"})
    assert Unit.objects.get(pk=place.ec.pk).status == "open"
    # Another unit: no controls, and a forged post is refused.
    assert "Close unit" not in board(client, place.b).content.decode()
    response = client.post(reverse("facilities:unit_status", args=[place.b.pk]), {"action": "close", "reason": "x"})
    assert response.status_code == 403
    assert Unit.objects.get(pk=place.b.pk).status == "open"


def test_closing_an_occupied_unit_shows_the_refusal_and_writes_nothing(client, users, place):
    admin = users["administrator"]
    admit(admin, make_person(admin, "Hill", "Augustus"), place.cell("EC-1-04"))
    client.force_login(users["warden"])
    before = AuditEntry.objects.filter(action="unit.close", outcome="success").count()
    response = client.post(reverse("facilities:unit_status", args=[place.ec.pk]), {"action": "close", "reason": "riot"})
    assert response.status_code == 409
    assert "still houses 1 people" in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert Unit.objects.get(pk=place.ec.pk).status == "open"
    assert AuditEntry.objects.filter(action="unit.close", outcome="success").count() == before


def test_blank_reason_is_a_form_error(client, users, place):
    client.force_login(users["warden"])
    response = client.post(reverse("facilities:unit_status", args=[place.ec.pk]), {"action": "close", "reason": "  "})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert Unit.objects.get(pk=place.ec.pk).status == "open"


def test_officer_cannot_close(client, users, place):
    client.force_login(users["officer"])
    response = client.post(reverse("facilities:unit_status", args=[place.ec.pk]), {"action": "close", "reason": "x"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="unit.close", outcome="denied", actor=users["officer"]).exists()


def test_unknown_unit_is_404(client, users, place):
    client.force_login(users["officer"])
    assert client.get(reverse("facilities:unit", args=[999999])).status_code == 404


def test_board_query_count_does_not_grow(client, users, place, django_assert_max_num_queries):
    admin = users["administrator"]
    a = make_person(admin, "One")
    admit(admin, a, place.cell("EC-1-01"))
    client.force_login(users["unit_manager"])
    with CaptureQueriesContext(connection) as small:
        assert board(client, place.ec).status_code == 200
    people = [a]
    for i, code in enumerate(["EC-1-01", "EC-1-02", "EC-1-02", "EC-1-03", "EC-1-03", "EC-1-04", "EC-1-04"]):
        person = make_person(admin, f"Many{i}")
        admit(admin, person, place.cell(code))
        people.append(person)
    non_association_create(actor=admin, person_a=people[1], person_b=people[2], scope="unit", reason="threat")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert board(client, place.ec).status_code == 200


def test_each_cell_has_its_own_service_form_and_a_refused_one_stays_open(client, users, place):
    """The board copies one rendered form to every cell: each copy must carry its own cell's ids and state."""
    import re

    client.force_login(users["warden"])
    broken = place.cell("SOL-02")
    client.post(reverse("facilities:cell_service", args=[broken.pk]), {"in_service": "0", "reason": "broken window"})
    html = board(client, place.sol).content.decode()
    cells = list(Cell.objects.filter(unit=place.sol))
    ids = re.findall(r'id="(id_cell\d+_reason)"', html)
    assert sorted(ids) == sorted(f"id_cell{c.pk}_reason" for c in cells)  # one each, none shared
    assert f'for="id_cell{broken.pk}_reason"' in html
    # The broken cell offers to return to service (in_service=1); the others to be taken out (0).
    assert f'name="in_service" value="1" id="id_cell{broken.pk}_in_service"' in html
    other = next(c for c in cells if c.pk != broken.pk)
    assert f'name="in_service" value="0" id="id_cell{other.pk}_in_service"' in html
    # No reason given: 400, the board again, that cell's form open with its error, the others untouched.
    response = client.post(reverse("facilities:cell_service", args=[other.pk]), {"in_service": "0", "reason": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count("<details open>") == 1 and "Not saved" in html
    assert Cell.objects.get(pk=other.pk).in_service
