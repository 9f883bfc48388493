"""Demo chapter 8: Metzger's transfer, contested by McManus and decided by Glynn; the tunnel and the 22:00 count.

Everything goes through the services with the clock frozen at the story's moments (America/New_York).

- 2026-11-02: the warden sets Oz's count times (06:00, 12:00, 18:00, 22:00). Officer Metzger asks for an
  Emerald City man (the first generated EC resident, by cell, whom Unit B can take) to be thrown out of the unit
  and sent "to the camp". The gym, Oz's emergency camp, is closed in November 2026 and reopening it for one man
  is not what a warden does: the camp of this chapter is **Unit B**, general population (docs/movements.md).
  Glynn approves without McManus; the transfer lands in McManus's queue; Metzger carries it out; McManus
  contests it; on 3 November Glynn upholds it.
- 2026-11-10: two cellmates in Emerald City (generated residents) dig a tunnel; it collapses. At the 22:00 count
  they are absent: the EC sheet does not reconcile, the alert goes up, and Glynn starts the escape procedure
  (a facility lockdown). At 23:40 they are found in the collapsed tunnel, inside the perimeter: they never
  escaped, so they are **not** marked escaped; an escape attempt is recorded (an incident with both), they are
  marked "found elsewhere" and taken to the infirmary (an absence: they keep their cell), the supervisor
  reconciles the two lines, the count clears and the lockdown is lifted. They return to their cell on the 12th.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from emerald.core import clock
from emerald.facilities.models import Cell
from emerald.housing.models import Placement
from emerald.housing.rules import check_cell
from emerald.movements import services
from emerald.movements.models import Count, CountLine, Mark

LOCAL = ZoneInfo("America/New_York")


def _at(y: int, m: int, d: int, h: int, mi: int = 0) -> Any:
    return clock.frozen_at(datetime(y, m, d, h, mi, tzinfo=LOCAL))


def _named(ctx: Any) -> set[int]:
    return {p.pk for p in getattr(ctx, "people", {}).values()}


def _ec_residents(ctx: Any) -> list[Placement]:
    return list(Placement.objects.filter(unit=ctx.units["EC"], end_at__isnull=True)
                .exclude(person_id__in=_named(ctx)).select_related("person", "cell").order_by("cell__code", "id"))


def _b_takes(person: Any, ctx: Any) -> bool:
    cells = Cell.objects.filter(unit=ctx.units["B"], in_service=True).select_related("unit", "unit__facility")
    return any(check_cell(person, c).ok for c in cells)


def metzgers_transfer(ctx: Any) -> Any:
    """2026-11-02/03: request → approval by Glynn → McManus's queue → execution → contest → upheld."""
    glynn, mcmanus, metzger = ctx.staff["glynn"], ctx.staff["mcmanus"], ctx.staff["metzger"]
    with _at(2026, 11, 2, 8, 0):
        services.count_schedule_set(actor=glynn, facility=ctx.facility, times=["06:00", "12:00", "18:00", "22:00"])
    target = next(p for p in _ec_residents(ctx) if _b_takes(p.person, ctx))
    with _at(2026, 11, 2, 9, 10):
        transfer = services.transfer_request(
            actor=metzger, person=target.person, to_unit=ctx.units["B"],
            reason="Officer Metzger: refused a direct order on the tier and threatened staff; wants him out of "
                   "Emerald City and sent to the camp (Unit B)")
    with _at(2026, 11, 2, 10, 30):
        transfer = services.transfer_approve(actor=glynn, transfer=transfer,
                                             note="Approved on Officer Metzger's report.")
    with _at(2026, 11, 2, 11, 0):
        transfer = services.transfer_execute(actor=metzger, transfer=transfer)
    with _at(2026, 11, 2, 15, 45):
        transfer = services.transfer_contest(
            actor=mcmanus, transfer=transfer,
            reason="Moved out of Emerald City on one officer's say-so, without the unit manager; no incident report "
                   "supports the threat and the man had no disciplinary record in the unit.")
    with _at(2026, 11, 3, 9, 0):
        transfer = services.transfer_decide(
            actor=glynn, transfer=transfer, decision="upheld",
            reason="The officer's report stands for now; he stays in Unit B. Emerald City may ask again in 30 days.")
    return transfer


