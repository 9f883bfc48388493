"""Shared fixtures for the incident and investigation tests: a few people in custody in the test facility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from conftest import admit, make_person
from emerald.core import clock
from emerald.incidents import services as inc

NOW = datetime(2026, 9, 15, 23, 0, tzinfo=UTC)
ROLES = ["administrator", "warden", "unit_manager", "officer", "medical", "educator", "investigator", "auditor"]
TEAM = {"warden", "medical", "investigator"}


@pytest.fixture
def now():
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def cast(users, place, now):
    """Adebisi and Wangler in EC-1-01, Schibetta in EC-1-02, Said in B-1-01, Alvarez in B-1-02."""
    admin = users["administrator"]
    people = SimpleNamespace(
        adebisi=make_person(admin, "Adebisi", "Simon", number="97A0001"),
        wangler=make_person(admin, "Wangler", "Kenny", number="97A0002"),
        schibetta=make_person(admin, "Schibetta", "Peter", number="97A0003"),
        said=make_person(admin, "Said", "Kareem", number="97A0004"),
        alvarez=make_person(admin, "Alvarez", "Miguel", number="97A0005"),
    )
    admit(admin, people.adebisi, place.cell("EC-1-01"))
    admit(admin, people.wangler, place.cell("EC-1-01"))
    admit(admin, people.schibetta, place.cell("EC-1-02"))
    admit(admin, people.said, place.cell("B-1-01"))
    admit(admin, people.alvarez, place.cell("B-1-02"))
    return people


def draft(actor, place, **extra):
    """A draft report in EC, one hour ago."""
    data = {
        "type": "assault", "severity": "high", "occurred_at": clock.now() - timedelta(hours=1),
        "title": "", "description": "Fight in the corridor.", "unit_id": place.ec.pk,
    }
    data.update(extra)
    return inc.incident_create(actor=actor, **data)


def sexual_assault(actor, place, cast, *, submit=True):
    """A sexual-abuse report: Schibetta victim, Adebisi suspect."""
    incident = draft(actor, place, type="sexual_assault", description="Report of sexual abuse.", involvements=[
        {"kind": "in_custody", "role": "victim", "person": cast.schibetta.inmate_number},
        {"kind": "in_custody", "role": "suspect", "person": cast.adebisi.inmate_number},
    ])
    if submit:
        incident = inc.incident_submit(actor=actor, incident=incident)
    return incident
