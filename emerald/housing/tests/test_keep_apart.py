"""Keep-apart (non-association) orders: scopes, conflicts, overrides, expiry, closing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from conftest import admit
from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.core.errors import Conflict, Forbidden, Invalid, NotFound
from emerald.housing.models import NonAssociation, Placement
from emerald.housing.selectors import non_association_list
from emerald.housing.services import non_association_close, non_association_create, placement_move

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def order(actor, a, b, scope="cell", reason="gang_rivalry", **extra):
    return non_association_create(actor=actor, person_a=a, person_b=b, scope=scope, reason=reason, **extra)


@pytest.fixture
def pair(users, place, person_factory):
    """Adebisi in B-1-01; Schibetta created but not yet admitted."""
    adebisi, schibetta = person_factory("Adebisi", "Simon"), person_factory("Schibetta", "Peter")
    admit(users["administrator"], adebisi, place.cell("B-1-01"))
    return adebisi, schibetta


class TestCreate:
    def test_two_different_people(self, users, pair):
        a, _ = pair
        with pytest.raises(Invalid) as exc:
            order(users["warden"], a, a)
        assert "person_b" in exc.value.fields
        assert not NonAssociation.objects.exists()

    @pytest.mark.parametrize("field,kwargs", [
        ("scope", {"scope": "galaxy"}), ("reason", {"reason": "dislike"}),
    ])
    def test_invalid_choices(self, users, pair, field, kwargs):
        with pytest.raises(Invalid) as exc:
            order(users["warden"], *pair, **kwargs)
        assert field in exc.value.fields

    def test_expiry_must_be_in_the_future(self, users, pair, frozen_now):
        with pytest.raises(Invalid) as exc:
            order(users["warden"], *pair, expires_at=frozen_now)
        assert "expires_at" in exc.value.fields

    def test_expiry_without_a_time_zone_is_400(self, users, pair):
        with pytest.raises(Invalid) as exc:
            order(users["warden"], *pair, expires_at=datetime(2099, 1, 1))
        assert "expires_at" in exc.value.fields

    def test_pair_is_stored_in_a_fixed_order(self, users, pair):
        a, b = pair
        o = order(users["warden"], b, a)
        assert o.person_a_id < o.person_b_id
        assert {o.person_a_id, o.person_b_id} == {a.pk, b.pk}
        entry = AuditEntry.objects.filter(action="non_association.create").latest("seq")
        assert entry.summary == f"ordered {o.person_a.inmate_number} and {o.person_b.inmate_number} kept apart (cell, gang_rivalry)"

    def test_at_most_one_open_order_per_pair(self, users, pair):
        a, b = pair
        first = order(users["warden"], a, b)
        with pytest.raises(Conflict) as exc:
            order(users["investigator"], b, a, scope="facility", reason="threat")
        assert exc.value.code == "already_exists" and exc.value.status == 409
        assert exc.value.extra["non_association_id"] == first.pk
        non_association_close(actor=users["warden"], order=first, reason="superseded")
        second = order(users["warden"], a, b, scope="facility")
        assert NonAssociation.objects.count() == 2 and second.pk != first.pk

    def test_database_allows_one_open_order_per_pair(self, users, pair):
        a, b = pair
        first = order(users["warden"], a, b)
        with pytest.raises(IntegrityError), transaction.atomic():
            NonAssociation.objects.create(person_a=first.person_a, person_b=first.person_b, scope="unit",
                                          reason="threat", created_by=users["warden"], created_at=clock.now())

    def test_database_refuses_an_unordered_pair_and_a_half_closed_order(self, users, pair):
        lo, hi = sorted(pair, key=lambda p: p.pk)
        warden = users["warden"]
        with pytest.raises(IntegrityError), transaction.atomic():
            NonAssociation.objects.create(person_a=hi, person_b=lo, scope="cell", reason="threat",
                                          created_by=warden, created_at=clock.now())
        with pytest.raises(IntegrityError), transaction.atomic():
            NonAssociation.objects.create(person_a=lo, person_b=hi, scope="cell", reason="threat",
                                          created_by=warden, created_at=clock.now(), closed_at=clock.now())

    @pytest.mark.parametrize("scope,cell,where", [
        ("cell", "B-1-01", "B-1-01"), ("unit", "B-1-02", "B"), ("facility", "EC-1-01", "OZ"),
        ("cell", "B-1-02", ""), ("unit", "EC-1-01", ""),
    ])
    def test_order_for_people_together_now_says_where(self, users, place, pair, scope, cell, where):
        a, b = pair
        admit(users["administrator"], b, place.cell(cell))
        o = order(users["warden"], a, b, scope=scope)
        assert o.currently_violated_where == where
        entry = AuditEntry.objects.filter(action="non_association.create").latest("seq")
        assert entry.changes["currently_violated"] is bool(where)
        assert (f"they are together now in {where}" in entry.summary) is bool(where)


class TestEnforcement:
    @pytest.mark.parametrize("scope,blocked,allowed", [
        ("cell", "B-1-01", "B-1-02"),
        ("unit", "B-1-02", "EC-1-01"),
        ("facility", "EC-1-01", None),
    ])
    def test_scope_is_enforced_on_admission(self, users, place, pair, scope, blocked, allowed):
        a, b = pair
        o = order(users["warden"], a, b, scope=scope)
        with pytest.raises(Conflict) as exc:
            admit(users["officer"], b, place.cell(blocked))
        assert exc.value.code == "keep_apart"
        (conflict,) = exc.value.extra["conflicts"]
        assert conflict["non_association_id"] == o.pk
        assert conflict["other"] == {"inmate_number": a.inmate_number, "name": "Simon Adebisi", "hidden": False}
        assert (conflict["scope"], conflict["reason"]) == (scope, "gang_rivalry")
        assert "Simon Adebisi" in exc.value.detail
        assert not Placement.objects.filter(person=b).exists()
        if allowed:
            admit(users["officer"], b, place.cell(allowed))

    @pytest.mark.parametrize("scope,blocked,allowed", [
        ("cell", "B-1-01", "B-1-02"),
        ("unit", "B-1-02", "EC-1-01"),
        ("facility", "EC-1-01", None),
    ])
    def test_scope_is_enforced_on_moves(self, users, place, person_factory, scope, blocked, allowed):
        admin = users["administrator"]
        a = person_factory("Adebisi", "Simon")
        admit(admin, a, place.cell("B-1-01"))
        # The other one starts in another facility, so even a facility order lets them in.
        from emerald.facilities import services as fs

        far = fs.facility_create(actor=admin, code="LB", name="Lardner")
        far_unit = fs.unit_create(actor=admin, facility=far, code="LB-A", name="A", kind="general_population",
                                  security_level="medium")
        far_cell = fs.cell_create(actor=admin, unit=far_unit, code="LB-A-1", beds=1)
        b = person_factory("Schibetta", "Peter")
        admit(admin, b, far_cell)
        order(users["warden"], a, b, scope=scope)
        with pytest.raises(Conflict) as exc:
            placement_move(actor=users["officer"], person=b, cell_id=place.cell(blocked).pk, reason="x")
        assert exc.value.code == "keep_apart"
        assert Placement.objects.get(person=b, end_at__isnull=True).cell == far_cell
        if allowed:
            placement_move(actor=users["officer"], person=b, cell_id=place.cell(allowed).pk, reason="x")

    def test_every_conflict_is_listed(self, users, place, person_factory):
        admin = users["administrator"]
        x, y, z = person_factory("X"), person_factory("Y"), person_factory("Z")
        admit(admin, x, place.cell("B-1-01"))
        admit(admin, y, place.cell("B-1-02"))
        order(admin, z, x, scope="cell", reason="threat")
        order(admin, z, y, scope="unit", reason="witness")
        with pytest.raises(Conflict) as exc:
            admit(admin, z, place.cell("B-1-01"))
        got = {(c["other"]["inmate_number"], c["scope"], c["reason"], c["where"]) for c in exc.value.extra["conflicts"]}
        assert got == {(x.inmate_number, "cell", "threat", "B-1-01"), (y.inmate_number, "unit", "witness", "B")}

    def test_expired_order_no_longer_blocks(self, users, place, pair):
        a, b = pair
        with clock.frozen_at(T0):
            order(users["warden"], a, b, expires_at=T0 + timedelta(days=7))
        with clock.frozen_at(T0 + timedelta(days=7) - timedelta(seconds=1)):
            with pytest.raises(Conflict):
                admit(users["officer"], b, place.cell("B-1-01"))
            assert non_association_list(actor=users["officer"]).count() == 1
        with clock.frozen_at(T0 + timedelta(days=7)):
            admit(users["officer"], b, place.cell("B-1-01"))
            assert non_association_list(actor=users["officer"]).count() == 0
            assert non_association_list(actor=users["officer"], include_closed=True).count() == 1
            # A new order may replace the expired one; the expired one is closed on the record.
            new = order(users["warden"], a, b, scope="unit")
            assert new.currently_violated_where == "B"
        old = NonAssociation.objects.exclude(pk=new.pk).get()
        assert old.closed_at == T0 + timedelta(days=7) and old.closed_by == users["warden"]
        assert "expired" in old.close_reason

    def test_release_and_readmission_keep_the_order(self, users, place, pair):
        a, b = pair
        order(users["warden"], a, b, scope="unit")
        from emerald.housing.services import person_release

        person_release(actor=users["warden"], person=a, reason="court")
        admit(users["officer"], b, place.cell("B-1-02"))
        with pytest.raises(Conflict) as exc:
            admit(users["officer"], a, place.cell("B-1-03"))
        assert exc.value.code == "keep_apart"


class TestClose:
    def test_closed_with_who_why_when_and_never_deleted(self, users, place, pair):
        a, b = pair
        o = order(users["warden"], a, b)
        with clock.frozen_at(T0):
            closed = non_association_close(actor=users["investigator"], order=o, reason="resolved in mediation")
        assert (closed.closed_at, closed.closed_by, closed.close_reason) == (
            T0, users["investigator"], "resolved in mediation")
        assert NonAssociation.objects.filter(pk=o.pk).exists()
        entry = AuditEntry.objects.filter(action="non_association.close").latest("seq")
        assert entry.summary == (f"closed keep-apart order between {closed.person_a.inmate_number} and "
                                 f"{closed.person_b.inmate_number}: resolved in mediation")
        admit(users["officer"], b, place.cell("B-1-01"))  # no longer blocks
        with pytest.raises(Conflict) as exc:
            non_association_close(actor=users["warden"], order=o, reason="again")
        assert exc.value.code == "already_closed"

    def test_there_is_no_delete_service(self):
        from emerald.housing import services

        assert not [name for name in dir(services) if "delete" in name or "remove" in name]

    def test_close_needs_a_reason(self, users, pair):
        o = order(users["warden"], *pair)
        with pytest.raises(Invalid):
            non_association_close(actor=users["warden"], order=o, reason=" ")

    def test_who_may_close(self, users, place, pair, person_factory):
        a, b = pair
        o = order(users["warden"], a, b)
        for role in ("medical", "educator"):
            with pytest.raises(NotFound):
                non_association_close(actor=users[role], order=o, reason="x")
        for role in ("officer", "auditor"):
            with pytest.raises(Forbidden):
                non_association_close(actor=users[role], order=o, reason="x")
        # The unit manager manages EC; both people are in B (or not placed).
        with pytest.raises(Forbidden):
            non_association_close(actor=users["unit_manager"], order=o, reason="x")
        admit(users["administrator"], b, place.cell("EC-1-01"))
        non_association_close(actor=users["unit_manager"], order=o, reason="x")
        outcomes = list(AuditEntry.objects.filter(action="non_association.close").order_by("seq")
                        .values_list("outcome", flat=True))
        assert outcomes == ["denied"] * 5 + ["success"]


class TestOverride:
    @pytest.fixture
    def kept_apart(self, users, place, person_factory):
        admin = users["administrator"]
        a, b = person_factory("Adebisi", "Simon"), person_factory("Schibetta", "Peter")
        admit(admin, a, place.cell("EC-1-01"))
        admit(admin, b, place.cell("B-1-01"))
        o = order(admin, a, b, scope="cell")
        return a, b, o

    def test_officers_never_override(self, users, place, kept_apart):
        a, b, o = kept_apart
        with pytest.raises(Forbidden) as exc:
            placement_move(actor=users["officer"], person=b, cell_id=place.cell("EC-1-01").pk, reason="x",
                           override_reason="trust me")
        assert exc.value.status == 403
        entry = AuditEntry.objects.latest("seq")
        assert (entry.actor, entry.action, entry.outcome) == (users["officer"], "placement.move", "denied")

    def test_unit_manager_overrides_into_their_unit(self, users, place, kept_apart):
        a, b, o = kept_apart
        manager = users["unit_manager"]
        p = placement_move(actor=manager, person=b, cell_id=place.cell("EC-1-01").pk, reason="bed space",
                           override_reason="under constant watch")
        assert p.override_reason == "under constant watch" and p.ordered_by == manager
        entry = AuditEntry.objects.filter(action="placement.move", outcome="success").latest("seq")
        assert entry.changes == {"cell": ["B-1-01", "EC-1-01"], "reason": "bed space",
                                 "override_reason": "under constant watch", "overridden_orders": [o.pk]}
        assert entry.summary == f"moved {b.inmate_number} from B-1-01 to EC-1-01 overriding a keep-apart order"

    def test_unit_manager_overrides_out_of_their_unit(self, users, place, kept_apart):
        a, b, o = kept_apart
        # a (in EC, managed) goes to B-1-01 where b is: out of the manager's unit.
        p = placement_move(actor=users["unit_manager"], person=a, cell_id=place.cell("B-1-01").pk, reason="x",
                           override_reason="watched")
        assert p.override_reason == "watched"

    def test_unit_manager_cannot_override_elsewhere(self, users, place, person_factory):
        admin, manager = users["administrator"], users["unit_manager"]
        a, b = person_factory("A"), person_factory("B")
        admit(admin, a, place.cell("B-1-01"))
        admit(admin, b, place.cell("SOL-01"))
        order(admin, a, b, scope="cell")
        with pytest.raises(Forbidden):  # neither B nor SOL is theirs: not even a plain move
            placement_move(actor=manager, person=b, cell_id=place.cell("B-1-01").pk, reason="x",
                           override_reason="y")
        with pytest.raises(Forbidden):
            placement_move(actor=manager, person=b, cell_id=place.cell("B-1-02").pk, reason="x")

    @pytest.mark.parametrize("role", ["warden", "administrator"])
    def test_wardens_and_administrators_override_anywhere(self, users, place, kept_apart, role):
        a, b, o = kept_apart
        placement_move(actor=users[role], person=a, cell_id=place.cell("B-1-01").pk, reason="x",
                       override_reason="court order")
        assert Placement.objects.get(person=a, end_at__isnull=True).override_reason == "court order"

    def test_override_on_admission(self, users, place, person_factory):
        admin = users["administrator"]
        a, b = person_factory("A"), person_factory("B")
        admit(admin, a, place.cell("B-1-01"))
        o = order(admin, a, b, scope="facility")
        from emerald.housing.services import person_admit

        p = person_admit(actor=users["warden"], person=b, cell_id=place.cell("SOL-01").pk, reason="arrival",
                         override_reason="only secure bed")
        assert p.override_reason == "only secure bed"
        entry = AuditEntry.objects.filter(action="person.admit", outcome="success").latest("seq")
        assert entry.changes["overridden_orders"] == [o.pk]
        assert entry.summary.endswith("overriding a keep-apart order")

    def test_override_reason_without_a_conflict_is_not_recorded(self, users, place, kept_apart):
        a, b, o = kept_apart
        p = placement_move(actor=users["warden"], person=b, cell_id=place.cell("B-1-02").pk, reason="x",
                           override_reason="just in case")
        assert p.override_reason == ""
        entry = AuditEntry.objects.filter(action="placement.move", outcome="success").latest("seq")
        assert "override_reason" not in entry.changes
