"""The one visibility layer: whether a reader may know that a restricted record exists.

Every area that holds restricted records (a sealed person, a sexual-abuse report, an investigation,
a medical record, an intelligence note, ...) registers one check per *kind* of record here, from its
``apps.py``. Everything that shows, counts, lists, exports or audits such a record asks
:func:`may_see_record` instead of deciding for itself, so the rule for each kind lives in one place.

Deny by default: a kind nobody registered is visible to nobody. ``core`` imports no area: the areas
register with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: ``check(actor, object_id) -> bool``: may ``actor`` know that this record exists?
RecordCheck = Callable[[Any, str], bool]

_CHECKS: dict[str, RecordCheck] = {}


def register_record_kind(kind: str, check: RecordCheck) -> None:
    """Declare who may know records of ``kind`` (once per kind: a second rule would be a second place)."""
    if kind in _CHECKS and _CHECKS[kind] is not check:
        raise ValueError(f"record kind {kind!r} already has a visibility check")
    _CHECKS[kind] = check


def record_kinds() -> list[str]:
    return sorted(_CHECKS)


def may_see_record(actor: Any, kind: str, object_id: Any) -> bool:
    """Whether ``actor`` may know that the record ``kind``/``object_id`` exists. Unknown kinds: no."""
    check = _CHECKS.get(kind)
    if check is None or actor is None:
        return False
    return bool(check(actor, "" if object_id is None else str(object_id)))
