"""Template helpers: a person's council seats (person page) and a unit's rules (unit page)."""

from __future__ import annotations

from typing import Any

from django import template

from emerald.accounts.permissions import allowed
from emerald.council import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def council_seats(context: Any, person: Any) -> list[Any]:
    return selectors.seats_of(actor=context["request"].user, person=person)


@register.simple_tag(takes_context=True)
def unit_rules(context: Any, unit: Any) -> Any:
    if unit is None or not allowed(context["request"].user, "council.view"):
        return None
    return selectors.current_rules(unit)
