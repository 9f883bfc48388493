"""Demo data for relationships and security threat groups. Services only, clock frozen.

- :func:`load_baseline` (2025-06-01, right after the Oz baseline): the groups, their rivalries and every
  known membership (the named leaders, and the generated residents of the roster by their group).
- :func:`load_chapter_7` (2026-10-06): El Cid becomes leader of the Latinos (a leadership change).

Cyril O'Reily's family tie and Irish association are recorded at his intake (emerald.intake.demo).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from emerald.core import clock
from emerald.people.models import Person
from emerald.relations import services
from emerald.relations.models import Group, Membership

LOCAL = ZoneInfo("America/New_York")
BASELINE_AT = datetime(2025, 6, 1, 9, 0, tzinfo=LOCAL)
SINCE = date(2025, 6, 1)
GROUPS = [
    ("Homeboys", "Black street gang; controls much of the drug trade in Emerald City."),
    ("Wiseguys", "Italian organised crime."),
    ("Aryan Brotherhood", "White-supremacist prison gang."),
    ("Muslims", "Muslim brotherhood of Emerald City, led by its imam."),
    ("Irish", "Irish inmates around the O'Reily brothers."),
    ("Latinos", "Latino inmates; the El Norte set is the largest."),
    ("Bikers", "Outlaw motorcycle club members."),
]
RIVALRIES = [
    ("Homeboys", "Wiseguys", "fight over the drug trade in Emerald City"),
    ("Aryan Brotherhood", "Muslims", "repeated threats and assaults in the day room"),
    ("Aryan Brotherhood", "Homeboys", "racial violence; assault in the yard in 2024"),
    ("Latinos", "Homeboys", "drug-trade turf in Unit B"),
    ("Aryan Brotherhood", "Latinos", "assault in the yard in 2024"),
    ("Aryan Brotherhood", "Irish", "debts and threats; the Irish refuse to pay protection"),
    ("Irish", "Bikers", "commissary dispute, 2024"),
]
LEADERS = {"adebisi": "Homeboys", "schibetta": "Wiseguys", "schillinger": "Aryan Brotherhood",
           "said": "Muslims", "ryan": "Irish"}
MEMBERS = {"wangler": "Homeboys", "alvarez": "Latinos", "elcid": "Latinos"}


def _group(name: str) -> Group:
    return Group.objects.get(name=name)


def load_baseline(ctx: Any) -> dict[str, Group]:
    """Groups, rivalries and memberships as known on 2025-06-01."""
    from emerald.demo.oz import roster

    analyst = ctx.staff["investigator"]
    people = ctx.people
    with clock.frozen_at(BASELINE_AT):
        groups = {name: services.group_create(actor=analyst, name=name, description=text) for name, text in GROUPS}
        for a, b, why in RIVALRIES:
            services.rivalry_create(actor=analyst, group_a=groups[a], group_b=groups[b], since=date(2024, 1, 1),
                                    source=f"intelligence and incident reports: {why}")
        named = set()
        for key, group in LEADERS.items():
            if key in people:
                services.membership_create(
                    actor=analyst, person=people[key], group=groups[group], role="leader", since=SINCE,
                    source="intelligence reports; confirmed by staff observation", source_reliability="B",
                    information_credibility="2")
                named.add(people[key].pk)
        for key, group in MEMBERS.items():
            if key in people:
                services.membership_create(
                    actor=analyst, person=people[key], group=groups[group], role="member", since=SINCE,
                    source="tattoos and association seen by staff", source_reliability="B",
                    information_credibility="2")
                named.add(people[key].pk)
        # The generated residents: their group as the roster gives it.
        by_number = {r.number: r.group for r in roster() if r.group and r.group in groups}
        for person in Person.objects.filter(inmate_number__in=list(by_number)).exclude(pk__in=named).order_by(
                "inmate_number"):
            services.membership_create(
                actor=analyst, person=person, group=groups[by_number[person.inmate_number]], role="member",
                since=SINCE, source="classification interview and tattoos", source_reliability="C",
                information_credibility="3")
    return groups


def load_chapter_7(ctx: Any) -> Any:
    """2026-10-06: El Cid takes over the Latinos in Emerald City and sets his rules."""
    elcid = ctx.people.get("elcid")
    if elcid is None:
        return None
    latinos = _group("Latinos")
    if not Membership.objects.filter(group=latinos, person=elcid, ended_at__isnull=True).exists():
        return None
    with clock.frozen_at(datetime(2026, 10, 6, 16, 0, tzinfo=LOCAL)):
        return services.leadership_change(
            actor=ctx.staff["investigator"], group=latinos, new_leader=elcid, effective_on=date(2026, 10, 6),
            reason="El Cid has taken over the Latinos in Emerald City and set his rules; the others defer to him.",
            source="informant and officer Metzger's observation on the tier", source_reliability="B",
            information_credibility="2")
