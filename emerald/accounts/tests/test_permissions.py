"""Roles: what each role may and may not do, through the services themselves (table-driven)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from conftest import admit
from emerald.accounts.models import Role
from emerald.accounts.permissions import POLICY, allowed, manages_unit
from emerald.accounts.services import user_create
from emerald.audit.models import AuditEntry
from emerald.audit.selectors import audit_list
from emerald.core.errors import Forbidden, NotFound
from emerald.facilities import services as fs
from emerald.housing import services as hs
from emerald.housing.selectors import non_association_list, placement_history, roll
from emerald.people.selectors import person_get
from emerald.people.services import person_create, person_update

pytestmark = pytest.mark.django_db

A, W, M, O, MED, E, I, AU = (r.value for r in Role)  # noqa: E741
ALL = {r.value for r in Role}

# The foundation's policy, written out independently of emerald/accounts/permissions.py.
EXPECTED_POLICY = {
    "unit.view": ALL,
    "unit.create": {A},
    "unit.close": {A, W, M},
    "cell.create": {A},
    "cell.set_service": {A, W, M},
    "person.view": ALL,
    "person.create": {A, W, M, O},
    "person.update": {A, W, M, O},
    "person.admit": {A, W, M, O},
    "person.release": {A, W, M},
    "placement.view": {A, W, M, O, MED, I, AU},
    "placement.move": {A, W, M, O},
    "non_association.view": {A, W, M, O, I, AU},
    "non_association.create": {A, W, M, I},
    "non_association.close": {A, W, M, I},
    "override.keep_apart": {A, W, M},
    "roll.view": {A, W, M, O, I, AU},
    "audit.view": {A, AU},
    "audit.verify": {A, AU},
    "user.manage": {A},
}


def test_policy_table_is_the_foundations():
    for action, roles in EXPECTED_POLICY.items():
        assert {r.value for r in POLICY[action]} == roles, action


def test_deny_by_default():
    class Someone:
        is_authenticated = True
        is_active = True
        role = A

    assert not allowed(Someone(), "no.such.action")
    Someone.role = "janitor"
    assert not allowed(Someone(), "unit.view")
    Someone.role, Someone.is_active = A, False
    assert not allowed(Someone(), "unit.view")
    assert not allowed(None, "unit.view")


class Ctx:
    """Everything the calls below act on, built fresh for each role (and rolled back after)."""

    def __init__(self, users, place, person_factory):
        admin = users[A]
        self.place = place
        self.inside = person_factory("Inside")  # in EC, the unit manager's unit
        admit(admin, self.inside, place.cell("EC-1-01"))
        self.other = person_factory("Other")
        admit(admin, self.other, place.cell("EC-1-02"))
        self.outside = person_factory("Outside")  # not admitted
        self.order = hs.non_association_create(actor=admin, person_a=self.inside, person_b=self.other,
                                               scope="cell", reason="threat")


Call = Callable[[Any, Ctx], Any]

# (name, call, roles allowed, what a refused role gets)
CASES: list[tuple[str, Call, set[str], type]] = [
    ("facility.create", lambda u, c: fs.facility_create(actor=u, code="NEW", name="New"), {A}, Forbidden),
    ("unit.create", lambda u, c: fs.unit_create(actor=u, facility=c.place.facility, code="N", name="N",
                                                kind="intake", security_level="minimum"), {A}, Forbidden),
    ("cell.create", lambda u, c: fs.cell_create(actor=u, unit=c.place.b, code="B-9", beds=1), {A}, Forbidden),
    ("unit.assign_manager", lambda u, c: fs.unit_assign_manager(actor=u, unit=c.place.b, manager=c.manager),
     {A}, Forbidden),
    ("unit.close", lambda u, c: fs.unit_close(actor=u, unit=c.empty_ec(), reason="x"), {A, W, M}, Forbidden),
    ("cell.set_service", lambda u, c: fs.cell_set_service(actor=u, cell=c.place.cell("EC-1-04"), in_service=False,
                                                          reason="x"), {A, W, M}, Forbidden),
    ("person.create", lambda u, c: person_create(actor=u, inmate_number="NEW1", first_name="N", last_name="N",
                                                 sex="male", custody_level="minimum"), {A, W, M, O}, Forbidden),
    ("person.update", lambda u, c: person_update(actor=u, person=c.inside, changes={"first_name": "Changed"}),
     {A, W, M, O}, Forbidden),
    ("person.admit", lambda u, c: hs.person_admit(actor=u, person=c.outside, cell_id=c.place.cell("EC-1-03").pk,
                                                  reason="x"), {A, W, M, O}, Forbidden),
    ("placement.move", lambda u, c: hs.placement_move(actor=u, person=c.inside, cell_id=c.place.cell("EC-1-03").pk,
                                                      reason="x"), {A, W, M, O}, Forbidden),
    ("person.release", lambda u, c: hs.person_release(actor=u, person=c.inside, reason="x"), {A, W, M}, Forbidden),
    ("non_association.create", lambda u, c: hs.non_association_create(
        actor=u, person_a=c.inside, person_b=c.outside, scope="unit", reason="threat"), {A, W, M, I}, Forbidden),
    ("non_association.close", lambda u, c: hs.non_association_close(actor=u, order=c.order, reason="x"),
     {A, W, M, I}, (Forbidden, NotFound)),
    ("user.create", lambda u, c: user_create(actor=u, username="newbie", password="a-long-passphrase-42",
                                             role=O), {A}, Forbidden),
    ("roll.view", lambda u, c: roll(actor=u), {A, W, M, O, I, AU}, Forbidden),
    ("audit.view", lambda u, c: list(audit_list(actor=u)), {A, AU}, Forbidden),
    ("non_association.view", lambda u, c: list(non_association_list(actor=u)), {A, W, M, O, I, AU}, Forbidden),
    ("placement.view", lambda u, c: list(placement_history(actor=u, person=c.inside)),
     {A, W, M, O, MED, I, AU}, NotFound),
    ("person.view", lambda u, c: person_get(actor=u, inmate_number=c.inside.inmate_number), ALL, NotFound),
]


def _empty_ec(ctx: Ctx, admin) -> Any:
    for p in (ctx.inside, ctx.other):
        hs.placement_move(actor=admin, person=p, cell_id=ctx.place.cell(f"B-1-0{1 if p is ctx.inside else 2}").pk,
                          reason="make room")
    return ctx.place.ec


@pytest.mark.parametrize("name,call,roles,refusal", CASES, ids=[c[0] for c in CASES])
def test_role_table(users, place, person_factory, name, call, roles, refusal):
    ctx = Ctx(users, place, person_factory)
    ctx.manager = users[M]
    ctx.empty_ec = lambda: _empty_ec(ctx, users[A])
    for role in sorted(ALL):
        actor = users[role]
        before = AuditEntry.objects.count()
        with transaction.atomic():
            if role in roles:
                call(actor, ctx)
            else:
                with pytest.raises(refusal):
                    call(actor, ctx)
                entry = AuditEntry.objects.latest("seq")
                assert AuditEntry.objects.count() > before
                assert (entry.actor, entry.outcome) == (actor, "denied"), (name, role)
            transaction.set_rollback(True)


def test_non_association_close_hides_orders_from_roles_that_may_not_see_them(users, place, person_factory):
    ctx = Ctx(users, place, person_factory)
    for role in (MED, E):
        with pytest.raises(NotFound):
            hs.non_association_close(actor=users[role], order=ctx.order, reason="x")
    for role in (O, AU):
        with pytest.raises(Forbidden):
            hs.non_association_close(actor=users[role], order=ctx.order, reason="x")


class TestUnitManagerScope:
    def test_manages_only_assigned_units(self, users, place):
        manager = users[M]
        assert manages_unit(manager, place.ec.pk)
        assert not manages_unit(manager, place.b.pk) and not manages_unit(manager, None)
        assert manages_unit(users[W], place.b.pk) and manages_unit(users[A], place.sol.pk)
        assert not manages_unit(users[O], place.ec.pk)

    def test_moves_only_into_or_out_of_their_units(self, users, place, person_factory):
        admin, manager = users[A], users[M]
        p = person_factory("P")
        admit(admin, p, place.cell("B-1-01"))
        with pytest.raises(Forbidden):  # B to SOL: neither is theirs
            hs.placement_move(actor=manager, person=p, cell_id=place.cell("SOL-01").pk, reason="x")
        with pytest.raises(Forbidden):  # within B
            hs.placement_move(actor=manager, person=p, cell_id=place.cell("B-1-02").pk, reason="x")
        hs.placement_move(actor=manager, person=p, cell_id=place.cell("EC-1-01").pk, reason="into EC")
        hs.placement_move(actor=manager, person=p, cell_id=place.cell("EC-1-02").pk, reason="within EC")
        hs.placement_move(actor=manager, person=p, cell_id=place.cell("SOL-01").pk, reason="out of EC")

    def test_admits_only_into_their_units(self, users, place, person_factory):
        manager = users[M]
        p = person_factory("P")
        with pytest.raises(Forbidden):
            admit(manager, p, place.cell("B-1-01"))
        admit(manager, p, place.cell("EC-1-01"))

    def test_releases_only_from_their_units(self, users, place, person_factory):
        admin, manager = users[A], users[M]
        p, q = person_factory("P"), person_factory("Q")
        admit(admin, p, place.cell("B-1-01"))
        admit(admin, q, place.cell("EC-1-01"))
        with pytest.raises(Forbidden):
            hs.person_release(actor=manager, person=p, reason="x")
        hs.person_release(actor=manager, person=q, reason="x")

    def test_closes_and_services_only_their_units(self, users, place):
        manager = users[M]
        with pytest.raises(Forbidden):
            fs.unit_close(actor=manager, unit=place.sol, reason="x")
        with pytest.raises(Forbidden):
            fs.cell_set_service(actor=manager, cell=place.cell("SOL-01"), in_service=False, reason="x")
        fs.unit_close(actor=manager, unit=place.ec, reason="x")

    def test_inactive_staff_may_do_nothing(self, users, place, person_factory):
        officer = users[O]
        officer.is_active = False
        p = person_factory("P")
        with pytest.raises(Forbidden):
            admit(officer, p, place.cell("B-1-01"))
