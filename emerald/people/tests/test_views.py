"""The person page and people search."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import admit, make_person
from emerald.audit.models import AuditEntry
from emerald.housing.services import non_association_create, placement_move

pytestmark = pytest.mark.django_db


@pytest.fixture
def hill(users, place):
    admin = users["administrator"]
    person = make_person(admin, "Hill", "Augustus", aliases=["Gus Hill"])
    admit(admin, person, place.cell("B-1-01"))
    placement_move(actor=users["unit_manager"], person=person, cell_id=place.cell("EC-1-04").pk,
                   reason="needs an accessible cell")
    return person


def test_person_page_shows_identity_cell_and_timeline(client, users, hill):
    client.force_login(users["officer"])
    response = client.get(reverse("people:detail", args=[hill.inmate_number]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Augustus Hill" in html and "Gus Hill" in html
    assert 'id="current-cell"' in html and "EC-1-04" in html
    assert "needs an accessible cell" in html and "B-1-01" in html
    assert "Unitmanager" in html  # who ordered the move
    assert reverse("housing:move", args=[hill.inmate_number]) in html
    assert "Release" not in html  # officers do not release
    assert "Add keep-apart order" not in html
    assert AuditEntry.objects.filter(action="person.view", object_id=hill.inmate_number,
                                     actor=users["officer"]).exists()


def test_person_page_buttons_by_role(client, users, hill):
    client.force_login(users["warden"])
    html = client.get(reverse("people:detail", args=[hill.inmate_number])).content.decode()
    assert "Release" in html and "Add keep-apart order" in html and "Move" in html
    assert reverse("housing:admit", args=[hill.inmate_number]) not in html
    client.force_login(users["educator"])
    html = client.get(reverse("people:detail", args=[hill.inmate_number])).content.decode()
    assert "Housing history" not in html and "Keep-apart orders" not in html
    assert reverse("housing:move", args=[hill.inmate_number]) not in html


def test_admit_button_when_not_in_custody(client, users):
    admin = users["administrator"]
    person = make_person(admin, "O'Reily", "Cyril")
    client.force_login(users["officer"])
    html = client.get(reverse("people:detail", args=[person.inmate_number])).content.decode()
    assert reverse("housing:admit", args=[person.inmate_number]) in html
    assert reverse("housing:move", args=[person.inmate_number]) not in html


def test_keep_apart_orders_only_for_roles_allowed(client, users, place, hill):
    admin = users["administrator"]
    other = make_person(admin, "Schillinger", "Vern")
    non_association_create(actor=admin, person_a=hill, person_b=other, scope="unit", reason="threat")
    client.force_login(users["investigator"])
    html = client.get(reverse("people:detail", args=[hill.inmate_number])).content.decode()
    assert "Vern Schillinger" in html
    client.force_login(users["medical"])
    html = client.get(reverse("people:detail", args=[hill.inmate_number])).content.decode()
    assert "Vern Schillinger" not in html


def test_unknown_person_is_404(client, users):
    client.force_login(users["officer"])
    response = client.get(reverse("people:detail", args=["ZZ404"]))
    assert response.status_code == 404
    assert AuditEntry.objects.filter(action="person.view", outcome="denied", object_id="ZZ404").exists()


@pytest.mark.parametrize("query", ["O'Reily", "O’Reily", "oreilly", "OReily", "o reily"])
def test_search_ignores_apostrophes_and_accents(client, users, query):
    admin = users["administrator"]
    ryan = make_person(admin, "O'Reily", "Ryan", aliases=["Ryan O'Reilly"])
    make_person(admin, "Alvarez", "Miguel")
    client.force_login(users["officer"])
    response = client.get(reverse("people:search"), {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("people:detail", args=[ryan.inmate_number]) in html
    assert "Alvarez" not in html


def test_search_accents(client, users):
    admin = users["administrator"]
    person = make_person(admin, "Müller", "José")
    client.force_login(users["educator"])
    html = client.get(reverse("people:search"), {"q": "jose muller"}).content.decode()
    assert reverse("people:detail", args=[person.inmate_number]) in html


def test_search_shows_cell_only_to_roles_reading_placements(client, users, hill):
    client.force_login(users["officer"])
    html = client.get(reverse("people:search"), {"q": "hill"}).content.decode()
    assert "EC-1-04" in html
    client.force_login(users["educator"])
    html = client.get(reverse("people:search"), {"q": "hill"}).content.decode()
    assert "Augustus" in html and "EC-1-04" not in html


def test_times_are_shown_in_local_time(client, users, place, frozen_now):
    admin = users["administrator"]
    person = make_person(admin, "Hill", "Augustus")
    admit(admin, person, place.cell("EC-1-04"))  # 14:00 UTC is 09:00 in New York (EST)
    client.force_login(users["officer"])
    html = client.get(reverse("people:detail", args=[person.inmate_number])).content.decode()
    assert 'datetime="2026-03-02T09:00:00-05:00"' in html
    assert "03/02/2026 9 a.m." in html
