"""Housing respects custody notes: a bottom bunk needs a free lower bed, isolation a single cell or a medical unit.

Every admission and move goes through housing's rules; the health app's check is registered there.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from conftest import admit, make_person
from emerald.core import clock
from emerald.core.tests.api_helpers import Api, assert_error
from emerald.facilities import services as fs
from emerald.health import services
from emerald.health.needs import custody_needs_traits
from emerald.housing.models import Placement
from emerald.housing.selectors import move_options
from emerald.housing.services import placement_move

pytestmark = pytest.mark.django_db


def note(users, person, kinds, **extra):
    return services.custody_note_create(actor=users["medical"], person=person, text="post-operative",
                                        kinds=kinds, **extra)


def bed_of(person):
    return Placement.objects.select_related("bed").get(person=person, end_at__isnull=True).bed


def test_bottom_bunk_takes_the_lower_bed_or_is_refused(users, place, cast):
    admin = users["administrator"]
    note(users, cast.ryan, ["bottom_bunk", "no_lifting"], valid_until=date(2026, 8, 21))
    # EC-1-03: someone already sleeps in the lower bunk; only the upper one is free.
    admit(admin, make_person(admin, "Lower"), place.cell("EC-1-03"))
    api = Api(users["officer"])
    refused = api.post(f"/people/{cast.ryan.inmate_number}/moves",
                       {"cell_id": place.cell("EC-1-03").pk, "reason": "cell swap"})
    body = assert_error(refused, 409, "medical_needs")
    assert "bottom bunk" in body["detail"] and "EC-1-03" in body["detail"]
    assert Placement.objects.get(person=cast.ryan, end_at__isnull=True).cell.code == "EC-1-01"
    # Someone without a note takes the upper bunk there without trouble.
    other = make_person(admin, "Upper")
    admit(admin, other, place.cell("B-1-03"))
    placement_move(actor=admin, person=other, cell_id=place.cell("EC-1-03").pk, reason="swap")
    assert bed_of(other).bunk == "upper"
    # In an empty two-bed cell the note holder gets the lower bunk.
    moved = placement_move(actor=users["officer"], person=cast.ryan, cell_id=place.cell("EC-1-04").pk,
                           reason="closer to the infirmary")
    assert moved.bed.bunk == "lower"


def test_lower_bunk_chosen_even_when_bed_one_is_taken(users, place, cast):
    admin = users["administrator"]
    cell = fs.cell_create(actor=admin, unit=place.b, code="B-9-01", beds=2, bunks=False)  # two single beds
    admit(admin, make_person(admin, "First"), cell)
    note(users, cast.hill, ["bottom_bunk"])
    placement = placement_move(actor=admin, person=cast.hill, cell_id=cell.pk, reason="move")
    assert placement.bed.number == 2 and placement.bed.bunk == "single"


def test_isolation_needs_a_single_cell_or_a_medical_unit(users, place, cast):
    admin = users["administrator"]
    note(users, cast.said, ["medical_isolation"])
    api = Api(users["warden"])
    assert_error(api.post(f"/people/{cast.said.inmate_number}/moves",
                          {"cell_id": place.cell("EC-1-03").pk, "reason": "x"}), 409, "medical_needs")
    infirmary = fs.unit_create(actor=admin, facility=place.facility, code="INF", name="Infirmary", kind="medical",
                               security_level="maximum")
    ward = fs.cell_create(actor=admin, unit=infirmary, code="INF-W1", beds=4)
    assert api.post(f"/people/{cast.said.inmate_number}/moves",
                    {"cell_id": ward.pk, "reason": "isolation"}).status_code == 201
    assert api.post(f"/people/{cast.said.inmate_number}/moves",
                    {"cell_id": place.cell("SOL-01").pk, "reason": "isolation"}).status_code == 201


def test_admission_respects_notes_too(users, place, cast):
    admin = users["administrator"]
    from emerald.housing.services import person_release

    note(users, cast.adebisi, ["medical_isolation"])
    person_release(actor=admin, person=cast.adebisi, reason="court release")
    api = Api(admin)
    assert_error(api.post(f"/people/{cast.adebisi.inmate_number}/admission",
                          {"cell_id": place.cell("B-1-04").pk, "reason": "returned"}), 409, "medical_needs")
    assert api.post(f"/people/{cast.adebisi.inmate_number}/admission",
                    {"cell_id": place.cell("SOL-02").pk, "reason": "returned"}).status_code == 201


def test_notes_apply_only_while_in_force(users, place, cast):
    admin = users["administrator"]
    admit(admin, make_person(admin, "Lower"), place.cell("EC-1-03"))
    until = note(users, cast.ryan, ["bottom_bunk"], valid_until=clock.now().date() + timedelta(days=1))
    later = note(users, cast.hill, ["bottom_bunk"], valid_from=clock.now().date() + timedelta(days=30))
    assert custody_needs_traits([cast.ryan.pk, cast.hill.pk]) == {
        cast.ryan.pk: {"needs_bottom_bunk": True, "needs_isolation": False}}
    with clock.frozen_at(clock.now() + timedelta(days=3)):
        # Expired: the upper bunk is fine again.
        placement = placement_move(actor=admin, person=cast.ryan, cell_id=place.cell("EC-1-03").pk, reason="x")
        assert placement.bed.bunk == "upper"
    assert later.valid_from > clock.now().date() and until.pk


def test_closed_note_no_longer_applies(users, place, cast):
    admin = users["administrator"]
    admit(admin, make_person(admin, "Lower"), place.cell("EC-1-03"))
    n = note(users, cast.ryan, ["bottom_bunk"])
    services.custody_note_close(actor=users["medical"], note=n, reason="recovered")
    assert placement_move(actor=admin, person=cast.ryan, cell_id=place.cell("EC-1-03").pk, reason="x").bed.bunk == "upper"


def test_move_dialog_explains_the_need(users, place, cast):
    admin = users["administrator"]
    admit(admin, make_person(admin, "Lower"), place.cell("EC-1-03"))
    note(users, cast.ryan, ["bottom_bunk"])
    options = {o["cell"].code: o for o in move_options(actor=users["officer"], person=cast.ryan, unit=place.ec)}
    assert not options["EC-1-03"]["ok"] and "bottom bunk" in options["EC-1-03"]["unavailable"]
    assert options["EC-1-04"]["ok"]


def test_note_reports_a_current_bed_that_breaks_it(users, place, cast):
    admin = users["administrator"]
    admit(admin, make_person(admin, "Lower"), place.cell("EC-1-03"))
    upper = make_person(admin, "Upstairs")
    admit(admin, upper, place.cell("EC-1-03"))
    assert bed_of(upper).bunk == "upper"
    body = Api(users["medical"]).post("/health/custody-notes", {
        "person": upper.inmate_number, "text": "post-operative: no lifting, bottom bunk",
        "kinds": ["bottom_bunk", "no_lifting"], "valid_until": "2026-08-21"}).json()
    assert "upper bunk of EC-1-03" in body["housing_problem"]
    assert body["in_force"] and body["kinds"] == ["bottom_bunk", "no_lifting"]
    assert datetime.fromisoformat(body["written_at"]) == clock.now()


def test_planning_and_housing_ask_the_health_app():
    """Both hooks are registered by the app's ready(): re-housing plans and moves ask the same question."""
    from emerald.health.needs import custody_needs_check
    from emerald.housing import rules
    from emerald.planning import loader

    assert custody_needs_check in rules._cell_checks
    assert custody_needs_traits in loader._traits
