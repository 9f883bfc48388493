"""Facility, unit and cell rules: closing, reopening, service, capacity."""

from __future__ import annotations

import pytest

from conftest import admit
from emerald.audit.models import AuditEntry
from emerald.core.errors import Conflict, Forbidden, Invalid
from emerald.facilities import services as fs
from emerald.facilities.models import CellServiceChange, UnitStatus, UnitStatusChange
from emerald.facilities.selectors import cell_rows, unit_list
from emerald.housing.services import placement_move

pytestmark = pytest.mark.django_db


def _last(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).order_by("-seq").first()


class TestUnitClose:
    def test_unit_with_people_cannot_be_closed(self, users, place, person_factory):
        admit(users["administrator"], person_factory("Adebisi"), place.cell("B-1-01"))
        with pytest.raises(Conflict) as exc:
            fs.unit_close(actor=users["warden"], unit=place.b, reason="renovation")
        assert exc.value.code == "unit_occupied"
        assert exc.value.status == 409
        place.b.refresh_from_db()
        assert place.b.status == UnitStatus.OPEN
        assert not UnitStatusChange.objects.filter(unit=place.b).exists()
        refusal = _last("unit.close")
        assert refusal.outcome == "refused" and refusal.changes["error"] == "unit_occupied"

    @pytest.mark.parametrize("reason", ["", "   ", None])
    def test_closing_needs_a_reason(self, users, place, reason):
        with pytest.raises(Invalid) as exc:
            fs.unit_close(actor=users["warden"], unit=place.b, reason=reason)
        assert exc.value.status == 400 and "reason" in exc.value.fields
        place.b.refresh_from_db()
        assert place.b.status == UnitStatus.OPEN

    def test_reopening_needs_a_reason(self, users, place):
        fs.unit_close(actor=users["warden"], unit=place.b, reason="riot damage")
        with pytest.raises(Invalid) as exc:
            fs.unit_reopen(actor=users["warden"], unit=place.b, reason=" ")
        assert "reason" in exc.value.fields
        place.b.refresh_from_db()
        assert place.b.status == UnitStatus.CLOSED

    def test_close_and_reopen_are_recorded(self, users, place, frozen_now):
        warden = users["warden"]
        fs.unit_close(actor=warden, unit=place.b, reason="riot damage")
        fs.unit_reopen(actor=warden, unit=place.b, reason="repairs done")
        changes = list(UnitStatusChange.objects.filter(unit=place.b).order_by("id"))
        assert [(c.from_status, c.to_status, c.reason, c.changed_by, c.changed_at) for c in changes] == [
            ("open", "closed", "riot damage", warden, frozen_now),
            ("closed", "open", "repairs done", warden, frozen_now),
        ]
        close, reopen = _last("unit.close"), _last("unit.reopen")
        assert close.actor == warden and close.object_id == str(place.b.pk)
        assert close.changes == {"status": ["open", "closed"], "reason": "riot damage"}
        assert "B" in close.summary and "riot damage" in close.summary
        assert reopen.changes == {"status": ["closed", "open"], "reason": "repairs done"}

    def test_closing_twice_and_reopening_an_open_unit_are_refused(self, users, place):
        with pytest.raises(Conflict) as exc:
            fs.unit_reopen(actor=users["warden"], unit=place.b, reason="x")
        assert exc.value.code == "not_closed"
        fs.unit_close(actor=users["warden"], unit=place.b, reason="x")
        with pytest.raises(Conflict) as exc:
            fs.unit_close(actor=users["warden"], unit=place.b, reason="x")
        assert exc.value.code == "already_closed"

    def test_closing_with_a_stale_unit_object_still_sees_the_truth(self, users, place):
        stale = type(place.b).objects.get(pk=place.b.pk)
        fs.unit_close(actor=users["warden"], unit=place.b, reason="x")
        with pytest.raises(Conflict) as exc:
            fs.unit_close(actor=users["warden"], unit=stale, reason="again")
        assert exc.value.code == "already_closed"
        assert UnitStatusChange.objects.filter(unit=place.b).count() == 1

    def test_closed_unit_refuses_admissions_and_moves(self, users, place, person_factory):
        admin = users["administrator"]
        fs.unit_close(actor=admin, unit=place.b, reason="flooded")
        p = person_factory("Hill")
        with pytest.raises(Conflict) as exc:
            admit(admin, p, place.cell("B-1-02"))
        assert exc.value.code == "cell_unavailable"
        admit(admin, p, place.cell("EC-1-01"))
        with pytest.raises(Conflict) as exc:
            placement_move(actor=admin, person=p, cell_id=place.cell("B-1-02").pk, reason="x")
        assert exc.value.code == "cell_unavailable"
        fs.unit_reopen(actor=admin, unit=place.b, reason="dry again")
        placement_move(actor=admin, person=p, cell_id=place.cell("B-1-02").pk, reason="x")

    def test_unit_manager_closes_only_their_units(self, users, place):
        manager = users["unit_manager"]  # manages EC only
        with pytest.raises(Forbidden):
            fs.unit_close(actor=manager, unit=place.b, reason="x")
        assert _last("unit.close").outcome == "denied"
        fs.unit_close(actor=manager, unit=place.ec, reason="x")
        with pytest.raises(Forbidden):
            fs.unit_reopen(actor=users["officer"], unit=place.ec, reason="x")
        fs.unit_reopen(actor=manager, unit=place.ec, reason="x")


