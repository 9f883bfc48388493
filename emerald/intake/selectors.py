"""Permission-filtered reads of reception: intakes, returning-person candidates, classifications, the
vulnerability flag (and, for few, its reasons), reassessment tasks, and the housing preview shown before a
cell is chosen."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from emerald.accounts.permissions import allowed
from emerald.audit import services as audit
from emerald.core.access import deny_read, require_list
from emerald.core.visibility import visible_records
from emerald.facilities.models import Unit
from emerald.housing.models import Placement
from emerald.housing.rules import open_orders_for
from emerald.housing.visibility import reason_label
from emerald.intake import scoring
from emerald.intake.models import (
    Classification,
    Intake,
    IntakeStatus,
    ReassessmentTask,
    Screening,
    TaskStatus,
)
from emerald.people.models import Person
from emerald.people.selectors import people_visible_to, person_search
from emerald.people.visibility import may_know_person


def _pk(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def intake_list(*, actor: Any, status: str = "") -> QuerySet[Intake]:
    require_list(actor, "intake.view", "intake")
    qs = Intake.objects.select_related("person", "facility", "started_by", "placement__cell")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-started_at", "-id")


def intake_get(*, actor: Any, intake_id: Any) -> Intake:
    pk = _pk(intake_id)
    intake = (Intake.objects.select_related("person", "facility", "placement__cell", "started_by", "completed_by")
              .filter(pk=pk).first() if pk is not None and allowed(actor, "intake.view") else None)
    if intake is None or not people_visible_to(actor).filter(pk=intake.person_id).exists():
        raise deny_read(actor, "intake.view", "intake", intake_id)
    return intake


def hidden_matches_of(*, actor: Any, intake: Intake) -> list[Person]:
    """Sealed records with this arrival's name and date of birth, for the readers who may know them (the
    receiving officer did not see them, so the intake went on as a new record)."""
    return [p for p in intake.hidden_matches.all() if may_know_person(p, actor)]


def returning_candidates(*, actor: Any, first_name: str = "", last_name: str = "", date_of_birth: date | None = None,
                         inmate_number: str = "", aliases: list[str] | None = None,
                         limit: int = 10) -> list[dict[str, Any]]:
    """People Emerald already knows who may be this arrival: by number, name, alias or date of birth.

    Each: ``{"person", "why": [...], "score"}``, the strongest first (number, then name with the same date
    of birth, then name, alias, date of birth alone). Only records the actor may know exist.
    """
    found: dict[int, dict[str, Any]] = {}

    def add(person: Person, why: str, weight: int) -> None:
        entry = found.setdefault(person.pk, {"person": person, "why": [], "score": 0})
        if why not in entry["why"]:
            entry["why"].append(why)
            entry["score"] += weight

    number = (inmate_number or "").strip().upper()
    if number:
        for p in people_visible_to(actor).filter(inmate_number=number):
            add(p, "number", 100)
    name = " ".join(f"{first_name} {last_name}".split())
    if name:
        for p in list(person_search(actor=actor, q=name)[:limit]):
            add(p, "name", 20)
    for alias in aliases or []:
        if alias.strip():
            for p in list(person_search(actor=actor, q=alias)[:limit]):
                add(p, "alias", 10)
    if date_of_birth is not None:
        for p in people_visible_to(actor).filter(date_of_birth=date_of_birth)[:50]:
            add(p, "date_of_birth", 30 if p.pk in found else 5)
    rows = sorted(found.values(), key=lambda e: (-e["score"], e["person"].last_name, e["person"].inmate_number))
    return rows[:limit]


def latest_classification(person: Person) -> Classification | None:
    return Classification.objects.filter(person=person).select_related("decided_by").order_by(
        "-decided_at", "-id").first()


def classification_history(*, actor: Any, person: Person) -> list[Classification]:
    if not allowed(actor, "intake.view"):
        return []
    return list(Classification.objects.filter(person=person).select_related("decided_by").order_by(
        "-decided_at", "-id"))


def may_see_details(actor: Any, screening: Screening | None) -> bool:
    return screening is not None and (allowed(actor, "vulnerability.view_details")
                                      or screening.screened_by_id == getattr(actor, "pk", None))


def vulnerability_of(*, actor: Any, person: Person, channel: str = "web") -> dict[str, Any] | None:
    """The latest screening as the actor may see it: None (not allowed, or never screened), else
    ``{"vulnerable", "screened_at", "reasons"}`` with ``reasons`` None unless the actor may see them. Every
    read of the reasons is audited."""
    if not allowed(actor, "vulnerability.view"):
        return None
    s = Screening.objects.filter(person=person).order_by("-screened_at", "-id").first()
    if s is None:
        return None
    result: dict[str, Any] = {"vulnerable": s.vulnerable, "screened_at": s.screened_at, "screening": s,
                              "reasons": None, "reason_keys": None}
    if may_see_details(actor, s):
        result["reasons"] = scoring.reason_labels(s.reasons)
        result["reason_keys"] = list(s.reasons)
        audit.record(actor=actor, action="vulnerability.view_details", object_type="person",
                     object_id=person.inmate_number, changes={"screening_id": s.pk, "channel": channel},
                     summary=f"viewed the vulnerability screening of {person.inmate_number}")
    return result


def _visible_tasks(qs: QuerySet[ReassessmentTask], actor: Any) -> QuerySet[ReassessmentTask]:
    """Leave out the tasks a report the reader may not know created (a sexual-abuse report's reassessments):
    whoever may not see the report does not see its tasks either, so no task marks its victim."""
    return qs.filter(Q(incident__isnull=True) | Q(incident__in=visible_records(actor, "incident")))


def task_list(*, actor: Any, status: str = TaskStatus.OPEN, person: Person | None = None) -> QuerySet[ReassessmentTask]:
    require_list(actor, "reassessment.view", "reassessment")
    qs = ReassessmentTask.objects.select_related("person", "incident", "completed_by", "classification")
    qs = _visible_tasks(qs.filter(person__in=people_visible_to(actor)), actor)
    if status:
        qs = qs.filter(status=status)
    if person is not None:
        qs = qs.filter(person=person)
    return qs.order_by("status", "due_at", "id")


def task_get(*, actor: Any, task_id: Any) -> ReassessmentTask:
    pk = _pk(task_id)
    task = (_visible_tasks(ReassessmentTask.objects.select_related("person", "incident", "classification", "screening")
                           .filter(pk=pk, person__in=people_visible_to(actor)), actor).first()
            if pk is not None and allowed(actor, "reassessment.view") else None)
    if task is None:
        raise deny_read(actor, "reassessment.view", "reassessment", task_id)
    return task


def task_incident_visible(actor: Any, task: ReassessmentTask) -> bool:
    """Whether the actor may see which incident triggered the task (never a report they may not know of)."""
    if task.incident_id is None:
        return False
    from emerald.incidents.selectors import may_see_incident

    return may_see_incident(actor, task.incident)


# --------------------------------------------------------------------------- before a cell is chosen


def keep_apart_of(*, actor: Any, person: Person) -> list[dict[str, Any]]:
    """Open keep-apart orders of the person with where the other person is now (security roles only)."""
    if not allowed(actor, "non_association.view"):
        return []
    orders = list(open_orders_for(person.pk))
    others = [o.other(person.pk) for o in orders]
    where = {p.person_id: p for p in Placement.objects.filter(person__in=others, end_at__isnull=True)
             .select_related("cell", "unit")}
    rows = []
    for o in orders:
        other = o.other(person.pk)
        p = where.get(other.pk)
        rows.append({"order": o, "person": other, "scope": o.get_scope_display(), "reason": reason_label(o),
                     "cell": p.cell.code if p else None, "unit": p.unit.code if p else None})
    return rows


def housing_preview(*, actor: Any, intake: Intake, unit_id: int | None = None, limit: int = 10) -> dict[str, Any]:
    """Everything staff must see before choosing a cell: relatives and associates in custody (and where),
    enemies and keep-apart orders, the person's groups and the groups (own and rival) in the target unit,
    the vulnerability flag, and the ranked safe cells of the housing optimiser with their reasons and any
    group warnings."""
    from emerald.planning.selectors import suggest_cells
    from emerald.relations import selectors as relations

    person = intake.person
    units = list(Unit.objects.filter(facility=intake.facility).order_by("code"))
    unit = next((u for u in units if u.pk == unit_id), None)
    connections = relations.connections_in_custody(actor=actor, person=person)
    groups = relations.memberships_of(actor=actor, person=person, include_ended=False) if relations.may_see_groups(
        actor) else []
    ranked = suggest_cells(person, intake.facility, limit=limit, actor=actor,
                           unit_id=unit.pk if unit is not None else None)
    cells = ranked["cells"][:limit]
    connection_units = {}
    for c in connections:
        connection_units.setdefault(c["unit"], []).append(c)
    from emerald.facilities.models import Cell

    cell_objs = Cell.objects.select_related("unit").in_bulk([c["cell_id"] for c in cells])
    for rank, c in enumerate(cells, 1):
        c["rank"] = rank
        c["warnings"] = [w.sentence() for w in relations.placement_warnings(actor=actor, person=person,
                                                                              cell=cell_objs[c["cell_id"]])]
        c["connections"] = connection_units.get(c["unit"], [])
    target_ids = [unit.pk] if unit else sorted({cell_objs[c["cell_id"]].unit_id for c in cells})
    unit_groups = [{"unit": u, "groups": relations.unit_groups(actor=actor, unit_id=u.pk, person=person)}
                   for u in units if u.pk in target_ids]
    return {
        "units": units, "unit": unit, "connections": connections,
        "enemies": [c for c in connections if c["enemy"]],
        "keep_apart": keep_apart_of(actor=actor, person=person), "groups": groups, "unit_groups": unit_groups,
        "cells": cells, "none_reason": ranked["none_reason"] if not cells else "",
        "vulnerability": vulnerability_of(actor=actor, person=person),
        "classification": latest_classification(person),
    }


# --------------------------------------------------------------------------- the housing optimiser


def planning_traits(person_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For emerald.planning: ``vulnerable`` from each person's latest screening, ``violent`` from a latest
    classification that found a serious or recent history of violence."""
    traits: dict[int, dict[str, Any]] = {}
    seen: set[int] = set()
    for pid, vulnerable in (Screening.objects.filter(person_id__in=person_ids)
                            .order_by("person_id", "-screened_at", "-id").values_list("person_id", "vulnerable")):
        if pid not in seen:
            seen.add(pid)
            if vulnerable:
                traits.setdefault(pid, {})["vulnerable"] = True
    seen.clear()
    for pid, factors in (Classification.objects.filter(person_id__in=person_ids)
                         .order_by("person_id", "-decided_at", "-id").values_list("person_id", "factors")):
        if pid not in seen:
            seen.add(pid)
            if any(f.get("factor") == "violence_history" and f.get("answer") == "serious" for f in factors or []):
                traits.setdefault(pid, {})["violent"] = True
    return traits


def open_intake_count(actor: Any) -> int:
    if not allowed(actor, "intake.view"):
        return 0
    return Intake.objects.filter(status=IntakeStatus.OPEN).count()
