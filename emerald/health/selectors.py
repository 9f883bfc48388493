"""Permission-filtered reads of health records.

Everything that lists, counts, searches, exports or shows encounters goes through
:func:`encounters_visible_to`: medical staff see every encounter; a member of staff with a break-glass
opening in force sees that one person's encounters until it expires; nobody else sees any. Every read of
a medical record (an encounter, or a person's record) is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from emerald.accounts.permissions import allowed
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import deny_read, require_list
from emerald.health.models import (
    BreakGlassAccess,
    CustodyNote,
    Encounter,
    EncounterIncidentLink,
    MedicalNotification,
)
from emerald.health.needs import in_force_q
from emerald.people.models import Person


def is_medical(actor: Any) -> bool:
    return allowed(actor, "health.view")


def active_break_glass(actor: Any, person: Person | None = None) -> QuerySet[BreakGlassAccess]:
    """The actor's break-glass openings still in force (of one person, if given)."""
    if not allowed(actor, "health.break_glass"):
        return BreakGlassAccess.objects.none()
    qs = BreakGlassAccess.objects.filter(user_id=actor.pk, expires_at__gt=clock.now())  # allowed(): a staff member
    if person is not None:
        qs = qs.filter(person=person)
    return qs.order_by("-expires_at")


def break_glass_for(actor: Any, person: Person) -> BreakGlassAccess | None:
    return active_break_glass(actor, person).first()


def encounters_visible_to(actor: Any) -> QuerySet[Encounter]:
    """Every encounter the actor may know exists."""
    if is_medical(actor):
        return Encounter.objects.all()
    person_ids = list(active_break_glass(actor).values_list("person_id", flat=True))
    if person_ids:
        return Encounter.objects.filter(person_id__in=person_ids)
    return Encounter.objects.none()


def may_open_record(actor: Any, person: Person) -> bool:
    return is_medical(actor) or break_glass_for(actor, person) is not None


