"""What a reader may know of a keep-apart order: the one place that decides it.

An order made from a restricted record (a sexual-abuse report) is *confidential*. Officers must still
keep the two apart, so the order itself, its scope and the two people show to everyone who may see
keep-apart orders; its reason and comment show only to those with ``non_association.view_confidential``.
To everyone else the reason is the code ``confidential`` ("confidential" on the pages): nothing that ties
the order to the report.

Registered with the visibility layer as the record kind ``non_association``. Its check answers whether
the reader may know the *whole* order, reason included: the audit trail asks it, so an entry about a
confidential order (which holds the reason) is redacted for a reader who may not know why it was made.
Lists and pages of orders do not ask it: they show every order to ``non_association.view`` and hide
only the reason and comment.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from emerald.accounts.permissions import allowed
from emerald.core.visibility import OPERATOR, current_reader, register_record_kind

CONFIDENTIAL = "confidential"
_UNSET: Any = object()


def _reader(reader: Any) -> Any:
    return current_reader() if reader is _UNSET else reader


def may_know_reason(order: Any, reader: Any = _UNSET) -> bool:
    """Whether the reader may know why this order was made (and read its comment)."""
    reader = _reader(reader)
    if not getattr(order, "confidential", False) or reader is OPERATOR:
        return True
    return allowed(reader, "non_association.view_confidential")


def reason_code(order: Any, reader: Any = _UNSET) -> str:
    """The reason's code as the reader may see it: the stored code, or ``confidential``."""
    return order.reason if may_know_reason(order, reader) else CONFIDENTIAL


def reason_label(order: Any, reader: Any = _UNSET) -> str:
    """The reason in the reader's language: "victim and perpetrator", or "confidential"."""
    return str(order.get_reason_display()) if may_know_reason(order, reader) else _("confidential")


def order_comment(order: Any, reader: Any = _UNSET) -> str:
    """The order's comment, or nothing for a reader who may not know the reason."""
    return order.comment if may_know_reason(order, reader) else ""


def _check_order(actor: Any, object_id: str) -> bool:
    from emerald.housing.models import NonAssociation

    if not allowed(actor, "non_association.view"):
        return False
    try:
        order = NonAssociation.objects.filter(pk=int(object_id)).only("confidential").first()
    except ValueError:
        return False
    return order is not None and may_know_reason(order, actor)


def register() -> None:
    """Called from the app's ``ready``: keep-apart orders in the one visibility layer."""
    register_record_kind("non_association", _check_order, restricted_among=_confidential_among)


def _confidential_among(ids: list[str]) -> set[str]:
    from emerald.housing.models import NonAssociation

    pks = [int(i) for i in ids if i.isdigit()]
    return {str(pk) for pk in NonAssociation.objects.filter(pk__in=pks, confidential=True).values_list("pk", flat=True)}
