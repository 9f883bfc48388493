"""Suggestions follow what units are for, and the unit that was asked for (issue 14, finding 1).

Regression: asking for safe cells in unit B ranked the infirmary beds first, then Reception.
"""

from __future__ import annotations

import pytest

from conftest import admit
from emerald.core.tests.api_helpers import Api, fast_password_hashing
from emerald.facilities import services as fs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    fast_password_hashing(settings)


@pytest.fixture
def wards(users, place):
    admin = users["administrator"]
    for code, kind in (("INF", "medical"), ("REC", "intake"), ("GYM", "temporary")):
        unit = fs.unit_create(actor=admin, facility=place.facility, code=code, name=code, kind=kind,
                              security_level="maximum")
        for i in (1, 2):
            fs.cell_create(actor=admin, unit=unit, code=f"{code}-{i}", beds=2)
    return place


def test_general_population_is_never_offered_a_unit_of_another_purpose(users, wards, person_factory):
    person = person_factory("Alvarez", number="ZZ7001")
    admit(users["administrator"], person, wards.cell("EC-1-01"))
    body = Api(users["unit_manager"]).get("/plans/suggest", {"person": "ZZ7001", "limit": 50}).json()
    units = {c["unit"] for c in body["cells"]}
    assert units and units <= {"EC", "B"}, units


def test_a_named_unit_is_the_question(users, wards, person_factory):
    person = person_factory("Alvarez", number="ZZ7002")
    admit(users["administrator"], person, wards.cell("EC-1-01"))
    body = Api(users["unit_manager"]).get("/plans/suggest", {"person": "ZZ7002", "unit": "B", "limit": 50}).json()
    assert body["cells"] and {c["unit"] for c in body["cells"]} == {"B"}
    infirmary = Api(users["unit_manager"]).get("/plans/suggest", {"person": "ZZ7002", "unit": "INF"}).json()
    assert infirmary["cells"] == [] and "medical unit" in infirmary["none_reason"]


def test_a_medical_need_qualifies_for_the_infirmary(users, wards, person_factory):
    from emerald.health import services as health

    person = person_factory("Patient", number="ZZ7003")
    admit(users["administrator"], person, wards.cell("B-1-01"))
    health.custody_note_create(actor=users["medical"], person=person, text="Isolate.", kinds=["medical_isolation"])
    body = Api(users["unit_manager"]).get("/plans/suggest", {"person": "ZZ7003", "limit": 50}).json()
    assert "INF" in {c["unit"] for c in body["cells"]}
