"""Relationships, groups, rivalries, memberships, leadership changes and the group warnings."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from conftest import admit, make_person
from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.core.errors import Conflict, Forbidden, Invalid, NotFound
from emerald.housing.models import NonAssociation
from emerald.planning.loader import load_facility
from emerald.relations import selectors, services
from emerald.relations.models import LeadershipChange, Membership

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 10, 5, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now():
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def cast(users, place):
    admin = users["administrator"]
    people = {k: make_person(admin, k.title(), number=f"R{n:04d}") for n, k in enumerate(
        ["adebisi", "wangler", "schibetta", "schillinger", "said", "ryan", "cyril", "alvarez", "elcid"], 1)}
    admit(admin, people["adebisi"], place.cell("EC-1-01"))
    admit(admin, people["wangler"], place.cell("EC-1-01"))
    admit(admin, people["schibetta"], place.cell("EC-1-02"))
    admit(admin, people["schillinger"], place.cell("EC-1-03"))
    admit(admin, people["said"], place.cell("B-1-01"))
    admit(admin, people["ryan"], place.cell("EC-1-04"))
    admit(admin, people["alvarez"], place.cell("B-1-02"))
    admit(admin, people["elcid"], place.cell("B-1-02"))
    return people


def grading(**extra):
    return {"source": "intelligence report", "source_reliability": "B", "information_credibility": "2", **extra}


@pytest.fixture
def groups(users, cast):
    admin = users["administrator"]
    g = {name: services.group_create(actor=admin, name=name) for name in
         ("Homeboys", "Wiseguys", "Aryan Brotherhood", "Muslims", "Irish", "Latinos")}
    for a, b in (("Homeboys", "Wiseguys"), ("Aryan Brotherhood", "Muslims"), ("Aryan Brotherhood", "Homeboys"),
                 ("Latinos", "Homeboys"), ("Aryan Brotherhood", "Irish")):
        services.rivalry_create(actor=admin, group_a=g[a], group_b=g[b], source="staff observation",
                                since=date(2025, 6, 1))
    for person, group, role in (("adebisi", "Homeboys", "leader"), ("wangler", "Homeboys", "member"),
                                ("schibetta", "Wiseguys", "leader"), ("schillinger", "Aryan Brotherhood", "leader"),
                                ("said", "Muslims", "leader"), ("ryan", "Irish", "member"),
                                ("alvarez", "Latinos", "member"), ("elcid", "Latinos", "member")):
        services.membership_create(actor=admin, person=cast[person], group=g[group], role=role,
                                   since=date(2025, 6, 1), **grading())
    return g


def test_relationship_with_source_and_date_and_one_open_per_kind(users, cast):
    officer = users["officer"]
    rel = services.relationship_create(actor=officer, person_a=cast["cyril"], person_b=cast["ryan"], kind="family",
                                       source="self-reported at intake", known_since=date(2026, 10, 5),
                                       detail="brother")
    assert rel.person_a_id < rel.person_b_id and rel.kind == "family" and rel.source
    with pytest.raises(Conflict) as exc:
        services.relationship_create(actor=officer, person_a=cast["ryan"], person_b=cast["cyril"], kind="family",
                                     source="again")
    assert exc.value.code == "already_exists"
    with pytest.raises(Invalid) as exc:
        services.relationship_create(actor=officer, person_a=cast["ryan"], person_b=cast["ryan"], kind="friend",
                                     source="")
    assert set(exc.value.fields) == {"person_b", "kind", "source"}
    with pytest.raises(Invalid):
        services.relationship_create(actor=officer, person_a=cast["ryan"], person_b=cast["cyril"], kind="associate",
                                     source="x", known_since=date(2027, 1, 1))
    ended = services.relationship_end(actor=users["warden"], relationship=rel, reason="recorded in error")
    assert ended.ended_by == users["warden"] and ended.end_reason
    assert AuditEntry.objects.filter(action="relationship.create", summary__contains="R0006").exists()


def test_enemy_becomes_keep_apart_order_in_one_step(users, cast):
    rel = services.relationship_create(actor=users["officer"], person_a=cast["said"], person_b=cast["schillinger"],
                                       kind="enemy", source="threats overheard")
    order = services.relationship_keep_apart(actor=users["warden"], relationship=rel, scope="unit")
    rel.refresh_from_db()
    assert rel.keep_apart == order and order.reason == "threat" and order.scope == "unit"
    assert NonAssociation.objects.filter(pk=order.pk, closed_at__isnull=True).exists()
    with pytest.raises(Conflict) as exc:
        services.relationship_keep_apart(actor=users["warden"], relationship=rel)
    assert exc.value.code == "already_exists"
    family = services.relationship_create(actor=users["officer"], person_a=cast["said"], person_b=cast["ryan"],
                                          kind="associate", source="x")
    with pytest.raises(Conflict) as exc:
        services.relationship_keep_apart(actor=users["warden"], relationship=family)
    assert exc.value.code == "not_enemy"


def test_officers_cannot_make_the_order_and_nothing_is_written(users, cast):
    rel = services.relationship_create(actor=users["officer"], person_a=cast["said"], person_b=cast["schillinger"],
                                       kind="enemy", source="threats overheard")
    with pytest.raises(Forbidden):
        services.relationship_keep_apart(actor=users["officer"], relationship=rel)
    assert not NonAssociation.objects.exists()
    rel.refresh_from_db()
    assert rel.keep_apart is None


def test_educators_and_medical_never_see_security_data(users, cast, groups):
    for role in ("educator", "medical"):
        with pytest.raises(Forbidden):
            selectors.group_list(actor=users[role])
        with pytest.raises(NotFound):
            selectors.group_get(actor=users[role], group_id=groups["Irish"].pk)
        with pytest.raises(Forbidden):
            selectors.relationships_of(actor=users[role], person=cast["ryan"])
        assert selectors.placement_warnings(actor=users[role], person=cast["adebisi"],
                                            cell=cast["schibetta"].placements.get().cell) == []
        with pytest.raises(Forbidden):
            services.membership_create(actor=users[role], person=cast["cyril"], group=groups["Irish"],
                                       role="member", **grading())


def test_memberships_over_time_one_leader_and_leadership_change(users, groups, cast):
    latinos = groups["Latinos"]
    with pytest.raises(Conflict) as exc:
        services.membership_create(actor=users["investigator"], person=cast["elcid"], group=latinos,
                                   role="member", **grading())
    assert exc.value.code == "already_exists"
    with pytest.raises(Conflict) as exc:
        services.membership_create(actor=users["administrator"], person=cast["cyril"], group=groups["Homeboys"],
                                   role="leader", **grading())
    assert exc.value.code == "leader_exists"
    with pytest.raises(Invalid) as exc:
        services.membership_create(actor=users["administrator"], person=cast["cyril"], group=latinos,
                                   role="boss", source="", source_reliability="Z", information_credibility="9")
    assert set(exc.value.fields) == {"role", "source", "source_reliability", "information_credibility"}
    change = services.leadership_change(actor=users["investigator"], group=latinos, new_leader=cast["elcid"],
                                        reason="took over after the old leader's transfer", **grading())
    assert change.previous_leader is None and change.new_leader == cast["elcid"]
    rows = list(Membership.objects.filter(person=cast["elcid"], group=latinos).order_by("id"))
    assert [(m.role, m.ended_at is not None) for m in rows] == [("member", True), ("leader", False)]
    change2 = services.leadership_change(actor=users["investigator"], group=latinos, new_leader=cast["alvarez"],
                                         reason="El Cid lost the vote", **grading())
    assert change2.previous_leader == cast["elcid"]
    assert Membership.objects.get(person=cast["elcid"], group=latinos, ended_at__isnull=True).role == "member"
    assert LeadershipChange.objects.filter(group=latinos).count() == 2
    with pytest.raises(Conflict) as exc:
        services.leadership_change(actor=users["investigator"], group=latinos, new_leader=cast["alvarez"],
                                   reason="again", **grading())
    assert exc.value.code == "unchanged"


def test_unit_manager_records_only_for_people_in_own_units(users, groups, cast):
    manager = users["unit_manager"]  # manages EC
    with pytest.raises(Forbidden):
        services.membership_create(actor=manager, person=cast["cyril"], group=groups["Irish"], role="associate",
                                   **grading())  # Cyril is not housed at all
    m = services.membership_create(actor=manager, person=cast["ryan"], group=groups["Wiseguys"],
                                   role="associate", **grading())
    assert m.role == "associate"
    with pytest.raises(Forbidden):
        services.relationship_create(actor=manager, person_a=cast["said"], person_b=cast["alvarez"],
                                     kind="associate", source="x")  # both in B


def test_warning_for_rival_members_in_a_cell_and_rival_leaders_in_a_unit(users, groups, cast, place):
    admin = users["administrator"]
    # Schibetta (Wiseguys leader) into Adebisi's unit: rival leaders in one unit.
    warnings = selectors.placement_warnings(actor=admin, person=cast["schibetta"], cell=place.cell("EC-1-04"))
    kinds = {(w.kind, w.other.pk) for w in warnings}
    assert ("rival_leader_in_unit", cast["adebisi"].pk) in kinds
    # Wangler (Homeboys member) next to Schillinger (Aryan leader): rival members in a cell.
    warnings = selectors.placement_warnings(actor=admin, person=cast["wangler"], cell=place.cell("EC-1-03"))
    assert [(w.kind, w.other.pk) for w in warnings] == [("rival_in_cell", cast["schillinger"].pk)]
    assert "rival group Aryan Brotherhood" in warnings[0].sentence()
    # Not a rival: no warning. A member (not a leader) in a unit with a rival leader: no warning.
    assert selectors.placement_warnings(actor=admin, person=cast["alvarez"], cell=place.cell("EC-1-03")) == []
    assert selectors.placement_warnings(actor=admin, person=cast["alvarez"], cell=place.cell("EC-1-04")) == []


def test_a_warning_never_refuses_the_move(users, groups, cast, place):
    from emerald.housing.services import placement_move

    placement = placement_move(actor=users["warden"], person=cast["wangler"], cell_id=place.cell("EC-1-03").pk,
                               reason="test")
    assert placement.cell.code == "EC-1-03"


def test_members_per_unit_and_the_optimiser_learns_groups(users, groups, cast, place):
    by_unit = selectors.members_by_unit(groups["Latinos"])
    assert [(e["unit"].code, len(e["members"])) for e in by_unit] == [("B", 2)]
    inst = load_facility(place.facility)
    assert inst.people[cast["adebisi"].pk].groups == (("Homeboys", "leader"),)
    assert frozenset({"Homeboys", "Wiseguys"}) in inst.rivalries


def test_rivalries_are_ended_not_deleted(users, groups):
    r = selectors.group_rivalries(groups["Irish"])[0]
    ended = services.rivalry_end(actor=users["investigator"], rivalry=r, reason="truce")
    assert ended.ended_at and ended.end_reason == "truce"
    assert selectors.group_rivalries(groups["Irish"]) == []
    with pytest.raises(Conflict):
        services.rivalry_end(actor=users["investigator"], rivalry=r, reason="again")
    with pytest.raises(Forbidden):
        services.rivalry_create(actor=users["officer"], group_a=groups["Irish"], group_b=groups["Latinos"],
                                source="x")
