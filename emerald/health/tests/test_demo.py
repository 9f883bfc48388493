"""The demo chapters of health, legal and discipline run through the services on a small Oz (after the
incident chapters they build on)."""

from __future__ import annotations

import pytest

from emerald.discipline import demo as discipline_demo
from emerald.health import demo as health_demo
from emerald.health.models import CustodyNote, Encounter
from emerald.housing.models import Placement
from emerald.incidents import demo as incident_demo
from emerald.incidents.tests.test_demo import ctx  # noqa: F401
from emerald.legal import demo as legal_demo

pytestmark = pytest.mark.django_db


def test_chapters_4_to_6(ctx):  # noqa: F811
    surgery = health_demo.load_chapter_4(ctx)
    assert surgery.kind == "surgery" and surgery.clinician.username == ctx.staff["nathan"].username
    note = CustodyNote.objects.get(person=ctx.people["ryan"])
    assert note.kinds == ["bottom_bunk", "no_lifting"] and str(note.valid_until) == "2026-08-21"
    assert Encounter.objects.filter(person=ctx.people["ryan"]).count() == 2
    appeal = legal_demo.load_chapter_4(ctx)
    assert appeal.outcome == "appeal_rejected" and str(appeal.outcome_on) == "2026-07-28"
    assert appeal.helpers.filter(person=ctx.people["said"]).exists() and appeal.hearings.count() == 1
    poisoning = incident_demo.load_chapter_5(ctx)
    treatment = health_demo.load_chapter_5(ctx)
    assert treatment.kind == "emergency" and [link.incident_id for link in treatment.incident_links.all()] == [
        poisoning.pk]
    incident_demo.load_chapter_6(ctx)
    charge = discipline_demo.load_chapter_6(ctx)
    assert charge.status == "sanctioned" and charge.finding == "proved" and charge.incident_id == poisoning.pk
    sanction = charge.sanctions.get()
    assert sanction.kind == "segregation" and sanction.days == 30 and sanction.placement is not None
    where = Placement.objects.select_related("unit").get(person=ctx.people["adebisi"], end_at__isnull=True)
    # The report's order is at unit scope: moving the suspect to solitary ends the breach, no override needed.
    assert where.unit.code == "SOL" and not where.override_reason
