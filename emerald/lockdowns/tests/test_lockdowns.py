"""Lockdowns: every move into, out of or within a locked area is refused unless it is an emergency move."""

import pytest
from django.db import IntegrityError, transaction

from conftest import admit
from emerald.audit.models import AuditEntry
from emerald.audit.verify import verify_chain
from emerald.core import clock
from emerald.core.errors import Conflict, Forbidden, Invalid
from emerald.facilities.models import Unit, UnitStatus, UnitStatusChange
from emerald.housing.models import Placement
from emerald.housing.services import person_admit, person_release, placement_move
from emerald.lockdowns.models import EmergencyMove, Lockdown
from emerald.lockdowns.selectors import banner_lockdowns, emergency_move_list, locked_unit_ids
from emerald.lockdowns.services import emergency_move_review, lockdown_lift, lockdown_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(users, place, person_factory):
    admin = users["administrator"]
    ec, b = person_factory("Wangler", "Kenny"), person_factory("Hill", "Augustus")
    admit(admin, ec, place.cell("EC-1-01"))
    admit(admin, b, place.cell("B-1-01"))
    return {"ec": ec, "b": b}


def _code(exc) -> str:
    return exc.value.code


def test_unit_lockdown_refuses_moves_in_out_within_and_admissions(users, place, people, person_factory):
    warden, officer = users["warden"], users["officer"]
    lockdown = lockdown_order(actor=warden, unit=place.ec, reason="fight on tier 1")
    place.ec.refresh_from_db()
    assert place.ec.status == UnitStatus.LOCKED_DOWN
    # within
    with pytest.raises(Conflict) as exc:
        placement_move(actor=officer, person=people["ec"], cell_id=place.cell("EC-1-02").pk, reason="bed")
    assert _code(exc) == "locked_down"
    assert exc.value.extra["lockdowns"][0]["lockdown_id"] == lockdown.pk
    # out of
    with pytest.raises(Conflict) as exc:
        placement_move(actor=officer, person=people["ec"], cell_id=place.cell("B-1-02").pk, reason="bed")
    assert _code(exc) == "locked_down"
    # into
    with pytest.raises(Conflict) as exc:
        placement_move(actor=officer, person=people["b"], cell_id=place.cell("EC-1-02").pk, reason="bed")
    assert _code(exc) == "locked_down"
    # admission into
    newcomer = person_factory("Said", "Kareem")
    with pytest.raises(Conflict) as exc:
        person_admit(actor=officer, person=newcomer, cell_id=place.cell("EC-1-03").pk, reason="court")
    assert _code(exc) == "locked_down"
    # Elsewhere life goes on.
    placement_move(actor=officer, person=people["b"], cell_id=place.cell("B-1-02").pk, reason="bed")
    person_admit(actor=officer, person=newcomer, cell_id=place.cell("B-1-03").pk, reason="court")
    # Nothing was half-written by the refusals.
    assert Placement.objects.filter(person=people["ec"], end_at__isnull=True).get().cell.code == "EC-1-01"
    assert AuditEntry.objects.filter(action="placement.move", outcome="refused").count() == 3
    assert verify_chain().ok


def test_facility_lockdown_refuses_every_move_but_not_release(users, place, people):
    warden, officer = users["warden"], users["officer"]
    lockdown_order(actor=warden, facility=place.facility, reason="riot in Emerald City")
    # A facility lockdown leaves unit status as it was; the lockdown covers every unit.
    place.b.refresh_from_db()
    assert place.b.status == UnitStatus.OPEN
    assert locked_unit_ids()[place.b.pk].facility_id == place.facility.pk
    for person, cell in ((people["b"], "B-1-02"), (people["ec"], "SOL-01")):
        with pytest.raises(Conflict) as exc:
            placement_move(actor=officer, person=person, cell_id=place.cell(cell).pk, reason="x")
        assert _code(exc) == "locked_down"
    # Release (here: death) is a legal event, not a move: it is recorded during a lockdown.
    person_release(actor=warden, person=people["ec"], reason="died in the riot", kind="deceased")
    people["ec"].refresh_from_db()
    assert people["ec"].status == "deceased"


def test_emergency_move_by_allowed_roles_is_flagged_for_review(users, place, people):
    warden, manager, officer = users["warden"], users["warden"], users["officer"]
    manager = users["unit_manager"]
    lockdown = lockdown_order(actor=warden, facility=place.facility, reason="riot")
    # Officers may not make emergency moves, whatever the reason.
    with pytest.raises(Forbidden):
        placement_move(actor=officer, person=people["ec"], cell_id=place.cell("SOL-01").pk, reason="x",
                       emergency=True, emergency_reason="fire")
    # An emergency needs a reason.
    with pytest.raises(Invalid) as exc:
        placement_move(actor=warden, person=people["ec"], cell_id=place.cell("SOL-01").pk, reason="x",
                       emergency=True)
    assert "emergency_reason" in exc.value.fields
    placement = placement_move(actor=warden, person=people["ec"], cell_id=place.cell("SOL-01").pk,
                               reason="ringleader", emergency=True, emergency_reason="separate the ringleader")
    flag = EmergencyMove.objects.get(placement=placement)
    assert list(flag.lockdowns.all()) == [lockdown]
    assert flag.from_cell.code == "EC-1-01" and flag.reviewed_at is None
    entry = AuditEntry.objects.filter(action="placement.move", outcome="success").latest("seq")
    assert "emergency move during a lockdown" in entry.summary
    # A unit manager: only into or out of the units they manage (EC).
    with pytest.raises(Forbidden):
        placement_move(actor=manager, person=people["b"], cell_id=place.cell("B-1-02").pk, reason="x",
                       emergency=True, emergency_reason="flooding")
    placement_move(actor=manager, person=people["b"], cell_id=place.cell("EC-1-02").pk, reason="x",
                   emergency=True, emergency_reason="flooding in B")
    pending = list(emergency_move_list(actor=warden, pending=True))
    assert len(pending) == 2
    emergency_move_review(actor=warden, move=flag, outcome="justified", note="ringleader isolated")
    with pytest.raises(Conflict):
        emergency_move_review(actor=warden, move=flag, outcome="justified", note="again")
    with pytest.raises(Forbidden):
        emergency_move_review(actor=manager, move=pending[0], outcome="justified", note="mine")
    assert emergency_move_list(actor=warden, pending=True).count() == 1
    assert verify_chain().ok


