"""The engine without Django: validator, greedy, solver, bound, infeasible instances, suggestions."""

from __future__ import annotations

import pytest

from emerald.planning.engine import (
    Bed,
    Cell,
    Instance,
    KeepApart,
    Person,
    Unit,
    first_fit,
    solve,
    suggest,
    validate,
)
from emerald.planning.engine.bound import lower_bound
from emerald.planning.engine.costs import objective
from emerald.planning.engine.generator import generate
from emerald.planning.engine.greedy import greedy


def tiny(people: list[Person], orders: list[KeepApart] | None = None, rivalries=None) -> Instance:
    """One facility: open max unit A (male), closed unit C, segregation S, minimum unit L, female unit W, medical M."""
    units = {
        1: Unit(1, "A", 1, "general_population", 3, "open", "male"),
        2: Unit(2, "C", 1, "general_population", 3, "closed"),
        3: Unit(3, "S", 1, "segregation", 3),
        4: Unit(4, "L", 1, "general_population", 1),
        5: Unit(5, "W", 1, "general_population", 3, "open", "female"),
        6: Unit(6, "M", 1, "medical", 3),
    }
    cells = {
        10: Cell(10, "A-1", 1, [Bed(100, "lower"), Bed(101, "upper")]),
        11: Cell(11, "A-2", 1, [Bed(110, "lower"), Bed(111, "upper")], accessible=True),
        12: Cell(12, "A-3", 1, [Bed(120)], single_occupancy=True),
        13: Cell(13, "A-4", 1, [Bed(130, "lower"), Bed(131, "upper")], in_service=False),
        20: Cell(20, "C-1", 2, [Bed(200)]),
        30: Cell(30, "S-1", 3, [Bed(300)], single_occupancy=True),
        40: Cell(40, "L-1", 4, [Bed(400, "lower"), Bed(401, "upper")]),
        50: Cell(50, "W-1", 5, [Bed(500, "lower"), Bed(501, "upper")]),
        60: Cell(60, "M-1", 6, [Bed(600, "lower"), Bed(601, "upper")]),
    }
    return Instance(units, cells, {p.id: p for p in people}, orders or [], set(rivalries or ()))


def rules(inst: Instance, plan) -> dict[str, int]:
    return validate(inst, plan).by_rule()


def test_validator_accepts_a_valid_plan():
    a, b = Person(1, "A1", "male", 3), Person(2, "A2", "male", 1)
    inst = tiny([a, b])
    assert validate(inst, {1: (10, 100), 2: (40, 401)}).ok


@pytest.mark.parametrize("person,spot,rule", [
    (Person(1, "P", "male", 3), (13, 130), "cell_out_of_service"),
    (Person(1, "P", "male", 3), (20, 200), "unit_closed"),
    (Person(1, "P", "male", 3), (30, 300), "unit_segregation"),
    (Person(1, "P", "male", 3), (40, 400), "security"),
    (Person(1, "P", "male", 1), (50, 500), "sex_unit"),
    (Person(1, "P", "male", 1, needs_accessible=True), (10, 100), "accessible"),
    (Person(1, "P", "male", 1, needs_single=True), (10, 100), "single"),
    (Person(1, "P", "male", 1, needs_isolation=True), (10, 100), "isolation"),
    (Person(1, "P", "male", 1, needs_bottom_bunk=True), (10, 101), "bottom_bunk"),
    (Person(1, "P", "male", 1), (10, 120), "bed_not_in_cell"),
])
def test_validator_catches_each_rule_on_its_own(person, spot, rule):
    inst = tiny([person])
    assert rules(inst, {1: spot}) == {rule: 1}


def test_validator_catches_pairs_and_capacity():
    a, b, c = Person(1, "A", "male", 1), Person(2, "B", "male", 1), Person(3, "C", "female", 1)
    inst = tiny([a, b, c], [KeepApart(1, 2, "cell")])
    assert rules(inst, {1: (10, 100), 2: (10, 101)}) == {"keep_apart_cell": 1}
    assert rules(inst, {1: (10, 100), 2: (10, 100)})["bed_shared"] == 1
    assert "sex_mixed" in rules(inst, {1: (60, 600), 3: (60, 601)})
    inst = tiny([a, b], [KeepApart(1, 2, "unit")])
    assert rules(inst, {1: (10, 100), 2: (11, 110)}) == {"keep_apart_unit": 1}
    inst = tiny([a, b], [KeepApart(1, 2, "facility")])
    assert rules(inst, {1: (10, 100), 2: (40, 400)}) == {"keep_apart_facility": 1}
    single = tiny([a, b])
    single.cells[12].beds.append(Bed(121))
    assert "single_occupancy" in rules(single, {1: (12, 120), 2: (12, 121)})


