"""The council API: appoint, meetings, rules; the unit manager's scope."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conftest import admit, make_person
from emerald.core import clock
from emerald.core.tests.api_helpers import Api

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def now():
    with clock.frozen_at(datetime(2026, 5, 27, 23, 0, tzinfo=UTC)):
        yield


def test_council_through_the_api(users, place):
    admin = users["administrator"]
    admit(admin, make_person(admin, "Said", number="C1"), place.cell("EC-1-01"))
    admit(admin, make_person(admin, "Other", number="C2"), place.cell("B-1-01"))
    mcmanus = Api(users["unit_manager"])
    r = mcmanus.post(f"/council/{place.ec.pk}/members", {"person": "C1", "role": "chair", "term_end": "2026-11-25"})
    assert r.status_code == 201 and r.json()["appointed_by"] == users["unit_manager"].username
    assert mcmanus.post(f"/council/{place.ec.pk}/members",
                        {"person": "C2", "role": "member", "term_end": "2026-11-25"}).json()["error"] == "not_in_unit"
    assert mcmanus.post(f"/council/{place.b.pk}/members",
                        {"person": "C2", "role": "member", "term_end": "2026-11-25"}).status_code == 403
    m = mcmanus.post(f"/council/{place.ec.pk}/meetings", {"held_at": "2026-05-27T23:00:00Z", "minutes": "First.",
                                                          "attendees": ["C1"], "decisions": ["Quiet hours"]})
    assert m.status_code == 201 and m.json()["decisions"] == ["Quiet hours"]
    r = mcmanus.post(f"/council/{place.ec.pk}/rules", {"text": "1. Respect.", "meeting_id": m.json()["id"]})
    assert r.status_code == 201 and r.json()["version"] == 1
    council = Api(users["educator"]).get(f"/council/{place.ec.pk}").json()
    assert council["rules"]["version"] == 1 and council["members"][0]["role"] == "chair"
    assert Api(users["officer"]).post(f"/council/{place.ec.pk}/rules", {"text": "x"}).status_code == 403
