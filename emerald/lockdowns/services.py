"""Writes on lockdowns, emergency moves and re-housing runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from emerald.accounts.models import Role
from emerald.accounts.permissions import manages_unit, role_of
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import forbid, require
from emerald.core.errors import Conflict, Invalid, ServiceError, field_error
from emerald.core.services import require_text, service
from emerald.facilities.models import Cell, Facility, Unit, UnitStatus
from emerald.housing.models import Placement
from emerald.housing.rules import locked_areas_for
from emerald.lockdowns import progress
from emerald.lockdowns.models import (
    EmergencyMove,
    ItemStatus,
    Lockdown,
    RehousingItem,
    RehousingRun,
    ReviewOutcome,
    RunStatus,
)
from emerald.lockdowns.planner import Mover, plan
from emerald.people.models import Person, PersonStatus

# ---------------------------------------------------------------------------------------------------------------
# Lockdowns


def _set_unit_status(*, actor: Any, unit: Unit, to_status: str, reason: str, action: str) -> None:
    # The facilities helper writes the unit's status with its UnitStatusChange record (who, when, why).
    from emerald.facilities.services import _change_unit_status

    _change_unit_status(actor=actor, unit=unit, to_status=to_status, reason=reason, action=action)


@service("lockdown.order")
def lockdown_order(*, actor: Any, reason: str, unit: Unit | None = None, facility: Facility | None = None) -> Lockdown:
    """Lock down one unit or a whole facility: from now every move into, out of or within it is refused
    unless made as an emergency move.

    A unit lockdown also sets the unit's status to ``locked_down`` (restored to
    ``open`` on lift). A facility lockdown leaves each unit's status as it is:
    it covers every unit, including units opened while it is in force, through
    the lockdown record itself.
    """
    area = unit.code if unit is not None else (facility.code if facility is not None else "")
    require(actor, "lockdown.order", "lockdown", area)
    if (unit is None) == (facility is None):
        raise Invalid(_("Choose a unit or the facility, not both."),
                      fields={"unit_id": [_("Choose a unit or the facility.")]})
    reason = require_text(reason, "reason", _("A reason"))
    now = clock.now()
    if unit is not None:
        if not manages_unit(actor, unit.pk):
            raise forbid("unit", unit.pk, _("You do not manage this unit."))
        unit = Unit.objects.select_for_update().select_related("facility").get(pk=unit.pk)
        if unit.status == UnitStatus.CLOSED:
            raise Conflict(_("Unit %(unit)s is closed: nobody is there to lock down.") % {"unit": unit.code},
                           code="unit_closed")
        existing = Lockdown.objects.filter(unit=unit, lifted_at__isnull=True).first()
    else:
        if role_of(actor) == Role.UNIT_MANAGER:
            raise forbid("facility", facility.pk, _("Only a warden or an administrator locks down a facility."))
        facility = Facility.objects.select_for_update().get(pk=facility.pk)
        existing = Lockdown.objects.filter(facility=facility, lifted_at__isnull=True).first()
    if existing is not None:
        raise Conflict(_("%(area)s is already locked down (lockdown #%(id)d).")
                       % {"area": existing.area_label(), "id": existing.pk},
                       code="already_locked_down", extra={"lockdown_id": existing.pk})
    lockdown = Lockdown.objects.create(unit=unit, facility=facility, reason=reason, ordered_by=actor, started_at=now)
    if unit is not None and unit.status == UnitStatus.OPEN:
        _set_unit_status(actor=actor, unit=unit, to_status=UnitStatus.LOCKED_DOWN, reason=reason,
                         action="unit.lock_down")
    audit.record(actor=actor, action="lockdown.order", object_type="lockdown", object_id=lockdown.pk,
                 changes={"scope": lockdown.area_kind, "area": lockdown.area_code, "reason": reason},
                 summary=f"locked down {lockdown.area_kind} {lockdown.area_code}: {reason}")
    return lockdown


@service("lockdown.lift")
def lockdown_lift(*, actor: Any, lockdown: Lockdown, reason: str) -> Lockdown:
    """Lift a lockdown with who, when and why. A unit's ``locked_down`` status returns to ``open``."""
    require(actor, "lockdown.lift", "lockdown", lockdown.pk)
    # Lock the row alone: PostgreSQL refuses FOR UPDATE across the nullable unit/facility joins.
    lockdown = Lockdown.objects.select_for_update().get(pk=lockdown.pk)
    if role_of(actor) == Role.UNIT_MANAGER:
        if lockdown.unit_id is None or not manages_unit(actor, lockdown.unit_id):
            raise forbid("lockdown", lockdown.pk, _("You may lift only lockdowns of the units you manage."))
        if role_of(lockdown.ordered_by) != Role.UNIT_MANAGER:
            raise forbid("lockdown", lockdown.pk,
                         _("A lockdown ordered by a warden or an administrator is lifted by one of them."))
    reason = require_text(reason, "reason", _("A reason"))
    if lockdown.lifted_at is not None:
        raise Conflict(_("This lockdown was already lifted."), code="already_lifted")
    lockdown.lifted_at = clock.now()
    lockdown.lifted_by = actor
    lockdown.lift_reason = reason
    lockdown.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    if lockdown.unit_id is not None:
        unit = Unit.objects.get(pk=lockdown.unit_id)
        if unit.status == UnitStatus.LOCKED_DOWN:
            _set_unit_status(actor=actor, unit=unit, to_status=UnitStatus.OPEN, reason=reason,
                             action="unit.lift_lockdown")
    audit.record(actor=actor, action="lockdown.lift", object_type="lockdown", object_id=lockdown.pk,
                 changes={"scope": lockdown.area_kind, "area": lockdown.area_code, "reason": reason},
                 summary=f"lifted the lockdown of {lockdown.area_kind} {lockdown.area_code}: {reason}")
    return lockdown