def test_emergency_flag_without_lockdown_is_an_ordinary_move(users, place, people):
    placement = placement_move(actor=users["warden"], person=people["ec"], cell_id=place.cell("EC-1-02").pk,
                               reason="x", emergency=True, emergency_reason="just in case")
    assert not EmergencyMove.objects.filter(placement=placement).exists()
    with pytest.raises(Forbidden):
        placement_move(actor=users["officer"], person=people["ec"], cell_id=place.cell("EC-1-03").pk,
                       reason="x", emergency=True, emergency_reason="just in case")


def test_lift_restores_status_and_moves(users, place, people):
    warden, officer = users["warden"], users["officer"]
    with clock.frozen_at(clock.now()):
        lockdown = lockdown_order(actor=warden, unit=place.ec, reason="search for weapons")
    with pytest.raises(Invalid):
        lockdown_lift(actor=warden, lockdown=lockdown, reason="  ")
    lockdown_lift(actor=warden, lockdown=lockdown, reason="search finished")
    place.ec.refresh_from_db()
    assert place.ec.status == UnitStatus.OPEN
    lockdown.refresh_from_db()
    assert lockdown.lifted_by == warden and lockdown.lift_reason == "search finished"
    changes = list(UnitStatusChange.objects.filter(unit=place.ec).order_by("id").values_list("to_status", flat=True))
    assert changes == ["locked_down", "open"]
    placement_move(actor=officer, person=people["ec"], cell_id=place.cell("EC-1-02").pk, reason="bed")
    with pytest.raises(Conflict) as exc:
        lockdown_lift(actor=warden, lockdown=lockdown, reason="again")
    assert _code(exc) == "already_lifted"
    # A new lockdown of the same unit may follow the lifted one.
    lockdown_order(actor=warden, unit=place.ec, reason="second search")


def test_one_active_lockdown_per_area(users, place):
    warden = users["warden"]
    lockdown_order(actor=warden, unit=place.ec, reason="first")
    with pytest.raises(Conflict) as exc:
        lockdown_order(actor=warden, unit=place.ec, reason="second")
    assert _code(exc) == "already_locked_down"
    lockdown_order(actor=warden, facility=place.facility, reason="whole facility")
    with pytest.raises(Conflict):
        lockdown_order(actor=warden, facility=place.facility, reason="again")
    now = clock.now()
    # The database refuses what a racing service would not catch.
    with pytest.raises(IntegrityError), transaction.atomic():
        Lockdown.objects.create(unit=place.ec, reason="raw", ordered_by=warden, started_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lockdown.objects.create(facility=place.facility, reason="raw", ordered_by=warden, started_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lockdown.objects.create(unit=place.b, facility=place.facility, reason="both", ordered_by=warden, started_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lockdown.objects.create(reason="neither", ordered_by=warden, started_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lockdown.objects.create(unit=place.b, reason="lifted without why", ordered_by=warden, started_at=now,
                                lifted_at=now)


def test_who_may_order_and_lift(users, place):
    manager, officer, warden = users["unit_manager"], users["officer"], users["warden"]
    with pytest.raises(Forbidden):
        lockdown_order(actor=officer, unit=place.ec, reason="x")
    with pytest.raises(Forbidden):
        lockdown_order(actor=manager, facility=place.facility, reason="x")
    with pytest.raises(Forbidden):
        lockdown_order(actor=manager, unit=place.b, reason="not mine")
    own = lockdown_order(actor=manager, unit=place.ec, reason="mine")
    with pytest.raises(Forbidden):
        lockdown_lift(actor=officer, lockdown=own, reason="x")
    lockdown_lift(actor=manager, lockdown=own, reason="calm again")
    wardens = lockdown_order(actor=warden, unit=place.ec, reason="warden's order")
    with pytest.raises(Forbidden):
        lockdown_lift(actor=manager, lockdown=wardens, reason="x")
    with pytest.raises(Invalid):
        lockdown_order(actor=warden, reason="nothing chosen")
    with pytest.raises(Invalid):
        lockdown_order(actor=warden, unit=place.b, facility=place.facility, reason="both")
    assert Lockdown.objects.count() == 2


def test_closed_unit_cannot_be_locked_down(users, place):
    from emerald.facilities.services import unit_close

    unit_close(actor=users["warden"], unit=place.sol, reason="renovation")
    with pytest.raises(Conflict) as exc:
        lockdown_order(actor=users["warden"], unit=place.sol, reason="x")
    assert _code(exc) == "unit_closed"


def test_banner_shows_facility_and_unit_lockdowns(users, place):
    warden = users["warden"]
    unit_lock = lockdown_order(actor=warden, unit=place.ec, reason="search")
    assert banner_lockdowns(actor=warden) == []
    assert banner_lockdowns(actor=users["educator"], unit=place.ec) == [unit_lock]
    facility_lock = lockdown_order(actor=warden, facility=place.facility, reason="riot")
    assert banner_lockdowns(actor=users["medical"]) == [facility_lock]
    assert banner_lockdowns(actor=warden, unit=Unit.objects.get(code="EC")) == [facility_lock, unit_lock]
