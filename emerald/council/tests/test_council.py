"""The unit council: appointments by the unit manager with term and role, meetings, versioned unit rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from conftest import admit, make_person
from emerald.core import clock
from emerald.core.errors import Conflict, Forbidden, Invalid
from emerald.council import selectors, services

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 25, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now():
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def residents(users, place):
    admin = users["administrator"]
    people = {k: make_person(admin, k.title(), number=f"C{n:04d}") for n, k in
              enumerate(["said", "hill", "ryan", "alvarez"], 1)}
    admit(admin, people["said"], place.cell("EC-1-01"))
    admit(admin, people["hill"], place.cell("EC-1-04"))
    admit(admin, people["ryan"], place.cell("EC-1-02"))
    admit(admin, people["alvarez"], place.cell("B-1-01"))
    return people


def test_unit_manager_appoints_with_term_and_role(users, place, residents):
    mcmanus = users["unit_manager"]
    chair = services.council_appoint(actor=mcmanus, unit=place.ec, person=residents["said"], role="chair",
                                     term_end=date(2026, 11, 25))
    assert chair.appointed_by == mcmanus and chair.term_start == date(2026, 5, 25)
    services.council_appoint(actor=mcmanus, unit=place.ec, person=residents["hill"], role="member",
                             term_end=date(2026, 11, 25))
    with pytest.raises(Conflict) as exc:
        services.council_appoint(actor=mcmanus, unit=place.ec, person=residents["ryan"], role="chair",
                                 term_end=date(2026, 11, 25))
    assert exc.value.code == "chair_exists"
    with pytest.raises(Conflict) as exc:
        services.council_appoint(actor=mcmanus, unit=place.ec, person=residents["alvarez"], role="member",
                                 term_end=date(2026, 11, 25))
    assert exc.value.code == "not_in_unit"
    with pytest.raises(Invalid):
        services.council_appoint(actor=mcmanus, unit=place.ec, person=residents["ryan"], role="member",
                                 term_end=date(2026, 5, 1))
    with pytest.raises(Forbidden):
        services.council_appoint(actor=mcmanus, unit=place.b, person=residents["alvarez"], role="member",
                                 term_end=date(2026, 11, 25))
    with pytest.raises(Forbidden):
        services.council_appoint(actor=users["officer"], unit=place.ec, person=residents["ryan"], role="member",
                                 term_end=date(2026, 11, 25))
    ended = services.council_end(actor=mcmanus, member=chair, reason="stepped down")
    assert ended.ended_by == mcmanus
    assert [m.person for m in selectors.members(place.ec)] == [residents["hill"]]
    services.council_appoint(actor=mcmanus, unit=place.ec, person=residents["ryan"], role="chair",
                             term_end=date(2026, 11, 25))


def test_meetings_with_attendees_minutes_and_decisions(users, place, residents):
    mcmanus = users["unit_manager"]
    meeting = services.meeting_record(
        actor=mcmanus, unit=place.ec, held_at=NOW - timedelta(hours=1), minutes="First meeting.",
        attendees=[residents["said"], residents["hill"]], decisions=["Quiet hours from 22:00.", " ", "Rota."],
        staff_present="Tim McManus")
    assert [d.text for d in meeting.decisions.all()] == ["Quiet hours from 22:00.", "Rota."]
    assert set(meeting.attendees.all()) == {residents["said"], residents["hill"]}
    with pytest.raises(Invalid) as exc:
        services.meeting_record(actor=mcmanus, unit=place.ec, held_at=NOW + timedelta(days=1), minutes="",
                                attendees=[])
    assert set(exc.value.fields) == {"held_at", "minutes", "attendees"}


def test_rules_are_versioned_and_the_current_one_is_shown(users, place):
    mcmanus = users["unit_manager"]
    v1 = services.rules_publish(actor=mcmanus, unit=place.ec, text="1. Respect.", summary="first rules")
    v2 = services.rules_publish(actor=mcmanus, unit=place.ec, text="1. Respect.\n2. No drugs.",
                                effective_from=date(2026, 6, 1))
    assert (v1.version, v2.version) == (1, 2)
    assert selectors.current_rules(place.ec) == v1  # v2 waits for its date
    with clock.frozen_at(NOW + timedelta(days=10)):
        assert selectors.current_rules(place.ec) == v2
    assert [r.version for r in selectors.rules_history(place.ec)] == [2, 1]
    with pytest.raises(Forbidden):
        services.rules_publish(actor=mcmanus, unit=place.b, text="x")


def test_everyone_reads_the_council(users, place, residents):
    services.council_appoint(actor=users["warden"], unit=place.ec, person=residents["said"], role="chair",
                             term_end=date(2026, 11, 25))
    for role in users:
        unit = selectors.council_unit(actor=users[role], unit_id=place.ec.pk)
        assert selectors.council_of(actor=users[role], unit=unit)["members"]
        assert selectors.seats_of(actor=users[role], person=residents["said"])
