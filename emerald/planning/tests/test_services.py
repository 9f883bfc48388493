"""The Django glue: loading a facility, suggestions, plans as previews, acceptance through the move service."""

from __future__ import annotations

import pytest

from conftest import admit
from emerald.audit.models import AuditEntry
from emerald.audit.verify import verify_chain
from emerald.core.errors import Conflict, Forbidden
from emerald.facilities.services import unit_close
from emerald.housing.models import Placement
from emerald.housing.services import non_association_create, placement_move
from emerald.planning import loader
from emerald.planning.engine import validate
from emerald.planning.models import ItemStatus, PlanStatus
from emerald.planning.selectors import plan_diff, suggest_cells
from emerald.planning.services import plan_accept, plan_create, plan_reject


def cell_of(person) -> str:
    return Placement.objects.get(person=person, end_at__isnull=True).cell.code


@pytest.mark.django_db
def test_loader_builds_a_valid_instance(users, place, person_factory):
    admin = users["administrator"]
    a, b = person_factory("Adebisi"), person_factory("Said")
    admit(admin, a, place.cell("EC-1-01"))
    admit(admin, b, place.cell("B-1-01"))
    non_association_create(actor=admin, person_a=a, person_b=b, scope="unit", reason="threat")
    inst = loader.load_facility(place.facility, movable_unit_ids=[place.ec.pk])
    assert len(inst.cells) == 10 and len(inst.people) == 2 and len(inst.orders) == 1
    assert inst.people[a.pk].movable and not inst.people[b.pk].movable
    assert validate(inst, {a.pk: (inst.people[a.pk].cell, inst.people[a.pk].bed)}).ok


@pytest.mark.django_db
def test_suggest_cells_ranks_safe_cells_with_reasons(users, place, person_factory):
    admin = users["administrator"]
    enemy, me = person_factory("Schillinger"), person_factory("Beecher")
    admit(admin, enemy, place.cell("EC-1-01"))
    non_association_create(actor=admin, person_a=enemy, person_b=me, scope="cell", reason="threat")
    found = suggest_cells(me, place.facility, limit=20, actor=users["warden"])
    codes = [c["cell"] for c in found["cells"]]
    assert codes and "EC-1-01" not in codes
    assert not any(c.startswith("SOL") for c in codes)  # segregation is never suggested
    assert [c["cost"] for c in found["cells"]] == sorted(c["cost"] for c in found["cells"])
    assert all(c["reasons"] for c in found["cells"])
    assert any("keep-apart" in r for r in found["cells"][0]["reasons"])
    # Medical staff may not see keep-apart orders: the reason that reveals one is left out.
    hidden = suggest_cells(me, place.facility, actor=users["medical"])
    assert not any("keep-apart" in r for c in hidden["cells"] for r in c["reasons"])


@pytest.mark.django_db
def test_no_safe_cell_says_why(users, place, person_factory):
    me = person_factory("Alone")
    provider = lambda ids: {me.pk: {"needs_single": True}}  # noqa: E731
    loader.register_traits(provider)
    try:
        found = suggest_cells(me, place.facility, actor=users["warden"])
    finally:
        loader._traits.remove(provider)
    assert found["cells"] == []
    assert "single-occupancy" in found["none_reason"] and "segregation" in found["none_reason"]


@pytest.mark.django_db
def test_a_plan_moves_nothing_until_accepted_then_moves_through_the_service(users, place, person_factory):
    admin, warden = users["administrator"], users["warden"]
    a, b = person_factory("Adebisi"), person_factory("Schibetta")
    admit(admin, a, place.cell("EC-1-01"))
    admit(admin, b, place.cell("EC-1-01"))
    non_association_create(actor=admin, person_a=a, person_b=b, scope="cell", reason="gang_rivalry")
    plan = plan_create(actor=warden, facility=place.facility, unit_ids=[place.ec.pk], time_limit=1)
    assert plan.status == PlanStatus.PREVIEW and plan.hard_violations == 0
    items = list(plan.items.all())
    assert len(items) == 1 and items[0].status == ItemStatus.PROPOSED
    assert cell_of(a) == cell_of(b) == "EC-1-01"  # nothing moved
    diff = plan_diff(actor=warden, plan=plan)
    assert diff["items"][0]["reasons"]
    plan_accept(actor=warden, plan=plan, reason="after the fight")
    assert cell_of(a) != cell_of(b)
    item = plan.items.get()
    assert item.status == ItemStatus.ACCEPTED and item.decided_by == warden and item.placement is not None
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DONE
    move = AuditEntry.objects.get(action="placement.move")
    assert f"housing plan #{plan.pk}" in move.changes["reason"]
    assert AuditEntry.objects.filter(action="plan.accept", object_id=str(plan.pk)).exists()
    assert AuditEntry.objects.filter(action="plan.create", object_id=str(plan.pk)).exists()
    assert verify_chain().ok
    with pytest.raises(Conflict):
        plan_accept(actor=warden, plan=plan)


