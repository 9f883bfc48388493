"""Permission-filtered reads: the roll with who is out, absences, transfers and the manager's queue, counts,
alerts, escapes and the movement log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from emerald.core import clock
from emerald.core.access import require_list
from emerald.movements import roll as roll_mod
from emerald.movements.roll import UnitRoll


def live_roll(*, actor: Any, unit_ids: list[int] | None = None, with_people: bool = False) -> list[UnitRoll]:
    """Per unit now: beds, occupied, in cell, out, free, over certified capacity (from open placements)."""
    require_list(actor, "roll.view", "roll")
    return roll_mod.compute(unit_ids=unit_ids, with_people=with_people)


def roll_as_of(*, actor: Any, at: datetime, unit_ids: list[int] | None = None) -> list[UnitRoll]:
    """The same roll as of a past moment, from the placement and absence history."""
    require_list(actor, "roll.view", "roll")
    if at >= clock.now():
        return roll_mod.compute(unit_ids=unit_ids)
    return roll_mod.compute(at=at, unit_ids=unit_ids)


# ----------------------------------------------------------------------------------------------------- helpers


def _pk(value: Any) -> int | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk < 2**63 else None


def _get(qs: Any, actor: Any, action: str, object_type: str, object_id: Any) -> Any:
    from emerald.core.access import deny_read

    pk = _pk(object_id)
    obj = qs.filter(pk=pk).first() if pk is not None else None
    if obj is None:
        raise deny_read(actor, action, object_type, object_id)
    return obj


# ----------------------------------------------------------------------------------------------------- absences


def absences_visible_to(actor: Any) -> Any:
    from emerald.accounts.permissions import allowed
    from emerald.movements.models import Absence

    if not allowed(actor, "absence.view"):
        return Absence.objects.none()
    return Absence.objects.select_related("person", "placement__cell", "placement__unit", "created_by",
                                          "departed_by", "returned_by", "closed_by")


def absence_list(*, actor: Any, status: str | None = None, unit_id: Any = None, person: Any = None) -> Any:
    """Absences, newest first; ``unit_id`` filters by the person's current unit."""
    require_list(actor, "absence.view", "absence")
    qs = absences_visible_to(actor)
    if status:
        qs = qs.filter(status=status)
    if unit_id is not None:
        qs = qs.filter(person__placements__end_at__isnull=True, person__placements__unit_id=unit_id)
    if person is not None:
        qs = qs.filter(person=person)
    return qs.order_by("-created_at", "-id")


def absence_get(*, actor: Any, absence_id: Any) -> Any:
    return _get(absences_visible_to(actor), actor, "absence.view", "absence", absence_id)


def unit_movements(*, actor: Any, unit_id: Any) -> dict[str, Any]:
    """One unit now: who is in their cell, who is out (and where), expected back, overdue, departures planned."""
    from emerald.facilities.selectors import unit_get
    from emerald.housing.models import Placement
    from emerald.movements.models import Absence, AbsenceStatus

    require_list(actor, "absence.view", "absence")
    unit = unit_get(actor=actor, unit_id=unit_id)
    now = clock.now()
    placements = list(Placement.objects.filter(unit=unit, end_at__isnull=True).select_related("person", "cell")
                      .order_by("cell__code", "person__last_name"))
    people = [p.person_id for p in placements]
    out = {a.person_id: a for a in Absence.objects.filter(status=AbsenceStatus.OUT, person_id__in=people)
           .select_related("person", "departed_by")}
    planned = list(Absence.objects.filter(status=AbsenceStatus.SCHEDULED, person_id__in=people)
                   .select_related("person").order_by("planned_out_at"))
    cell_of = {p.person_id: p.cell for p in placements}
    for a in out.values():
        a.cell = cell_of.get(a.person_id)  # type: ignore[attr-defined]
        a.overdue = a.expected_back_at < now  # type: ignore[attr-defined]
    away = sorted(out.values(), key=lambda a: (a.expected_back_at, a.person.last_name))
    return {
        "unit": unit,
        "now": now,
        "in_cell": [{"person": p.person, "cell": p.cell} for p in placements if p.person_id not in out],
        "out": away,
        "overdue": [a for a in away if a.expected_back_at < now],
        "planned": planned,
        "occupied": len(placements),
    }


# ----------------------------------------------------------------------------------------------------- transfers


def transfers_visible_to(actor: Any) -> Any:
    from emerald.accounts.permissions import allowed
    from emerald.movements.models import Transfer

    if not allowed(actor, "transfer.view"):
        return Transfer.objects.none()
    return Transfer.objects.select_related(
        "person", "from_unit", "from_cell", "to_unit", "to_unit__facility", "to_cell", "ordered_by", "approved_by",
        "executed_by", "contested_by", "decided_by", "rejected_by", "cancelled_by", "acknowledged_by",
        "emergency_reviewed_by", "placement__cell", "reversal_placement__cell")


