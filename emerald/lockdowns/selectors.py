"""Permission-filtered reads of lockdowns, emergency moves and re-housing runs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from emerald.accounts.permissions import allowed
from emerald.core.access import deny_read, require_list
from emerald.facilities.models import Unit
from emerald.lockdowns import progress
from emerald.lockdowns.models import EmergencyMove, Lockdown, RehousingItem, RehousingRun, RunStatus


def _pk(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def lockdowns_visible_to(actor: Any) -> QuerySet[Lockdown]:
    if not allowed(actor, "lockdown.view"):
        return Lockdown.objects.none()
    return Lockdown.objects.select_related("unit", "facility", "ordered_by", "lifted_by")


def lockdown_list(*, actor: Any, active: bool | None = None, unit: Unit | None = None) -> QuerySet[Lockdown]:
    """Lockdowns newest first; ``active`` True for those in force, False for lifted ones."""
    require_list(actor, "lockdown.view", "lockdown")
    qs = lockdowns_visible_to(actor)
    if active is not None:
        qs = qs.filter(lifted_at__isnull=active)
    if unit is not None:
        qs = qs.filter(unit=unit)
    return qs.order_by("-started_at", "-id")


def lockdown_get(*, actor: Any, lockdown_id: Any) -> Lockdown:
    pk = _pk(lockdown_id)
    lockdown = lockdowns_visible_to(actor).filter(pk=pk).first() if pk is not None else None
    if lockdown is None:
        raise deny_read(actor, "lockdown.view", "lockdown", lockdown_id)
    return lockdown


def banner_lockdowns(*, actor: Any, unit: Unit | None = None, other: Unit | None = None) -> list[Lockdown]:
    """What the banner shows: every facility lockdown in force, and the own lockdowns of the given units."""
    if actor is None or not allowed(actor, "lockdown.view"):
        return []
    unit_ids = {u.pk for u in (unit, other) if u is not None}
    qs = Lockdown.objects.filter(lifted_at__isnull=True).select_related("unit", "facility", "ordered_by")
    found = [lk for lk in qs if lk.facility_id is not None or lk.unit_id in unit_ids]
    return sorted(found, key=lambda lk: (lk.unit_id is not None, lk.started_at))


def locked_unit_ids() -> dict[int, Lockdown]:
    """unit id -> the lockdown holding it (its own, else its facility's), for the roll and dashboards."""
    active = list(Lockdown.objects.filter(lifted_at__isnull=True).select_related("unit", "facility"))
    if not active:
        return {}
    by_facility = {lk.facility_id: lk for lk in active if lk.facility_id}
    result: dict[int, Lockdown] = {}
    for unit_id, facility_id in Unit.objects.values_list("id", "facility_id"):
        if facility_id in by_facility:
            result[unit_id] = by_facility[facility_id]
    for lk in active:
        if lk.unit_id:
            result[lk.unit_id] = lk
    return result


def emergency_moves_visible_to(actor: Any) -> QuerySet[EmergencyMove]:
    if not allowed(actor, "emergency_move.view"):
        return EmergencyMove.objects.none()
    return EmergencyMove.objects.select_related(
        "placement", "placement__person", "placement__cell", "from_cell", "ordered_by", "reviewed_by"
    ).prefetch_related("lockdowns")


def emergency_move_list(*, actor: Any, pending: bool | None = None) -> QuerySet[EmergencyMove]:
    """Emergency moves newest first; ``pending`` True for those awaiting review."""
    require_list(actor, "emergency_move.view", "emergency_move")
    qs = emergency_moves_visible_to(actor)
    if pending is not None:
        qs = qs.filter(reviewed_at__isnull=pending)
    return qs.order_by("-ordered_at", "-id")


def emergency_move_get(*, actor: Any, move_id: Any) -> EmergencyMove:
    pk = _pk(move_id)
    move = emergency_moves_visible_to(actor).filter(pk=pk).first() if pk is not None else None
    if move is None:
        raise deny_read(actor, "emergency_move.view", "emergency_move", move_id)
    return move


def runs_visible_to(actor: Any) -> QuerySet[RehousingRun]:
    if not allowed(actor, "rehousing.view"):
        return RehousingRun.objects.none()
    return RehousingRun.objects.select_related("source_unit", "created_by", "executed_by", "cancelled_by")


def rehousing_list(*, actor: Any) -> QuerySet[RehousingRun]:
    require_list(actor, "rehousing.view", "rehousing_run")
    return runs_visible_to(actor).order_by("-created_at", "-id")


def rehousing_get(*, actor: Any, run_id: Any) -> RehousingRun:
    pk = _pk(run_id)
    run = runs_visible_to(actor).filter(pk=pk).first() if pk is not None else None
    if run is None:
        raise deny_read(actor, "rehousing.view", "rehousing_run", run_id)
    return run


def run_items(run: RehousingRun) -> list[RehousingItem]:
    return list(
        run.items.select_related("person", "from_cell", "from_cell__unit", "to_cell", "to_cell__unit", "placement")
        .order_by("position")
    )


def run_targets(run: RehousingRun) -> list[Unit]:
    by_id = {u.pk: u for u in run.target_units.all()}
    return [by_id[i] for i in run.target_order if i in by_id]


def run_progress(run: RehousingRun) -> dict[str, Any]:
    """{"done", "total", "state", "detail"}: the executor's published progress, else the committed status."""
    total = run.items.exclude(status="unplaceable").count()
    if run.status == RunStatus.EXECUTED:
        return {"done": total, "total": total, "state": "executed", "detail": ""}
    if run.status == RunStatus.CANCELLED:
        return {"done": 0, "total": total, "state": "cancelled", "detail": ""}
    published = progress.read(run.pk)
    if published and published.get("state") in ("running", "failed"):
        return published
    return {"done": 0, "total": total, "state": "previewed", "detail": ""}


def emergency_offered(actor: Any, *unit_ids: int | None) -> bool:
    """Whether a move dialog should offer the emergency option: a lockdown is in force and the actor may make
    emergency moves for a move touching these units (mirrors housing.services._may_emergency)."""
    from emerald.accounts.models import Role
    from emerald.accounts.permissions import manages_unit, role_of

    if not allowed(actor, "placement.emergency_move"):
        return False
    if role_of(actor) == Role.UNIT_MANAGER and not any(manages_unit(actor, u) for u in unit_ids if u is not None):
        return False
    return Lockdown.objects.filter(lifted_at__isnull=True).exists()
