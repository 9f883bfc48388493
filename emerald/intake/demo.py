"""Demo data for intake: chapter 7, Cyril O'Reily's arrival (2026-10-05). Services only, clock frozen.

Officer Metzger receives him: Emerald offers his brother Ryan's record as a possible match (same surname),
staff rule it out and create a new record; the classification gives medium (11 points); the screening
finds him vulnerable (first time in custody, 22, slight build); he is recorded as Ryan's brother and an
associate of the Irish. Before the cell is chosen the intake shows Ryan (and where he is) and the Aryan
Brotherhood, rivals of the Irish, in Emerald City; McManus admits him to the best-ranked safe cell there.
Needs :func:`emerald.relations.demo.load_baseline` (the groups) to have run.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from emerald.core import clock
from emerald.intake import selectors, services
from emerald.intake.models import Intake
from emerald.relations import services as relations
from emerald.relations.models import Group

LOCAL = ZoneInfo("America/New_York")
ARRIVAL = datetime(2026, 10, 5, 10, 0, tzinfo=LOCAL)
CYRIL = {"inmate_number": "", "first_name": "Cyril", "last_name": "O'Reily", "sex": "male",
         "custody_level": "maximum", "date_of_birth": date(2004, 2, 14)}
ANSWERS = {"offence_severity": "serious", "violence_history": "minor", "escape_history": "none",
           "sentence_length": "5_to_15y", "institutional_behaviour": "none"}


def _at(h: int, mi: int = 0) -> Any:
    return clock.frozen_at(datetime(2026, 10, 5, h, mi, tzinfo=LOCAL))


def load_chapter_7(ctx: Any) -> Intake:
    """Cyril O'Reily's intake, warnings and admission to a suggested safe cell in Emerald City."""
    metzger, mcmanus = ctx.staff["metzger"], ctx.staff["mcmanus"]
    ryan = ctx.people.get("ryan")
    with _at(10, 0):
        seen = selectors.returning_candidates(actor=metzger, first_name=CYRIL["first_name"],
                                              last_name=CYRIL["last_name"], date_of_birth=CYRIL["date_of_birth"])
        intake = services.intake_start(actor=metzger, facility=ctx.facility, new_person=dict(CYRIL),
                                       confirm_new=True, candidates_seen=[c["person"].inmate_number for c in seen])
    cyril = intake.person
    ctx.people["cyril"] = cyril
    with _at(10, 20):
        services.intake_classify(actor=metzger, intake=intake, answers=ANSWERS)
    with _at(10, 35):
        services.intake_screen(actor=metzger, intake=intake, build="slight")
    with _at(10, 45):
        if ryan is not None:
            relations.relationship_create(
                actor=metzger, person_a=cyril, person_b=ryan, kind="family", detail="brother (younger)",
                source="self-reported at intake; confirmed by the court file", known_since=date(2026, 10, 5))
        irish = Group.objects.filter(name="Irish").first()
        if irish is not None:
            relations.membership_create(
                actor=metzger, person=cyril, group=irish, role="associate", since=date(2026, 10, 5),
                source="brother of Ryan O'Reily, who leads the Irish", source_reliability="C",
                information_credibility="3")
    ec = ctx.units.get("EC")
    with _at(11, 15):
        preview = selectors.housing_preview(actor=mcmanus, intake=intake, unit_id=ec.pk if ec else None)
        if not preview["cells"]:
            preview = selectors.housing_preview(actor=mcmanus, intake=intake)
        best = preview["cells"][0]
        services.intake_admit(
            actor=mcmanus if best["unit"] == "EC" else ctx.staff["glynn"], intake=intake, cell_id=best["cell_id"],
            reason=f"intake complete: housed in the best-ranked safe cell ({best['cell']}); vulnerable, kept away "
                   "from the Aryan Brotherhood")
    intake.refresh_from_db()
    return intake