# ---------------------------------------------------------------------------------------------------------------
# Emergency moves


@service("emergency_move.flag")
def emergency_move_flag(
    *, actor: Any, placement: Placement, lockdowns: list[Lockdown], reason: str, from_cell: Cell | None = None
) -> EmergencyMove:
    """Flag an admission or move made across a lockdown for review (called by housing, inside the move)."""
    require(actor, "placement.emergency_move", "person", placement.person_id)
    reason = require_text(reason, "emergency_reason", _("An emergency reason"))
    move = EmergencyMove.objects.create(placement=placement, from_cell=from_cell, reason=reason, ordered_by=actor,
                                        ordered_at=placement.start_at)
    move.lockdowns.set(lockdowns)
    person = Person.objects.only("inmate_number").get(pk=placement.person_id)
    audit.record(actor=actor, action="emergency_move.flag", object_type="emergency_move", object_id=move.pk,
                 changes={"placement": placement.pk, "lockdowns": [lk.pk for lk in lockdowns], "reason": reason},
                 summary=f"flagged the emergency move of {person.inmate_number} to {placement.cell.code} for review")
    return move


@service("emergency_move.review")
def emergency_move_review(*, actor: Any, move: EmergencyMove, outcome: str, note: str) -> EmergencyMove:
    """Review an emergency move once: justified or not, with a note. Never edited afterwards."""
    require(actor, "emergency_move.review", "emergency_move", move.pk)
    if outcome not in ReviewOutcome.values:
        raise field_error("outcome", _("Choose justified or not justified."))
    note = require_text(note, "note", _("A note"))
    move = EmergencyMove.objects.select_for_update(of=("self",)).select_related("placement__person").get(pk=move.pk)
    if move.reviewed_at is not None:
        raise Conflict(_("This emergency move was already reviewed."), code="already_reviewed")
    move.reviewed_at = clock.now()
    move.reviewed_by = actor
    move.review_outcome = outcome
    move.review_note = note
    move.save(update_fields=["reviewed_at", "reviewed_by", "review_outcome", "review_note"])
    audit.record(actor=actor, action="emergency_move.review", object_type="emergency_move", object_id=move.pk,
                 changes={"outcome": outcome, "note": note},
                 summary=f"reviewed the emergency move of {move.placement.person.inmate_number}: {outcome}")
    return move