def transfer_list(*, actor: Any, status: str | None = None, person: Any = None, unit_id: Any = None) -> Any:
    """Transfers newest first; ``unit_id``: out of or into that unit."""
    from django.db.models import Q

    require_list(actor, "transfer.view", "transfer")
    qs = transfers_visible_to(actor)
    if status:
        qs = qs.filter(status=status)
    if person is not None:
        qs = qs.filter(person=person)
    if unit_id is not None:
        qs = qs.filter(Q(from_unit_id=unit_id) | Q(to_unit_id=unit_id))
    return qs.order_by("-requested_at", "-id")


def transfer_get(*, actor: Any, transfer_id: Any) -> Any:
    return _get(transfers_visible_to(actor), actor, "transfer.view", "transfer", transfer_id)


def manager_queue(*, actor: Any) -> Any:
    """Transfers out of the actor's units that they did not approve and have not yet acknowledged or contested.

    Unit managers see their own units' queue; wardens and administrators see every unit's.
    """
    from emerald.accounts.permissions import is_global, managed_unit_ids
    from emerald.movements.models import ManagerReview, TransferStatus

    require_list(actor, "transfer.view", "transfer")
    qs = transfers_visible_to(actor).filter(manager_review=ManagerReview.PENDING,
                                            status__in=[TransferStatus.APPROVED, TransferStatus.EXECUTED])
    if not is_global(actor):
        qs = qs.filter(from_unit_id__in=managed_unit_ids(actor))
    return qs.order_by("requested_at", "id")


def contested_list(*, actor: Any) -> Any:
    """Contested transfers waiting for a warden's decision."""
    from emerald.movements.models import ManagerReview

    require_list(actor, "transfer.view", "transfer")
    return transfers_visible_to(actor).filter(manager_review=ManagerReview.CONTESTED).order_by("contested_at", "id")


def emergency_unreviewed(*, actor: Any) -> Any:
    from emerald.movements.models import TransferStatus

    require_list(actor, "transfer.view", "transfer")
    return transfers_visible_to(actor).filter(emergency=True, status=TransferStatus.EXECUTED,
                                              emergency_reviewed_at__isnull=True).order_by("executed_at", "id")


def awaiting_approval(*, actor: Any) -> Any:
    """Requested transfers the actor may approve (unit managers: out of their units)."""
    from emerald.accounts.permissions import allowed, is_global, managed_unit_ids
    from emerald.movements.models import TransferStatus

    require_list(actor, "transfer.view", "transfer")
    qs = transfers_visible_to(actor).filter(status=TransferStatus.REQUESTED)
    if not allowed(actor, "transfer.approve"):
        return qs.none()
    if not is_global(actor):
        qs = qs.filter(from_unit_id__in=managed_unit_ids(actor))
    return qs.order_by("requested_at", "id")


# ----------------------------------------------------------------------------------------------------- counts


def counts_visible_to(actor: Any) -> Any:
    from emerald.accounts.permissions import allowed
    from emerald.movements.models import Count

    if not allowed(actor, "count.view"):
        return Count.objects.none()
    return Count.objects.select_related("facility", "started_by", "cleared_by", "escalated_by", "lockdown")


def count_list(*, actor: Any, status: str | None = None) -> Any:
    require_list(actor, "count.view", "count")
    qs = counts_visible_to(actor)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-started_at", "-id")


def count_get(*, actor: Any, count_id: Any) -> Any:
    return _get(counts_visible_to(actor), actor, "count.view", "count", count_id)


def sheet_get(*, actor: Any, sheet_id: Any) -> Any:
    from emerald.accounts.permissions import allowed
    from emerald.movements.models import CountSheet

    qs = (CountSheet.objects.select_related("count", "count__facility", "unit", "submitted_by", "crosscheck_by")
          if allowed(actor, "count.view") else CountSheet.objects.none())
    return _get(qs, actor, "count.view", "count_sheet", sheet_id)


def sheet_lines(*, actor: Any, sheet: Any) -> list[Any]:
    require_list(actor, "count.view", "count")
    return list(sheet.lines.select_related("person", "cell", "absence", "marked_by", "reconciled_by")
                .order_by("cell__code", "person__last_name", "id"))


def line_get(*, actor: Any, line_id: Any) -> Any:
    from emerald.accounts.permissions import allowed
    from emerald.movements.models import CountLine

    qs = (CountLine.objects.select_related("sheet", "sheet__count", "sheet__unit", "person", "cell", "absence")
          if allowed(actor, "count.view") else CountLine.objects.none())
    return _get(qs, actor, "count.view", "count_line", line_id)


def count_summary(count: Any) -> list[dict[str, Any]]:
    """Each sheet of a count with its findings (for the count page and the API)."""
    from emerald.movements.services import sheet_findings

    out = []
    for sheet in count.sheets.select_related("unit", "submitted_by", "crosscheck_by").order_by("unit__code"):
        lines = list(sheet.lines.select_related("person"))
        out.append({"sheet": sheet, **sheet_findings(sheet, lines)})
    return out