@pytest.mark.django_db
def test_emptying_a_unit_then_closing_it(users, place, person_factory):
    admin, manager = users["administrator"], users["unit_manager"]
    people = [person_factory(f"Resident{i}") for i in range(3)]
    for p, code in zip(people, ["EC-1-01", "EC-1-01", "EC-1-02"], strict=True):
        admit(admin, p, place.cell(code))
    plan = plan_create(actor=manager, facility=place.facility, unit_ids=[place.ec.pk], empty=True, time_limit=1)
    assert plan.items.count() == 3 and not plan.unplaced
    assert {i.to_cell.unit.code for i in plan.items.select_related("to_cell__unit")} == {"B"}
    plan_accept(actor=manager, plan=plan)
    assert all(cell_of(p).startswith("B-") for p in people)
    unit_close(actor=manager, unit=place.ec, reason="riot damage")


@pytest.mark.django_db
def test_a_stale_batch_is_refused_whole(users, place, person_factory):
    admin, warden = users["administrator"], users["warden"]
    people = [person_factory(f"Resident{i}") for i in range(2)]
    for p in people:
        admit(admin, p, place.cell("EC-1-01"))
    plan = plan_create(actor=warden, facility=place.facility, unit_ids=[place.ec.pk], empty=True, time_limit=1)
    assert plan.items.count() == 2
    placement_move(actor=admin, person=people[0], cell_id=place.cell("EC-1-03").pk, reason="by hand")
    with pytest.raises(Conflict) as exc:
        plan_accept(actor=warden, plan=plan)
    assert exc.value.code == "plan_stale"
    assert cell_of(people[1]) == "EC-1-01"  # the other move of the batch did not happen either
    assert plan.items.filter(status=ItemStatus.PROPOSED).count() == 2
    plan_reject(actor=warden, plan=plan, reason="overtaken by events")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DONE


@pytest.mark.django_db
def test_arrivals_are_admitted_and_the_unplaced_reported(users, place, person_factory):
    warden = users["warden"]
    arrivals = [person_factory(f"New{i}") for i in range(17)]  # 16 beds outside segregation
    plan = plan_create(actor=warden, facility=place.facility, arrivals=arrivals, time_limit=1)
    assert plan.items.count() == 16 and len(plan.unplaced) == 1
    assert "full" in plan.unplaced[0]["reasons"]
    assert "No safe cell" in plan_diff(actor=warden, plan=plan)["unplaced"][0]["reason"]
    first = plan.items.order_by("id")[:2]
    plan_accept(actor=warden, plan=plan, item_ids=[i.pk for i in first])
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PARTLY_ACCEPTED
    assert Placement.objects.filter(end_at__isnull=True).count() == 2


@pytest.mark.django_db
def test_who_may_plan(users, place, person_factory):
    admit(users["administrator"], person_factory("X"), place.cell("B-1-01"))
    with pytest.raises(Forbidden):
        plan_create(actor=users["officer"], facility=place.facility, unit_ids=[place.b.pk], time_limit=1)
    with pytest.raises(Forbidden):  # manages EC, not B
        plan_create(actor=users["unit_manager"], facility=place.facility, unit_ids=[place.b.pk], time_limit=1)
    assert AuditEntry.objects.filter(action="plan.create", outcome="denied").count() == 2


@pytest.mark.django_db
def test_a_swap_is_carried_out_with_a_staging_move(users, place, person_factory):
    from emerald.core import clock
    from emerald.planning.models import Plan, PlanItem

    admin, warden = users["administrator"], users["warden"]
    a, b = person_factory("Left"), person_factory("Right")
    admit(admin, a, place.cell("SOL-01"))
    admit(admin, b, place.cell("SOL-02"))
    plan = Plan.objects.create(facility=place.facility, created_by=warden, created_at=clock.now())
    PlanItem.objects.create(plan=plan, person=a, from_cell=place.cell("SOL-01"), to_cell=place.cell("SOL-02"))
    PlanItem.objects.create(plan=plan, person=b, from_cell=place.cell("SOL-02"), to_cell=place.cell("SOL-01"))
    plan_accept(actor=warden, plan=plan)
    assert (cell_of(a), cell_of(b)) == ("SOL-02", "SOL-01")
    assert AuditEntry.objects.filter(action="placement.move").count() == 3
    assert "1 staging" in AuditEntry.objects.get(action="plan.accept").summary


def _hand_plan(warden, place, moves):
    """A plan made by hand: ``moves`` is [(person, to cell code, to bed number or None)], in item order."""
    from emerald.core import clock
    from emerald.facilities.models import Bed
    from emerald.planning.models import Plan, PlanItem

    plan = Plan.objects.create(facility=place.facility, created_by=warden, created_at=clock.now())
    for person, code, number in moves:
        here = Placement.objects.filter(person=person, end_at__isnull=True).first()
        PlanItem.objects.create(plan=plan, person=person, from_cell=here.cell if here else None,
                                to_cell=place.cell(code),
                                to_bed=Bed.objects.get(cell=place.cell(code), number=number) if number else None)
    return plan


def bed_of(person) -> tuple[str, int]:
    p = Placement.objects.select_related("cell", "bed").get(person=person, end_at__isnull=True)
    return p.cell.code, p.bed.number