# ---------------------------------------------------------------------------------------------------------------
# Re-housing


def _may_rehouse(actor: Any, source_unit_ids: set[int], target_ids: set[int]) -> bool:
    """Unit managers re-house out of units they manage, or into targets they all manage."""
    if role_of(actor) != Role.UNIT_MANAGER:
        return True
    return (bool(source_unit_ids) and all(manages_unit(actor, u) for u in source_unit_ids)) or all(
        manages_unit(actor, u) for u in target_ids
    )


@service("rehousing.preview")
def rehousing_preview(
    *, actor: Any, reason: str, targets: list[Unit], source_unit: Unit | None = None,
    people: list[Person] | None = None, preferences: dict[int, Unit | Cell] | None = None,
) -> RehousingRun:
    """Plan moving a whole unit's population (``source_unit``) or a chosen list (``people``) into ``targets``,
    filled in the order given. Stores the plan as a run with one item per person: where they go, or why they
    cannot be placed. Nothing moves until :func:`rehousing_execute`.

    ``preferences`` maps a person's id to a target unit or a cell of one, tried first for that person.
    """
    require(actor, "rehousing.preview", "rehousing_run", "")
    errors: dict[str, list[str]] = {}
    if (source_unit is None) == (not people):
        errors["source_unit_id"] = [_("Choose a unit to empty or a list of people, not both.")]
    targets = list(targets or [])
    if not targets:
        errors["target_unit_ids"] = [_("Choose at least one target unit.")]
    elif len({u.pk for u in targets}) != len(targets):
        errors["target_unit_ids"] = [_("A target unit is listed twice.")]
    else:
        closed = [u.code for u in targets if Unit.objects.filter(pk=u.pk, status=UnitStatus.CLOSED).exists()]
        if closed:
            errors["target_unit_ids"] = [_("Closed: %(units)s. Reopen a unit before re-housing people into it.")
                                         % {"units": ", ".join(closed)}]
        if source_unit is not None and source_unit.pk in {u.pk for u in targets}:
            errors["target_unit_ids"] = [_("The unit being emptied cannot be a target.")]
    if people and len({p.pk for p in people}) != len(people):
        errors["people"] = [_("A person is listed twice.")]
    target_ids = {u.pk for u in targets}
    prefs = preferences or {}
    for choice in prefs.values():
        unit_id = choice.unit_id if isinstance(choice, Cell) else choice.pk
        if unit_id not in target_ids:
            errors["preferences"] = [_("A preference must be a target unit or a cell in one.")]
    if not (reason or "").strip():
        errors["reason"] = [_("A reason is required.")]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    reason = reason.strip()

    if source_unit is not None:
        placements = list(
            Placement.objects.filter(unit=source_unit, end_at__isnull=True)
            .select_related("person", "cell", "cell__unit", "bed").order_by("cell__code", "bed__number")
        )
        movers = [Mover(p.person, p.cell, p.unit_id) for p in placements]
    else:
        # Fresh rows: the caller's objects may predate an admission or release.
        fresh = Person.objects.in_bulk([p.pk for p in people or []])
        people = [fresh[p.pk] for p in people or [] if p.pk in fresh]
        current = {
            p.person_id: p for p in Placement.objects.filter(person__in=people, end_at__isnull=True)
            .select_related("cell", "cell__unit")
        }
        movers = []
        for person in people or []:
            p = current.get(person.pk)
            mover = Mover(person, p.cell if p else None, p.unit_id if p else None)
            if p is None or person.status != PersonStatus.IN_CUSTODY:
                mover.problem_code, mover.problem = "not_in_custody", _("Not in custody.")
            elif p.unit_id in target_ids:
                mover.problem_code = "already_in_target"
                mover.problem = _("Already in %(unit)s, one of the targets.") % {"unit": p.cell.unit.code}
            movers.append(mover)
    stray = set(prefs) - {m.person.pk for m in movers}
    if stray:
        raise Invalid(_("Some fields need correcting."),
                      fields={"preferences": [_("A preference names someone who is not being moved.")]})
    source_ids = {m.from_unit_id for m in movers if m.from_unit_id is not None}
    if source_unit is not None:
        source_ids.add(source_unit.pk)
    if not _may_rehouse(actor, source_ids, target_ids):
        raise forbid("rehousing_run", "", _("You may re-house people only out of or into the units you manage."))
    for mover in movers:
        choice = prefs.get(mover.person.pk)
        if isinstance(choice, Cell):
            mover.preferred_cell = choice
        elif choice is not None:
            mover.preferred_unit = choice

    ordered = plan(movers, targets)
    run = RehousingRun.objects.create(
        source_unit=source_unit, reason=reason, created_by=actor, created_at=clock.now(),
        target_order=[u.pk for u in targets],
    )
    run.target_units.set(targets)
    RehousingItem.objects.bulk_create([
        RehousingItem(
            run=run, position=i, person=m.person, from_cell=m.from_cell, to_cell=m.to_cell,
            status=ItemStatus.PLANNED if m.to_cell else ItemStatus.UNPLACEABLE,
            problem_code=m.problem_code if not m.to_cell else "", problem=m.problem if not m.to_cell else "",
            note=" ".join(m.notes),
        )
        for i, m in enumerate(ordered, start=1)
    ])
    placed = sum(1 for m in ordered if m.to_cell)
    what = f"unit {source_unit.code}" if source_unit else f"{len(ordered)} people"
    audit.record(actor=actor, action="rehousing.preview", object_type="rehousing_run", object_id=run.pk,
                 changes={"source_unit": source_unit.code if source_unit else None,
                          "targets": [u.code for u in targets], "reason": reason, "placed": placed,
                          "unplaceable": [m.person.inmate_number for m in ordered if not m.to_cell]},
                 summary=f"previewed re-housing of {what} into {', '.join(u.code for u in targets)}: "
                 f"{placed} placed, {len(ordered) - placed} cannot be placed")
    return run


