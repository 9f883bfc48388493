"""Permission-filtered reads of people."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from emerald.accounts.permissions import allowed
from emerald.audit import services as audit
from emerald.core.access import deny_read
from emerald.core.text import compact, fold
from emerald.people.models import Person


def people_visible_to(actor: Any) -> QuerySet[Person]:
    """Every person record the actor may know exists. Later areas narrow this (sealed records)."""
    if not allowed(actor, "person.view"):
        return Person.objects.none()
    return Person.objects.all()


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
    """Search by inmate number, name or alias, ignoring case, accents, apostrophes and spacing.

    Best matches first: exact number, number prefix, whole-name match, then
    names containing every word of the query.
    """
    qs = people_visible_to(actor)
    if status:
        qs = qs.filter(status=status)
    if unit_id is not None:
        qs = qs.filter(placements__unit_id=unit_id, placements__end_at__isnull=True)
    text = (q or "").strip()
    if not text:
        return qs.order_by("last_name", "first_name", "inmate_number")
    folded = fold(text)
    number = text.upper().replace(" ", "")
    words = [w for w in folded.split() if w]
    name_match = Q()
    for word in words:
        name_match &= Q(search_key__contains=word)
    condition = Q(inmate_number__istartswith=number) | Q(search_compact__contains=compact(text))
    if words:
        condition |= name_match
    return (
        qs.filter(condition)
        .annotate(
            rank=Case(
                When(inmate_number=number, then=Value(0)),
                When(inmate_number__istartswith=number, then=Value(1)),
                When(search_compact__startswith=compact(text), then=Value(2)),
                When(search_compact__contains=f"| {compact(text)}", then=Value(3)),
                default=Value(4),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "last_name", "first_name", "inmate_number")
    )
