"""Build the engine's instance of one facility from the database (a handful of queries, whatever the size).

Engine ids are the database primary keys. Facts Emerald does not record yet (groups, medical custody
notes, vulnerability, courses) come from *trait providers* that later areas register::

    from emerald.planning.loader import register_traits
    register_traits(lambda person_ids: {pid: {"needs_bottom_bunk": True} for pid in ...})

A provider gets the person ids and returns, per person, any of the engine's Person fields
(needs_accessible, needs_single, needs_bottom_bunk, needs_isolation, vulnerable, violent,
groups=((name, role), ...), course_unit). ``register_rivalries`` adds rival group pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Q

from emerald.facilities.models import SECURITY_RANK, Bed, Cell, Facility, Unit
from emerald.housing.models import NonAssociation, Placement
from emerald.housing.purposes import PURPOSE_KINDS, purposes_of
from emerald.housing.rules import open_orders_q
from emerald.people.models import Person

from .engine import instance as eng

TraitProvider = Callable[[list[int]], dict[int, dict[str, Any]]]
RivalryProvider = Callable[[], Iterable[tuple[str, str]]]
_traits: list[TraitProvider] = []
_rivalries: list[RivalryProvider] = []
TRAIT_FIELDS = {"needs_accessible", "needs_single", "needs_bottom_bunk", "needs_isolation", "vulnerable", "violent",
                "groups", "course_unit"}


def register_traits(provider: TraitProvider) -> None:
    """Add a source of person traits (see module doc). Registering the same function twice is a no-op."""
    if provider not in _traits:
        _traits.append(provider)


def register_rivalries(provider: RivalryProvider) -> None:
    if provider not in _rivalries:
        _rivalries.append(provider)


def _locked_units(units: list[Unit], first_cell: dict[int, Cell]) -> set[int]:
    """Units a lockdown (if that area is installed) closes to admissions right now."""
    try:
        from emerald.housing.rules import locked_areas_for
    except ImportError:  # an older housing without lockdown guards
        return set()
    return {u.pk for u in units if u.pk in first_cell and locked_areas_for(first_cell[u.pk], None)}


def load_facility(
    facility: Facility, *, movable_unit_ids: Iterable[int] = (), arrivals: Iterable[Person] = (),
    weights: dict[str, int] | None = None, allow_unit_ids: Iterable[int] = (),
    target_unit_ids: Iterable[int] | None = None,
) -> eng.Instance:
    """The facility as an engine instance: everyone in custody there, plus ``arrivals`` (not placed yet).

    People in ``movable_unit_ids`` and the arrivals are planned; everyone else stays where they are
    and constrains the plan (beds, keep-apart orders, mixing, group counts). ``target_unit_ids`` limits
    where the planned people may go (None: any usable unit of the facility).
    """
    movable_units = set(movable_unit_ids)
    units = list(Unit.objects.filter(facility=facility))
    cells = list(Cell.objects.filter(unit__facility=facility))
    beds = Bed.objects.filter(cell__unit__facility=facility).values_list("id", "cell_id", "bunk", "in_service")
    first_cell: dict[int, Cell] = {}
    for c in cells:
        first_cell.setdefault(c.unit_id, c)
    locked = _locked_units(units, first_cell)
    e_units = {
        u.pk: eng.Unit(u.pk, u.code, facility.pk, u.kind, SECURITY_RANK[u.security_level],
                       "locked_down" if u.pk in locked else u.status, None, 0, facility.code)
        for u in units
    }
    e_cells = {c.pk: eng.Cell(c.pk, c.code, c.unit_id, [], c.in_service, c.accessible, c.single_occupancy)
               for c in cells}
    for bid, cid, bunk, in_service in beds:
        e_cells[cid].beds.append(eng.Bed(bid, bunk, in_service))
    for ec in e_cells.values():
        ec.beds.sort(key=lambda b: b.id)
    placed = Placement.objects.filter(end_at__isnull=True, unit__facility=facility).values_list(
        "person_id", "cell_id", "bed_id", "unit_id", "person__inmate_number", "person__sex", "person__custody_level")
    people: dict[int, eng.Person] = {}
    for pid, cid, bid, uid, number, sex, custody in placed:
        people[pid] = eng.Person(pid, number, sex, SECURITY_RANK[custody], cell=cid, bed=bid,
                                 movable=uid in movable_units and e_units[uid].status != "locked_down")
    for person in arrivals:
        if person.pk not in people:
            people[person.pk] = eng.Person(person.pk, person.inmate_number, person.sex,
                                           SECURITY_RANK[person.custody_level], home_facility=facility.pk)
    ids = list(people)
    for provider in _traits:
        for pid, traits in (provider(ids) or {}).items():
            if pid in people:
                for key, value in traits.items():
                    if key in TRAIT_FIELDS:
                        setattr(people[pid], key, tuple(value) if key == "groups" else value)
    orders = [
        eng.KeepApart(a, b, scope, oid)
        for oid, a, b, scope in NonAssociation.objects.filter(open_orders_q())
        .filter(Q(person_a_id__in=ids) & Q(person_b_id__in=ids))
        .values_list("id", "person_a_id", "person_b_id", "scope")
    ]
    rivalries = {frozenset(pair) for provider in _rivalries for pair in provider() if len(set(pair)) == 2}
    # What each unit is for (emerald/housing/purposes.py): the records the areas registered (a medical need,
    # a segregation sanction, ...) qualify people for units of a purpose.
    for pid, kinds in purposes_of(ids).items():
        people[pid].purposes = kinds
    return eng.Instance(e_units, e_cells, people, orders, rivalries, eng.Weights.from_dict(weights),
                        frozenset(allow_unit_ids), None if target_unit_ids is None else frozenset(target_unit_ids),
                        purpose_kinds=PURPOSE_KINDS)
