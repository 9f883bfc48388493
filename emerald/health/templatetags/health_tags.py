"""Template helpers for showing health records on other areas' pages (the person page, the dashboard)."""

from __future__ import annotations

from django import template

from emerald.accounts.permissions import allowed
from emerald.health import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def health_for_person(context, person):
    """What this user may see of a person's health on the person page; None: nothing at all."""
    user = context["request"].user
    medical = selectors.is_medical(user)
    see_notes = allowed(user, "health.custody_note.view")
    may_break_glass = allowed(user, "health.break_glass")
    if not (medical or see_notes or may_break_glass):
        return None
    return {
        "medical": medical,
        # Only medical staff see encounters here; a break-glass reader opens the record page (audited).
        "encounters": list(selectors.encounters_for_person(actor=user, person=person)[:20]) if medical else [],
        "notes": selectors.notes_in_force(person) if see_notes else None,
        "may_write_note": allowed(user, "health.custody_note.write"),
        "may_break_glass": may_break_glass,
        "break_glass": selectors.break_glass_for(user, person) if may_break_glass else None,
    }


@register.simple_tag(takes_context=True)
def medical_notifications(context):
    """Break-glass notices for medical staff's dashboard (empty for anyone else)."""
    return list(selectors.open_notifications(actor=context["request"].user)[:50])
