"""A move can say where the caller believes the person is, and is refused with 409 if that has changed.

An officer on a phone opens the move form for someone a colleague has just moved: the move must not be
carried out from a cell the officer did not see (issue 13, "bad input and abuse").
"""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import admit
from emerald.core.tests.api_helpers import Api, fast_password_hashing
from emerald.housing.models import Placement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    fast_password_hashing(settings)


@pytest.fixture
def moved(users, place, person_factory):
    person = person_factory("Moved", number="ZZ5001")
    admit(users["administrator"], person, place.cell("B-1-01"))
    return person


def _open(person):
    return Placement.objects.get(person=person, end_at__isnull=True)


def test_expected_cell_that_still_holds(users, place, moved):
    api = Api(users["officer"])
    answer = api.post(f"/people/{moved.inmate_number}/moves", {
        "cell_id": place.cell("B-1-02").pk, "reason": "bed space", "expected_cell_id": place.cell("B-1-01").pk})
    assert answer.status_code == 201, answer.content
    assert _open(moved).cell.code == "B-1-02"


def test_expected_cell_that_changed_is_refused(users, place, moved):
    api = Api(users["officer"])
    answer = api.post(f"/people/{moved.inmate_number}/moves", {
        "cell_id": place.cell("B-1-02").pk, "reason": "bed space", "expected_cell_id": place.cell("EC-1-01").pk})
    assert answer.status_code == 409 and answer.json()["error"] == "moved_meanwhile"
    assert answer.json()["current_cell"] == "B-1-01"
    assert _open(moved).cell.code == "B-1-01"  # nothing written


def test_if_match_names_the_open_placement(users, place, moved):
    api = Api(users["officer"])
    stale = _open(moved).pk
    body = {"cell_id": place.cell("B-1-02").pk, "reason": "bed space"}
    first = api.client.post(f"/api/v1/people/{moved.inmate_number}/moves", body, content_type="application/json",
                            headers={**api._headers(), "If-Match": f'"{stale}"'})
    assert first.status_code == 201, first.content
    body["cell_id"] = place.cell("B-1-01").pk
    second = api.client.post(f"/api/v1/people/{moved.inmate_number}/moves", body, content_type="application/json",
                             headers={**api._headers(), "If-Match": f'"{stale}"'})
    assert second.status_code == 409 and second.json()["error"] == "moved_meanwhile"
    assert _open(moved).cell.code == "B-1-02"


def test_the_move_form_carries_where_the_person_was(users, place, moved):
    client = Client()
    client.force_login(users["officer"])
    form = client.get(f"/housing/people/{moved.inmate_number}/move/").content.decode()
    assert f'name="expected_cell_id" value="{place.cell("B-1-01").pk}"' in form
    # A colleague moves them before the officer submits.
    Api(users["officer"]).post(
        f"/people/{moved.inmate_number}/moves", {"cell_id": place.cell("B-1-03").pk, "reason": "colleague"})
    answer = client.post(f"/housing/people/{moved.inmate_number}/move/", {
        "unit": place.cell("B-1-02").unit_id, "cell": place.cell("B-1-02").pk, "reason": "bed space",
        "expected_cell_id": place.cell("B-1-01").pk})
    assert answer.status_code == 409
    assert "was moved meanwhile" in answer.content.decode()
    assert _open(moved).cell.code == "B-1-03"
