"""Demo data for incidents: the riot (chapter 1), the attack on the warden's daughter (chapter 3), the
poisoning (chapter 5) and the sexual assault of Schibetta (chapter 6). Services only, clock frozen.

``ctx`` is the demo context described in BRIEF.md (``units``, ``cells``, ``people``, ``staff``).
Timeline: call :func:`load_chapter_1` after the facility lockdown (2025-07-14 22:15) and before the
re-housing of Emerald City (2025-07-15 02:00); the others at their chapter's place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from emerald.core import clock
from emerald.housing.models import Placement
from emerald.incidents import services as inc
from emerald.incidents.models import Incident

LOCAL = ZoneInfo("America/New_York")

RIOT_AT = datetime(2025, 7, 14, 22, 0, tzinfo=LOCAL)
DAUGHTER_AT = datetime(2026, 6, 14, 23, 30, tzinfo=LOCAL)
POISONING_AT = datetime(2026, 8, 20, 12, 30, tzinfo=LOCAL)
ASSAULT_AT = datetime(2026, 9, 15, 21, 40, tzinfo=LOCAL)

#: Officers killed in the riot: staff without an account in Emerald (they are recorded by name).
DEAD_OFFICERS = [("Officer Thomas Kelleher", "correctional officer, Emerald City, tier 2"),
                 ("Officer Frank Dominguez", "correctional officer, Emerald City, control station")]


def _at(moment: datetime):
    return clock.frozen_at(moment)


def riot_bystanders(ctx: Any, count: int) -> list[Any]:
    """Generated Emerald City residents (not the named characters), in inmate-number order."""
    named = {p.pk for p in ctx.people.values()}
    placements = (Placement.objects.filter(unit=ctx.units["EC"], end_at__isnull=True)
                  .exclude(person_id__in=named).select_related("person").order_by("person__inmate_number"))
    return [p.person for p in placements[:count]]


def riot_incident() -> Incident | None:
    return Incident.objects.filter(type="riot_disorder", occurred_at=RIOT_AT).first()


def load_chapter_1(ctx: Any) -> Incident:
    """The riot in Emerald City: six inmates and two officers dead, many injured, many people involved."""
    people, staff = ctx.people, ctx.staff
    bystanders = riot_bystanders(ctx, 10)
    dead, injured, witnesses = bystanders[:6], bystanders[6:9], bystanders[9:]
    involvements: list[dict[str, Any]] = []
    for person in dead:
        involvements.append({"kind": "in_custody", "role": "victim", "person": person.inmate_number,
                             "injury": "fatal injuries sustained during the riot", "died": True})
    for person in injured:
        involvements.append({"kind": "in_custody", "role": "victim", "person": person.inmate_number,
                             "injury": "beaten with a chair leg", "injury_severity": "serious"})
    for key, injury in (("adebisi", "cut to the forearm"), ("schillinger", ""), ("ryan", ""),
                        ("alvarez", "burns to both hands"), ("wangler", "")):
        involvements.append({"kind": "in_custody", "role": "participant", "person": people[key].inmate_number,
                             "injury": injury, "injury_severity": "moderate" if injury else "none"})
    involvements.append({"kind": "in_custody", "role": "participant", "person": people["said"].inmate_number,
                         "description": "spoke for the inmates in the negotiation"})
    involvements.append({"kind": "in_custody", "role": "witness", "person": people["hill"].inmate_number})
    for person in witnesses:
        involvements.append({"kind": "in_custody", "role": "witness", "person": person.inmate_number})
    for name, position in DEAD_OFFICERS:
        involvements.append({"kind": "staff", "role": "victim", "name": name, "description": position,
                             "injury": "killed during the riot", "died": True})
    involvements.append({"kind": "staff", "role": "responding_staff", "staff_user": staff["metzger"].username,
                         "injury": "smoke inhalation", "injury_severity": "minor"})
    involvements.append({"kind": "staff", "role": "responding_staff", "staff_user": staff["mcmanus"].username})
    with _at(datetime(2025, 7, 14, 23, 30, tzinfo=LOCAL)):
        incident = inc.incident_create(
            actor=staff["glynn"], type="riot_disorder", severity="critical", occurred_at=RIOT_AT,
            title="Riot in Emerald City", unit_id=ctx.units["EC"].pk,
            description=("At about 22:00 inmates in Emerald City overpowered the tier officers and took control "
                         "of the unit. Fires were set in the day room. The riot ended when the tactical team "
                         "retook the unit. Six inmates and two officers were killed."),
            involvements=involvements)
    with _at(datetime(2025, 7, 14, 23, 50, tzinfo=LOCAL)):
        incident = inc.incident_submit(actor=staff["glynn"], incident=incident)
    return incident


def load_chapter_3(ctx: Any) -> Incident:
    """The rape of the warden's daughter: an outside victim, the attacker unknown (a restricted report)."""
    staff = ctx.staff
    with _at(datetime(2026, 6, 15, 9, 0, tzinfo=LOCAL)):
        incident = inc.incident_create(
            actor=staff["investigator"], type="sexual_assault", severity="critical", occurred_at=DAUGHTER_AT,
            title="Attack on a relative of staff", location_text="Outside the facility: parking garage downtown",
            description=("The warden's daughter was attacked and raped on her way home. The attacker is "
                         "unknown; information suggests a link to an inmate of Oz."),
            involvements=[
                {"kind": "outside", "role": "victim", "name": "Beth Glynn", "description": "daughter of the warden",
                 "injury": "assault injuries, treated at St. Mary's", "injury_severity": "serious"},
                {"kind": "unknown", "role": "suspect", "description": "male, not identified"},
            ])
    with _at(datetime(2026, 6, 15, 9, 20, tzinfo=LOCAL)):
        return inc.incident_submit(actor=staff["investigator"], incident=incident)


