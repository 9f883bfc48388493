"""`emerald roll verify`: the replay agrees with a consistent history and names the first difference."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from emerald.core import clock
from emerald.housing.models import Placement
from emerald.housing.services import person_release, placement_move
from emerald.movements.services import absence_depart, escape_recapture, escape_record
from emerald.movements.verify import verify_roll
from emerald.people.models import Person

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


def history(w):
    with clock.frozen_at(w.now + H):
        placement_move(actor=w.admin, person=w.people.ann, cell_id=w.place.cell("B-1-02").pk, reason="x")
        absence_depart(actor=w.officer, person=w.people.bob, kind="court", destination="court",
                       expected_back_at=w.now + 5 * H, reason="trial")
    with clock.frozen_at(w.now + 2 * H):
        person_release(actor=w.admin, person=w.people.cid, reason="sentence served")
        escape_record(actor=w.warden, person=w.people.dan, last_seen_at=w.now + H, circumstances="fence")
    with clock.frozen_at(w.now + 3 * H):
        escape_recapture(actor=w.warden, person=w.people.dan, cell_id=w.place.cell("SOL-02").pk,
                         at=w.now + 3 * H, circumstances="caught")


def test_a_consistent_history_verifies(world):
    history(world)
    with clock.frozen_at(world.now + 4 * H):
        result = verify_roll(actor=world.users["auditor"], samples=10)
        assert result.ok, result.problem
        assert result.checked["placements"] == 8
        out = StringIO()
        call_command("roll", "verify", "--samples", "5", stdout=out)
        assert out.getvalue().startswith("OK")


def test_a_tampered_history_names_the_difference(world):
    history(world)
    # Bypass every service: give Eve a second open-ended placement overlapping her real one.
    real = Placement.objects.get(person=world.people.eve, end_at__isnull=True)
    Placement.objects.filter(pk=real.pk).update(end_at=world.now + 2 * H)
    Placement.objects.create(person=world.people.eve, bed=real.bed, cell=real.cell, unit=real.unit, kind="move",
                             start_at=world.now + H, reason="forged", end_at=world.now + 3 * H)
    with clock.frozen_at(world.now + 4 * H):
        result = verify_roll(actor=world.users["auditor"], samples=10)
        assert not result.ok and "two placements at once" in result.problem
        with pytest.raises(SystemExit) as exc:
            call_command("roll", "verify", stdout=StringIO(), stderr=StringIO())
        assert exc.value.code == 1


def test_a_status_that_contradicts_the_history(world):
    Person.objects.filter(pk=world.people.eve.pk).update(status="released")
    with clock.frozen_at(world.now + H):
        result = verify_roll(actor=world.users["auditor"], samples=5)
    assert not result.ok and world.people.eve.inmate_number in result.problem
