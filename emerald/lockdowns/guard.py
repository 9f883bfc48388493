"""The lockdown guard that housing asks before every admission and move.

Registered from ``LockdownsConfig.ready()`` into ``emerald.housing.rules``, so
housing never imports this app and the move dialog, the re-housing planner
and the services all ask the same question.
"""

from __future__ import annotations

from typing import Any

from emerald.facilities.models import Cell, Unit
from emerald.lockdowns.models import Lockdown


def active_lockdowns() -> list[Lockdown]:
    """Every lockdown in force (a handful at most), in one query."""
    return list(Lockdown.objects.filter(lifted_at__isnull=True).select_related("unit", "facility"))


def lockdowns_crossed(
    cell: Cell, source_unit_id: int | None, active: list[Lockdown] | None = None,
    source_facility_id: int | None = None,
) -> list[Lockdown]:
    """The lockdowns in force that a move into ``cell`` from ``source_unit_id`` (None: an admission) crosses.

    A move is refused when its target or its source is in a locked unit or a
    locked facility; a move within a locked unit has both.
    """
    active = active_lockdowns() if active is None else active
    if not active:
        return []
    units = {cell.unit_id}
    facilities = {cell.unit.facility_id}
    if source_unit_id is not None:
        units.add(source_unit_id)
        if source_facility_id is None:
            source_facility_id = Unit.objects.filter(pk=source_unit_id).values_list("facility_id", flat=True).first()
        if source_facility_id is not None:
            facilities.add(source_facility_id)
    return [
        lock for lock in active
        if (lock.unit_id is not None and lock.unit_id in units)
        or (lock.facility_id is not None and lock.facility_id in facilities)
    ]


class LockdownGuard:
    """The object housing.rules calls: ``locks_for`` and ``record_emergency``."""

    def locks_for(self, cell: Cell, source_unit_id: int | None) -> list[Lockdown]:
        return lockdowns_crossed(cell, source_unit_id)

    def record_emergency(self, *, actor: Any, placement: Any, locks: list[Any], reason: str,
                         from_cell: Cell | None = None) -> None:
        mine = [lock for lock in locks if isinstance(lock, Lockdown)]
        if mine:
            from emerald.lockdowns.services import emergency_move_flag

            emergency_move_flag(actor=actor, placement=placement, lockdowns=mine, reason=reason,
                                from_cell=from_cell)
