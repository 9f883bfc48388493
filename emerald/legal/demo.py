"""Demo data for legal matters: Augustus Hill's appeal, with Kareem Said as his legal helper, rejected on
2026-07-28 (chapter 4). Services only, clock frozen at the story's moments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from emerald.core import clock
from emerald.legal import services as legal
from emerald.legal.models import LegalMatter

LOCAL = ZoneInfo("America/New_York")
HEARING_AT = datetime(2026, 7, 21, 10, 0, tzinfo=LOCAL)
REJECTED_ON = date(2026, 7, 28)


def load_chapter_4(ctx: Any) -> LegalMatter:
    """Hill's appeal: opened with the court, case number and counsel; Said helps; heard on 21 July; rejected on
    28 July."""
    glynn, hill, said = ctx.staff["glynn"], ctx.people["hill"], ctx.people["said"]
    with clock.frozen_at(datetime(2026, 6, 1, 11, 0, tzinfo=LOCAL)):
        matter = legal.matter_create(
            actor=glynn, person=hill, kind="appeal", court="State of New York Supreme Court, Appellate Division",
            case_number="AD-1998-04127", counsel="Ms. Julia Abrams, Legal Aid Society",
            title="Appeal against conviction", notes="Grounds: ineffective assistance of counsel at trial.")
        legal.helper_add(actor=glynn, matter=matter, kind="counsel", name="Ms. Julia Abrams",
                         role="appellate counsel (Legal Aid Society)")
        legal.helper_add(actor=glynn, matter=matter, kind="in_custody", person=said,
                         role="legal helper: researched the case law and drafted the brief with Hill")
    with clock.frozen_at(datetime(2026, 6, 2, 9, 0, tzinfo=LOCAL)):
        legal.hearing_schedule(actor=glynn, matter=matter, at=HEARING_AT, purpose="oral argument")
    with clock.frozen_at(datetime(2026, 7, 28, 16, 0, tzinfo=LOCAL)):
        matter = legal.matter_outcome(actor=glynn, matter=matter, outcome="appeal_rejected", decided_on=REJECTED_ON,
                                      note="The court found no error at trial; the conviction stands.")
    return matter
