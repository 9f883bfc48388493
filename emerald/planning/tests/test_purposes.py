"""Unit purposes are rules, and a keep-apart rule never refuses a move that reduces a breach (issue 14).

A property test on the engine without Django: for random facilities, people and orders, no suggestion
and no plan houses a person in a unit whose purpose they do not have, and every move that takes a person
further from someone they must be kept apart from is allowed.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emerald.housing.purposes import PURPOSE_KINDS
from emerald.planning.engine import Bed, Cell, Instance, KeepApart, Person, Unit, first_fit, suggest, validate
from emerald.planning.engine.state import State

KINDS = ["general_population", "rehabilitation", "medical", "segregation", "intake", "temporary",
         "protective_custody"]


@st.composite
def facilities(draw):
    n_units = draw(st.integers(2, 5))
    units, cells, bed_id, cell_id = {}, {}, 1000, 100
    for u in range(1, n_units + 1):
        units[u] = Unit(u, f"U{u}", 1, draw(st.sampled_from(KINDS)), 3)
        for _ in range(draw(st.integers(1, 3))):
            beds = [Bed(bed_id + i, "lower" if i == 0 else "upper") for i in range(draw(st.integers(1, 2)))]
            bed_id += len(beds)
            cells[cell_id] = Cell(cell_id, f"C{cell_id}", u, beds, single_occupancy=len(beds) == 1)
            cell_id += 1
    people = {}
    free = [(c.id, b.id) for c in cells.values() for b in c.beds]
    for pid in range(1, draw(st.integers(1, min(8, len(free)))) + 1):
        spot = free.pop(draw(st.integers(0, len(free) - 1))) if draw(st.booleans()) and free else None
        purposes = frozenset(draw(st.sets(st.sampled_from(sorted(PURPOSE_KINDS)), max_size=2)))
        people[pid] = Person(pid, f"P{pid}", "male", 1, purposes=purposes,
                             cell=spot[0] if spot else None, bed=spot[1] if spot else None,
                             home_facility=1 if spot is None else None, movable=spot is None)
    ids = list(people)
    orders = []
    for i in range(draw(st.integers(0, 4))):
        if len(ids) >= 2:
            a, b = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
            if a != b:
                orders.append(KeepApart(a, b, draw(st.sampled_from(["cell", "unit", "facility"])), i + 1))
    return Instance(units, cells, people, orders, set(), purpose_kinds=PURPOSE_KINDS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facilities())
def test_no_suggestion_or_plan_goes_against_a_units_purpose(inst):
    for pid, person in inst.people.items():
        for s in suggest(inst, pid, limit=50):
            kind = inst.units[inst.cells[s.cell].unit].kind
            assert kind not in PURPOSE_KINDS or kind in person.purposes, (s, kind, person.purposes)
    for person in inst.people.values():
        person.movable = True
    result = first_fit(inst)
    report = validate(inst, result.plan)
    assert not [v for v in report.violations if v.rule.startswith("purpose_")]
    for pid, spot in result.plan.items():
        if spot is not None:
            kind = inst.units[inst.cells[spot[0]].unit].kind
            assert kind not in PURPOSE_KINDS or kind in inst.people[pid].purposes


def _closeness(inst, a, b):
    if a == b:
        return 3
    ua, ub = inst.cells[a].unit, inst.cells[b].unit
    return 2 if ua == ub else 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facilities())
def test_every_move_that_reduces_a_breach_is_allowed_by_the_keep_apart_rule(inst):
    state = State(inst)
    for o in inst.orders:
        pa, pb = inst.people[o.a], inst.people[o.b]
        if pa.cell is None or pb.cell is None or len(inst.orders_of[pa.id]) != 1:
            continue  # with one order only, a keep-apart refusal can come from this order alone
        now = _closeness(inst, pa.cell, pb.cell)
        for cell in inst.cells.values():
            if cell.id == pa.cell or _closeness(inst, cell.id, pb.cell) >= now:
                continue
            # Ignore the other rules (a full cell, a purpose): the keep-apart rule alone must not refuse.
            why = state.dynamic_reason(pa, cell, inst.units[cell.unit])
            assert why is None or not why.startswith("keep_apart"), (o, cell.code, why)


def test_a_vulnerable_person_is_never_offered_a_cell_with_a_violent_one_and_alone_first():
    units = {1: Unit(1, "A", 1, "general_population", 3)}
    cells = {10: Cell(10, "A-1", 1, [Bed(100), Bed(101)]), 11: Cell(11, "A-2", 1, [Bed(110), Bed(111)]),
             12: Cell(12, "A-3", 1, [Bed(120), Bed(121)]), 13: Cell(13, "A-4", 1, [Bed(130), Bed(131)])}
    people = {1: Person(1, "VIOLENT", "male", 1, violent=True, cell=10, bed=100, movable=False),
              2: Person(2, "CALM", "male", 1, cell=11, bed=110, movable=False),
              3: Person(3, "CYRIL", "male", 1, vulnerable=True, home_facility=1)}
    inst = Instance(units, cells, people, [], set(), purpose_kinds=PURPOSE_KINDS)
    found = suggest(inst, 3, limit=10)
    assert [s.code for s in found] == ["A-3", "A-4", "A-2"]  # alone first; never with the violent one
    assert found[0].items[0][0] == "vulnerable_alone"
    assert any(c == "vulnerable_cellmates" for c, _, _ in found[-1].items)
    # A plan never puts them together either, and the validator says so if one tried.
    report = validate(inst, {3: (10, 101)})
    assert "vulnerable_violent" in report.by_rule()
