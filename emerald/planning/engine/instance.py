"""The housing problem as plain data: no Django, so the engine runs in benchmarks, tests and workers alike.

Ids are integers. A person's ``cell``/``bed`` is where they are now (None for an arrival). Only
``movable`` people are planned; everyone else stays where they are and constrains the others.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

SECURITY = {"minimum": 1, "medium": 2, "maximum": 3}
SECURITY_NAME = {v: k for k, v in SECURITY.items()}

#: Unit kinds and statuses that are never used by a plan unless the unit is explicitly allowed.
BARRED_KINDS = frozenset({"segregation"})
BARRED_STATUSES = frozenset({"closed", "locked_down"})

#: Distance between two units, in steps (weighted by ``Weights.distance`` and ``Weights.course``).
SAME_BUILDING, OTHER_BUILDING, OTHER_FACILITY = 1, 2, 10


@dataclass(slots=True)
class Bed:
    id: int
    bunk: str = "single"  # lower | upper | single
    in_service: bool = True

    @property
    def bottom(self) -> bool:
        """A lower bunk or a single bed: fine for someone who must not climb."""
        return self.bunk != "upper"


@dataclass(slots=True)
class Unit:
    id: int
    code: str
    facility: int
    kind: str = "general_population"
    security: int = 3
    status: str = "open"
    sex: str | None = None
    building: int = 0
    facility_code: str = ""


@dataclass(slots=True)
class Cell:
    id: int
    code: str
    unit: int
    beds: list[Bed] = field(default_factory=list)
    in_service: bool = True
    accessible: bool = False
    single_occupancy: bool = False
    sex: str | None = None


@dataclass(slots=True)
class Person:
    id: int
    code: str
    sex: str
    custody: int = 1
    needs_accessible: bool = False
    needs_single: bool = False
    needs_bottom_bunk: bool = False
    needs_isolation: bool = False
    vulnerable: bool = False
    violent: bool = False
    groups: tuple[tuple[str, str], ...] = ()  # (group, role)
    cell: int | None = None
    bed: int | None = None
    course_unit: int | None = None
    home_facility: int | None = None  # where an arrival arrives
    movable: bool = True
    purposes: frozenset[str] = frozenset()  # kinds of purpose unit the person qualifies for (housing/purposes.py)
    gnames: tuple[str, ...] = ()  # filled by Instance.index(): the group names, for speed

    @property
    def group_names(self) -> tuple[str, ...]:
        if self.gnames or not self.groups:
            return self.gnames
        return tuple(g for g, _ in self.groups)


@dataclass(slots=True)
class KeepApart:
    a: int
    b: int
    scope: str  # cell | unit | facility
    id: int = 0


@dataclass
class Weights:
    """Soft-criterion weights (integers: the solver works in integers). Configurable per facility."""

    move: int = 10  # a person changes cell
    distance: int = 5  # per step away from the current unit (see SAME_BUILDING...)
    course: int = 4  # per step between a student's unit and the unit of their course
    rival_cell: int = 50  # per pair of rival-group members sharing a cell
    rival_unit: int = 2  # per pair of rival-group members in one unit
    vulnerable_violent: int = 40  # per vulnerable person celled with a violent one
    group_balance: int = 1  # per pair of members of one group in one unit
    unplaced: int = 10_000  # per person the plan cannot house

    @classmethod
    def from_dict(cls, data: dict | None) -> Weights:
        w = cls()
        for k, v in (data or {}).items():
            if hasattr(w, k):
                setattr(w, k, int(v))
        return w

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class Instance:
    units: dict[int, Unit]
    cells: dict[int, Cell]
    people: dict[int, Person]
    orders: list[KeepApart] = field(default_factory=list)
    rivalries: set[frozenset[str]] = field(default_factory=set)
    weights: Weights = field(default_factory=Weights)
    allow_units: frozenset[int] = frozenset()  # closed/locked-down/segregation units that may be used anyway
    target_units: frozenset[int] | None = None  # where movable people may be housed (None: any usable unit)
    #: Kinds of unit that are for a purpose: only people who qualify (``Person.purposes``) go there.
    purpose_kinds: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.index()

    def index(self) -> None:
        """(Re)build the lookup tables the engine needs; call after changing the data."""
        self.orders_of: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for o in self.orders:
            if o.a in self.people and o.b in self.people and o.a != o.b:
                self.orders_of[o.a].append((o.b, o.scope))
                self.orders_of[o.b].append((o.a, o.scope))
        self.unit_cells: dict[int, list[int]] = defaultdict(list)
        for c in self.cells.values():
            self.unit_cells[c.unit].append(c.id)
        for cells in self.unit_cells.values():
            cells.sort()
        self.facility_units: dict[int, list[int]] = defaultdict(list)
        for u in sorted(self.units.values(), key=lambda u: u.id):
            self.facility_units[u.facility].append(u.id)
        self.rivals_of: dict[str, set[str]] = defaultdict(set)
        for pair in self.rivalries:
            if len(pair) == 2:
                g, r = tuple(pair)
                self.rivals_of[g].add(r)
                self.rivals_of[r].add(g)
        for p in self.people.values():
            p.gnames = tuple(g for g, _ in p.groups)
        self.bed_cell = {b.id: c.id for c in self.cells.values() for b in c.beds}

    # -- helpers shared by the engine (the validator has its own) ---------------------------------

    def unit_of_cell(self, cell_id: int) -> Unit:
        return self.units[self.cells[cell_id].unit]

    def unit_usable(self, unit: Unit) -> bool:
        if unit.id in self.allow_units:
            return True
        return unit.status not in BARRED_STATUSES and unit.kind not in BARRED_KINDS

    def unit_is_target(self, unit: Unit) -> bool:
        return self.unit_usable(unit) and (self.target_units is None or unit.id in self.target_units)

    def distance(self, u1: Unit | None, u2: Unit) -> int:
        if u1 is None:
            return 0
        if u1.id == u2.id:
            return 0
        if u1.facility != u2.facility:
            return OTHER_FACILITY
        return SAME_BUILDING if u1.building == u2.building else OTHER_BUILDING

    def home_unit(self, p: Person) -> Unit | None:
        return self.units[self.cells[p.cell].unit] if p.cell is not None and p.cell in self.cells else None

    def home_facility(self, p: Person) -> int | None:
        u = self.home_unit(p)
        return u.facility if u is not None else p.home_facility

    def rival(self, p: Person, q: Person) -> bool:
        if not p.groups or not q.groups:
            return False
        for g, _ in p.groups:
            rivals = self.rivals_of.get(g)
            if rivals:
                for h, _ in q.groups:
                    if h in rivals:
                        return True
        return False

    @staticmethod
    def vulnerable_violent(p: Person, q: Person) -> bool:
        return (p.vulnerable and q.violent) or (p.violent and q.vulnerable)

    def movable_people(self) -> list[Person]:
        return [p for p in self.people.values() if p.movable]
