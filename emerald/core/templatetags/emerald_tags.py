"""Template helpers: permission checks and small formatting."""

from __future__ import annotations

from django import template

from emerald.accounts.permissions import allowed, manages_unit

register = template.Library()


@register.filter
def can(user, action: str) -> bool:
    """``{% if user|can:"placement.move" %}``: the role may take the action (scope is checked by the service)."""
    return allowed(user, action)


@register.filter
def manages(user, unit_id) -> bool:
    """``{% if user|manages:unit.pk %}``: a global role, or the unit manager of this unit."""
    return manages_unit(user, unit_id)
