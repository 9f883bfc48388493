"""The optimiser's part of the story: after the escape of chapter 8, a plan for Emerald City awaits review."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from emerald.core import clock
from emerald.facilities.models import Unit
from emerald.planning.models import Plan
from emerald.planning.services import plan_create

LOCAL = ZoneInfo("America/New_York")


def propose_emerald_city_plan(ctx: Any) -> Plan | None:
    """2026-11-16: McManus asks for a plan to re-house Emerald City after the escape; it is left for review.

    The demo keeps it a preview, so staff can open the review page, read each move's reasons and accept
    or reject it themselves. A short time limit keeps the demo load quick; the plan is still safe (the
    engine never proposes a move that breaks a hard rule).
    """
    ec = Unit.objects.filter(pk=ctx.units["EC"].pk).first() if "EC" in ctx.units else None
    if ec is None or Plan.objects.filter(facility=ctx.facility).exists():
        return None
    with clock.frozen_at(datetime(2026, 11, 16, 9, 0, tzinfo=LOCAL)):
        return plan_create(actor=ctx.staff["mcmanus"], facility=ctx.facility, unit_ids=[ec.pk], time_limit=2.0)