def _cellmates(ctx: Any, exclude: set[int]) -> tuple[Any, Any]:
    by_cell: dict[int, list[Placement]] = {}
    for p in _ec_residents(ctx):
        if p.person_id not in exclude:
            by_cell.setdefault(p.cell_id, []).append(p)
    pair = next(v for v in by_cell.values() if len(v) == 2)
    return pair[0], pair[1]


def the_tunnel(ctx: Any, exclude: set[int] | None = None) -> SimpleNamespace:
    """2026-11-10 22:00: the count finds two men missing; found at 23:40 in the collapsed tunnel."""
    glynn, metzger = ctx.staff["glynn"], ctx.staff["metzger"]
    a, b = _cellmates(ctx, exclude or set())
    diggers = {a.person_id, b.person_id}
    with _at(2026, 11, 10, 22, 0):
        count = services.count_start(actor=metzger, facility=ctx.facility)
    with _at(2026, 11, 10, 22, 10):
        for sheet in count.sheets.select_related("unit").exclude(unit=ctx.units["EC"]).order_by("unit__code"):
            services.count_sheet_submit(actor=metzger, sheet=sheet, total=sheet.expected_in)
    ec = count.sheets.get(unit=ctx.units["EC"])
    with _at(2026, 11, 10, 22, 15):
        for line in ec.lines.filter(mark=Mark.UNMARKED).order_by("cell__code", "id"):
            services.count_mark(actor=metzger, line=line,
                                mark=Mark.ABSENT if line.person_id in diggers else Mark.PRESENT)
    with _at(2026, 11, 10, 22, 20):
        services.count_sheet_submit(actor=metzger, sheet=ec)  # does not reconcile: the alert goes up
    with _at(2026, 11, 10, 22, 25):
        count = services.count_escalate(
            actor=glynn, count=count,
            reason=f"{a.person.inmate_number} and {b.person.inmate_number} missing from {a.cell.code} at the "
                   "22:00 count")
    with _at(2026, 11, 10, 23, 40):
        for p in (a, b):
            services.count_mark(actor=metzger, line=CountLine.objects.get(sheet=ec, person_id=p.person_id),
                                mark=Mark.ELSEWHERE, where=f"collapsed tunnel under {a.cell.code}")
        attempt = services.escape_attempt_record(
            actor=metzger, people=[a.person, b.person], at=clock.now(), count=count,
            circumstances=f"Tunnel dug from {a.cell.code} collapsed; both men found alive in it at 23:40, inside the "
                          "perimeter, and pulled out by the search team. Nobody got out.")
    with _at(2026, 11, 10, 23, 50):
        absences = [services.absence_depart(
            actor=metzger, person=p.person, kind="infirmary", destination="Infirmary (INF)",
            expected_back_at=datetime(2026, 11, 12, 10, 0, tzinfo=LOCAL),
            reason="Crush injuries and dust inhalation after the tunnel collapse") for p in (a, b)]
    with _at(2026, 11, 10, 23, 55):
        for p in (a, b):
            services.count_line_reconcile(
                actor=glynn, line=CountLine.objects.get(sheet=ec, person_id=p.person_id),
                note="Found at 23:40 in the collapsed tunnel, inside the perimeter; escape attempt recorded; taken "
                     "to the infirmary.")
    count = Count.objects.get(pk=count.pk)
    with _at(2026, 11, 11, 0, 30):
        from emerald.lockdowns.services import lockdown_lift

        lockdown_lift(actor=glynn, lockdown=count.lockdown,
                      reason="Count reconciled: both men found inside the perimeter; tunnel sealed.")
    with _at(2026, 11, 12, 10, 0):
        for absence in absences:
            services.absence_return(actor=metzger, absence=absence)
    return SimpleNamespace(count=count, diggers=(a.person, b.person), attempt=attempt, absences=absences)


def load_chapter_8(ctx: Any) -> SimpleNamespace:
    """Chapter 8: the order (Metzger's transfer) and the tunnel (the count that drives to reconciliation)."""
    transfer = metzgers_transfer(ctx)
    tunnel = the_tunnel(ctx, exclude={transfer.person_id})
    return SimpleNamespace(transfer=transfer, **vars(tunnel))
