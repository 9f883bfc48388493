"""Demo chapters: the riot's lockdown and the emptying of Emerald City (1), its reopening (2).

Everything goes through the services with the clock frozen at the story's
moments (America/New_York). ``load_chapter_1`` runs after the incidents
chapter has recorded the riot's dead (they are released as deceased, so only
the living are re-housed). The steps are also callable one by one
(``lock_down_for_riot``, ``rehouse_emerald_city``, ``lift_riot_lockdown``) for
a loader that interleaves chapters strictly by time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from emerald.core import clock
from emerald.facilities.models import Unit, UnitStatus
from emerald.facilities.services import unit_close, unit_reopen
from emerald.housing.models import Placement
from emerald.lockdowns.models import EmergencyMove, ItemStatus, Lockdown, RehousingRun, RunStatus
from emerald.lockdowns.services import (
    emergency_move_review,
    lockdown_lift,
    lockdown_order,
    rehousing_execute,
    rehousing_preview,
)
from emerald.people.models import Person, PersonStatus

LOCAL = ZoneInfo("America/New_York")
RIOT_REASON = "Riot in Emerald City"
# The leaders and the most dangerous go to solitary's single cells; everyone else to the gym.
TO_SOLITARY = ("adebisi", "schibetta", "schillinger", "said")


def _at(y: int, m: int, d: int, h: int, mi: int = 0) -> Any:
    return clock.frozen_at(datetime(y, m, d, h, mi, tzinfo=LOCAL))


def _unit(ctx: Any, code: str) -> Unit:
    return Unit.objects.get(pk=ctx.units[code].pk)


def _unit_of(person: Any) -> int | None:
    return Placement.objects.filter(person=person, end_at__isnull=True).values_list("unit_id", flat=True).first()


def lock_down_for_riot(ctx: Any) -> Lockdown:
    """2025-07-14 22:15: the warden locks the whole facility down."""
    with _at(2025, 7, 14, 22, 15):
        return lockdown_order(actor=ctx.staff["glynn"], facility=ctx.facility,
                              reason=f"{RIOT_REASON}: inmates and officers dead; all movement stopped")


def rehouse_emerald_city(ctx: Any) -> RehousingRun:
    """2025-07-15 02:00: open the gym as a camp, empty Emerald City into solitary and the gym, close EC."""
    glynn = ctx.staff["glynn"]
    ec, sol, gym = _unit(ctx, "EC"), _unit(ctx, "SOL"), _unit(ctx, "GYM")
    with _at(2025, 7, 15, 2, 0):
        if gym.status == UnitStatus.CLOSED:
            gym = unit_reopen(actor=glynn, unit=gym, reason="Opened as a temporary camp after the riot in Emerald City")
    ec_ids = set(Placement.objects.filter(unit=ec, end_at__isnull=True).values_list("person_id", flat=True))
    preferences = {ctx.people[k].pk: sol for k in TO_SOLITARY if k in ctx.people and ctx.people[k].pk in ec_ids}
    with _at(2025, 7, 15, 2, 5):
        run = rehousing_preview(
            actor=glynn, source_unit=ec, targets=[gym, sol], preferences=preferences,
            reason=f"{RIOT_REASON}: the unit is a crime scene and unsafe; leaders to solitary, the rest to the gym",
        )
    with _at(2025, 7, 15, 2, 20):
        run = rehousing_execute(actor=glynn, run=run)
    with _at(2025, 7, 15, 4, 30):
        if not Placement.objects.filter(unit=ec, end_at__isnull=True).exists():
            unit_close(actor=glynn, unit=_unit(ctx, "EC"),
                       reason="Emptied after the riot: crime scene, damage to both tiers; closed until repaired")
    return run


def lift_riot_lockdown(ctx: Any) -> None:
    """2025-07-20: the warden reviews the night's emergency moves and lifts the facility lockdown."""
    glynn = ctx.staff["glynn"]
    with _at(2025, 7, 20, 9, 0):
        for move in EmergencyMove.objects.filter(reviewed_at__isnull=True).order_by("ordered_at", "pk"):
            emergency_move_review(actor=glynn, move=move, outcome="justified",
                                  note="Riot night: Emerald City had to be emptied; placement reviewed, no concerns.")
    with _at(2025, 7, 20, 10, 0):
        for lockdown in Lockdown.objects.filter(facility=ctx.facility, lifted_at__isnull=True):
            lockdown_lift(actor=glynn, lockdown=lockdown,
                          reason="Order restored; emergency moves reviewed; normal movement resumes")


def load_chapter_1(ctx: Any) -> None:
    """The riot: lockdown at 22:15, Emerald City emptied at 02:00 and closed, lockdown lifted on 20 July."""
    if not Lockdown.objects.filter(facility=ctx.facility, started_at__year=2025).exists():
        lock_down_for_riot(ctx)
    rehouse_emerald_city(ctx)
    lift_riot_lockdown(ctx)


def load_chapter_2(ctx: Any) -> None:
    """2026-05-18: Emerald City reopens; its people come back from the gym and solitary; the gym closes."""
    mcmanus, glynn = ctx.staff["mcmanus"], ctx.staff["glynn"]
    ec, sol, gym = _unit(ctx, "EC"), _unit(ctx, "SOL"), _unit(ctx, "GYM")
    with _at(2026, 5, 18, 8, 0):
        if ec.status == UnitStatus.CLOSED:
            ec = unit_reopen(actor=mcmanus, unit=ec,
                             reason="Repairs finished; Emerald City reopens under its unit manager")
    emptied = RehousingRun.objects.filter(source_unit=ec, status=RunStatus.EXECUTED).order_by("executed_at").last()
    candidates = (
        [i.person for i in emptied.items.filter(status=ItemStatus.MOVED).select_related("person").order_by("position")]
        if emptied else []
    )
    fresh = Person.objects.in_bulk([p.pk for p in candidates])
    back = [fresh[p.pk] for p in candidates
            if fresh[p.pk].status == PersonStatus.IN_CUSTODY and _unit_of(p) in (sol.pk, gym.pk)]
    if not back:
        return
    ids = {p.pk for p in back}
    preferences: dict[int, Any] = {}
    cellmates = [ctx.people.get("adebisi"), ctx.people.get("wangler")]
    if all(p is not None and p.pk in ids for p in cellmates):
        # Adebisi and Wangler were cellmates before the riot: back into their old cell if it is possible.
        home = ctx.cells.get("EC-1-05")
        if home is not None:
            preferences = {p.pk: home for p in cellmates}
    with _at(2026, 5, 18, 9, 0):
        run = rehousing_preview(actor=mcmanus, targets=[ec], people=back, preferences=preferences,
                                reason="Emerald City reopened: its people return from the gym and solitary")
    with _at(2026, 5, 18, 9, 30):
        rehousing_execute(actor=mcmanus, run=run)
    with _at(2026, 5, 18, 12, 0):
        gym = _unit(ctx, "GYM")
        if gym.status != UnitStatus.CLOSED and not Placement.objects.filter(unit=gym, end_at__isnull=True).exists():
            unit_close(actor=glynn, unit=gym, reason="Temporary camp closed: everyone is back in Emerald City")
