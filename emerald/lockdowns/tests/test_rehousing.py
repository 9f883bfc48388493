"""Emergency re-housing: a preview that respects beds and keep-apart orders, then all-or-nothing execution."""

import pytest

from conftest import admit
from emerald.audit.verify import verify_chain
from emerald.core.errors import Conflict, Forbidden, Invalid
from emerald.facilities.models import UnitStatus
from emerald.facilities.services import cell_create, unit_close, unit_create, unit_reopen
from emerald.housing.models import Placement
from emerald.housing.services import non_association_create, placement_move
from emerald.lockdowns.models import EmergencyMove, ItemStatus, RunStatus
from emerald.lockdowns.selectors import run_items, run_progress
from emerald.lockdowns.services import lockdown_order, rehousing_cancel, rehousing_execute, rehousing_preview

pytestmark = pytest.mark.django_db


def where(person) -> str:
    p = Placement.objects.filter(person=person, end_at__isnull=True).select_related("cell").first()
    return p.cell.code if p else ""


@pytest.fixture
def gym(users, place):
    """A closed dormitory of 4 beds, as the gym is until an emergency."""
    admin = users["administrator"]
    unit = unit_create(actor=admin, facility=place.facility, code="GYM", name="Gym", kind="temporary",
                       security_level="maximum", status="closed")
    cell_create(actor=admin, unit=unit, code="GYM-D1", beds=4, bunks=False)
    return unit


@pytest.fixture
def ec_people(users, place, person_factory):
    """Six people in EC: two per cell in EC-1-01..03."""
    admin = users["administrator"]
    names = ["Adebisi", "Wangler", "Schibetta", "Said", "Alvarez", "ElCid"]
    people = {}
    for i, name in enumerate(names):
        people[name] = person_factory(name)
        admit(admin, people[name], place.cell(f"EC-1-0{i // 2 + 1}"))
    return people


def test_preview_respects_beds_and_keep_apart_among_movers(users, place, gym, ec_people):
    warden = users["warden"]
    unit_reopen(actor=warden, unit=gym, reason="opened as a temporary camp")
    p = ec_people
    # Cell scope: never both in the gym dormitory. Unit scope: different target units.
    non_association_create(actor=warden, person_a=p["Said"], person_b=p["Alvarez"], scope="cell", reason="threat")
    non_association_create(actor=warden, person_a=p["Wangler"], person_b=p["ElCid"], scope="cell", reason="threat")
    non_association_create(actor=warden, person_a=p["Adebisi"], person_b=p["Schibetta"], scope="unit",
                           reason="gang_rivalry")
    # Three pairs each need one of SOL's two single cells: one person cannot be placed.
    run = rehousing_preview(actor=warden, reason="riot", source_unit=place.ec, targets=[gym, place.sol])
    items = {i.person.last_name: i for i in run_items(run)}
    assert len(items) == 6
    placed = [i for i in items.values() if i.status == ItemStatus.PLANNED]
    unplaceable = [i for i in items.values() if i.status == ItemStatus.UNPLACEABLE]
    # Beds: gym 4 + solitary 2 single cells = 6 beds, but the orders cost a place.
    units = [i.to_cell.unit.code for i in placed]
    assert units.count("GYM") <= 4 and units.count("SOL") <= 2
    sol_cells = [i.to_cell.code for i in placed if i.to_cell.unit.code == "SOL"]
    assert len(sol_cells) == len(set(sol_cells))
    assert not (items["Said"].to_cell_id and items["Said"].to_cell_id == items["Alvarez"].to_cell_id)
    a, s = items["Adebisi"], items["Schibetta"]
    assert not (a.to_cell and s.to_cell and a.to_cell.unit_id == s.to_cell.unit_id)
    assert len(placed) == 5 and len(unplaceable) == 1
    assert unplaceable[0].problem_code == "keep_apart"
    reason = unplaceable[0].problem
    assert "GYM" in reason and "SOL" in reason and "kept apart" in reason
    # Those sent to solitary say why not the gym.
    assert all("Not in GYM" in i.note for i in placed if i.to_cell.unit.code == "SOL")
    # Nothing moved yet.
    assert where(p["Adebisi"]) == "EC-1-01"
    assert run.status == RunStatus.PREVIEWED


