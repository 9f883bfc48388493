"""Chapter 8 on the real Oz demo: the contested transfer and the count that finds two men in a tunnel."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import override_settings

from emerald.accounts.models import User
from emerald.audit.verify import verify_chain
from emerald.demo import oz
from emerald.facilities.models import Cell, Facility, Unit
from emerald.housing.models import Placement
from emerald.incidents.models import Incident
from emerald.lockdowns.models import Lockdown
from emerald.movements import demo
from emerald.movements.models import Absence, Alert, Count, Escape, Transfer
from emerald.movements.verify import verify_roll
from emerald.people.models import Person

pytestmark = pytest.mark.django_db
KEYS = {"97A0001": "adebisi", "97A0002": "wangler", "97A0003": "schibetta", "97A0004": "schillinger",
        "97A0005": "said", "97A0006": "hill", "97A0007": "ryan", "97A0008": "alvarez", "97A0009": "elcid"}


def _ctx() -> SimpleNamespace:
    facility = Facility.objects.get(code="OZ")
    return SimpleNamespace(
        facility=facility,
        units={u.code: u for u in Unit.objects.filter(facility=facility)},
        cells={c.code: c for c in Cell.objects.select_related("unit")},
        people={KEYS[p.inmate_number]: p for p in Person.objects.filter(inmate_number__in=KEYS)},
        staff={u.username: u for u in User.objects.all()},
    )


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_chapter_8_on_the_oz_demo():
    assert oz.load().loaded  # the whole story: chapter 8 runs after chapters 1-7 (emerald/demo/chapters.py)
    ctx = _ctx()
    if not Transfer.objects.exists():  # a build whose timeline does not include chapter 8 yet
        demo.load_chapter_8(ctx)
    t = Transfer.objects.get()
    assert (t.ordered_by.username, t.approved_by.username, t.status) == ("metzger", "glynn", "executed")
    assert (t.contested_by.username, t.decided_by.username, t.manager_review) == ("mcmanus", "glynn", "upheld")
    assert Placement.objects.get(person=t.person, end_at__isnull=True).unit.code == "B"

    count = Count.objects.get(kind="scheduled")
    diggers = [e.person for e in Escape.objects.filter(kind="attempt").select_related("person")]
    assert count.status == "cleared" and count.escalated_by.username == "glynn"
    assert Lockdown.objects.get(pk=count.lockdown_id).lifted_at is not None
    alert = Alert.objects.get(count=count)
    assert alert.status == "resolved"
    assert all(p.inmate_number in alert.message for p in diggers)
    for person in diggers:
        person.refresh_from_db()
        assert person.status == "in_custody"  # never left the perimeter: not escaped
        assert Placement.objects.get(person=person, end_at__isnull=True).unit.code == "EC"
    attempts = Escape.objects.filter(kind="attempt")
    assert attempts.count() == 2 and not Escape.objects.filter(kind="escape").exists()
    incident = Incident.objects.get(pk=attempts.first().incident_id)
    assert incident.type == "escape_attempt" and incident.involvements.count() == 2
    assert sorted(Absence.objects.filter(person__in=diggers).values_list("kind", "status")) == [
        ("infirmary", "returned"), ("infirmary", "returned")]
    assert verify_chain().ok
    result = verify_roll(actor=ctx.staff["auditor"], samples=20)
    assert result.ok, result.problem
