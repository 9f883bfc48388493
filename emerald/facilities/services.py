"""Writes on facilities, units, cells and beds."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from emerald.accounts.permissions import manages_unit
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import forbid, require
from emerald.core.errors import Conflict, field_error
from emerald.core.services import require_text, service
from emerald.facilities.models import (
    Bed,
    Bunk,
    Cell,
    CellServiceChange,
    Facility,
    SecurityLevel,
    Unit,
    UnitKind,
    UnitStatus,
    UnitStatusChange,
)


@service("facility.create")
def facility_create(*, actor: Any, code: str, name: str, timezone: str = "America/New_York") -> Facility:
    """Create a facility. Administrators only."""
    require(actor, "unit.create", "facility", code)
    code = (code or "").strip().upper()
    if not code:
        raise field_error("code", _("A code is required."))
    if Facility.objects.filter(code__iexact=code).exists():
        raise field_error("code", _("A facility with this code exists."))
    facility = Facility.objects.create(code=code, name=name.strip() or code, timezone=timezone)
    audit.record(actor=actor, action="facility.create", object_type="facility", object_id=facility.pk,
                 changes={"code": code, "name": facility.name}, summary=f"created facility {code}")
    return facility


@service("unit.create")
def unit_create(
    *, actor: Any, facility: Facility, code: str, name: str, kind: str, security_level: str,
    status: str = UnitStatus.OPEN,
) -> Unit:
    """Create a housing unit in a facility. Administrators only."""
    require(actor, "unit.create", "unit", code)
    if kind not in UnitKind.values:
        raise field_error("kind", _("Unknown unit kind."))
    if security_level not in SecurityLevel.values:
        raise field_error("security_level", _("Unknown security level."))
    if status not in (UnitStatus.OPEN, UnitStatus.CLOSED):
        raise field_error("status", _("A new unit is open or closed."))
    if Unit.objects.filter(facility=facility, code=code).exists():
        raise field_error("code", _("A unit with this code exists in the facility."))
    unit = Unit.objects.create(
        facility=facility, code=code, name=name, kind=kind, security_level=security_level, status=status
    )
    audit.record(actor=actor, action="unit.create", object_type="unit", object_id=unit.pk,
                 changes={"code": code, "kind": kind, "security_level": security_level, "status": status},
                 summary=f"created unit {code} in {facility.code}")
    return unit


@service("cell.create")
def cell_create(
    *, actor: Any, unit: Unit, code: str, beds: int, certified_capacity: int | None = None,
    accessible: bool = False, single_occupancy: bool = False, bunks: bool = True,
) -> Cell:
    """Create a cell with ``beds`` beds (numbered 1..n; two-bed cells get a lower and an upper bunk)."""
    require(actor, "cell.create", "cell", code)
    if beds < 1:
        raise field_error("beds", _("A cell has at least one bed."))
    if single_occupancy and beds != 1:
        raise field_error("beds", _("A single-occupancy cell has one bed."))
    certified = beds if certified_capacity is None else certified_capacity
    if certified < 0:
        raise field_error("certified_capacity", _("Certified capacity cannot be negative."))
    if Cell.objects.filter(unit=unit, code=code).exists():
        raise field_error("code", _("A cell with this code exists in the unit."))
    cell = Cell.objects.create(
        unit=unit, code=code, certified_capacity=certified, accessible=accessible, single_occupancy=single_occupancy
    )
    if beds == 1:
        kinds = [Bunk.SINGLE]
    elif beds == 2 and bunks:
        kinds = [Bunk.LOWER, Bunk.UPPER]
    else:
        kinds = [Bunk.SINGLE] * beds
    Bed.objects.bulk_create([Bed(cell=cell, number=i + 1, bunk=k) for i, k in enumerate(kinds)])
    audit.record(actor=actor, action="cell.create", object_type="cell", object_id=cell.pk,
                 changes={"code": code, "beds": beds, "certified_capacity": certified, "accessible": accessible,
                          "single_occupancy": single_occupancy},
                 summary=f"created cell {code} in {unit.code}")
    return cell


def _lock_unit(unit: Unit) -> Unit:
    # Admissions and moves lock the target cell together with its unit (see housing.services._lock_cell),
    # so holding the unit row while checking "is anyone here?" keeps a concurrent admission from slipping
    # into a unit that is being closed. Re-reading also ignores a stale ``unit`` passed in.
    return Unit.objects.select_for_update().get(pk=unit.pk)


def _change_unit_status(*, actor: Any, unit: Unit, to_status: str, reason: str, action: str) -> Unit:
    before = unit.status
    UnitStatusChange.objects.create(
        unit=unit, from_status=before, to_status=to_status, reason=reason, changed_by=actor, changed_at=clock.now()
    )
    unit.status = to_status
    unit._history_user = actor  # type: ignore[attr-defined]
    unit.save(update_fields=["status"])
    audit.record(actor=actor, action=action, object_type="unit", object_id=unit.pk,
                 changes={"status": [before, to_status], "reason": reason},
                 summary=f"{to_status.replace('_', ' ')} unit {unit.code}: {reason}")
    return unit


@service("unit.close")
def unit_close(*, actor: Any, unit: Unit, reason: str) -> Unit:
    """Close an empty unit. A unit with anyone in it cannot be closed: move them first."""
    require(actor, "unit.close", "unit", unit.pk)
    if not manages_unit(actor, unit.pk):
        raise forbid("unit", unit.pk, _("You do not manage this unit."))
    reason = require_text(reason, "reason", _("A reason"))
    unit = _lock_unit(unit)
    if unit.status == UnitStatus.CLOSED:
        raise Conflict(_("Unit %(unit)s is already closed.") % {"unit": unit.code}, code="already_closed")
    from emerald.housing.models import Placement

    occupied = Placement.objects.filter(unit=unit, end_at__isnull=True).count()
    if occupied:
        raise Conflict(
            _("Unit %(unit)s still houses %(n)d people; move them out before closing it.")
            % {"unit": unit.code, "n": occupied},
            code="unit_occupied",
        )
    return _change_unit_status(actor=actor, unit=unit, to_status=UnitStatus.CLOSED, reason=reason, action="unit.close")


@service("unit.reopen")
def unit_reopen(*, actor: Any, unit: Unit, reason: str) -> Unit:
    """Reopen a closed unit, with a reason."""
    require(actor, "unit.close", "unit", unit.pk)
    if not manages_unit(actor, unit.pk):
        raise forbid("unit", unit.pk, _("You do not manage this unit."))
    reason = require_text(reason, "reason", _("A reason"))
    unit = _lock_unit(unit)
    if unit.status != UnitStatus.CLOSED:
        raise Conflict(_("Unit %(unit)s is not closed.") % {"unit": unit.code}, code="not_closed")
    return _change_unit_status(actor=actor, unit=unit, to_status=UnitStatus.OPEN, reason=reason, action="unit.reopen")


@service("cell.set_service")
def cell_set_service(*, actor: Any, cell: Cell, in_service: bool, reason: str) -> Cell:
    """Take a cell out of service (it must be empty) or return it to service, with a reason."""
    require(actor, "cell.set_service", "cell", cell.pk)
    if not manages_unit(actor, cell.unit_id):
        raise forbid("cell", cell.pk, _("You do not manage this unit."))
    reason = require_text(reason, "reason", _("A reason"))
    cell = Cell.objects.select_for_update().get(pk=cell.pk)
    if cell.in_service == in_service:
        raise Conflict(_("Nothing to change."), code="unchanged")
    if not in_service:
        from emerald.housing.models import Placement

        if Placement.objects.filter(cell=cell, end_at__isnull=True).exists():
            raise Conflict(_("Cell %(cell)s is occupied; move its occupants first.") % {"cell": cell.code},
                           code="cell_occupied")
    CellServiceChange.objects.create(cell=cell, in_service=in_service, reason=reason, changed_by=actor,
                                     changed_at=clock.now())
    cell.in_service = in_service
    cell.out_of_service_reason = "" if in_service else reason
    cell._history_user = actor  # type: ignore[attr-defined]
    cell.save(update_fields=["in_service", "out_of_service_reason"])
    audit.record(actor=actor, action="cell.set_service", object_type="cell", object_id=cell.pk,
                 changes={"in_service": in_service, "reason": reason},
                 summary=f"{'returned' if in_service else 'took'} cell {cell.code} {'to' if in_service else 'out of'} service: {reason}")
    return cell


@service("unit.assign_manager")
def unit_assign_manager(*, actor: Any, unit: Unit, manager: Any) -> Unit:
    """Make a unit manager responsible for a unit. Administrators only."""
    require(actor, "user.manage", "unit", unit.pk)
    if manager.role != "unit_manager":
        raise field_error("manager", _("Only unit managers are assigned to units."))
    unit.managers.add(manager)
    audit.record(actor=actor, action="unit.assign_manager", object_type="unit", object_id=unit.pk,
                 changes={"manager": manager.username}, summary=f"assigned {manager.username} to manage {unit.code}")
    return unit
