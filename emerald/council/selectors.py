"""Permission-filtered reads of the unit council and the unit rules."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from emerald.accounts.permissions import allowed, manages_unit
from emerald.core import clock
from emerald.core.access import deny_read, require_list
from emerald.council.models import CouncilMember, Meeting, UnitRules
from emerald.facilities.models import Unit
from emerald.people.models import Person


def _pk(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def council_unit(*, actor: Any, unit_id: Any) -> Unit:
    pk = _pk(unit_id)
    unit = Unit.objects.select_related("facility").filter(pk=pk).first() if pk is not None else None
    if unit is None or not allowed(actor, "council.view"):
        raise deny_read(actor, "council.view", "unit", unit_id)
    return unit


def members(unit: Unit, *, include_ended: bool = False) -> list[CouncilMember]:
    qs = CouncilMember.objects.filter(unit=unit).select_related("person", "appointed_by", "ended_by")
    if not include_ended:
        qs = qs.filter(ended_at__isnull=True)
    rows = list(qs.order_by("ended_at", "role", "person__last_name", "-term_start"))
    today = clock.now().date()
    for m in rows:
        m.term_over = m.ended_at is None and m.term_end < today  # type: ignore[attr-defined]
    return rows


def meetings(unit: Unit) -> QuerySet[Meeting]:
    return Meeting.objects.filter(unit=unit).prefetch_related("attendees", "decisions").select_related(
        "recorded_by").order_by("-held_at", "-id")


def meeting_get(*, actor: Any, meeting_id: Any) -> Meeting:
    pk = _pk(meeting_id)
    meeting = (Meeting.objects.select_related("unit").filter(pk=pk).first()
               if pk is not None and allowed(actor, "council.view") else None)
    if meeting is None:
        raise deny_read(actor, "council.view", "council_meeting", meeting_id)
    return meeting


def member_get(*, actor: Any, member_id: Any) -> CouncilMember:
    pk = _pk(member_id)
    m = (CouncilMember.objects.select_related("unit", "person").filter(pk=pk).first()
         if pk is not None and allowed(actor, "council.view") else None)
    if m is None:
        raise deny_read(actor, "council.view", "council_member", member_id)
    return m


def current_rules(unit: Unit) -> UnitRules | None:
    """The highest version in effect today (a version published for a later date waits)."""
    return (UnitRules.objects.filter(unit=unit, effective_from__lte=clock.now().date())
            .select_related("published_by").order_by("-version").first())


def rules_history(unit: Unit) -> QuerySet[UnitRules]:
    return UnitRules.objects.filter(unit=unit).select_related("published_by", "meeting").order_by("-version")


def council_of(*, actor: Any, unit: Unit) -> dict[str, Any]:
    """The council page: members (current and past), meetings, rules, and what the actor may do."""
    return {
        "unit": unit, "members": members(unit), "past_members": [m for m in members(unit, include_ended=True)
                                                                 if m.ended_at is not None],
        "meetings": list(meetings(unit)), "rules": current_rules(unit), "rules_history": list(rules_history(unit)),
        "may_appoint": allowed(actor, "council.appoint") and manages_unit(actor, unit.pk),
        "may_record": allowed(actor, "council.record") and manages_unit(actor, unit.pk),
        "may_publish": allowed(actor, "unit_rules.publish") and manages_unit(actor, unit.pk),
    }


def seats_of(*, actor: Any, person: Person) -> list[CouncilMember]:
    """A person's council seats (current and past), for their page."""
    if not allowed(actor, "council.view"):
        return []
    return list(CouncilMember.objects.filter(person=person).select_related("unit", "appointed_by")
                .order_by("ended_at", "-term_start"))


def council_list(*, actor: Any) -> list[dict[str, Any]]:
    require_list(actor, "council.view", "unit")
    units = Unit.objects.select_related("facility").order_by("facility__code", "code")
    counts: dict[int, int] = {}
    for uid in CouncilMember.objects.filter(ended_at__isnull=True).values_list("unit_id", flat=True):
        counts[uid] = counts.get(uid, 0) + 1
    with_rules = set(UnitRules.objects.values_list("unit_id", flat=True))
    return [{"unit": u, "members": counts.get(u.pk, 0), "has_rules": u.pk in with_rules} for u in units
            if counts.get(u.pk) or u.pk in with_rules or u.kind == "rehabilitation"]
