"""Permission-filtered reads of people."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from emerald.audit import services as audit
from emerald.core.access import deny_read
from emerald.people.models import Person
from emerald.people.search import search_people
from emerald.people.visibility import visible_people


def people_visible_to(actor: Any) -> QuerySet[Person]:
    """Every person record the actor may know exists (the rule: :mod:`emerald.people.visibility`)."""
    return visible_people(Person.objects.all(), actor)


def person_get(*, actor: Any, inmate_number: str) -> Person:
    """One person, or an audited 404 for a record that does not exist or may not be known."""
    number = (inmate_number or "").strip().upper()
    person = people_visible_to(actor).filter(inmate_number=number).first()
    if person is None:
        raise deny_read(actor, "person.view", "person", number)
    return person


def person_open_record(*, actor: Any, inmate_number: str, channel: str = "web") -> Person:
    """Fetch a person's record for display, and audit that ``actor`` viewed it."""
    person = person_get(actor=actor, inmate_number=inmate_number)
    audit.record(actor=actor, action="person.view", object_type="person", object_id=person.inmate_number,
                 changes={"channel": channel}, summary=f"viewed the record of {person.inmate_number}")
    return person


def person_search(
    *, actor: Any, q: str = "", status: str = "", unit_id: int | None = None
) -> QuerySet[Person]:
    """Search by inmate number, name, alias or date of birth, tolerant of typos, transpositions, accents,
    apostrophes and spacing (see :mod:`emerald.people.search`). Best matches first.

    Without ``q``: every visible person (filtered by status/unit), by name. With ``q``: at most
    ``search.DEFAULT_LIMIT`` people, best first (annotated ``search_rank`` and ``search_score``).
    """
    qs = people_visible_to(actor)
    if status:
        qs = qs.filter(status=status)
    if unit_id is not None:
        qs = qs.filter(placements__unit_id=unit_id, placements__end_at__isnull=True)
    if not (q or "").strip():
        return qs.order_by("last_name", "first_name", "inmate_number")
    return search_people(qs, q)
