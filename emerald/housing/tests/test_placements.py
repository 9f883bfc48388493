"""Placements: the housing history is never overwritten, beds are never shared, the roll can look back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from conftest import admit
from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.core.errors import Conflict, Forbidden, Invalid
from emerald.housing.models import Placement
from emerald.housing.selectors import current_placement, placement_history, roll
from emerald.housing.services import person_admit, person_release, placement_move

pytestmark = pytest.mark.django_db
T0 = datetime(2025, 7, 14, 22, 0, tzinfo=UTC)


class TestMoves:
    def test_a_move_closes_the_old_placement_and_opens_a_new_one(self, users, place, person_factory):
        admin, officer = users["administrator"], users["officer"]
        p = person_factory("Adebisi", "Simon")
        with clock.frozen_at(T0):
            first = admit(admin, p, place.cell("B-1-01"), reason="committed")
        with clock.frozen_at(T0 + timedelta(hours=4)):
            second = placement_move(actor=officer, person=p, cell_id=place.cell("EC-1-02").pk, reason="re-housing")
        first.refresh_from_db()
        assert (first.start_at, first.end_at, first.end_reason, first.ended_by) == (
            T0, T0 + timedelta(hours=4), "re-housing", officer)
        assert (first.cell.code, first.reason, first.kind) == ("B-1-01", "committed", "admission")
        assert (second.cell.code, second.unit, second.start_at, second.end_at, second.kind, second.ordered_by) == (
            "EC-1-02", place.ec, T0 + timedelta(hours=4), None, "move", officer)
        assert second.bed.cell == second.cell
        assert current_placement(p) == second
        history = list(placement_history(actor=officer, person=p))
        assert history == [second, first]  # newest first, nothing overwritten

    def test_a_move_leaves_no_gap_in_the_history(self, users, place, person_factory):
        """With the real clock running, the old placement ends exactly when the new one starts, so the roll
        never shows the person nowhere (nor in two places)."""
        admin = users["administrator"]
        p = person_factory("A")
        first = admit(admin, p, place.cell("B-1-01"))
        second = placement_move(actor=admin, person=p, cell_id=place.cell("B-1-02").pk, reason="x")
        first.refresh_from_db()
        assert first.end_at == second.start_at
        r = roll(actor=admin, at=second.start_at)
        assert r["total"] == 1

    def test_a_refused_move_changes_nothing(self, users, place, person_factory):
        admin = users["administrator"]
        a, b, c = person_factory("A"), person_factory("B"), person_factory("C")
        admit(admin, a, place.cell("B-1-01"))
        admit(admin, b, place.cell("EC-1-01"))
        admit(admin, c, place.cell("EC-1-01"))
        before = list(Placement.objects.order_by("id").values())
        with pytest.raises(Conflict) as exc:
            placement_move(actor=admin, person=a, cell_id=place.cell("EC-1-01").pk, reason="x")
        assert exc.value.code == "cell_full"
        # The old placement was closed inside the refused transaction; the rollback reopened it.
        assert list(Placement.objects.order_by("id").values()) == before

    def test_move_to_the_same_cell_is_400(self, users, place, person_factory):
        p = person_factory("A")
        admit(users["administrator"], p, place.cell("B-1-01"))
        with pytest.raises(Invalid) as exc:
            placement_move(actor=users["officer"], person=p, cell_id=place.cell("B-1-01").pk, reason="x")
        assert "cell_id" in exc.value.fields

    @pytest.mark.parametrize("cell_id", [None, "abc", 999999])
    def test_unknown_cell_is_400(self, users, place, person_factory, cell_id):
        p = person_factory("A")
        with pytest.raises(Invalid) as exc:
            person_admit(actor=users["officer"], person=p, cell_id=cell_id, reason="x")
        assert "cell_id" in exc.value.fields
        assert not Placement.objects.exists()

    def test_reason_is_required(self, users, place, person_factory):
        p = person_factory("A")
        with pytest.raises(Invalid):
            admit(users["officer"], p, place.cell("B-1-01"), reason="  ")
        admit(users["officer"], p, place.cell("B-1-01"))
        with pytest.raises(Invalid):
            placement_move(actor=users["officer"], person=p, cell_id=place.cell("B-1-02").pk, reason="")

    def test_release_closes_the_placement(self, users, place, person_factory, frozen_now):
        admin = users["administrator"]
        p = person_factory("A")
        placement = admit(admin, p, place.cell("B-1-01"))
        person_release(actor=admin, person=p, reason="paroled")
        placement.refresh_from_db()
        assert (placement.end_at, placement.end_reason, placement.ended_by) == (frozen_now, "paroled", admin)
        assert current_placement(p) is None

    def test_free_bed_is_reused(self, users, place, person_factory):
        admin = users["administrator"]
        a, b, c = person_factory("A"), person_factory("B"), person_factory("C")
        cell = place.cell("B-1-01")
        pa = admit(admin, a, cell)
        pb = admit(admin, b, cell)
        assert (pa.bed.number, pb.bed.number) == (1, 2)
        placement_move(actor=admin, person=a, cell_id=place.cell("B-1-02").pk, reason="x")
        assert admit(admin, c, cell).bed.number == 1


class TestDatabaseInvariants:
    """What the database refuses even when code bypasses the services."""

    def _raw(self, person, bed, **extra):
        return Placement.objects.create(person=person, bed=bed, cell=bed.cell, unit=bed.cell.unit, kind="move",
                                        start_at=extra.pop("start_at", clock.now()), reason="raw insert", **extra)

    def test_one_open_placement_per_person(self, users, place, person_factory):
        p = person_factory("A")
        admit(users["administrator"], p, place.cell("B-1-01"))
        bed = place.cell("B-1-02").beds.first()
        with pytest.raises(IntegrityError), transaction.atomic():
            self._raw(p, bed)
        # A closed placement is history and does not count.
        self._raw(p, bed, start_at=clock.now() - timedelta(days=2), end_at=clock.now() - timedelta(days=1))

    def test_one_open_placement_per_bed(self, users, place, person_factory):
        a, b = person_factory("A"), person_factory("B")
        placement = admit(users["administrator"], a, place.cell("SOL-01"))
        with pytest.raises(IntegrityError), transaction.atomic():
            self._raw(b, placement.bed)

    def test_placement_cannot_end_before_it_starts(self, users, place, person_factory):
        p = person_factory("A")
        bed = place.cell("B-1-01").beds.first()
        with pytest.raises(IntegrityError), transaction.atomic():
            self._raw(p, bed, end_at=clock.now() - timedelta(seconds=1))

    def test_placement_needs_a_reason(self, users, place, person_factory):
        p = person_factory("A")
        bed = place.cell("B-1-01").beds.first()
        with pytest.raises(IntegrityError), transaction.atomic():
            Placement.objects.create(person=p, bed=bed, cell=bed.cell, unit=bed.cell.unit, kind="move",
                                     start_at=clock.now(), reason="")

    def test_a_race_caught_by_the_database_is_a_409_not_a_500(self, users, place, person_factory, monkeypatch):
        """If the service checks are ever fooled (a race), the database's answer becomes a clean Conflict."""
        from emerald.housing import rules

        admin = users["administrator"]
        a, b = person_factory("A"), person_factory("B")
        admit(admin, a, place.cell("SOL-01"))
        taken = place.cell("SOL-01").beds.first()
        # Fool the service's bed check into offering the taken bed.
        monkeypatch.setattr(rules, "free_beds_of", lambda cells: {c.pk: [taken] for c in cells})
        with pytest.raises(Conflict) as exc:
            admit(admin, b, place.cell("SOL-01"))
        assert exc.value.code == "conflict" and exc.value.status == 409
        assert Placement.objects.filter(person=b).count() == 0
        entry = AuditEntry.objects.latest("seq")
        assert (entry.action, entry.outcome, entry.changes["error"]) == ("person.admit", "refused", "conflict")


