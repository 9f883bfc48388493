"""Permission-filtered reads of relationships and security threat groups (security data: never educators or
medical staff; they get an audited 404 for a record and 403 for a list)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from emerald.accounts.permissions import allowed
from emerald.core.access import deny_read, require_list
from emerald.facilities.models import Cell
from emerald.housing.models import Placement
from emerald.people.models import Person, PersonStatus
from emerald.people.selectors import people_visible_to
from emerald.relations import rules
from emerald.relations.models import (
    Group,
    LeadershipChange,
    Membership,
    Relationship,
    RelationshipKind,
    Rivalry,
)


def _pk(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def may_see_relationships(actor: Any) -> bool:
    return allowed(actor, "relationship.view")


def may_see_groups(actor: Any) -> bool:
    return allowed(actor, "group.view")


def relationships_of(*, actor: Any, person: Person, include_ended: bool = False) -> list[Relationship]:
    """A person's relationships (open ones, or all), each with ``other`` set to the other person."""
    require_list(actor, "relationship.view", "relationship")
    # Not the recording users: no caller shows them, and each join costs the planner on every person page.
    qs = Relationship.objects.filter(Q(person_a=person) | Q(person_b=person)).select_related(
        "person_a", "person_b", "keep_apart")
    if not include_ended:
        qs = qs.filter(ended_at__isnull=True)
    visible = people_visible_to(actor)
    qs = qs.filter(person_a__in=visible, person_b__in=visible)  # a sealed record stays unknown
    rows = list(qs.order_by("kind", "-known_since", "-id"))
    for r in rows:
        r.other_person = r.other(person.pk)  # type: ignore[attr-defined]
    return rows


def relationship_get(*, actor: Any, relationship_id: Any) -> Relationship:
    pk = _pk(relationship_id)
    rel = (Relationship.objects.select_related("person_a", "person_b", "keep_apart").filter(pk=pk).first()
           if pk is not None and may_see_relationships(actor) else None)
    if rel is None:
        raise deny_read(actor, "relationship.view", "relationship", relationship_id)
    return rel


def relationship_list(*, actor: Any, person: Person | None = None, kind: str = "",
                      include_ended: bool = False) -> QuerySet[Relationship]:
    require_list(actor, "relationship.view", "relationship")
    visible = people_visible_to(actor)
    qs = Relationship.objects.select_related("person_a", "person_b", "keep_apart").filter(
        person_a__in=visible, person_b__in=visible)
    if person is not None:
        qs = qs.filter(Q(person_a=person) | Q(person_b=person))
    if kind:
        qs = qs.filter(kind=kind)
    if not include_ended:
        qs = qs.filter(ended_at__isnull=True)
    return qs.order_by("-known_since", "-id")


def connections_in_custody(*, actor: Any, person: Person) -> list[dict[str, Any]]:
    """For intake: the person's open relationships with people now in custody, and where they are."""
    if not may_see_relationships(actor):
        return []
    rows = relationships_of(actor=actor, person=person)
    others = [r.other_person for r in rows]  # type: ignore[attr-defined]
    where = {p.person_id: p for p in Placement.objects.filter(person__in=others, end_at__isnull=True)
             .select_related("cell", "unit")}
    result = []
    for r in rows:
        other = r.other_person  # type: ignore[attr-defined]
        placement = where.get(other.pk)
        if other.status != PersonStatus.IN_CUSTODY or placement is None:
            continue
        result.append({"relationship": r, "person": other, "kind": r.kind, "kind_display": r.get_kind_display(),
                       "detail": r.detail, "cell": placement.cell.code, "unit": placement.unit.code,
                       "unit_id": placement.unit_id, "enemy": r.kind == RelationshipKind.ENEMY})
    return result


# --------------------------------------------------------------------------- groups


def group_list(*, actor: Any) -> QuerySet[Group]:
    require_list(actor, "group.view", "group")
    return Group.objects.order_by("name")


def group_get(*, actor: Any, group_id: Any) -> Group:
    pk = _pk(group_id)
    group = Group.objects.filter(pk=pk).first() if pk is not None and may_see_groups(actor) else None
    if group is None:
        raise deny_read(actor, "group.view", "group", group_id)
    return group


