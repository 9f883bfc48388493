"""Template helpers for showing charges on the person page."""

from __future__ import annotations

from django import template

from emerald.accounts.permissions import allowed
from emerald.discipline.selectors import charges_for_person

register = template.Library()


@register.simple_tag(takes_context=True, name="charges_for_person")
def charges_for_person_tag(context, person):
    user = context["request"].user
    if not allowed(user, "discipline.view"):
        return None
    return list(charges_for_person(actor=user, person=person)[:50])