class TestRoll:
    def _units(self, r):
        return {u["code"]: u["people"] for f in r["facilities"] for u in f["units"]}

    def test_roll_as_of_any_past_moment(self, users, place, person_factory):
        admin, officer = users["administrator"], users["officer"]
        a, b, c = person_factory("A"), person_factory("B"), person_factory("C")
        na, nb, nc = a.inmate_number, b.inmate_number, c.inmate_number
        steps = [
            (lambda: admit(admin, a, place.cell("B-1-01"))),
            (lambda: admit(admin, b, place.cell("B-1-02"))),
            (lambda: placement_move(actor=officer, person=a, cell_id=place.cell("EC-1-01").pk, reason="x")),
            (lambda: admit(admin, c, place.cell("SOL-01"))),
            (lambda: placement_move(actor=officer, person=b, cell_id=place.cell("EC-1-01").pk, reason="x")),
            (lambda: person_release(actor=admin, person=a, reason="x")),
            (lambda: placement_move(actor=officer, person=c, cell_id=place.cell("B-1-04").pk, reason="x")),
        ]
        expected = [
            {"EC": [], "B": [na], "SOL": []},
            {"EC": [], "B": sorted([na, nb]), "SOL": []},
            {"EC": [na], "B": [nb], "SOL": []},
            {"EC": [na], "B": [nb], "SOL": [nc]},
            {"EC": sorted([na, nb]), "B": [], "SOL": [nc]},
            {"EC": [nb], "B": [], "SOL": [nc]},
            {"EC": [nb], "B": [nc], "SOL": []},
        ]
        times = [T0 + timedelta(minutes=10 * i) for i in range(len(steps))]
        for t, step in zip(times, steps, strict=True):
            with clock.frozen_at(t):
                step()
        with clock.frozen_at(T0 + timedelta(days=1)):
            assert self._units(roll(actor=officer, at=T0 - timedelta(seconds=1))) == {"EC": [], "B": [], "SOL": []}
            for t, want in zip(times, expected, strict=True):
                r = roll(actor=officer, at=t)
                assert self._units(r) == want, t
                assert r["total"] == sum(len(v) for v in want.values())
                assert r["at"] == t
                # Just before the next step, nothing has changed yet.
                assert self._units(roll(actor=officer, at=t + timedelta(minutes=9, seconds=59))) == want
            assert self._units(roll(actor=officer)) == expected[-1]

    def test_roll_counts_capacity_and_needs_permission(self, users, place, person_factory):
        admit(users["administrator"], person_factory("A"), place.cell("B-1-01"))
        r = roll(actor=users["officer"])
        (oz,) = r["facilities"]
        assert oz["code"] == "OZ"
        assert {u["code"]: (u["capacity"], u["occupied"]) for u in oz["units"]} == {
            "EC": (8, 0), "B": (8, 1), "SOL": (2, 0)}
        with pytest.raises(Forbidden):
            roll(actor=users["medical"])
        assert AuditEntry.objects.latest("seq").outcome == "denied"
