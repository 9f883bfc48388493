"""Demo data for the unit council: chapter 2 (2026-05-25), a week after Emerald City reopened.

McManus appoints the council (Kareem Said chair; Augustus Hill, Ryan O'Reily and Miguel Alvarez members,
for six months), it meets on 27 May, and the first unit rules are published from its decisions.
Services only, clock frozen. Only people housed in Emerald City at the time are appointed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from emerald.core import clock
from emerald.council import services
from emerald.council.models import Meeting
from emerald.housing.models import Placement

LOCAL = ZoneInfo("America/New_York")
TERM_END = date(2026, 11, 25)
RULES_V1 = """1. Respect: no violence, no threats, no slurs. Disputes go to the council, not the yard.
2. Quiet hours from 22:00 to 06:00.
3. Cells and the day room are kept clean; the cleaning rota is posted by the council.
4. No drugs, no alcohol, no weapons. Anyone dealing loses their place in Emerald City.
5. Classes and work come first: nobody disturbs the GED class or the library.
6. The phone list is kept by the council; ten minutes per call when others wait.
7. Grievances go to a council member, who takes them to the unit manager within a week."""


def _in_ec(ctx: Any, key: str) -> Any:
    person = ctx.people.get(key)
    if person is None:
        return None
    here = Placement.objects.filter(person=person, unit=ctx.units["EC"], end_at__isnull=True).exists()
    return person if here else None


def load_chapter_2(ctx: Any) -> Meeting | None:
    mcmanus, ec = ctx.staff["mcmanus"], ctx.units["EC"]
    seats = [("said", "chair"), ("hill", "member"), ("ryan", "member"), ("alvarez", "member")]
    appointed = []
    with clock.frozen_at(datetime(2026, 5, 25, 9, 0, tzinfo=LOCAL)):
        for key, role in seats:
            person = _in_ec(ctx, key)
            if person is not None:
                services.council_appoint(actor=mcmanus, unit=ec, person=person, role=role,
                                         term_start=date(2026, 5, 25), term_end=TERM_END)
                appointed.append(person)
    if not appointed:
        return None
    with clock.frozen_at(datetime(2026, 5, 27, 20, 30, tzinfo=LOCAL)):
        meeting = services.meeting_record(
            actor=mcmanus, unit=ec, held_at=datetime(2026, 5, 27, 19, 0, tzinfo=LOCAL), attendees=appointed,
            staff_present="Tim McManus (unit manager), Karl Metzger (officer)",
            minutes=("First meeting of the Emerald City council since the unit reopened. McManus explained the "
                     "council's role: keep order in the corridors and bring grievances to staff. Said proposed "
                     "written unit rules; Hill asked for protected study time for the GED class. O'Reily raised "
                     "the phone list. Alvarez said nothing."),
            decisions=["The unit rules (version 1) are adopted as drafted by the chair.",
                       "Quiet hours from 22:00; the day room closes at 21:30.",
                       "The council keeps the phone list and the cleaning rota.",
                       "The council meets every second Wednesday."])
    with clock.frozen_at(datetime(2026, 5, 28, 9, 0, tzinfo=LOCAL)):
        services.rules_publish(actor=mcmanus, unit=ec, text=RULES_V1, effective_from=date(2026, 5, 28),
                               summary="First rules of the reopened Emerald City, adopted by the council",
                               meeting=meeting)
    return meeting
