"""Shared fixtures of the health, legal and discipline tests: a few people in custody in the test facility."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from conftest import admit, make_person
from emerald.core import clock

NOW = datetime(2026, 7, 10, 16, 0, tzinfo=UTC)
ROLES = ["administrator", "warden", "unit_manager", "officer", "medical", "educator", "investigator", "auditor"]
NON_MEDICAL = [r for r in ROLES if r != "medical"]
SECRET = "XYZCLINICAL"


@pytest.fixture
def now():
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def cast(users, place, now):
    """Ryan alone in EC-1-01 (lower bunk), Hill in EC-1-02 bed 1, Said in B-1-01, Adebisi in B-1-02."""
    admin = users["administrator"]
    people = SimpleNamespace(
        ryan=make_person(admin, "O'Reily", "Ryan", number="97A0007"),
        hill=make_person(admin, "Hill", "Augustus", number="97A0006"),
        said=make_person(admin, "Said", "Kareem", number="97A0005"),
        adebisi=make_person(admin, "Adebisi", "Simon", number="97A0001"),
    )
    admit(admin, people.ryan, place.cell("EC-1-01"))
    admit(admin, people.hill, place.cell("EC-1-02"))
    admit(admin, people.said, place.cell("B-1-01"))
    admit(admin, people.adebisi, place.cell("B-1-02"))
    return people