def _check_run_scope(actor: Any, run: RehousingRun) -> None:
    items = list(run.items.values_list("from_cell__unit_id", flat=True))
    sources = {u for u in items if u is not None}
    if run.source_unit_id:
        sources.add(run.source_unit_id)
    if not _may_rehouse(actor, sources, set(run.target_order)):
        raise forbid("rehousing_run", run.pk, _("You may re-house people only out of or into the units you manage."))


@service("rehousing.run")
def rehousing_execute(
    *, actor: Any, run: RehousingRun, progress_callback: Callable[[int, int], None] | None = None
) -> RehousingRun:
    """Make every planned move of a previewed run, in the planned order, all or nothing.

    Each move goes through ``placement_move``, so every housing rule is asked
    again; during a lockdown the moves are emergency moves, flagged for review.
    If any move is refused (the facility changed since the preview) nothing is
    moved and the answer names the person and the reason: preview again.
    People the preview could not place stay where they are.
    """
    from emerald.housing.services import placement_move

    require(actor, "rehousing.run", "rehousing_run", run.pk)
    run = RehousingRun.objects.select_for_update().get(pk=run.pk)
    _check_run_scope(actor, run)
    if run.status != RunStatus.PREVIEWED:
        raise Conflict(_("This run is %(status)s; only a previewed run can be executed.")
                       % {"status": run.get_status_display()}, code=f"already_{run.status}")
    items = list(
        run.items.filter(status=ItemStatus.PLANNED).select_related("person", "from_cell", "to_cell", "to_cell__unit")
        .order_by("position")
    )
    total = len(items)
    step = max(1, total // 50)
    progress.publish(run.pk, 0, total, "running")
    # "Emergency" only for a move that crosses a lockdown (flagged for review); otherwise a plain re-housing.
    move_reason = f"Re-housing #{run.pk}: {run.reason}"
    emergency_reason = f"Emergency re-housing #{run.pk}: {run.reason}"
    any_emergency = False
    person: Person | None = None
    try:
        for done, item in enumerate(items, start=1):
            person = item.person
            current = Placement.objects.filter(person=person, end_at__isnull=True).values_list("cell_id", flat=True)
            current_cell = current.first()
            if current_cell != item.from_cell_id:
                raise Conflict(
                    _("%(name)s is no longer in %(cell)s.") % {"name": person.full_name,
                                                               "cell": item.from_cell.code if item.from_cell else "-"},
                    code="not_in_custody",
                )
            source_unit_id = item.from_cell.unit_id if item.from_cell else None
            locks = locked_areas_for(item.to_cell, source_unit_id)
            placement = placement_move(
                actor=actor, person=person, cell_id=item.to_cell_id,
                reason=emergency_reason if locks else move_reason,
                emergency=bool(locks), emergency_reason=emergency_reason if locks else "",
            )
            any_emergency = any_emergency or bool(locks)
            item.status = ItemStatus.MOVED
            item.placement = placement
            item.save(update_fields=["status", "placement"])
            if done % step == 0 or done == total:
                progress.publish(run.pk, done, total, "running")
                if progress_callback is not None:
                    progress_callback(done, total)
    except ServiceError as exc:
        progress.publish(run.pk, 0, total, "failed", detail=exc.detail)
        raise Conflict(
            _("Nothing was moved: %(name)s could not be moved (%(detail)s) The facility changed since the "
              "preview; preview again.") % {"name": person.full_name if person else "", "detail": exc.detail},
            code="plan_stale",
            extra={"inmate_number": person.inmate_number if person else "", "cause": exc.code},
        ) from exc
    run.status = RunStatus.EXECUTED
    run.executed_at = clock.now()
    run.executed_by = actor
    run.emergency = any_emergency
    run.save(update_fields=["status", "executed_at", "executed_by", "emergency"])
    unplaceable = list(run.items.filter(status=ItemStatus.UNPLACEABLE).values_list("person__inmate_number", flat=True))
    audit.record(actor=actor, action="rehousing.run", object_type="rehousing_run", object_id=run.pk,
                 changes={"moved": [i.person.inmate_number for i in items], "not_moved": unplaceable,
                          "emergency": any_emergency},
                 summary=f"executed re-housing run #{run.pk}: moved {total} people"
                 + (f" out of {run.source_unit.code}" if run.source_unit else "")
                 + (" as emergency moves during a lockdown" if any_emergency else "")
                 + (f"; {len(unplaceable)} not placed" if unplaceable else ""))
    progress.publish(run.pk, total, total, "executed")
    return run


@service("rehousing.cancel")
def rehousing_cancel(*, actor: Any, run: RehousingRun, reason: str) -> RehousingRun:
    """Discard a previewed run, with who and why; it stays on record."""
    require(actor, "rehousing.preview", "rehousing_run", run.pk)
    run = RehousingRun.objects.select_for_update().get(pk=run.pk)
    _check_run_scope(actor, run)
    reason = require_text(reason, "reason", _("A reason"))
    if run.status != RunStatus.PREVIEWED:
        raise Conflict(_("This run is %(status)s; only a previewed run can be cancelled.")
                       % {"status": run.get_status_display()}, code=f"already_{run.status}")
    run.status = RunStatus.CANCELLED
    run.cancelled_at = clock.now()
    run.cancelled_by = actor
    run.cancel_reason = reason
    run.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    audit.record(actor=actor, action="rehousing.cancel", object_type="rehousing_run", object_id=run.pk,
                 changes={"reason": reason}, summary=f"cancelled re-housing run #{run.pk}: {reason}")
    progress.publish(run.pk, 0, 0, "cancelled")
    return run
