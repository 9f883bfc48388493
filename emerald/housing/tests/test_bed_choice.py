"""The optional ``bed=`` of admissions and moves: a preference the rules may overrule, never a way around them."""

from __future__ import annotations

import pytest

from conftest import admit
from emerald.core.errors import Conflict, Invalid
from emerald.facilities.models import Bed
from emerald.housing import rules
from emerald.housing.models import Placement
from emerald.housing.rules import NeedRefusal
from emerald.housing.services import person_admit, placement_move

pytestmark = pytest.mark.django_db


def bed(place, code: str, number: int) -> Bed:
    return Bed.objects.get(cell=place.cell(code), number=number)


def test_admission_and_move_take_the_wanted_bed(users, place, person_factory):
    admin = users["administrator"]
    p = person_factory("Beecher")
    first = person_admit(actor=admin, person=p, cell_id=place.cell("B-1-01").pk, reason="court",
                         bed=bed(place, "B-1-01", 2))
    assert first.bed.number == 2
    second = placement_move(actor=admin, person=p, cell_id=place.cell("B-1-02").pk, reason="bed space",
                            bed=bed(place, "B-1-02", 2).pk)  # an id does as well as a bed
    assert second.bed == bed(place, "B-1-02", 2)


def test_a_taken_or_foreign_bed_falls_back_to_a_free_one(users, place, person_factory):
    admin = users["administrator"]
    there, p, q = person_factory("Said"), person_factory("Beecher"), person_factory("Keller")
    admit(admin, there, place.cell("B-1-01"))  # takes bed 1
    moved = person_admit(actor=admin, person=p, cell_id=place.cell("B-1-01").pk, reason="court",
                         bed=bed(place, "B-1-01", 1))
    assert moved.bed.number == 2
    other = person_admit(actor=admin, person=q, cell_id=place.cell("B-1-02").pk, reason="court",
                         bed=bed(place, "EC-1-01", 2))  # a bed of another cell is no way into that cell
    assert other.cell == place.cell("B-1-02") and other.bed.number == 1


def test_the_wanted_bed_never_beats_the_rules(users, place, person_factory):
    admin = users["administrator"]
    p, q = person_factory("Beecher"), person_factory("Keller")
    admit(admin, q, place.cell("EC-1-01"))
    # A need of the person (as the health app registers) allows only bed 1 of any cell.
    check = lambda person, cell, beds: ([b for b in beds if b.number == 1] or [], None if any(  # noqa: E731
        b.number == 1 for b in beds) else NeedRefusal("medical_needs", "needs bed 1"))
    rules.register_cell_check(check)
    try:
        placed = person_admit(actor=admin, person=p, cell_id=place.cell("B-1-01").pk, reason="court",
                              bed=bed(place, "B-1-01", 2))
        assert placed.bed.number == 1
        with pytest.raises(Conflict) as exc:  # bed 1 of EC-1-01 is taken: the wanted bed 2 does not help
            placement_move(actor=admin, person=p, cell_id=place.cell("EC-1-01").pk, reason="x",
                           bed=bed(place, "EC-1-01", 2))
        assert exc.value.code == "medical_needs"
    finally:
        rules._cell_checks.remove(check)


def test_a_malformed_bed_is_bad_input_and_writes_nothing(users, place, person_factory):
    admin = users["administrator"]
    p = person_factory("Beecher")
    admit(admin, p, place.cell("B-1-01"))
    with pytest.raises(Invalid) as exc:
        placement_move(actor=admin, person=p, cell_id=place.cell("B-1-02").pk, reason="x", bed="second")
    assert "bed" in exc.value.fields
    assert Placement.objects.get(person=p, end_at__isnull=True).cell == place.cell("B-1-01")