def test_execute_moves_everyone_placeable_then_unit_closes_and_reopens(users, place, gym, ec_people):
    warden = users["warden"]
    unit_reopen(actor=warden, unit=gym, reason="opened as a temporary camp")
    run = rehousing_preview(actor=warden, reason="riot", source_unit=place.ec, targets=[gym, place.sol])
    assert all(i.status == ItemStatus.PLANNED for i in run_items(run))
    calls = []
    rehousing_execute(actor=warden, run=run, progress_callback=lambda d, t: calls.append((d, t)))
    run.refresh_from_db()
    assert run.status == RunStatus.EXECUTED and run.executed_by == warden and not run.emergency
    assert calls[-1] == (6, 6)
    assert run_progress(run)["state"] == "executed"
    for item in run_items(run):
        assert item.status == ItemStatus.MOVED
        assert where(item.person) == item.to_cell.code
    assert not Placement.objects.filter(unit=place.ec, end_at__isnull=True).exists()
    unit_close(actor=warden, unit=place.ec, reason="emptied after the riot")
    place.ec.refresh_from_db()
    assert place.ec.status == UnitStatus.CLOSED
    with pytest.raises(Conflict):
        rehousing_execute(actor=warden, run=run)
    unit_reopen(actor=warden, unit=place.ec, reason="repairs done")
    # Back again: the chosen people into EC.
    back = rehousing_preview(actor=warden, reason="EC reopened", targets=[place.ec],
                             people=list(ec_people.values()),
                             preferences={ec_people["Adebisi"].pk: place.cell("EC-1-04"),
                                          ec_people["Wangler"].pk: place.cell("EC-1-04")})
    rehousing_execute(actor=warden, run=back)
    assert where(ec_people["Adebisi"]) == where(ec_people["Wangler"]) == "EC-1-04"
    assert verify_chain().ok


def test_unplaceable_reasons_and_the_rest_still_moves(users, place, ec_people):
    warden = users["warden"]
    # Only solitary: two single cells for six people.
    run = rehousing_preview(actor=warden, reason="overflow", source_unit=place.ec, targets=[place.sol])
    items = run_items(run)
    assert sum(i.status == ItemStatus.PLANNED for i in items) == 2
    for item in items:
        if item.status == ItemStatus.UNPLACEABLE:
            assert item.problem_code == "no_bed" and "SOL" in item.problem
    rehousing_execute(actor=warden, run=run)
    assert Placement.objects.filter(unit=place.sol, end_at__isnull=True).count() == 2
    assert Placement.objects.filter(unit=place.ec, end_at__isnull=True).count() == 4
    with pytest.raises(Conflict) as exc:
        unit_close(actor=warden, unit=place.ec, reason="not empty")
    assert exc.value.code == "unit_occupied"


def test_execution_is_all_or_nothing_when_the_facility_changed(users, place, gym, ec_people, person_factory):
    warden = users["warden"]
    unit_reopen(actor=warden, unit=gym, reason="camp")
    run = rehousing_preview(actor=warden, reason="riot", source_unit=place.ec, targets=[place.sol, gym])
    # Someone takes a planned bed after the preview.
    late = person_factory("Late")
    admit(users["administrator"], late, place.cell("SOL-02"))
    with pytest.raises(Conflict) as exc:
        rehousing_execute(actor=warden, run=run)
    assert exc.value.code == "plan_stale"
    # Nobody moved; the run can be cancelled and previewed again.
    for name, person in ec_people.items():
        assert where(person).startswith("EC-"), name
    run.refresh_from_db()
    assert run.status == RunStatus.PREVIEWED
    assert all(i.status != ItemStatus.MOVED for i in run_items(run))
    with pytest.raises(Invalid):
        rehousing_cancel(actor=warden, run=run, reason="")
    rehousing_cancel(actor=warden, run=run, reason="stale")
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    with pytest.raises(Conflict):
        rehousing_execute(actor=warden, run=run)
    assert verify_chain().ok


def test_rehousing_during_lockdown_makes_flagged_emergency_moves(users, place, gym, ec_people):
    warden = users["warden"]
    lockdown_order(actor=warden, facility=place.facility, reason="riot in Emerald City")
    unit_reopen(actor=warden, unit=gym, reason="opened as a temporary camp")
    run = rehousing_preview(actor=warden, reason="riot", source_unit=place.ec, targets=[gym, place.sol])
    rehousing_execute(actor=warden, run=run)
    run.refresh_from_db()
    assert run.emergency
    assert EmergencyMove.objects.count() == 6
    assert EmergencyMove.objects.filter(reviewed_at__isnull=True).count() == 6


