"""Refusals say why: each rule that ruled cells out, and how many (issue 14, "Explain refusals").

Regression: a transfer into B answered "No cell in B can take Miguel Alvarez now (full, or keep-apart
orders)" while B had free beds.
"""

from __future__ import annotations

import pytest

from conftest import admit
from emerald.core.errors import Conflict
from emerald.housing.services import non_association_create
from emerald.movements.services import _pick_cell

pytestmark = pytest.mark.django_db


def test_a_refusal_names_each_rule_and_how_many_cells(users, place, person_factory):
    admin = users["administrator"]
    mover = person_factory("Alvarez", "Miguel", number="ZZ6001")
    enemy = person_factory("Adebisi", "Simon", number="ZZ6002")
    admit(admin, mover, place.cell("EC-1-01"))
    admit(admin, enemy, place.cell("B-1-01"))
    non_association_create(actor=admin, person_a=mover, person_b=enemy, scope="unit", reason="threat")
    with pytest.raises(Conflict) as refused:
        _pick_cell(mover, place.b)
    text = str(refused.value.detail)
    assert refused.value.code == "no_free_cell"
    assert "No cell in B can take Miguel Alvarez now: 4 cells" in text
    assert "7 free beds" in text
    assert "4 refused by keep-apart orders (unit, Simon Adebisi)" in text
