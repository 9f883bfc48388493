"""Permission-filtered reads: plans with their diff and reasons, and ranked safe cells for one person."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count, Q, QuerySet

from emerald.accounts.permissions import allowed
from emerald.core.access import deny_read, require_list
from emerald.facilities.models import Facility
from emerald.people.models import Person
from emerald.planning.describe import SECURITY_DATA, describe, why_unplaced
from emerald.planning.engine import suggest
from emerald.planning.loader import load_facility
from emerald.planning.models import ItemStatus, Plan


def plan_list(*, actor: Any) -> QuerySet[Plan]:
    """Every plan, newest first, with ``n_items``, ``n_proposed``, ``n_accepted``, ``n_rejected`` (one query)."""
    require_list(actor, "plan.view", "plan")
    return (Plan.objects.select_related("facility", "created_by")
            .annotate(n_items=Count("items"),
                      n_proposed=Count("items", filter=Q(items__status=ItemStatus.PROPOSED)),
                      n_accepted=Count("items", filter=Q(items__status=ItemStatus.ACCEPTED)),
                      n_rejected=Count("items", filter=Q(items__status=ItemStatus.REJECTED)))
            .order_by("-created_at", "-id"))


def plan_get(*, actor: Any, plan_id: Any) -> Plan:
    try:
        pk = int(plan_id)
    except (TypeError, ValueError):
        pk = None
    plan = (Plan.objects.filter(pk=pk).select_related("facility", "created_by").first()
            if pk is not None and 0 < pk < 2**63 else None)
    if plan is None or not allowed(actor, "plan.view"):
        raise deny_read(actor, "plan.view", "plan", plan_id)
    return plan


def reasons(explanation: list[Any], see_orders: bool) -> list[str]:
    return [describe(c, cost, params) for c, cost, params in explanation if see_orders or c not in SECURITY_DATA]


def plan_diff(*, actor: Any, plan: Plan) -> dict[str, Any]:
    """Who moves where and why, and who could not be placed and why: the plan review page.

    Three queries whatever the size of the plan. ``items``: ``id``, ``person``, ``from`` / ``from_unit`` (None
    for an arrival), ``to``, ``unit``, ``bed`` (number, or None), ``cost``, ``status``, ``decided_by``,
    ``decided_at``, ``decision_reason``, ``placement_id``, ``reasons``; ``unplaced``: ``inmate_number``,
    ``person`` (None if the record is gone from view), ``reason``.
    """
    see_orders = allowed(actor, "non_association.view")
    items = plan.items.select_related("person", "from_cell", "from_cell__unit", "to_cell", "to_cell__unit",
                                      "to_bed", "decided_by").order_by("id")
    numbers = [u["inmate_number"] for u in plan.unplaced]
    people = {p.inmate_number: p for p in Person.objects.filter(inmate_number__in=numbers)} if numbers else {}
    return {
        "plan": plan,
        "items": [{
            "id": i.pk, "person": i.person, "from": i.from_cell.code if i.from_cell else None,
            "from_unit": i.from_cell.unit.code if i.from_cell else None, "to": i.to_cell.code,
            "unit": i.to_cell.unit.code, "bed": i.to_bed.number if i.to_bed else None, "cost": i.cost,
            "status": i.status, "decided_by": i.decided_by, "decided_at": i.decided_at,
            "decision_reason": i.decision_reason, "placement_id": i.placement_id,
            "reasons": reasons(i.explanation, see_orders),
        } for i in items],
        "unplaced": [{"inmate_number": u["inmate_number"], "person": people.get(u["inmate_number"]),
                      "reason": why_unplaced(u["reasons"], see_orders)}
                     for u in plan.unplaced],
    }


def suggest_cells(person: Person, facility: Facility, limit: int = 10, *, actor: Any = None,
                  weights: dict[str, int] | None = None, unit_id: int | None = None) -> dict[str, Any]:
    """Ranked safe cells of ``facility`` for ``person`` (an arrival or a move), each with its reasons.

    ``unit_id``: a unit was named, so every suggestion is in it (or ``none_reason`` says why none fits).
    Cells of a unit whose purpose the person does not have are never suggested (emerald/housing/purposes.py).

    Answers ``{"cells": [{"cell_id", "cell", "unit_id", "unit", "bed_id", "cost", "reasons"}], "none_reason"}``;
    ``none_reason`` says why no cell is safe when the list is empty. Reasons that would reveal
    keep-apart orders are left out for roles that may not see the orders.
    """
    see_orders = actor is None or allowed(actor, "non_association.view")
    inst = load_facility(facility, arrivals=[person], weights=weights,
                         target_unit_ids=[unit_id] if unit_id is not None else None)
    refused: Counter[str] = Counter()
    found = suggest(inst, person.pk, limit, refused=refused)
    return {
        "cells": [{
            "cell_id": s.cell, "cell": s.code, "unit_id": inst.cells[s.cell].unit, "unit": s.unit,
            "bed_id": s.bed or None, "cost": s.cost,
            "reasons": reasons(s.items, see_orders),
        } for s in found],
        "none_reason": "" if found else why_unplaced(dict(refused.most_common()), see_orders),
    }
