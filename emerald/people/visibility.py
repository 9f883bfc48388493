"""Whether a reader may know a person, and what they see of a person they may not know.

The one place that decides it. A person is hidden from a reader who may not see people at all, and a
sealed record (sealed by a court, or marked SEALED by the system it was imported from) from everyone
without ``person.view_sealed``. Everything that mentions a person in an answer, a page, a message, an
export or a count goes through :func:`person_ref`, :func:`display_name`, :func:`display_number` or the
``{% person %}`` template tags (``emerald/people/templatetags/people_tags.py``), which ask
:func:`may_know_person`.

A hidden person is still counted: the roll, the unit board and the count sheet show that a bed is taken
(an officer must count every body), but not by whom — the number and the name become a neutral
placeholder that is the same for every hidden person.

The reader is the one the door named for the request (``emerald.core.visibility.current_reader``);
callers may pass another explicitly.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from emerald.accounts.permissions import allowed
from emerald.core.visibility import NOBODY, OPERATOR, current_reader, register_record_kind

#: What a reader sees in place of a person they may not know (the same for every such person).
HIDDEN_NAME = gettext_lazy("a person you may not see")

_UNSET: Any = object()


def _reader(reader: Any) -> Any:
    return current_reader() if reader is _UNSET else reader


def may_know_people(reader: Any = _UNSET) -> bool:
    """Whether the reader may know people at all (every staff role may)."""
    reader = _reader(reader)
    if reader is OPERATOR:
        return True
    if reader is NOBODY or reader is None:
        return False
    return allowed(reader, "person.view")


def may_know_sealed(reader: Any = _UNSET) -> bool:
    reader = _reader(reader)
    if reader is OPERATOR:
        return True
    if reader is NOBODY or reader is None:
        return False
    return allowed(reader, "person.view") and allowed(reader, "person.view_sealed")


def may_know_person(person: Any, reader: Any = _UNSET) -> bool:
    """Whether ``reader`` may know that ``person`` (a Person, or None) exists."""
    if person is None:
        return False
    reader = _reader(reader)
    if not may_know_people(reader):
        return False
    return not getattr(person, "sealed", False) or may_know_sealed(reader)


def visible_people(qs: QuerySet, reader: Any = _UNSET) -> QuerySet:
    """``qs`` (of Person) narrowed to the people ``reader`` may know."""
    reader = _reader(reader)
    if not may_know_people(reader):
        return qs.none()
    if may_know_sealed(reader):
        return qs
    return qs.filter(sealed=False)


def person_ref(person: Any, reader: Any = _UNSET) -> dict[str, Any]:
    """``{"inmate_number", "name", "hidden"}`` of a person as ``reader`` may see them.

    A hidden person is ``{"inmate_number": None, "name": "a person you may not see", "hidden": True}``:
    the same for every hidden person, so two hidden references cannot be told apart.
    """
    if may_know_person(person, reader):
        return {"inmate_number": person.inmate_number, "name": person.full_name, "hidden": False}
    return {"inmate_number": None, "name": str(HIDDEN_NAME), "hidden": True}


def display_name(person: Any, reader: Any = _UNSET) -> str:
    """The person's name for a message or a page, or the placeholder."""
    if may_know_person(person, reader):
        return person.full_name or person.inmate_number
    return _("a person you may not see")


def display_number(person: Any, reader: Any = _UNSET) -> str | None:
    """The inmate number, or None for a person the reader may not know."""
    return person.inmate_number if may_know_person(person, reader) else None


def display_label(person: Any, reader: Any = _UNSET) -> str:
    """"Name (number)" for a message, or the placeholder."""
    if may_know_person(person, reader):
        name = person.full_name
        return f"{name} ({person.inmate_number})" if name else person.inmate_number
    return _("a person you may not see")


def numbers(people: Any, reader: Any = _UNSET) -> list[str | None]:
    """Inmate numbers for a list of people: None in place of each hidden one (counted, not named)."""
    reader = _reader(reader)
    return [display_number(p, reader) for p in people]


def _check_person(actor: Any, inmate_number: str) -> bool:
    from emerald.people.models import Person

    if not may_know_people(actor):
        return False
    person = Person.objects.filter(inmate_number=inmate_number.strip().upper()).only("sealed").first()
    return person is not None and may_know_person(person, actor)


def register() -> None:
    register_record_kind("person", _check_person, restricted_among=_sealed_among)


def _sealed_among(numbers: list[str]) -> set[str]:
    from emerald.people.models import Person

    wanted = {n.strip().upper(): n for n in numbers}
    return {wanted[n] for n in Person.objects.filter(sealed=True, inmate_number__in=list(wanted))
            .values_list("inmate_number", flat=True)}