@pytest.mark.django_db
def test_accepted_moves_land_in_the_planned_bed(users, place, person_factory):
    admin, warden = users["administrator"], users["warden"]
    a, arrival = person_factory("Upper"), person_factory("Newcomer")
    admit(admin, a, place.cell("B-1-01"))
    plan = _hand_plan(warden, place, [(a, "EC-1-02", 2), (arrival, "EC-1-03", 2)])
    plan_accept(actor=warden, plan=plan)
    assert bed_of(a) == ("EC-1-02", 2) and bed_of(arrival) == ("EC-1-03", 2)
    assert AuditEntry.objects.get(action="plan.accept").changes["in_planned_bed"] == 2


@pytest.mark.django_db
def test_a_taken_planned_bed_falls_back_to_another_bed_of_the_cell(users, place, person_factory):
    admin, warden = users["administrator"], users["warden"]
    a, late = person_factory("Planned"), person_factory("Late")
    admit(admin, a, place.cell("B-1-01"))
    plan = _hand_plan(warden, place, [(a, "EC-1-02", 2)])
    from emerald.facilities.models import Bed
    from emerald.housing.services import person_admit

    person_admit(actor=admin, person=late, cell_id=place.cell("EC-1-02").pk, reason="arrived after the plan",
                 bed=Bed.objects.get(cell=place.cell("EC-1-02"), number=2))
    plan_accept(actor=warden, plan=plan)
    assert bed_of(a) == ("EC-1-02", 1)


@pytest.mark.django_db
def test_a_move_waits_for_its_planned_bed_to_be_vacated_by_the_batch(users, place, person_factory):
    admin, warden = users["administrator"], users["warden"]
    a, c = person_factory("Incoming"), person_factory("Leaving")
    admit(admin, a, place.cell("B-1-01"))
    from emerald.facilities.models import Bed
    from emerald.housing.services import person_admit

    person_admit(actor=admin, person=c, cell_id=place.cell("EC-1-03").pk, reason="court",
                 bed=Bed.objects.get(cell=place.cell("EC-1-03"), number=2))
    # a comes first, but their bed is c's: a waits until c has left rather than take bed 1.
    plan = _hand_plan(warden, place, [(a, "EC-1-03", 2), (c, "B-1-02", 1)])
    plan_accept(actor=warden, plan=plan)
    assert bed_of(a) == ("EC-1-03", 2) and bed_of(c) == ("B-1-02", 1)


@pytest.mark.django_db
def test_a_computed_plan_is_carried_out_bed_for_bed(users, place, person_factory):
    warden = users["warden"]
    arrivals = [person_factory(f"New{i}") for i in range(5)]
    plan = plan_create(actor=warden, facility=place.facility, arrivals=arrivals, time_limit=1)
    plan_accept(actor=warden, plan=plan)
    items = list(plan.items.select_related("placement"))
    assert items and all(i.to_bed_id and i.placement.bed_id == i.to_bed_id for i in items)


@pytest.mark.django_db
def test_deciding_a_decided_item_is_a_conflict(users, place, person_factory):
    warden = users["warden"]
    arrivals = [person_factory(f"New{i}") for i in range(3)]
    plan = plan_create(actor=warden, facility=place.facility, arrivals=arrivals, time_limit=1)
    first, second, third = plan.items.order_by("id")
    plan_reject(actor=warden, plan=plan, item_ids=[first.pk], reason="not this one")
    first.refresh_from_db()
    assert (first.status, first.decided_by, first.decision_reason) == (ItemStatus.REJECTED, warden, "not this one")
    with pytest.raises(Conflict) as exc:
        plan_accept(actor=warden, plan=plan, item_ids=[first.pk, second.pk])
    assert exc.value.code == "already_decided" and exc.value.extra["item_ids"] == [first.pk]
    assert AuditEntry.objects.filter(action="plan.accept", outcome="refused").exists()
    from emerald.core.errors import Invalid

    with pytest.raises(Invalid):  # not an item of this plan: bad input
        plan_accept(actor=warden, plan=plan, item_ids=[third.pk + 1000])
    with pytest.raises(Invalid):  # rejecting needs a reason
        plan_reject(actor=warden, plan=plan, item_ids=[second.pk], reason="  ")
    plan_accept(actor=warden, plan=plan, item_ids=[second.pk], reason="bed space")
    second.refresh_from_db()
    assert second.status == ItemStatus.ACCEPTED and second.decision_reason == "bed space"


@pytest.mark.django_db
def test_weights_are_checked(users, place, person_factory):
    from emerald.core.errors import Invalid

    arrival = person_factory("New")
    for bad in ({"move": -1}, {"nonsense": 3}, {"move": 2.5}, {"move": True}, {"move": 10**9}):
        with pytest.raises(Invalid) as exc:
            plan_create(actor=users["warden"], facility=place.facility, arrivals=[arrival], weights=bad)
        assert "weights" in exc.value.fields
    plan = plan_create(actor=users["warden"], facility=place.facility, arrivals=[arrival], weights={"move": 3},
                       time_limit=1)
    assert plan.weights["move"] == 3
