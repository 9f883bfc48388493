"""A mutable housing state with incremental rule checks and cost deltas (greedy, suggestions, repair)."""

from __future__ import annotations

from collections import defaultdict

from .costs import Item, linear_cost
from .instance import Bed, Cell, Instance, Person, Unit

#: The closeness an order of each scope forbids (see State._closeness).
CLOSENESS = {"cell": 3, "unit": 2, "facility": 1}


class State:
    """Who is in which bed, with the counters the checks and costs need. Fixed people are placed at once."""

    def __init__(self, inst: Instance, pinned: set[int] | frozenset[int] = frozenset()):
        self.inst = inst
        self.pos: dict[int, tuple[int, int]] = {}
        self.occ: dict[int, list[int]] = defaultdict(list)
        self.free: dict[int, list[Bed]] = {}
        self.gcount: dict[tuple[str, int], int] = defaultdict(int)
        self.unit_free: dict[int, set[int]] = defaultdict(set)
        for c in inst.cells.values():
            self.free[c.id] = [b for b in c.beds if b.in_service]
            if self.free[c.id] and c.in_service:
                self.unit_free[c.unit].add(c.id)
        self.pinned = set(pinned)
        for p in inst.people.values():
            if (not p.movable or p.id in self.pinned) and p.cell is not None and p.cell in inst.cells:
                self.place(p, p.cell, p.bed, force=True)

    # -- changes ----------------------------------------------------------------------------------

    def place(self, p: Person, cell_id: int, bed_id: int | None = None, force: bool = False) -> int:
        """Put ``p`` in a free bed of the cell (``bed_id`` if given and free); returns the bed."""
        free = self.free[cell_id]
        bed = None
        if bed_id is not None:
            bed = next((b for b in free if b.id == bed_id), None)
        if bed is None and not (force and bed_id is not None):
            if p.needs_bottom_bunk:
                bed = next((b for b in free if b.bottom), None)
            else:
                # Leave lower bunks to those who need them.
                bed = next((b for b in free if b.bunk == "upper"), None) or (free[0] if free else None)
            if bed is None:
                raise ValueError(f"no free bed for {p.code} in cell {cell_id}")
        if bed is not None:
            free.remove(bed)
            bid = bed.id
        else:
            # No bed here only when forced into a given bed (otherwise the search above found one or raised).
            assert bed_id is not None
            bid = bed_id  # a fixed person in a bed out of service: they are there all the same
        cell = self.inst.cells[cell_id]
        if not free:
            self.unit_free[cell.unit].discard(cell_id)
        self.pos[p.id] = (cell_id, bid)
        self.occ[cell_id].append(p.id)
        for g in p.group_names:
            self.gcount[(g, cell.unit)] += 1
        return bid

    def remove(self, p: Person) -> tuple[int, int]:
        cell_id, bid = self.pos.pop(p.id)
        cell = self.inst.cells[cell_id]
        self.occ[cell_id].remove(p.id)
        for b in cell.beds:
            if b.id == bid and b.in_service:
                self.free[cell_id].append(b)
                self.free[cell_id].sort(key=lambda b: b.id)
                if cell.in_service:
                    self.unit_free[cell.unit].add(cell_id)
        for g in p.group_names:
            self.gcount[(g, cell.unit)] -= 1
        return cell_id, bid

    # -- checks -----------------------------------------------------------------------------------

    def unit_reason(self, p: Person, unit: Unit) -> str | None:
        """The unit-level hard rule ``p`` would break in ``unit``, or None."""
        inst = self.inst
        if unit.id not in inst.allow_units:
            if unit.status != "open":
                return f"unit_{unit.status}"
            if unit.kind == "segregation":
                return "unit_segregation"
            if unit.kind in inst.purpose_kinds and unit.kind not in p.purposes:
                return f"purpose_{unit.kind}"
        if inst.target_units is not None and unit.id not in inst.target_units:
            return "not_target"
        if p.custody > unit.security:
            return "security"
        if unit.sex is not None and unit.sex != p.sex:
            return "sex_unit"
        return None

    @staticmethod
    def cell_reason(p: Person, cell: Cell, unit: Unit) -> str | None:
        """The cell-level static rule ``p`` would break in ``cell`` (whatever the occupancy), or None."""
        if not cell.in_service:
            return "cell_out_of_service"
        if cell.sex is not None and cell.sex != p.sex:
            return "sex_cell"
        if p.needs_accessible and not cell.accessible:
            return "accessible"
        if p.needs_single and not cell.single_occupancy:
            return "single"
        if p.needs_isolation and not (cell.single_occupancy or unit.kind == "medical"):
            return "isolation"
        if p.needs_bottom_bunk and not any(b.bottom and b.in_service for b in cell.beds):
            return "bottom_bunk"
        if not any(b.in_service for b in cell.beds):
            return "no_bed"
        return None

    def dynamic_reason(self, p: Person, cell: Cell, unit: Unit) -> str | None:
        """What the people already placed make impossible: a full cell, mixed sexes, keep-apart orders."""
        free = self.free[cell.id]
        if not free:
            return "full"
        if p.needs_bottom_bunk and not any(b.bottom for b in free):
            return "bottom_bunk_taken"
        people = self.inst.people
        for q in self.occ[cell.id]:
            if people[q].sex != p.sex:
                return "sex_mixed"
            if (p.vulnerable or p.violent) and self.inst.vulnerable_violent(p, people[q]) and cell.id != p.cell:
                # PREA 115.42: the screening keeps those at risk of victimisation from those at risk of
                # abusiveness. A hard rule, not a cost: a cost would let it win when the safe cells are full.
                return "vulnerable_violent"
        for other, scope in self.inst.orders_of.get(p.id, ()):
            spot = self.pos.get(other)
            if spot is None:
                continue
            then = self._closeness(cell.id, spot[0])
            if then < CLOSENESS[scope]:
                continue
            if p.cell is not None and then < self._closeness(p.cell, spot[0]):
                continue  # further from the other than where the person is now: reduces a breach, allowed
            return f"keep_apart_{scope}"
        return None

    def _closeness(self, cell_a: int, cell_b: int) -> int:
        """3 in one cell, 2 in one unit, 1 in one facility, 0 apart (as housing.rules decides for moves)."""
        if cell_a == cell_b:
            return 3
        cells, units = self.inst.cells, self.inst.units
        ua, ub = cells[cell_a].unit, cells[cell_b].unit
        if ua == ub:
            return 2
        return 1 if units[ua].facility == units[ub].facility else 0

    def reason(self, p: Person, cell: Cell) -> str | None:
        unit = self.inst.units[cell.unit]
        return self.unit_reason(p, unit) or self.cell_reason(p, cell, unit) or self.dynamic_reason(p, cell, unit)

    # -- costs ------------------------------------------------------------------------------------

    def pair_cost(self, p: Person, cell: Cell, items: list[Item] | None = None) -> int:
        """What placing ``p`` in ``cell`` adds through the people already there (cell and unit)."""
        return self.cell_pair_cost(p, cell, items) + self.unit_pair_cost(p, cell.unit, items)

    def cell_pair_cost(self, p: Person, cell: Cell, items: list[Item] | None = None) -> int:
        """Pairs with the cellmates: rival groups, vulnerable with violent."""
        occ = self.occ.get(cell.id)
        if not occ or not (p.groups or p.vulnerable or p.violent):
            return 0
        inst = self.inst
        w = inst.weights
        cost = 0
        people = inst.people
        for q in occ:
            pq = people[q]
            if pq.groups and p.groups and inst.rival(p, pq):
                cost += w.rival_cell
                if items is not None:
                    items.append(("rival_cell", w.rival_cell, {"other": pq.code}))
            if (p.vulnerable or p.violent) and inst.vulnerable_violent(p, pq):
                cost += w.vulnerable_violent
                if items is not None:
                    items.append(("vulnerable_violent", w.vulnerable_violent, {"other": pq.code}))
        return cost

    def unit_pair_cost(self, p: Person, unit_id: int, items: list[Item] | None = None) -> int:
        """Pairs in the unit: members of the same group, members of rival groups."""
        if not p.groups:
            return 0
        inst = self.inst
        w = inst.weights
        gc = self.gcount
        cost = 0
        for g in p.group_names:
            n = gc.get((g, unit_id), 0)
            if n:
                cost += w.group_balance * n
                if items is not None:
                    items.append(("group_balance", w.group_balance * n, {"group": g, "count": n}))
            for r in inst.rivals_of.get(g, ()):
                m = gc.get((r, unit_id), 0)
                if m:
                    cost += w.rival_unit * m
                    if items is not None:
                        items.append(("rival_unit", w.rival_unit * m, {"group": r, "count": m}))
        return cost

    def cost(self, p: Person, cell: Cell, items: list[Item] | None = None) -> int:
        return linear_cost(self.inst, p, cell, items) + self.pair_cost(p, cell, items)

    def assignment(self) -> dict[int, tuple[int, int] | None]:
        """The plan: every movable person -> (cell, bed), or None when not placed (pinned people stay put)."""
        return {
            p.id: None if p.id in self.pinned else self.pos.get(p.id)
            for p in self.inst.people.values()
            if p.movable
        }
