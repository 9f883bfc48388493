"""Demo data for health: Ryan O'Reily's chest surgery and custody notes (chapter 4), Peter Schibetta's
emergency treatment for poisoning (chapter 5). Services only, clock frozen at the story's moments.

``ctx`` is the demo context described in BRIEF.md. Call :func:`load_chapter_5` after the incidents app's
chapter 5 (the poisoning report), so the encounter can be linked to it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from emerald.core import clock
from emerald.health import services as health
from emerald.health.models import Encounter

LOCAL = ZoneInfo("America/New_York")

SURGERY_AT = datetime(2026, 7, 10, 9, 30, tzinfo=LOCAL)
POISONING_TREATED_AT = datetime(2026, 8, 20, 13, 5, tzinfo=LOCAL)
NOTE_UNTIL = date(2026, 8, 21)


def _at(moment: datetime):
    return clock.frozen_at(moment)


def _lower_bunk_for(ctx: Any, person: Any) -> None:
    """If the person sleeps in an upper bunk, an officer moves them to a free lower bed in their own unit."""
    from emerald.core.errors import ServiceError
    from emerald.facilities.models import Cell
    from emerald.housing.models import Placement
    from emerald.housing.rules import check_cell
    from emerald.housing.services import placement_move

    current = Placement.objects.select_related("bed", "unit").filter(person=person, end_at__isnull=True).first()
    if current is None or current.bed.bunk != "upper":
        return
    for cell in Cell.objects.filter(unit=current.unit).exclude(pk=current.cell_id).select_related("unit").order_by("code"):
        if check_cell(person, cell).ok:
            try:
                placement_move(actor=ctx.staff["metzger"], person=person, cell_id=cell.pk,
                               reason="custody note: bottom bunk after surgery")
            except ServiceError:
                continue
            return


def load_chapter_4(ctx: Any) -> Encounter:
    """Ryan O'Reily's chest surgery by Dr. Nathan, a follow-up, and the custody note officers see."""
    nathan, ryan = ctx.staff["nathan"], ctx.people["ryan"]
    with _at(datetime(2026, 7, 10, 15, 0, tzinfo=LOCAL)):
        surgery = health.encounter_create(
            actor=nathan, person=ryan, kind="surgery", occurred_at=SURGERY_AT, location="Infirmary operating room",
            notes="Elective repair of a chest wall injury. Uneventful procedure; patient stable in recovery.",
            diagnoses="Chest wall injury with persistent pain (old stab wound)",
            procedures="Surgical repair of the chest wall under general anaesthesia",
            medications="Cefazolin 2 g IV before incision; morphine as needed for 48 h, then paracetamol")
    with _at(datetime(2026, 7, 11, 9, 0, tzinfo=LOCAL)):
        health.custody_note_create(
            actor=nathan, person=ryan, text="Post-operative: no lifting, bottom bunk.",
            kinds=["no_lifting", "bottom_bunk"], valid_from=date(2026, 7, 11), valid_until=NOTE_UNTIL)
    with _at(datetime(2026, 7, 11, 10, 0, tzinfo=LOCAL)):
        _lower_bunk_for(ctx, ryan)
    with _at(datetime(2026, 7, 24, 11, 0, tzinfo=LOCAL)):
        health.encounter_create(
            actor=nathan, person=ryan, kind="follow_up", occurred_at=datetime(2026, 7, 24, 10, 30, tzinfo=LOCAL),
            location="Infirmary", notes="Wound healing well; recovering well. Sutures removed.",
            procedures="Suture removal", medications="Paracetamol as needed")
    return surgery


def poisoning_incident(ctx: Any) -> Any:
    """The chapter 5 poisoning report (incidents app), if it was loaded."""
    from emerald.incidents.models import Incident

    start = datetime(2026, 8, 20, 0, 0, tzinfo=LOCAL)
    end = datetime(2026, 8, 21, 0, 0, tzinfo=LOCAL)
    return (Incident.objects.filter(type="poisoning", occurred_at__gte=start, occurred_at__lt=end)
            .order_by("occurred_at", "pk").first())


def load_chapter_5(ctx: Any) -> Encounter:
    """Peter Schibetta's emergency treatment for poisoning, linked to the incident report when there is one."""
    nathan, schibetta = ctx.staff["nathan"], ctx.people["schibetta"]
    incident = poisoning_incident(ctx)
    with _at(datetime(2026, 8, 20, 16, 0, tzinfo=LOCAL)):
        encounter = health.encounter_create(
            actor=nathan, person=schibetta, kind="emergency", occurred_at=POISONING_TREATED_AT,
            location="Infirmary", incident_ids=[incident.pk] if incident is not None else [],
            notes=("Collapsed after lunch: vomiting, confusion, abdominal pain. Ground glass found in the food. "
                   "Admitted to the infirmary for observation."),
            diagnoses="Acute poisoning; oesophageal and gastric irritation from ground glass",
            procedures="Gastric lavage; endoscopy arranged",
            medications="Activated charcoal; IV fluids; proton-pump inhibitor")
    with _at(datetime(2026, 8, 22, 10, 0, tzinfo=LOCAL)):
        health.encounter_create(
            actor=nathan, person=schibetta, kind="follow_up", occurred_at=datetime(2026, 8, 22, 9, 30, tzinfo=LOCAL),
            location="Infirmary", notes="Improving; eating soft food. Fit to return to housing with a soft diet.",
            medications="Proton-pump inhibitor for four weeks")
    return encounter