def open_alerts(*, actor: Any) -> Any:
    """Count discrepancies not yet resolved, for the dashboard (empty for roles not alerted)."""
    from emerald.accounts.permissions import allowed
    from emerald.movements.models import Alert, AlertStatus

    if not allowed(actor, "count.alerts"):
        return Alert.objects.none()
    return (Alert.objects.filter(status=AlertStatus.OPEN).select_related("count", "sheet__unit", "facility")
            .order_by("-raised_at", "-id"))


# ----------------------------------------------------------------------------------------------------- escapes


def escapes_visible_to(actor: Any) -> Any:
    from emerald.accounts.permissions import allowed
    from emerald.movements.models import Escape

    if not allowed(actor, "escape.view"):
        return Escape.objects.none()
    return Escape.objects.select_related("person", "from_unit", "from_cell", "recorded_by", "recaptured_by",
                                         "recapture_placement__cell", "incident", "count")


def escape_list(*, actor: Any, kind: str | None = None, at_large: bool | None = None) -> Any:
    require_list(actor, "escape.view", "escape")
    qs = escapes_visible_to(actor)
    if kind:
        qs = qs.filter(kind=kind)
    if at_large is not None:
        qs = qs.filter(kind="escape", recaptured_at__isnull=at_large)
    return qs.order_by("-last_seen_at", "-id")


def escape_get(*, actor: Any, escape_id: Any) -> Any:
    return _get(escapes_visible_to(actor), actor, "escape.view", "escape", escape_id)


# ----------------------------------------------------------------------------------------------------- movement log


def movement_log(*, actor: Any, unit_id: Any = None, person: Any = None, limit: int = 100) -> list[dict[str, Any]]:
    """Every movement, newest first: placements opened and closed, absences out and back, transfers, escapes.

    Each source is read newest first up to ``limit`` rows, then merged: a fixed number of queries.
    """
    from django.db.models import Q

    from emerald.housing.models import Placement
    from emerald.movements.models import Absence, Escape, Transfer

    require_list(actor, "placement.view", "placement")
    events: list[dict[str, Any]] = []
    pq = Placement.objects.select_related("person", "cell", "unit", "ordered_by", "ended_by")
    aq = Absence.objects.exclude(out_at__isnull=True).select_related("person", "placement__cell", "departed_by",
                                                                     "returned_by")
    tq = Transfer.objects.exclude(executed_at__isnull=True).select_related("person", "from_cell", "placement__cell",
                                                                           "ordered_by", "approved_by", "executed_by")
    eq = Escape.objects.select_related("person", "from_cell", "recorded_by")
    if unit_id is not None:
        pq = pq.filter(unit_id=unit_id)
        aq = aq.filter(placement__unit_id=unit_id)
        tq = tq.filter(Q(from_unit_id=unit_id) | Q(to_unit_id=unit_id))
        eq = eq.filter(from_unit_id=unit_id)
    if person is not None:
        pq, aq, tq, eq = pq.filter(person=person), aq.filter(person=person), tq.filter(person=person), \
            eq.filter(person=person)
    for p in pq.order_by("-start_at", "-id")[:limit]:
        events.append({"at": p.start_at, "kind": "in", "subkind": p.kind, "person": p.person, "where": p.cell.code,
                       "by": p.ordered_by, "detail": p.reason})
    for p in pq.filter(end_at__isnull=False).order_by("-end_at", "-id")[:limit]:
        events.append({"at": p.end_at, "kind": "out", "subkind": "end", "person": p.person, "where": p.cell.code,
                       "by": p.ended_by, "detail": p.end_reason})
    for a in aq.order_by("-out_at", "-id")[:limit]:
        events.append({"at": a.out_at, "kind": "absence_out", "subkind": a.kind, "person": a.person,
                       "where": a.destination, "by": a.departed_by, "detail": a.reason})
        if a.back_at:
            events.append({"at": a.back_at, "kind": "absence_back", "subkind": a.kind, "person": a.person,
                           "where": a.placement.cell.code if a.placement else "", "by": a.returned_by, "detail": ""})
    for t in tq.order_by("-executed_at", "-id")[:limit]:
        events.append({"at": t.executed_at, "kind": "transfer", "subkind": "emergency" if t.emergency else "approved",
                       "person": t.person, "where": f"{t.from_cell.code} → {t.placement.cell.code if t.placement else ''}",
                       "by": t.executed_by, "detail": t.reason, "transfer": t})
    for e in eq.order_by("-last_seen_at", "-id")[:limit]:
        events.append({"at": e.last_seen_at, "kind": e.kind, "subkind": e.kind, "person": e.person,
                       "where": e.from_cell.code if e.from_cell else "", "by": e.recorded_by, "detail": e.circumstances})
    events.sort(key=lambda ev: ev["at"], reverse=True)
    return events[:limit]
