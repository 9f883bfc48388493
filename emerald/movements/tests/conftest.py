"""Fixtures for the movements tests: the conftest facility with people in it, and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from conftest import admit, make_person
from emerald.core import clock

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York


@pytest.fixture
def now():
    with clock.frozen_at(T0):
        yield T0


@pytest.fixture
def world(users, place, now):
    """Six people: two in EC-1-01, one in EC-1-02, one in B-1-01, one in B-1-02, one in SOL-01."""
    admin = users["administrator"]
    people = SimpleNamespace()
    for key, cell in (("ann", "EC-1-01"), ("bob", "EC-1-01"), ("cid", "EC-1-02"), ("dan", "B-1-01"),
                      ("eve", "B-1-02"), ("fay", "SOL-01")):
        person = make_person(admin, key.title(), "Test")
        admit(admin, person, place.cell(cell))
        setattr(people, key, person)
    return SimpleNamespace(users=users, place=place, people=people, admin=admin, warden=users["warden"],
                           manager=users["unit_manager"], officer=users["officer"], now=now)
