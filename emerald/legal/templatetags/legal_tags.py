"""Template helpers for showing legal matters on the person page."""

from __future__ import annotations

from django import template

from emerald.accounts.permissions import allowed
from emerald.legal import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def legal_for_person(context, person):
    """What this user may see of a person's legal matters; None: nothing at all."""
    user = context["request"].user
    see_matters = allowed(user, "legal.view")
    if not (see_matters or allowed(user, "legal.hearings.view")):
        return None
    return {
        "see_matters": see_matters,
        "matters": list(selectors.matters_for_person(actor=user, person=person)) if see_matters else [],
        "helps": list(selectors.helped_by(actor=user, person=person).select_related("person")) if see_matters else [],
        "hearings": list(selectors.hearing_schedule(actor=user, person=person)[:20]),
        "may_manage": allowed(user, "legal.manage"),
    }
