"""The one visibility layer: whether a reader may know that a restricted record exists.

Every area that holds restricted records (a sealed person, a sexual-abuse report, an investigation,
a medical record, an intelligence note, ...) registers one check per *kind* of record here, from its
``apps.py``. Everything that shows, counts, lists, exports or audits such a record asks
:func:`may_see_record` instead of deciding for itself, so the rule for each kind lives in one place.

Deny by default: a kind nobody registered is visible to nobody. ``core`` imports no area: the areas
register with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

#: ``check(actor, object_id) -> bool``: may ``actor`` know that this record exists?
RecordCheck = Callable[[Any, str], bool]
#: ``restrict(actor) -> QuerySet of primary keys`` of the records of a kind ``actor`` may know (for lists).
RecordRestrict = Callable[[Any], Any]

#: ``restricted_among(object_ids) -> the subset that is restricted`` (sealed, a sexual-abuse report, ...).
RestrictedAmong = Callable[[list[str]], set[str]]

_CHECKS: dict[str, RecordCheck] = {}
_RESTRICTS: dict[str, RecordRestrict] = {}
_RESTRICTED: dict[str, RestrictedAmong] = {}


def register_record_kind(kind: str, check: RecordCheck, restrict: RecordRestrict | None = None,
                         restricted_among: RestrictedAmong | None = None) -> None:
    """Declare who may know records of ``kind`` (once per kind: a second rule would be a second place).

    ``check`` answers for one record; ``restrict`` (optional) gives the primary keys of every record of the
    kind the actor may know, so lists of *other* records that point at this kind (a task created by a
    report, a link to a case) can leave out what the reader may not know in one query.

    ``restricted_among`` (optional) picks, from many ids at once, the records that are restricted in
    themselves, beyond the role's right to see the kind at all: a sealed person, a sexual-abuse report,
    a confidential keep-apart order, every investigation. The audit trail, which auditors read whole,
    asks it to know which entries to redact (``emerald/audit/selectors.py``); a kind without it has no
    restricted records.
    """
    if kind in _CHECKS and _CHECKS[kind] is not check:
        raise ValueError(f"record kind {kind!r} already has a visibility check")
    _CHECKS[kind] = check
    if restrict is not None:
        _RESTRICTS[kind] = restrict
    if restricted_among is not None:
        _RESTRICTED[kind] = restricted_among


def restricted_among(kind: str, object_ids: list[str]) -> set[str]:
    """The ids among ``object_ids`` whose records of ``kind`` are restricted in themselves (see above)."""
    pick = _RESTRICTED.get(kind)
    return set(pick(object_ids)) if pick is not None and object_ids else set()


def record_kinds() -> list[str]:
    return sorted(_CHECKS)


def may_see_record(actor: Any, kind: str, object_id: Any) -> bool:
    """Whether ``actor`` may know that the record ``kind``/``object_id`` exists. Unknown kinds: no."""
    if actor is OPERATOR:
        return True
    check = _CHECKS.get(kind)
    if check is None or actor is None or actor is NOBODY:
        return False
    return bool(check(actor, "" if object_id is None else str(object_id)))


def visible_records(actor: Any, kind: str) -> Any:
    """The primary keys of the records of ``kind`` the actor may know, as a subquery (``pk__in=``).

    Raises ``LookupError`` for a kind registered without ``restrict`` (a list must not guess).
    """
    restrict = _RESTRICTS.get(kind)
    if restrict is None:
        raise LookupError(f"record kind {kind!r} has no list restriction")
    return restrict(actor)


# --------------------------------------------------------------------------- the current reader
#
# Who is reading is known at the door (the web middleware, the API's bearer auth) and needed deep inside:
# in a serializer's person reference, in a refusal's message, in a template tag. Passing it down every
# call would let one call forget it; so the door sets it once for the request and everything that shows
# a restricted fact asks :func:`current_reader`.
#
# Deny by default: where no door set a reader (a thread nobody named, a request before its token was
# checked) the reader is :data:`NOBODY`, who may know nothing restricted. The command line, the demo
# loader and the test suite name :data:`OPERATOR`: the operator of the system, who sees everything.


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __bool__(self) -> bool:
        return False


#: The reader of the command line and the loaders: sees every record.
OPERATOR: Any = _Reader("OPERATOR")
#: No known reader (anonymous, or not yet authenticated): sees no restricted record.
NOBODY: Any = _Reader("NOBODY")
_reader: ContextVar[Any] = ContextVar("emerald_reader", default=NOBODY)


def current_reader() -> Any:
    """The user reading now, :data:`OPERATOR`, or :data:`NOBODY`."""
    return _reader.get()


def is_operator(reader: Any) -> bool:
    return reader is OPERATOR


def _as_reader(reader: Any) -> Any:
    if reader is OPERATOR or reader is NOBODY:
        return reader
    if reader is None or not getattr(reader, "is_authenticated", False):
        return NOBODY
    return reader


@contextmanager
def reading_as(reader: Any) -> Iterator[None]:
    """Everything shown inside is shown to ``reader`` (a user, :data:`OPERATOR`, or anonymous)."""
    token = _reader.set(_as_reader(reader))
    try:
        yield
    finally:
        _reader.reset(token)


def set_reader(reader: Any) -> None:
    """Name the reader for the rest of the current context (the API learns who it is after the door)."""
    _reader.set(_as_reader(reader))
