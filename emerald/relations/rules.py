"""The group rules every placement preview asks, and what the housing optimiser learns about groups.

No permission checks here: callers (selectors, the move dialog, intake) decide who may see the answers.
The rules only WARN: rival members in one cell, rival leaders in one unit. Refusing is what keep-apart
orders are for; a warning the staff disagree with must not block a move.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from emerald.facilities.models import Cell
from emerald.housing.models import Placement
from emerald.people.models import Person
from emerald.people.visibility import display_label, display_name, person_ref
from emerald.relations.models import Membership, MembershipRole, Rivalry


def open_memberships(person_ids: Iterable[int]) -> dict[int, list[Membership]]:
    """Open memberships per person id (with their groups)."""
    result: dict[int, list[Membership]] = defaultdict(list)
    for m in Membership.objects.filter(person_id__in=list(person_ids), ended_at__isnull=True).select_related("group"):
        result[m.person_id].append(m)
    return result


def rivals_by_group() -> dict[int, set[int]]:
    """Group id → ids of the groups it has an open rivalry with."""
    rivals: dict[int, set[int]] = defaultdict(set)
    for a, b in Rivalry.objects.filter(ended_at__isnull=True).values_list("group_a_id", "group_b_id"):
        rivals[a].add(b)
        rivals[b].add(a)
    return rivals


@dataclass
class GroupWarning:
    """One reason to think twice about a placement (a warning, never a refusal)."""

    kind: str  # rival_in_cell | rival_leader_in_unit
    person: Person
    group: Any
    other: Person
    other_group: Any
    where: str

    def sentence(self) -> str:
        # People as the reader may see them (a sealed rival is named by the placeholder).
        values = {"person": display_name(self.person), "group": self.group.name, "other": display_label(self.other),
                  "other_group": self.other_group.name, "where": self.where}
        if self.kind == "rival_in_cell":
            return _("%(person)s (%(group)s) would share cell %(where)s with %(other)s of the rival "
                     "group %(other_group)s.") % values
        return _("%(person)s, leader of %(group)s, would be in unit %(where)s with %(other)s, leader of "
                 "the rival group %(other_group)s.") % values

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "group": self.group.name, "other": person_ref(self.other),
                "other_group": self.other_group.name, "where": self.where,
                "detail": self.sentence()}


def placement_warnings(person: Person, cell: Cell) -> list[GroupWarning]:
    """What placing ``person`` in ``cell`` would mean for groups: rival members in the cell, rival leaders in
    the unit. Empty when the person belongs to no group."""
    mine = open_memberships([person.pk]).get(person.pk, [])
    if not mine:
        return []
    rivals = rivals_by_group()
    rival_ids = {r for m in mine for r in rivals.get(m.group_id, ())}
    if not rival_ids:
        return []
    leads = [m for m in mine if m.role == MembershipRole.LEADER]
    occupants = Placement.objects.filter(end_at__isnull=True).exclude(person=person)
    in_cell = set(occupants.filter(cell=cell).values_list("person_id", flat=True))
    in_unit = set(occupants.filter(unit_id=cell.unit_id).values_list("person_id", flat=True))
    theirs = Membership.objects.filter(ended_at__isnull=True, group_id__in=rival_ids).filter(
        Q(person_id__in=in_cell) | Q(person_id__in=in_unit, role=MembershipRole.LEADER)
    ).select_related("person", "group").order_by("group__name", "person__last_name")
    warnings: list[GroupWarning] = []
    for other in theirs:
        for m in mine:
            if other.group_id not in rivals.get(m.group_id, ()):
                continue
            if other.person_id in in_cell:
                warnings.append(GroupWarning("rival_in_cell", person, m.group, other.person, other.group, cell.code))
            if other.role == MembershipRole.LEADER and m in leads and other.person_id in in_unit:
                warnings.append(GroupWarning("rival_leader_in_unit", person, m.group, other.person, other.group,
                                             cell.unit.code))
    return warnings


def unit_groups(unit_id: int, person: Person | None = None) -> list[dict[str, Any]]:
    """The groups present in a unit: members (with cells), leaders, and how each stands to ``person``'s groups
    (``own``, ``rival`` or ``other``). Rival and own groups first."""
    placements = {p.person_id: p for p in Placement.objects.filter(unit_id=unit_id, end_at__isnull=True)
                  .select_related("cell", "person")}
    mine = {m.group_id for m in open_memberships([person.pk]).get(person.pk, [])} if person else set()
    rivals = rivals_by_group()
    rival_ids = {r for g in mine for r in rivals.get(g, ())}
    groups: dict[int, dict[str, Any]] = {}
    for m in (Membership.objects.filter(ended_at__isnull=True, person_id__in=list(placements))
              .select_related("group").order_by("group__name", "person__last_name")):
        entry = groups.setdefault(m.group_id, {
            "group": m.group, "members": [], "leaders": [],
            "stance": "own" if m.group_id in mine else "rival" if m.group_id in rival_ids else "other",
        })
        p = placements[m.person_id]
        row = {"person": p.person, "cell": p.cell.code, "role": m.role, "role_display": m.get_role_display()}
        entry["members"].append(row)
        if m.role == MembershipRole.LEADER:
            entry["leaders"].append(row)
    order = {"rival": 0, "own": 1, "other": 2}
    return sorted(groups.values(), key=lambda e: (order[e["stance"]], e["group"].name))


# --------------------------------------------------------------------------- the housing optimiser


def planning_group_traits(person_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For emerald.planning: each person's open memberships as ``groups=((name, role), ...)``."""
    traits: dict[int, dict[str, Any]] = {}
    rows = (Membership.objects.filter(person_id__in=person_ids, ended_at__isnull=True)
            .values_list("person_id", "group__name", "role").order_by("person_id", "group__name"))
    for pid, name, role in rows:
        traits.setdefault(pid, {"groups": []})["groups"].append((name, role))
    return traits


