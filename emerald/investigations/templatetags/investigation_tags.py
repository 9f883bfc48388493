"""Template helpers for showing investigations on other areas' pages (the person page)."""

from __future__ import annotations

from django import template

from emerald.accounts.permissions import allowed
from emerald.investigations.selectors import audit_listing, investigations_for_person

register = template.Library()


@register.simple_tag(takes_context=True, name="investigations_for_person")
def investigations_for_person_tag(context, person):
    """The cases naming ``person`` that the viewer may know exist (None: the section is not shown at all)."""
    user = context["request"].user
    if not allowed(user, "investigation.view"):
        return None
    rows = list(investigations_for_person(actor=user, person=person)[:50])
    if not rows:
        return None
    audit_listing(user, rows)
    return rows
