"""Template helpers that show relationships and groups on other areas' pages (person, unit, move dialog).

Each answers None for roles that may not see security data, so the including template shows nothing.
"""

from __future__ import annotations

from typing import Any

from django import template

from emerald.accounts.permissions import allowed
from emerald.housing.models import Placement
from emerald.relations import rules, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def relations_for_person(context: Any, person: Any) -> dict[str, Any] | None:
    user = context["request"].user
    see_rel, see_groups = selectors.may_see_relationships(user), selectors.may_see_groups(user)
    if not (see_rel or see_groups):
        return None
    relationships = selectors.relationships_of(actor=user, person=person) if see_rel else []
    where = {p.person_id: p for p in Placement.objects.filter(
        person__in=[r.other_person for r in relationships], end_at__isnull=True).select_related("cell")}
    for r in relationships:
        p = where.get(r.other_person.pk)
        r.other_cell = p.cell.code if p else None
    return {
        "see_relationships": see_rel, "see_groups": see_groups, "relationships": relationships,
        "memberships": selectors.memberships_of(actor=user, person=person) if see_groups else [],
        "may_create": allowed(user, "relationship.create"), "may_end": allowed(user, "relationship.end"),
        "may_keep_apart": allowed(user, "non_association.create"), "may_record": allowed(user, "membership.record"),
        "may_end_membership": allowed(user, "membership.end"),
    }


@register.simple_tag(takes_context=True)
def move_group_warnings(context: Any, person: Any, unit: Any) -> list[dict[str, Any]] | None:
    """For the move/admission dialog: the group warnings of every cell of the chosen unit."""
    user = context["request"].user
    if person is None or unit is None or not selectors.may_see_groups(user):
        return None
    by_cell = rules.unit_placement_warnings(person, unit.pk)
    from emerald.facilities.models import Cell

    codes = dict(Cell.objects.filter(pk__in=list(by_cell)).values_list("pk", "code"))
    return [{"cell": codes[cid], "warnings": [w.sentence() for w in ws]}
            for cid, ws in sorted(by_cell.items(), key=lambda kv: codes[kv[0]])]


@register.simple_tag(takes_context=True)
def unit_group_members(context: Any, unit: Any) -> list[dict[str, Any]] | None:
    """For the unit page: groups present and their members (security staff only)."""
    user = context["request"].user
    if unit is None or not selectors.may_see_groups(user):
        return None
    return selectors.unit_groups(actor=user, unit_id=unit.pk)