def planning_rivalries() -> list[tuple[str, str]]:
    """For emerald.planning: every open rivalry as a pair of group names."""
    return list(Rivalry.objects.filter(ended_at__isnull=True).values_list("group_a__name", "group_b__name"))


def unit_placement_warnings(person: Person, unit_id: int) -> dict[int, list[GroupWarning]]:
    """``placement_warnings`` for every cell of a unit at once (the move dialog): cell id → warnings."""
    mine = open_memberships([person.pk]).get(person.pk, [])
    if not mine:
        return {}
    rivals = rivals_by_group()
    rival_ids = {r for m in mine for r in rivals.get(m.group_id, ())}
    if not rival_ids:
        return {}
    leads = {m.group_id for m in mine if m.role == MembershipRole.LEADER}
    placed = {p.person_id: p for p in Placement.objects.filter(unit_id=unit_id, end_at__isnull=True)
              .exclude(person=person).select_related("cell", "unit")}
    theirs = list(Membership.objects.filter(ended_at__isnull=True, group_id__in=rival_ids, person_id__in=list(placed))
                  .select_related("person", "group").order_by("group__name", "person__last_name"))
    from emerald.facilities.models import Cell as CellModel

    result: dict[int, list[GroupWarning]] = defaultdict(list)
    cells = list(CellModel.objects.filter(unit_id=unit_id).select_related("unit"))
    for other in theirs:
        p = placed[other.person_id]
        for m in mine:
            if other.group_id not in rivals.get(m.group_id, ()):
                continue
            result[p.cell_id].append(GroupWarning("rival_in_cell", person, m.group, other.person, other.group,
                                                  p.cell.code))
            if other.role == MembershipRole.LEADER and m.group_id in leads:
                for cell in cells:
                    result[cell.pk].append(GroupWarning("rival_leader_in_unit", person, m.group, other.person,
                                                        other.group, p.unit.code))
    return dict(result)