class TestCellService:
    def test_out_of_service_cell_refuses_people(self, users, place, person_factory):
        admin = users["administrator"]
        cell = place.cell("B-1-03")
        fs.cell_set_service(actor=admin, cell=cell, in_service=False, reason="broken toilet")
        p = person_factory("Said")
        with pytest.raises(Conflict) as exc:
            admit(admin, p, cell)
        assert exc.value.code == "cell_unavailable"
        assert "broken toilet" in exc.value.detail
        admit(admin, p, place.cell("B-1-01"))
        with pytest.raises(Conflict) as exc:
            placement_move(actor=admin, person=p, cell_id=cell.pk, reason="x")
        assert exc.value.code == "cell_unavailable"

    def test_occupied_cell_cannot_be_taken_out_of_service(self, users, place, person_factory):
        admin = users["administrator"]
        admit(admin, person_factory("Ryan"), place.cell("B-1-03"))
        with pytest.raises(Conflict) as exc:
            fs.cell_set_service(actor=admin, cell=place.cell("B-1-03"), in_service=False, reason="x")
        assert exc.value.code == "cell_occupied"
        assert not CellServiceChange.objects.exists()

    def test_service_changes_need_a_reason_and_are_recorded(self, users, place, frozen_now):
        warden, cell = users["warden"], place.cell("B-1-04")
        with pytest.raises(Invalid):
            fs.cell_set_service(actor=warden, cell=cell, in_service=False, reason="")
        fs.cell_set_service(actor=warden, cell=cell, in_service=False, reason="mould")
        cell.refresh_from_db()
        assert not cell.in_service and cell.out_of_service_reason == "mould"
        fs.cell_set_service(actor=warden, cell=cell, in_service=True, reason="cleaned")
        cell.refresh_from_db()
        assert cell.in_service and cell.out_of_service_reason == ""
        assert [(c.in_service, c.reason, c.changed_by) for c in CellServiceChange.objects.order_by("id")] == [
            (False, "mould", warden), (True, "cleaned", warden)]
        entry = _last("cell.set_service")
        assert entry.summary == "returned cell B-1-04 to service: cleaned"
        with pytest.raises(Conflict) as exc:
            fs.cell_set_service(actor=warden, cell=cell, in_service=True, reason="again")
        assert exc.value.code == "unchanged"

    def test_unit_manager_sets_service_only_in_their_units(self, users, place):
        manager = users["unit_manager"]
        with pytest.raises(Forbidden):
            fs.cell_set_service(actor=manager, cell=place.cell("B-1-01"), in_service=False, reason="x")
        fs.cell_set_service(actor=manager, cell=place.cell("EC-1-01"), in_service=False, reason="x")

    def test_out_of_service_cell_counts_no_capacity(self, users, place):
        fs.cell_set_service(actor=users["administrator"], cell=place.cell("B-1-01"), in_service=False, reason="x")
        b = next(u for u in unit_list(actor=users["officer"]) if u.code == "B")
        assert b.capacity == 6 and b.certified == 6


