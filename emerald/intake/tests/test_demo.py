"""The demo chapters of relations, council, education and intake run through the services on a small Oz."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from conftest import admit, make_person
from emerald.accounts.models import Role
from emerald.core import clock
from emerald.council import demo as council_demo
from emerald.council.models import CouncilMember, UnitRules
from emerald.education import demo as education_demo
from emerald.education.models import Assessment, Enrolment
from emerald.facilities import services as fs
from emerald.intake import demo as intake_demo
from emerald.intake import selectors as intake_selectors
from emerald.intake.models import ReassessmentTask
from emerald.relations import demo as relations_demo
from emerald.relations.models import LeadershipChange, Membership, Relationship

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(users, place):
    admin = users["administrator"]
    with clock.frozen_at(datetime(2025, 5, 1, 12, 0, tzinfo=UTC)):
        for i in range(1, 11):
            place.cells[f"EC-2-{i:02d}"] = fs.cell_create(actor=admin, unit=place.ec, code=f"EC-2-{i:02d}", beds=2)
        keys = ["adebisi", "wangler", "schibetta", "schillinger", "said", "hill", "ryan", "alvarez", "elcid"]
        people = {k: make_person(admin, k.title(), "Named", number=f"97A{n:04d}") for n, k in enumerate(keys, 1)}
        homes = {"adebisi": "EC-1-01", "wangler": "EC-1-01", "schibetta": "EC-1-02", "schillinger": "EC-1-03",
                 "said": "EC-2-01", "hill": "EC-1-04", "ryan": "EC-2-02", "alvarez": "EC-2-03", "elcid": "B-1-01"}
        for key, cell in homes.items():
            admit(admin, people[key], place.cells[cell])
        for n in range(8):
            admit(admin, make_person(admin, f"Resident{n:02d}", number=f"98B{n:04d}"),
                  place.cells[f"EC-2-{4 + n // 2:02d}"])
    staff = {"admin": admin, "glynn": users[Role.WARDEN], "mcmanus": users[Role.UNIT_MANAGER],
             "metzger": users[Role.OFFICER], "nathan": users[Role.MEDICAL], "teacher": users[Role.EDUCATOR],
             "investigator": users[Role.INVESTIGATOR], "auditor": users[Role.AUDITOR]}
    return SimpleNamespace(facility=place.facility, units={"EC": place.ec, "B": place.b, "SOL": place.sol},
                           cells=place.cells, people=people, staff=staff)


def test_chapters(ctx, users):
    groups = relations_demo.load_baseline(ctx)
    assert Membership.objects.get(person=ctx.people["adebisi"], ended_at__isnull=True).role == "leader"
    assert len(groups) == 7

    meeting = council_demo.load_chapter_2(ctx)
    assert CouncilMember.objects.get(role="chair", ended_at__isnull=True).person == ctx.people["said"]
    assert meeting.decisions.count() == 4 and UnitRules.objects.get().version == 1

    ged = education_demo.load_chapter_2(ctx)
    assert Enrolment.objects.filter(course=ged, status="enrolled").count() == 6
    education_demo.load_chapter_3(ctx)
    wangler = Enrolment.objects.get(course=ged, person=ctx.people["wangler"])
    assert [int(a.score) for a in Assessment.objects.filter(enrolment=wangler)] == [41, 48, 57, 66, 74]
    adebisi = Enrolment.objects.get(course=ged, person=ctx.people["adebisi"])
    assert adebisi.status == "enrolled" and adebisi.attendance.filter(status="absent").count() > 8

    intake = intake_demo.load_chapter_7(ctx)
    cyril = intake.person
    assert intake.status == "admitted" and cyril.full_name == "Cyril O'Reily"
    assert intake.placement.unit == ctx.units["EC"]
    assert Relationship.objects.filter(kind="family", person_b=cyril).exists() or Relationship.objects.filter(
        kind="family", person_a=cyril).exists()
    assert intake_selectors.vulnerability_of(actor=users["medical"], person=cyril)["vulnerable"]
    assert ReassessmentTask.objects.filter(person=cyril, trigger="intake").exists()
    # What the intake showed before the cell was chosen (as McManus saw it).
    with clock.frozen_at(datetime(2026, 10, 5, 15, 0, tzinfo=UTC)):
        from emerald.intake.models import Intake

        probe = Intake(person=cyril, facility=ctx.facility)
        preview = intake_selectors.housing_preview(actor=ctx.staff["mcmanus"], intake=probe,
                                                   unit_id=ctx.units["EC"].pk)
    assert [c["person"] for c in preview["connections"]] == [ctx.people["ryan"]]
    ec_groups = {g["group"].name: g["stance"] for g in preview["unit_groups"][0]["groups"]}
    assert ec_groups["Aryan Brotherhood"] == "rival" and ec_groups["Irish"] == "own"

    change = relations_demo.load_chapter_7(ctx)
    assert change.new_leader == ctx.people["elcid"] and LeadershipChange.objects.count() == 1