def group_members(group: Group, *, include_ended: bool = False, actor: Any = None) -> list[Membership]:
    """A group's memberships with each member's current cell and unit (``cell``/``unit``, None if not housed).
    With ``actor``, only members whose record the actor may know exists."""
    qs = group.memberships.select_related("person", "created_by", "ended_by")
    if actor is not None:
        qs = qs.filter(person__in=people_visible_to(actor))
    if not include_ended:
        qs = qs.filter(ended_at__isnull=True)
    rows = list(qs.order_by("ended_at", "-role", "person__last_name", "-since"))
    where = {p.person_id: p for p in Placement.objects.filter(person_id__in=[m.person_id for m in rows],
                                                                 end_at__isnull=True).select_related("cell", "unit")}
    for m in rows:
        p = where.get(m.person_id)
        m.cell = p.cell if p else None  # type: ignore[attr-defined]
        m.unit = p.unit if p else None  # type: ignore[attr-defined]
    return rows


def members_by_unit(group: Group, actor: Any = None) -> list[dict[str, Any]]:
    """Open members of a group grouped by their current unit (security staff's "members per unit")."""
    units: dict[str, dict[str, Any]] = {}
    for m in group_members(group, actor=actor):
        unit = getattr(m, "unit", None)
        key = unit.code if unit else ""
        units.setdefault(key, {"unit": unit, "members": []})["members"].append(m)
    return sorted(units.values(), key=lambda e: (e["unit"] is None, e["unit"].code if e["unit"] else ""))


def group_rivalries(group: Group, *, include_ended: bool = False) -> list[Rivalry]:
    qs = Rivalry.objects.filter(Q(group_a=group) | Q(group_b=group)).select_related("group_a", "group_b")
    if not include_ended:
        qs = qs.filter(ended_at__isnull=True)
    rows = list(qs.order_by("ended_at", "-since"))
    for r in rows:
        r.other_group = r.other(group.pk)  # type: ignore[attr-defined]
    return rows


def rivalry_list(*, actor: Any, include_ended: bool = False) -> QuerySet[Rivalry]:
    require_list(actor, "group.view", "rivalry")
    qs = Rivalry.objects.select_related("group_a", "group_b")
    if not include_ended:
        qs = qs.filter(ended_at__isnull=True)
    return qs.order_by("group_a__name", "group_b__name")


def rivalry_get(*, actor: Any, rivalry_id: Any) -> Rivalry:
    pk = _pk(rivalry_id)
    rivalry = (Rivalry.objects.select_related("group_a", "group_b").filter(pk=pk).first()
               if pk is not None and may_see_groups(actor) else None)
    if rivalry is None:
        raise deny_read(actor, "group.view", "rivalry", rivalry_id)
    return rivalry


def leadership_history(group: Group) -> QuerySet[LeadershipChange]:
    return group.leadership_changes.select_related("previous_leader", "new_leader", "recorded_by")


def memberships_of(*, actor: Any, person: Person, include_ended: bool = True) -> list[Membership]:
    require_list(actor, "group.view", "membership")
    qs = Membership.objects.filter(person=person).select_related("group")
    if not include_ended:
        qs = qs.filter(ended_at__isnull=True)
    return list(qs.order_by("ended_at", "group__name", "-since"))


def membership_list(*, actor: Any, person: Person | None = None, group: Group | None = None,
                    include_ended: bool = False) -> QuerySet[Membership]:
    require_list(actor, "group.view", "membership")
    qs = Membership.objects.select_related("person", "group").filter(person__in=people_visible_to(actor))
    if person is not None:
        qs = qs.filter(person=person)
    if group is not None:
        qs = qs.filter(group=group)
    if not include_ended:
        qs = qs.filter(ended_at__isnull=True)
    return qs.order_by("group__name", "person__last_name", "-since")


def membership_get(*, actor: Any, membership_id: Any) -> Membership:
    pk = _pk(membership_id)
    m = (Membership.objects.select_related("person", "group").filter(pk=pk).first()
         if pk is not None and may_see_groups(actor) else None)
    if m is None:
        raise deny_read(actor, "group.view", "membership", membership_id)
    return m


# --------------------------------------------------------------------------- placement previews


def placement_warnings(*, actor: Any, person: Person, cell: Cell) -> list[rules.GroupWarning]:
    """Group warnings for placing ``person`` in ``cell``; empty for anyone who may not see groups."""
    if not may_see_groups(actor):
        return []
    return rules.placement_warnings(person, cell)


def unit_groups(*, actor: Any, unit_id: int, person: Person | None = None) -> list[dict[str, Any]]:
    if not may_see_groups(actor):
        return []
    groups = rules.unit_groups(unit_id, person)
    hidden = set(Person.objects.filter(sealed=True).values_list("pk", flat=True)) if not allowed(
        actor, "person.view_sealed") else set()
    if hidden:
        for g in groups:
            g["members"] = [m for m in g["members"] if m["person"].pk not in hidden]
            g["leaders"] = [m for m in g["leaders"] if m["person"].pk not in hidden]
        groups = [g for g in groups if g["members"]]
    return groups
