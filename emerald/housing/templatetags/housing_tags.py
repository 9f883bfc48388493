"""Keep-apart orders on pages, as the reader may see them (emerald/housing/visibility.py decides)."""

from __future__ import annotations

from typing import Any

from django import template

from emerald.housing.visibility import may_know_reason, order_comment, reason_label

register = template.Library()


@register.filter
def keep_apart_reason(order: Any) -> str:
    """The order's reason in the reader's language, or "confidential"."""
    return reason_label(order)


@register.filter
def keep_apart_comment(order: Any) -> str:
    """The order's comment, or nothing where the reason is confidential to the reader."""
    return order_comment(order)


@register.filter
def knows_reason(order: Any) -> bool:
    """Whether the reader may know why the order was made (for its close reason and links)."""
    return may_know_reason(order)
