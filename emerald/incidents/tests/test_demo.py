"""The demo chapters of incidents and investigations run through the services on a small Oz."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conftest import admit, make_person
from emerald.accounts.models import Role
from emerald.core import clock
from emerald.core.tests.api_helpers import Api
from emerald.facilities import services as fs
from emerald.housing.models import NonAssociation
from emerald.housing.services import non_association_create
from emerald.incidents import demo as incident_demo
from emerald.incidents.models import Incident
from emerald.investigations import demo as case_demo
from emerald.investigations.models import Investigation
from emerald.people.models import PersonStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(users, place):
    admin = users["administrator"]
    with clock.frozen_at(incident_demo.RIOT_AT.replace(year=2025, month=6, day=1)):
        for i in range(1, 11):
            place.cells[f"EC-2-{i:02d}"] = fs.cell_create(actor=admin, unit=place.ec, code=f"EC-2-{i:02d}", beds=2)
        keys = ["adebisi", "wangler", "schibetta", "schillinger", "said", "hill", "ryan", "alvarez"]
        people = {k: make_person(admin, k.title(), "Named", number=f"97A{n:04d}") for n, k in enumerate(keys, 1)}
        cells = iter([place.cell(c) for c in ("EC-1-01", "EC-1-01", "EC-1-02", "EC-1-03", "EC-1-04", "EC-1-04")]
                     + [place.cells[f"EC-2-{i:02d}"] for i in range(1, 11) for _ in range(2)])
        admit(admin, people["adebisi"], next(cells))
        admit(admin, people["wangler"], next(cells))
        admit(admin, people["schibetta"], next(cells))
        admit(admin, people["schillinger"], next(cells))
        admit(admin, people["said"], next(cells))
        admit(admin, people["hill"], next(cells))
        admit(admin, people["ryan"], place.cell("B-1-01"))
        admit(admin, people["alvarez"], place.cell("B-1-02"))
        for n in range(12):
            admit(admin, make_person(admin, f"Bystander{n:02d}", number=f"98B{n:04d}"), next(cells))
        non_association_create(actor=admin, person_a=people["adebisi"], person_b=people["schibetta"], scope="cell",
                               reason="gang_rivalry")
    staff = {"admin": admin, "glynn": users[Role.WARDEN], "mcmanus": users[Role.UNIT_MANAGER],
             "metzger": users[Role.OFFICER], "nathan": users[Role.MEDICAL], "teacher": users[Role.EDUCATOR],
             "investigator": users[Role.INVESTIGATOR], "auditor": users[Role.AUDITOR]}
    return SimpleNamespace(facility=place.facility, units={"EC": place.ec, "B": place.b, "SOL": place.sol},
                           cells=place.cells, people=people, staff=staff)


def test_chapters(ctx, users):
    riot = incident_demo.load_chapter_1(ctx)
    riot_case = case_demo.load_chapter_1(ctx)
    dead = [v.person for v in riot.involvements.filter(kind="in_custody", died=True)]
    assert len(dead) == 6 and all(p.status == PersonStatus.DECEASED for p in dead)
    assert not any(p.placements.filter(end_at__isnull=True).exists() for p in dead)
    assert riot.involvements.filter(kind="staff", died=True).count() == 2
    assert riot_case.people.filter(kind="outside", name="Governor James Devlin").exists()
    assert riot_case.evidence.get().holdings.count() == 3

    daughter = incident_demo.load_chapter_3(ctx)
    unknown_case = case_demo.load_chapter_3(ctx)
    assert daughter.restricted and daughter.involvements.filter(kind="unknown", role="suspect").exists()
    assert unknown_case.statements.get().status == "knows_but_will_not_say"

    poisoning = incident_demo.load_chapter_5(ctx)
    case_demo.load_chapter_5(ctx)
    order = poisoning.proposals.get().order
    assert order.scope == "unit" and order.reason == "victim_perpetrator"
    assert NonAssociation.objects.filter(reason="gang_rivalry", closed_at__isnull=False).count() == 1

    assault = incident_demo.load_chapter_6(ctx)
    plot = case_demo.load_chapter_6(ctx)
    facility_order = assault.proposals.get().order
    # The pair already has an open unit order (the poisoning's): as wide as a report's order, it is kept.
    assert facility_order == order and order.scope == "unit" and order.closed_at is None
    assert plot.intelligence.get().informant_person == ctx.people["said"]

    # The restricted reports and every case are invisible to an officer.
    officer = Api(users["officer"])
    ids = {i["id"] for i in officer.get("/incidents", {"limit": 500}).json()["items"]}
    assert ids == {riot.pk, poisoning.pk}
    assert officer.get("/investigations").json()["count"] == 0
    assert Api(users["investigator"]).get("/investigations").json()["count"] == Investigation.objects.count() == 4
    assert Incident.objects.count() == 4
