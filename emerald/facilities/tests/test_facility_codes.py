"""Facility codes ignore case, as inmate numbers do; the API gives each facility's time zone and local date."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from emerald.core import clock
from emerald.core.errors import Invalid
from emerald.core.tests.api_helpers import Api, fast_password_hashing
from emerald.facilities import services as fs
from emerald.facilities.models import Facility

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    fast_password_hashing(settings)


def test_codes_are_one_whatever_the_case(users, place):
    with pytest.raises(Invalid):
        fs.facility_create(actor=users["administrator"], code="oz", name="Another Oz")
    # The database refuses it too, whatever the code does.
    with pytest.raises(IntegrityError), transaction.atomic():
        Facility.objects.create(code="Oz", name="x")
    api = Api(users["unit_manager"])
    assert api.get("/plans/suggest", {"person": "nobody", "facility": "oz"}).status_code in (400, 404)
    officer = Api(users["officer"])
    lower = officer.post("/counts", {"facility": "oz", "kind": "emergency", "reason": "test"})
    assert lower.status_code != 400 or "facility" not in lower.json().get("fields", {}), lower.content


def test_facilities_with_time_zone_and_local_date(users, place):
    # 03:30 UTC on 8 December is still 7 December in New York.
    with clock.frozen_at(datetime(2026, 12, 8, 3, 30, tzinfo=UTC)):
        body = Api(users["officer"]).get("/facilities").json()
    [oz] = body["items"]
    assert body["count"] == 1 and oz["code"] == "OZ" and oz["timezone"] == "America/New_York"
    assert oz["local_date"] == "2026-12-07" and oz["local_time"].startswith("2026-12-07T22:30:00-05:00")
