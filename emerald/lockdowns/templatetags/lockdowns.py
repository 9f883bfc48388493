"""``{% lockdown_banner unit=... %}``: the lockdown banner every page shows while a lockdown is in force."""

from __future__ import annotations

from typing import Any

from django import template

from emerald.facilities.models import Unit
from emerald.lockdowns.selectors import banner_lockdowns

register = template.Library()


@register.inclusion_tag("lockdowns/partials/banner.html", takes_context=True)
def lockdown_banner(context: template.Context, unit: Any = None, other: Any = None) -> dict[str, Any]:
    """Every facility lockdown in force, plus the own lockdown of ``unit`` and ``other`` (if they are units).

    Pages pass whatever ``unit`` they have in their context; anything that is not a Unit is ignored, so the
    one include in the base template is safe on every page.
    """
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not getattr(user, "is_authenticated", False):
        return {"lockdowns": []}
    found = banner_lockdowns(actor=user, unit=unit if isinstance(unit, Unit) else None,
                             other=other if isinstance(other, Unit) else None)
    return {"lockdowns": found, "user": user}


@register.simple_tag
def lockdown_of(unit: Any) -> Any:
    """The lockdown holding ``unit`` (its own, else its facility's), or None: ``{% lockdown_of u as lk %}``."""
    if not isinstance(unit, Unit):
        return None
    from emerald.lockdowns.selectors import locked_unit_ids

    return locked_unit_ids().get(unit.pk)
