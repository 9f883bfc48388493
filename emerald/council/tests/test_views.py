"""Council pages and the unit page's rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from conftest import admit, make_person
from emerald.core import clock

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def now():
    with clock.frozen_at(datetime(2026, 5, 28, 14, 0, tzinfo=UTC)):
        yield


def test_council_pages(users, place):
    admin = users["administrator"]
    admit(admin, make_person(admin, "Said", "Kareem", number="C1"), place.cell("EC-1-01"))
    c = Client()
    c.force_login(users["unit_manager"])
    base = f"/council/{place.ec.pk}/"
    assert c.post(base + "appoint/", {"person": "c1", "role": "chair", "term_end": "2026-11-25"}).status_code == 302
    assert c.post(base + "meeting/", {"held_at": "2026-05-27T19:00", "attendees": "C1", "minutes": "First.",
                                      "decisions": "Quiet hours\nRota"}).status_code == 302
    assert c.post(base + "rules/", {"text": "1. Respect.\n2. No drugs."}).status_code == 302
    page = c.get(base).content.decode()
    assert "Kareem Said" in page and "Quiet hours" in page and "No drugs" in page
    unit_page = c.get(f"/units/{place.ec.pk}/").content.decode()
    assert 'id="unit-rules"' in unit_page and "No drugs" in unit_page
    teacher = Client()
    teacher.force_login(users["educator"])
    assert teacher.get(base).status_code == 200
    assert teacher.post(base + "rules/", {"text": "x"}).status_code == 403
    assert 'id="council"' in teacher.get("/people/C1/").content.decode()