class TestCapacity:
    def test_single_occupancy_cell_holds_one(self, users, place, person_factory):
        admin = users["administrator"]
        admit(admin, person_factory("Schillinger"), place.cell("SOL-01"))
        with pytest.raises(Conflict) as exc:
            admit(admin, person_factory("Beecher"), place.cell("SOL-01"))
        assert exc.value.code == "cell_full"

    def test_single_occupancy_cell_must_have_one_bed(self, users, place):
        with pytest.raises(Invalid) as exc:
            fs.cell_create(actor=users["administrator"], unit=place.sol, code="SOL-03", beds=2, single_occupancy=True)
        assert "beds" in exc.value.fields

    def test_two_bed_cell_fills_up(self, users, place, person_factory):
        admin = users["administrator"]
        cell = place.cell("B-1-01")
        admit(admin, person_factory("A"), cell)
        admit(admin, person_factory("B"), cell)
        with pytest.raises(Conflict) as exc:
            admit(admin, person_factory("C"), cell)
        assert exc.value.code == "cell_full"

    def test_certified_capacity_vs_beds(self, users, place, person_factory):
        """A cell may hold more beds than it is certified for: the roll shows the excess as over-certified."""
        admin = users["administrator"]
        cell = fs.cell_create(actor=admin, unit=place.b, code="B-2-01", beds=3, certified_capacity=1)
        assert cell.certified_capacity == 1 and cell.beds.count() == 3
        for name in ("A", "B", "C"):
            admit(admin, person_factory(name), cell)
        b = next(u for u in unit_list(actor=admin) if u.code == "B")
        assert (b.capacity, b.certified, b.occupied, b.free, b.over_certified) == (11, 9, 3, 8, 0)
        for code in ("B-1-01", "B-1-02", "B-1-03", "B-1-04"):
            fs.cell_set_service(actor=admin, cell=place.cell(code), in_service=False, reason="x")
        b = next(u for u in unit_list(actor=admin) if u.code == "B")
        assert (b.capacity, b.certified, b.occupied, b.free, b.over_certified) == (3, 1, 3, 0, 2)
        (row,) = cell_rows(actor=admin, cells=[cell])
        assert row.capacity == 3 and row.free == 0 and row.over_certified

    def test_bad_cell_input(self, users, place):
        admin = users["administrator"]
        with pytest.raises(Invalid):
            fs.cell_create(actor=admin, unit=place.b, code="B-9", beds=0)
        with pytest.raises(Invalid):
            fs.cell_create(actor=admin, unit=place.b, code="B-9", beds=1, certified_capacity=-1)
        with pytest.raises(Invalid):
            fs.cell_create(actor=admin, unit=place.b, code="B-1-01", beds=1)

    def test_beds_are_numbered_with_bunks(self, users, place):
        beds = list(place.cell("B-1-01").beds.order_by("number").values_list("number", "bunk"))
        assert beds == [(1, "lower"), (2, "upper")]
        assert list(place.cell("SOL-01").beds.values_list("number", "bunk")) == [(1, "single")]


class TestBoardWarnings:
    """The unit board marks occupants whose keep-apart order is broken where they are now."""

    def _warnings(self, actor, unit):
        from emerald.facilities.selectors import unit_board

        _, rows = unit_board(actor=actor, unit_id=unit.pk)
        return {o.number: o.keep_apart for row in rows for o in row.occupants}

    @pytest.mark.parametrize("scope,cell_b,warned", [
        ("cell", "EC-1-01", True), ("cell", "EC-1-02", False),
        ("unit", "EC-1-02", True), ("unit", "B-1-01", False),
        ("facility", "B-1-01", True),  # the other one is on another unit's board, still the same facility
    ])
    def test_broken_orders_are_marked(self, users, place, person_factory, scope, cell_b, warned):
        from emerald.housing.services import non_association_create

        admin = users["administrator"]
        a, b = person_factory("Adebisi", "Simon"), person_factory("Schibetta", "Peter")
        admit(admin, a, place.cell("EC-1-01"))
        admit(admin, b, place.cell(cell_b))
        non_association_create(actor=admin, person_a=a, person_b=b, scope=scope, reason="threat")
        marks = self._warnings(users["officer"], place.ec)
        assert marks[a.inmate_number] == ([f"Peter Schibetta ({scope})"] if warned else [])
        if cell_b.startswith("EC"):
            assert marks[b.inmate_number] == ([f"Simon Adebisi ({scope})"] if warned else [])
        # Medical staff may not see keep-apart orders: no marks for them.
        assert all(m == [] for m in self._warnings(users["medical"], place.ec).values())

    def test_closed_or_expired_orders_are_not_marked(self, users, place, person_factory):
        from datetime import timedelta

        from emerald.core import clock
        from emerald.housing.services import non_association_close, non_association_create

        admin = users["administrator"]
        a, b, c = person_factory("A"), person_factory("B"), person_factory("C")
        admit(admin, a, place.cell("EC-1-01"))
        admit(admin, b, place.cell("EC-1-01"))
        admit(admin, c, place.cell("EC-1-02"))
        order = non_association_create(actor=admin, person_a=a, person_b=b, scope="cell", reason="threat")
        non_association_close(actor=admin, order=order, reason="resolved")
        non_association_create(actor=admin, person_a=a, person_b=c, scope="unit", reason="threat",
                               expires_at=clock.now() + timedelta(hours=1))
        assert self._warnings(admin, place.ec)[a.inmate_number] == ["Test C (unit)"]
        with clock.frozen_at(clock.now() + timedelta(hours=2)):
            assert all(m == [] for m in self._warnings(admin, place.ec).values())