def test_validator_counts_fixed_people_but_blames_only_the_plan():
    fixed = Person(1, "F", "male", 1, cell=10, bed=100, movable=False)
    mover = Person(2, "M", "male", 1)
    inst = tiny([fixed, mover], [KeepApart(1, 2, "cell")])
    assert rules(inst, {2: (10, 101)}) == {"keep_apart_cell": 1}
    assert rules(inst, {2: (10, 100)})["bed_shared"] == 1
    assert rules(inst, {1: (11, 110)}) == {"fixed_moved": 1}
    # Two fixed people already together: pre-existing, not the plan's fault.
    other = Person(3, "O", "male", 1, cell=10, bed=101, movable=False)
    inst = tiny([fixed, other], [KeepApart(1, 3, "cell")])
    report = validate(inst, {})
    assert report.ok and len(report.preexisting) == 1


@pytest.mark.parametrize("scenario,people,seed", [("unit", 150, 1), ("unit", 200, 2), ("system", 1500, 3),
                                                  ("system", 2000, 4)])
def test_greedy_first_fit_and_solver_break_no_rule(scenario, people, seed):
    inst = generate(people, seed, scenario)
    st, _ = greedy(inst)
    assert validate(inst, st.assignment()).ok
    base = first_fit(inst)
    assert base.hard_violations == 0
    res = solve(inst, time_limit=1.0, seed=seed)
    assert res.hard_violations == 0 and validate(inst, res.plan).ok
    assert res.bound <= res.objective
    assert res.objective == objective(inst, res.plan)[0]
    assert lower_bound(inst) == res.bound


def test_more_people_than_beds_reports_the_unplaced():
    people = [Person(i, f"P{i}", "male", 1) for i in range(1, 8)]
    inst = tiny(people)
    inst.target_units = frozenset({1})
    res = solve(inst, time_limit=1.0)
    assert res.hard_violations == 0
    placed = [p for p, spot in res.plan.items() if spot]
    assert len(placed) == 5  # have two beds each, A-3 one; A-4 is out of service
    assert len(res.unplaced) == 2
    for reasons in res.unplaced.values():
        assert "full" in reasons and "not_target" in reasons


def test_everyone_kept_apart_from_everyone():
    people = [Person(i, f"P{i}", "male", 1) for i in range(1, 6)]
    orders = [KeepApart(a, b, "unit") for a in range(1, 6) for b in range(a + 1, 6)]
    inst = tiny(people, orders)
    res = solve(inst, time_limit=1.0)
    assert res.hard_violations == 0
    units = {inst.cells[spot[0]].unit for spot in res.plan.values() if spot}
    assert len(units) == len([s for s in res.plan.values() if s])  # one per usable unit at most
    assert all(any(k.startswith("keep_apart") for k in r) for r in res.unplaced.values())


def test_accessible_need_without_accessible_cell_is_not_forced():
    p = Person(1, "P", "male", 1, needs_accessible=True)
    inst = tiny([p])
    inst.cells[11].accessible = False
    res = solve(inst, time_limit=1.0)
    assert res.plan[1] is None
    assert "accessible" in res.unplaced[1]


def test_someone_who_cannot_move_keeps_their_bed():
    # In a closed unit with nowhere to go: stays, and nobody is given their bed.
    stuck = Person(1, "S", "male", 3, needs_single=True, cell=20, bed=200)
    inst = tiny([stuck, Person(2, "Q", "male", 3)])
    inst.cells[12].in_service = False
    res = solve(inst, time_limit=1.0)
    assert res.plan[1] is None and res.hard_violations == 0
    assert res.plan[2][0] != 20


def test_suggest_ranks_safe_cells_with_reasons():
    rival = Person(1, "R", "male", 1, groups=(("Reds", "member"),), cell=10, bed=100, movable=False)
    enemy = Person(2, "E", "male", 1, cell=40, bed=400, movable=False)
    me = Person(3, "ME", "male", 1, groups=(("Blues", "member"),), home_facility=1)
    inst = tiny([rival, enemy, me], [KeepApart(2, 3, "cell")], [frozenset({"Reds", "Blues"})])
    found = suggest(inst, 3)
    codes = [s.code for s in found]
    assert "L-1" not in codes  # keep-apart
    assert "S-1" not in codes and "C-1" not in codes and "W-1" not in codes and "A-4" not in codes
    assert codes[-1] == "A-1"  # celled with a rival: allowed, but last
    worst = found[-1]
    assert any(c == "rival_cell" for c, _, _ in worst.items)
    assert worst.cost > found[0].cost
    assert any(c == "security_ok" for c, _, _ in found[0].items)


def test_suggest_for_a_move_excludes_the_current_cell():
    me = Person(1, "ME", "male", 1, cell=10, bed=100, movable=False)
    inst = tiny([me])
    found = suggest(inst, 1)
    assert "A-1" not in [s.code for s in found]
    assert all(any(c == "move" for c, _, _ in s.items) for s in found)