def test_list_mode_reports_people_not_in_custody_or_already_in_target(users, place, ec_people, person_factory):
    warden = users["warden"]
    outsider = person_factory("Never", "Admitted")
    in_b = person_factory("Hill")
    admit(users["administrator"], in_b, place.cell("B-1-01"))
    run = rehousing_preview(actor=warden, reason="move", targets=[place.b],
                            people=[ec_people["Said"], outsider, in_b])
    items = {i.person.last_name: i for i in run_items(run)}
    assert items["Said"].status == ItemStatus.PLANNED
    assert items["Never"].problem_code == "not_in_custody"
    assert items["Hill"].problem_code == "already_in_target"


def test_facility_scope_order_with_someone_staying_makes_a_person_unplaceable(users, place, ec_people,
                                                                               person_factory):
    warden = users["warden"]
    stays = person_factory("Schillinger", "Vern")
    admit(users["administrator"], stays, place.cell("B-1-04"))
    non_association_create(actor=warden, person_a=ec_people["Said"], person_b=stays, scope="facility",
                           reason="threat")
    run = rehousing_preview(actor=warden, reason="move", targets=[place.b], people=[ec_people["Said"]])
    item = run_items(run)[0]
    assert item.status == ItemStatus.UNPLACEABLE and item.problem_code == "keep_apart"
    assert "Schillinger" in item.problem


def test_bad_input_writes_nothing(users, place, gym, person_factory):
    from emerald.lockdowns.models import RehousingRun

    warden = users["warden"]
    cases = [
        dict(reason="x", targets=[]),
        dict(reason="x", targets=[place.sol], source_unit=place.ec, people=[person_factory("Both")]),
        dict(reason="", targets=[place.sol], source_unit=place.ec),
        dict(reason="x", targets=[place.ec], source_unit=place.ec),
        dict(reason="x", targets=[gym], source_unit=place.ec),  # closed
        dict(reason="x", targets=[place.sol, place.sol], source_unit=place.ec),
        dict(reason="x", targets=[place.sol], source_unit=place.ec, preferences={1: place.cell("B-1-01")}),
    ]
    for kwargs in cases:
        with pytest.raises(Invalid):
            rehousing_preview(actor=warden, **kwargs)
    with pytest.raises(Invalid):
        rehousing_preview(actor=warden, reason="x", targets=[place.sol])
    assert RehousingRun.objects.count() == 0


def test_who_may_rehouse(users, place, ec_people):
    manager = users["unit_manager"]
    for role in ("officer", "medical", "educator", "auditor", "investigator"):
        with pytest.raises(Forbidden):
            rehousing_preview(actor=users[role], reason="x", source_unit=place.ec, targets=[place.sol])
    # The manager of EC may empty EC, but not B into SOL.
    run = rehousing_preview(actor=manager, reason="x", source_unit=place.ec, targets=[place.sol])
    with pytest.raises(Forbidden):
        rehousing_preview(actor=manager, reason="x", source_unit=place.b, targets=[place.sol])
    with pytest.raises(Forbidden):
        rehousing_execute(actor=users["officer"], run=run)
    rehousing_execute(actor=manager, run=run)


def test_moves_keep_working_after_rehousing(users, place, ec_people):
    warden = users["warden"]
    run = rehousing_preview(actor=warden, reason="x", source_unit=place.ec, targets=[place.b])
    rehousing_execute(actor=warden, run=run)
    person = ec_people["Said"]
    placement_move(actor=users["officer"], person=person, cell_id=place.cell("EC-1-01").pk, reason="back")
    assert where(person) == "EC-1-01"


def test_cli_preview_then_execute(users, place, ec_people):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command("rehouse", "EC", "--to", "SOL,B", "--as", users["warden"].username, "--no-progress", stdout=out)
    assert "Preview only" in out.getvalue() and "6 placed" in out.getvalue()
    assert Placement.objects.filter(unit=place.ec, end_at__isnull=True).count() == 6
    out = StringIO()
    call_command("rehouse", "EC", "--to", "SOL,B", "--as", users["warden"].username, "--execute",
                 "--no-progress", stdout=out)
    assert "Executed: 6 people moved" in out.getvalue()
    assert not Placement.objects.filter(unit=place.ec, end_at__isnull=True).exists()
    with pytest.raises(CommandError):
        call_command("rehouse", "EC", "--to", "NOPE", "--as", users["warden"].username)
    with pytest.raises(CommandError):
        call_command("rehouse", "B", "--to", "SOL", "--as", users["officer"].username)