def load_chapter_5(ctx: Any) -> Incident:
    """Adebisi poisons Schibetta; the keep-apart proposal is accepted at unit scope (the baseline cell-scope
    order between them is superseded by the wider one)."""
    people, staff = ctx.people, ctx.staff
    with _at(datetime(2026, 8, 20, 15, 0, tzinfo=LOCAL)):
        incident = inc.incident_create(
            actor=staff["nathan"], type="poisoning", severity="high", occurred_at=POISONING_AT,
            title="Poisoning at lunch", unit_id=ctx.units["EC"].pk,
            description=("Peter Schibetta collapsed after lunch with vomiting and confusion; ground glass and a "
                         "toxic substance were found in his food. Treated in the infirmary."),
            involvements=[
                {"kind": "in_custody", "role": "victim", "person": people["schibetta"].inmate_number,
                 "injury": "poisoning: admitted to the infirmary", "injury_severity": "serious"},
                {"kind": "in_custody", "role": "suspect", "person": people["adebisi"].inmate_number},
                {"kind": "staff", "role": "responding_staff", "staff_user": staff["nathan"].username},
            ])
    with _at(datetime(2026, 8, 20, 15, 30, tzinfo=LOCAL)):
        incident = inc.incident_submit(actor=staff["nathan"], incident=incident)
    with _at(datetime(2026, 8, 21, 9, 0, tzinfo=LOCAL)):
        incident = inc.incident_start_review(actor=staff["glynn"], incident=incident)
        proposal = incident.proposals.get()
        inc.proposal_accept(actor=staff["glynn"], proposal=proposal, scope="unit",
                            reason="Schibetta not to return to Emerald City while Adebisi is there.")
    return incident


def load_chapter_6(ctx: Any) -> Incident:
    """Schibetta is raped by Adebisi: a restricted report; a confidential unit-scope order is made at once."""
    people, staff = ctx.people, ctx.staff
    with _at(datetime(2026, 9, 16, 8, 30, tzinfo=LOCAL)):
        incident = inc.incident_create(
            actor=staff["investigator"], type="sexual_assault", severity="critical", occurred_at=ASSAULT_AT,
            title="Sexual abuse report", unit_id=ctx.units["EC"].pk,
            description="Report of sexual abuse after evening lock-in; examined by Dr. Nathan.",
            involvements=[
                {"kind": "in_custody", "role": "victim", "person": people["schibetta"].inmate_number,
                 "injury": "examined; injuries documented in the medical record", "injury_severity": "serious"},
                {"kind": "in_custody", "role": "suspect", "person": people["adebisi"].inmate_number},
                {"kind": "staff", "role": "responding_staff", "staff_user": staff["nathan"].username},
            ])
    with _at(datetime(2026, 9, 16, 8, 45, tzinfo=LOCAL)):
        return inc.incident_submit(actor=staff["investigator"], incident=incident)
