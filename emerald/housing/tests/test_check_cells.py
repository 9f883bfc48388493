"""check_cells answers exactly what check_cell answers, cell by cell, in a number of queries that does not
grow with the cells asked about (the move dialog asks about a whole unit)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import admit
from emerald.facilities.models import Cell
from emerald.health.services import custody_note_create
from emerald.housing.rules import check_cell, check_cells
from emerald.housing.selectors import move_options
from emerald.housing.services import non_association_create

pytestmark = pytest.mark.django_db


def _summary(check):
    return (check.cell.code, check.ok, check.unavailable, check.full, [b.pk for b in check.beds],
            check.needs.code if check.needs else None, [(c.order.pk, c.where) for c in check.conflicts])


def test_check_cells_agrees_with_check_cell(users, place, person_factory):
    admin = users["administrator"]
    who, enemy, rival, mate = (person_factory(n) for n in ("Who", "Enemy", "Rival", "Mate"))
    admit(admin, enemy, place.cell("EC-1-01"))
    admit(admin, rival, place.cell("B-1-02"))
    admit(admin, mate, place.cell("EC-1-03"))
    admit(admin, person_factory("Solo"), place.cell("SOL-01"))
    non_association_create(actor=admin, person_a=who, person_b=enemy, scope="cell", reason="threat")
    non_association_create(actor=admin, person_a=who, person_b=rival, scope="unit", reason="gang_rivalry")
    custody_note_create(actor=users["medical"], person=who, text="post-operative: no climbing",
                        kinds=["bottom_bunk"])
    cells = list(Cell.objects.select_related("unit").order_by("code"))
    assert [_summary(c) for c in check_cells(who, cells)] == [_summary(check_cell(who, c)) for c in cells]


def test_move_dialog_queries_do_not_grow_with_cells(users, place, person_factory):
    admin = users["administrator"]
    who = person_factory("Who")
    admit(admin, who, place.cell("B-1-01"))
    with CaptureQueriesContext(connection) as few:
        move_options(actor=admin, person=who, unit=place.sol)  # 2 cells
    with CaptureQueriesContext(connection) as many:
        move_options(actor=admin, person=who)  # every cell of every open unit
    assert len(many) == len(few)
