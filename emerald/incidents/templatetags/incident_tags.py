"""Template helpers for showing incidents on other areas' pages (the person page)."""

from __future__ import annotations

from django import template

from emerald.accounts.permissions import allowed
from emerald.incidents.selectors import audit_restricted_listing, incidents_for_person

register = template.Library()


@register.simple_tag(takes_context=True, name="incidents_for_person")
def incidents_for_person_tag(context, person):
    user = context["request"].user
    if not allowed(user, "incident.view"):
        return None
    rows = list(incidents_for_person(actor=user, person=person)[:50])
    audit_restricted_listing(user, rows)
    return rows

