"""Writes on housing plans: store a preview, accept (all or some of) its moves, reject the others.

A plan is computed *outside* any transaction (it reads, then thinks for seconds; holding the write
lock meanwhile would stall every other writer), then stored by a service. Accepting runs each move
through the normal housing services (placement_move / person_admit), so every rule is checked again
against the database at that moment and every move is audited like a hand-made one.

Acceptance is all-or-nothing per batch: the accepted items run in one transaction and, if any of
them is refused (someone moved meanwhile, a new keep-apart order, a cell taken out of service),
nothing of the batch happens and the refusal names the item. A half-executed batch could leave a
cell pair or a keep-apart order in a state the plan never checked; a whole batch was checked.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from emerald.accounts.models import Role
from emerald.accounts.permissions import manages_unit, role_of
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import forbid, require
from emerald.core.errors import Conflict, Invalid, field_error
from emerald.core.services import require_text, service
from emerald.facilities.models import Cell, Facility, Unit
from emerald.housing.models import Placement
from emerald.housing.rules import check_cell
from emerald.housing.services import person_admit, placement_move
from emerald.people.models import Person, PersonStatus
from emerald.planning.engine import solve
from emerald.planning.engine.costs import final_positions
from emerald.planning.engine.instance import Weights
from emerald.planning.loader import load_facility
from emerald.planning.models import ItemStatus, Plan, PlanItem, PlanStatus

MAX_SECONDS = 60.0
#: Weights are whole numbers from 0 (the engine's bound assumes no negative cost) to this.
MAX_WEIGHT = 1_000_000


def _clean_weights(weights: Any) -> tuple[dict[str, int] | None, list[str]]:
    """The weights a plan is asked for, checked: known criteria, whole numbers from 0 to MAX_WEIGHT."""
    if weights is None:
        return None, []
    if not isinstance(weights, dict):
        return None, [_("Weights are a mapping of criterion to number.")]
    known = Weights().as_dict()
    problems = []
    clean: dict[str, int] = {}
    for key, value in weights.items():
        if key not in known:
            problems.append(_("Unknown criterion %(name)s; use one of %(names)s.")
                            % {"name": key, "names": ", ".join(known)})
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WEIGHT:
            problems.append(_("The weight of %(name)s must be a whole number from 0 to %(max)d.")
                            % {"name": key, "max": MAX_WEIGHT})
        else:
            clean[key] = value
    return clean, problems


def _check_scope(actor: Any, facility: Facility, units: list[Unit]) -> None:
    if role_of(actor) == Role.UNIT_MANAGER and not all(manages_unit(actor, u.pk) for u in units):
        raise forbid("facility", facility.code, _("You may plan only the units you manage."))


@service("plan.create")
def _plan_authorize(*, actor: Any, facility: Facility, units: list[Unit]) -> None:
    """The permission half of plan_create, as a service so that a refusal is audited."""
    require(actor, "plan.create", "facility", facility.code)
    _check_scope(actor, facility, units)


def plan_create(
    *, actor: Any, facility: Facility, unit_ids: list[Any] | None = None, arrivals: list[Person] | None = None,
    time_limit: float = 10.0, weights: dict[str, int] | None = None, allow_unit_ids: list[int] | None = None,
    empty: bool = False,
) -> Plan:
    """Compute a plan re-housing the people of ``unit_ids`` (and housing ``arrivals``) and store it as a preview.

    ``empty=True`` empties those units (their people go elsewhere in the facility, e.g. before closing them);
    otherwise they may stay. ``allow_unit_ids`` lets the plan use closed, locked-down or segregation units.

    Nothing moves: staff review the items and accept them with :func:`plan_accept`.
    """
    try:
        wanted = {int(u) for u in (unit_ids or [])}
    except (TypeError, ValueError):
        raise field_error("unit_ids", _("Unit ids must be numbers.")) from None
    units = list(Unit.objects.filter(facility=facility, pk__in=wanted))
    if len(units) != len(wanted):
        raise field_error("unit_ids", _("Every unit must belong to the facility."))
    arrivals = list(arrivals or [])
    errors: dict[str, list[str]] = {}
    if not units and not arrivals:
        errors["unit_ids"] = [_("Choose at least one unit to re-house or one person to house.")]
    if any(p.status == PersonStatus.IN_CUSTODY or p.status == PersonStatus.DECEASED for p in arrivals):
        errors["arrivals"] = [_("Arrivals must be people not in custody.")]
    weights, weight_errors = _clean_weights(weights)
    if weight_errors:
        errors["weights"] = weight_errors
    try:
        time_limit = float(time_limit)
    except (TypeError, ValueError):
        time_limit = -1
    if not 0.5 <= time_limit <= MAX_SECONDS:
        errors["time_limit"] = [_("Between 0.5 and %(max)d seconds.") % {"max": MAX_SECONDS}]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    _plan_authorize(actor=actor, facility=facility, units=units)
    targets = None
    if empty:
        targets = set(Unit.objects.filter(facility=facility).exclude(pk__in=wanted).values_list("pk", flat=True))
    inst = load_facility(facility, movable_unit_ids=[u.pk for u in units], arrivals=arrivals, weights=weights,
                         allow_unit_ids=allow_unit_ids or (), target_unit_ids=targets)
    result = solve(inst, time_limit=time_limit)
    return _plan_store(actor=actor, facility=facility, units=units, arrivals=arrivals, inst=inst, result=result)


@service("plan.create")
def _plan_store(*, actor: Any, facility: Facility, units: list[Unit], arrivals: list[Person], inst: Any,
                result: Any) -> Plan:
    """Store a computed plan and its items (the proposed moves) as a preview."""
    require(actor, "plan.create", "facility", facility.code)
    _check_scope(actor, facility, units)
    if result.hard_violations:
        # The validator disagrees with the solver: never offer such a plan.
        raise Conflict(_("The optimiser produced a plan that breaks a rule; nothing was stored."), code="plan_invalid")
    unplaced = [
        {"person_id": pid, "inmate_number": inst.people[pid].code, "reasons": reasons}
        for pid, reasons in sorted(result.unplaced.items())
    ]
    plan = Plan.objects.create(
        facility=facility, scope={"units": sorted(u.code for u in units), "empty": inst.target_units is not None,
                                  "arrivals": sorted(p.inmate_number for p in arrivals)},
        weights=inst.weights.as_dict(), objective=result.objective, bound=result.bound,
        hard_violations=0, unplaced=unplaced,
        stats={**{k: v for k, v in result.stats.items() if isinstance(v, int | float)},
               "seconds": round(result.seconds, 3), "gap": round(result.gap, 4), "breakdown": result.breakdown},
        created_by=actor, created_at=clock.now(),
    )
    where = final_positions(inst, result.plan)
    items = []
    for pid in result.moves(inst):
        cell_id, bed_id = result.plan[pid]
        explanation = result.explain(inst, pid, where)
        items.append(PlanItem(
            plan=plan, person_id=pid, from_cell_id=inst.people[pid].cell, to_cell_id=cell_id, to_bed_id=bed_id,
            cost=sum(c for _, c, _ in explanation), explanation=[list(i) for i in explanation],
        ))
    PlanItem.objects.bulk_create(items)
    if not items:
        # Nothing to decide: everyone stays where they are (the unplaced, if any, are reported).
        plan.status = PlanStatus.DONE
        plan.save(update_fields=["status"])
    audit.record(
        actor=actor, action="plan.create", object_type="plan", object_id=plan.pk,
        changes={"facility": facility.code, "scope": plan.scope, "moves": len(items), "unplaced": len(unplaced),
                 "objective": result.objective, "bound": result.bound},
        summary=f"proposed housing plan #{plan.pk} for {facility.code}"
        + (f" units {', '.join(plan.scope['units'])}" if plan.scope["units"] else "")
        + (f" and {len(arrivals)} arrivals" if arrivals else "")
        + f": {len(items)} moves, {len(unplaced)} unplaced",
    )
    return plan


def _about(plan: Plan, error: Conflict) -> Conflict:
    """Tag a refusal with the plan, so that its audit entry names it."""
    error.object_type, error.object_id = "plan", str(plan.pk)
    return error


def _selected(plan: Plan, item_ids: list[Any] | None) -> list[PlanItem]:
    items = list(plan.items.select_related("person", "from_cell", "to_cell", "to_cell__unit").order_by("id"))
    proposed = [i for i in items if i.status == ItemStatus.PROPOSED]
    if item_ids is None:
        return proposed
    try:
        wanted = {int(i) for i in item_ids}
    except (TypeError, ValueError, OverflowError):
        raise field_error("item_ids", _("Item ids must be numbers.")) from None
    if not wanted:
        raise field_error("item_ids", _("Choose at least one item."))
    if wanted - {i.pk for i in items}:
        raise field_error("item_ids", _("Some items are not items of this plan."))
    decided = sorted(i.pk for i in items if i.pk in wanted and i.status != ItemStatus.PROPOSED)
    if decided:
        # Someone decided them meanwhile (or the request was sent twice): a conflict, not bad input.
        raise _about(plan, Conflict(_("Some of the chosen items were already decided; reload the plan."),
                                    code="already_decided", extra={"item_ids": decided}))
    return [i for i in proposed if i.pk in wanted]


def _current_cell(person: Person) -> int | None:
    return Placement.objects.filter(person=person, end_at__isnull=True).values_list("cell_id", flat=True).first()


def _planned_bed_frees_later(item: PlanItem, free: list[Any], movers: set[int]) -> bool:
    """Whether the planned bed is taken by someone of the batch who has yet to leave it."""
    if item.to_bed_id is None or any(b.pk == item.to_bed_id for b in free):
        return False
    occupant = (Placement.objects.filter(bed_id=item.to_bed_id, end_at__isnull=True)
                .values_list("person_id", flat=True).first())
    return occupant is not None and occupant != item.person_id and occupant in movers


@service("plan.accept")
def plan_accept(*, actor: Any, plan: Plan, item_ids: list[Any] | None = None, reason: str = "") -> Plan:
    """Carry out the proposed moves of ``plan`` (all, or ``item_ids``) through the housing services.

    The moves run in an order that keeps every intermediate state legal (a move waits until its bed is
    free and no keep-apart order would be crossed); a cycle (A to B's cell, B to A's) is broken by a
    short staging move to a free safe cell, recorded like any move. All or nothing (see module doc).
    """
    require(actor, "plan.accept", "plan", plan.pk)
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == PlanStatus.DONE:
        raise _about(plan, Conflict(_("Every item of this plan was already decided."), code="plan_done"))
    items = _selected(plan, item_ids)
    why = (reason or "").strip()
    move_reason = f"housing plan #{plan.pk}" + (f": {why}" if why else "")
    now = clock.now()
    pending = list(items)
    targets = {i.to_cell_id for i in items}
    staged: dict[int, int] = {}  # person -> staging cell
    stagings = 0
    # Each move takes its planned bed (the plan may have given the lower bunk to the one who needs it). A move
    # whose planned bed is still held by someone of the batch waits for them to leave; only if nobody can move
    # otherwise does it take another free bed of the planned cell.
    wait_for_beds = True
    while pending:
        progressed = False
        for item in list(pending):
            person = item.person
            here = _current_cell(person)
            if here != item.from_cell_id and staged.get(person.pk) != here:
                raise _about(plan, Conflict(
                    _("%(number)s is no longer where the plan found them; make a new plan.")
                    % {"number": person.inmate_number}, code="plan_stale", extra={"item_id": item.pk}))
            check = check_cell(person, item.to_cell)
            if not check.ok:
                continue
            if wait_for_beds and _planned_bed_frees_later(item, check.beds, {i.person_id for i in pending}):
                continue
            if here is None:
                placement = person_admit(actor=actor, person=person, cell_id=item.to_cell_id, reason=move_reason,
                                         bed=item.to_bed_id)
            else:
                placement = placement_move(actor=actor, person=person, cell_id=item.to_cell_id, reason=move_reason,
                                           bed=item.to_bed_id)
            item.status, item.decided_by, item.decided_at, item.placement = ItemStatus.ACCEPTED, actor, now, placement
            item.decision_reason = why
            item.save(update_fields=["status", "decided_by", "decided_at", "placement", "decision_reason"])
            pending.remove(item)
            progressed = True
        if progressed or not pending:
            wait_for_beds = True
            continue
        if wait_for_beds:
            wait_for_beds = False
            continue
        # Nobody can move: a cycle, or a move blocked by something outside the batch.
        stage = _staging_cell(pending, targets) if stagings < len(items) else None
        if stage is None:
            first = pending[0]
            detail = " ".join(c.sentence(first.person) for c in check_cell(first.person, first.to_cell).conflicts)
            raise _about(plan, Conflict(
                _("The move of %(number)s to %(cell)s cannot be carried out now%(why)s; nothing was moved.")
                % {"number": first.person.inmate_number, "cell": first.to_cell.code,
                   "why": (": " + detail) if detail else ""},
                code="plan_blocked", extra={"item_id": first.pk}))
        person, cell = stage
        placement_move(actor=actor, person=person, cell_id=cell.pk, reason=f"staging for {move_reason}")
        staged[person.pk] = cell.pk
        stagings += 1
        wait_for_beds = True
    remaining = plan.items.filter(status=ItemStatus.PROPOSED).exists()
    plan.status = PlanStatus.PARTLY_ACCEPTED if remaining else PlanStatus.DONE
    plan.save(update_fields=["status"])
    planned_beds = len([i for i in items if i.placement is not None and i.placement.bed_id == i.to_bed_id])
    audit.record(
        actor=actor, action="plan.accept", object_type="plan", object_id=plan.pk,
        changes={"items": [i.pk for i in items], "moves": [[i.person.inmate_number, i.from_cell.code if i.from_cell
                                                            else None, i.to_cell.code] for i in items],
                 "staging_moves": stagings, "in_planned_bed": planned_beds, "reason": why},
        summary=f"accepted {len(items)} moves of housing plan #{plan.pk}"
        + (f" ({stagings} staging moves)" if stagings else ""),
    )
    return plan


def _staging_cell(pending: list[PlanItem], targets: set[int]) -> tuple[Person, Cell] | None:
    """A person of the blocked batch and a free, safe cell outside every target, to break a cycle."""
    for item in pending:
        if item.from_cell_id is None:
            continue
        cells = (Cell.objects.filter(unit__facility_id=item.to_cell.unit.facility_id, in_service=True,
                                     unit__status="open").exclude(pk__in=targets | {item.from_cell_id})
                 .exclude(unit__kind="segregation").select_related("unit"))
        for cell in cells:
            check = check_cell(item.person, cell)
            if check.ok and not check.unavailable:
                return item.person, cell
    return None


@service("plan.reject")
def plan_reject(*, actor: Any, plan: Plan, reason: str, item_ids: list[Any] | None = None) -> Plan:
    """Decline proposed items (all, or ``item_ids``) with a reason: they stay on record as rejected, with who,
    when and why."""
    require(actor, "plan.accept", "plan", plan.pk)
    reason = require_text(reason, "reason", _("A reason"))
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == PlanStatus.DONE:
        raise _about(plan, Conflict(_("Every item of this plan was already decided."), code="plan_done"))
    items = _selected(plan, item_ids)
    now = clock.now()
    PlanItem.objects.filter(pk__in=[i.pk for i in items]).update(
        status=ItemStatus.REJECTED, decided_by=actor, decided_at=now, decision_reason=reason)
    remaining = plan.items.filter(status=ItemStatus.PROPOSED).exists()
    accepted = plan.items.filter(status=ItemStatus.ACCEPTED).exists()
    plan.status = (PlanStatus.PARTLY_ACCEPTED if accepted else PlanStatus.PREVIEW) if remaining else PlanStatus.DONE
    plan.save(update_fields=["status"])
    audit.record(actor=actor, action="plan.reject", object_type="plan", object_id=plan.pk,
                 changes={"items": [i.pk for i in items], "reason": reason},
                 summary=f"rejected {len(items)} moves of housing plan #{plan.pk}")
    return plan
