"""Demo data for discipline: Simon Adebisi charged over the poisoning of Peter Schibetta, found guilty, and sent
to solitary for 30 days (chapter 6). Services only, clock frozen at the story's moments.

Call after the incidents app's chapters 5 and 6. Adebisi and Schibetta are by then under a unit keep-apart
order; the move to solitary takes Adebisi out of Schibetta's unit, which the keep-apart rule always allows
(it ends a breach), so no override is needed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from emerald.core import clock
from emerald.discipline import services as discipline
from emerald.discipline.models import Charge

LOCAL = ZoneInfo("America/New_York")
HEARING_AT = datetime(2026, 9, 18, 10, 0, tzinfo=LOCAL)


def _poisoning(ctx: Any) -> Any:
    from emerald.incidents.models import Incident

    adebisi = ctx.people["adebisi"]
    return (Incident.objects.filter(type="poisoning", involvements__person=adebisi)
            .order_by("occurred_at", "pk").first())


def load_chapter_6(ctx: Any) -> Charge:
    """Charge (from the poisoning report: the sexual-abuse report stays with the response team), hearing,
    finding proved, 30 days' segregation in solitary."""
    metzger, glynn, adebisi = ctx.staff["metzger"], ctx.staff["glynn"], ctx.people["adebisi"]
    incident = _poisoning(ctx)
    with clock.frozen_at(datetime(2026, 9, 16, 10, 0, tzinfo=LOCAL)):
        charge = discipline.charge_create(
            actor=metzger, person=adebisi, incident_id=incident.pk if incident is not None else None,
            offence="Administering a harmful substance to another prisoner",
            particulars=("On 2026-08-20 at lunch in Emerald City, put ground glass and a toxic substance in the "
                         "food of Peter Schibetta (97A0003), who was taken to the infirmary."))
    with clock.frozen_at(datetime(2026, 9, 16, 11, 0, tzinfo=LOCAL)):
        discipline.hearing_schedule(actor=glynn, charge=charge, scheduled_at=HEARING_AT, location="Adjudication room")
    with clock.frozen_at(datetime(2026, 9, 18, 11, 0, tzinfo=LOCAL)):
        charge = discipline.finding_record(
            actor=glynn, charge=charge, finding="proved",
            reason="Kitchen worker's statement, the toxicology report and the search of his cell.")
    with clock.frozen_at(datetime(2026, 9, 18, 11, 15, tzinfo=LOCAL)):
        discipline.sanction_impose(
            actor=glynn, charge=charge, kind="segregation", days=30,
            note="Maximum term. Review on completion.")
    charge.refresh_from_db()
    return charge
