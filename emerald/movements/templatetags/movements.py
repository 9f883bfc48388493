"""``{% count_alerts as alerts %}``: the open count discrepancies the user is alerted to (the dashboard)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def count_alerts(context: template.Context) -> list[Any]:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    from emerald.movements.selectors import open_alerts

    return list(open_alerts(actor=user)[:20])