def _pk(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _audit_read(actor: Any, person: Person, what: str, channel: str, **changes: Any) -> None:
    access = None if is_medical(actor) else break_glass_for(actor, person)
    if access is not None:
        changes["break_glass"] = access.pk
    audit.record(actor=actor, action="health.record.view", object_type="person", object_id=person.inmate_number,
                 changes={"channel": channel, **changes},
                 summary=f"viewed {what} of {person.inmate_number}"
                 + (f" under break-glass #{access.pk}" if access is not None else ""))


def encounter_get(*, actor: Any, encounter_id: Any) -> Encounter:
    """One encounter, or an audited 404 (no such encounter, or one the actor may not know exists)."""
    pk = _pk(encounter_id)
    encounter = (encounters_visible_to(actor).select_related("person", "clinician", "recorded_by")
                 .filter(pk=pk).first() if pk is not None else None)
    if encounter is None:
        raise deny_read(actor, "health.view", "health_encounter", encounter_id)
    return encounter


def encounter_open(*, actor: Any, encounter_id: Any, channel: str = "web") -> Encounter:
    """Fetch an encounter for display, and audit the read."""
    encounter = encounter_get(actor=actor, encounter_id=encounter_id)
    _audit_read(actor, encounter.person, f"health encounter #{encounter.pk}", channel, encounter=encounter.pk)
    return encounter


def medical_record_open(*, actor: Any, person: Person, channel: str = "web") -> list[Encounter]:
    """A person's encounters, newest first, for medical staff or under break-glass; an audited 404 otherwise."""
    if not may_open_record(actor, person):
        raise deny_read(actor, "health.view", "health_record", person.inmate_number)
    rows = list(encounters_for_person(actor=actor, person=person))
    _audit_read(actor, person, "the medical record", channel, encounters=[e.pk for e in rows])
    return rows


def encounters_for_person(*, actor: Any, person: Person) -> QuerySet[Encounter]:
    """A person's encounters the actor may see (none for most roles)."""
    return (encounters_visible_to(actor).filter(person=person).select_related("clinician")
            .order_by("-occurred_at", "-id"))


def encounter_search(*, actor: Any, q: str = "", kind: str = "", person: Person | None = None,
                     clinician_id: int | None = None) -> QuerySet[Encounter]:
    """Encounters newest first, filtered by text (notes, diagnoses, procedures, medications), kind, person or
    clinician. Medical staff only: the list itself is refused to everyone else (audited 403)."""
    require_list(actor, "health.view", "health_encounter")
    qs = encounters_visible_to(actor).select_related("person", "clinician")
    if kind:
        qs = qs.filter(kind=kind)
    if person is not None:
        qs = qs.filter(person=person)
    if clinician_id is not None:
        qs = qs.filter(clinician_id=clinician_id)
    text = (q or "").strip()
    if text:
        qs = qs.filter(Q(notes__icontains=text) | Q(diagnoses__icontains=text) | Q(procedures__icontains=text)
                       | Q(medications__icontains=text) | Q(person__inmate_number__iexact=text)
                       | Q(person__search_key__icontains=text.lower()))
    return qs.order_by("-occurred_at", "-id")


def encounter_stats(*, actor: Any) -> dict[str, Any]:
    """Counts by kind (medical staff only)."""
    require_list(actor, "health.view", "health_encounter")
    qs = encounters_visible_to(actor)
    by_kind = [{"kind": r["kind"], "count": r["n"]}
               for r in qs.values("kind").annotate(n=Count("id")).order_by("kind")]
    return {"total": qs.count(), "by_kind": by_kind}


def incident_links_of(*, actor: Any, encounter: Encounter) -> list[EncounterIncidentLink]:
    """The incidents this encounter treated, as far as the actor may know those incidents exist."""
    from emerald.incidents.selectors import incidents_visible_to

    visible = set(incidents_visible_to(actor).filter(
        pk__in=encounter.incident_links.values_list("incident_id", flat=True)).values_list("pk", flat=True))
    return [link for link in encounter.incident_links.select_related("incident", "linked_by")
            if link.incident_id in visible]


# --------------------------------------------------------------------------- custody notes


def custody_notes_visible_to(actor: Any) -> QuerySet[CustodyNote]:
    if not allowed(actor, "health.custody_note.view"):
        return CustodyNote.objects.none()
    return CustodyNote.objects.select_related("person", "written_by", "closed_by")


def custody_note_list(*, actor: Any, person: Person | None = None, in_force: bool | None = None) -> QuerySet[CustodyNote]:
    """Custody notes newest first; ``in_force`` True: only those in force today; False: only the others."""
    require_list(actor, "health.custody_note.view", "custody_note")
    qs = custody_notes_visible_to(actor)
    if person is not None:
        qs = qs.filter(person=person)
    if in_force is True:
        qs = qs.filter(in_force_q())
    elif in_force is False:
        qs = qs.exclude(in_force_q())
    return qs.order_by("-valid_from", "-id")


def custody_note_get(*, actor: Any, note_id: Any) -> CustodyNote:
    pk = _pk(note_id)
    note = custody_notes_visible_to(actor).filter(pk=pk).first() if pk is not None else None
    if note is None:
        raise deny_read(actor, "health.custody_note.view", "custody_note", note_id)
    return note


def notes_in_force(person: Person) -> list[CustodyNote]:
    return list(CustodyNote.objects.filter(in_force_q(), person=person).order_by("-valid_from", "-id"))


def is_in_force(note: CustodyNote) -> bool:
    return CustodyNote.objects.filter(in_force_q(), pk=note.pk).exists()


# --------------------------------------------------------------------------- notifications


def open_notifications(*, actor: Any) -> QuerySet[MedicalNotification]:
    """Break-glass openings not yet acknowledged, for the medical staff's dashboard (none for anyone else)."""
    if not is_medical(actor):
        return MedicalNotification.objects.none()
    return (MedicalNotification.objects.filter(acknowledged_at__isnull=True)
            .select_related("person", "access", "access__user").order_by("-created_at", "-id"))


def break_glass_log(*, actor: Any) -> QuerySet[BreakGlassAccess]:
    """Every break-glass opening (medical staff review them)."""
    require_list(actor, "health.view", "break_glass")
    return BreakGlassAccess.objects.select_related("person", "user", "notification").order_by("-opened_at", "-id")


def audit_listing(actor: Any, encounters: Iterable[Encounter], channel: str = "web") -> None:
    """A list of encounters shown to someone reading under break-glass is a read of that record: audit it."""
    rows = list(encounters)
    if not rows or is_medical(actor):
        return
    by_person: dict[int, list[int]] = {}
    for e in rows:
        by_person.setdefault(e.person_id, []).append(e.pk)
    for person in Person.objects.filter(pk__in=by_person):
        _audit_read(actor, person, "health encounters", channel, encounters=by_person[person.pk])
