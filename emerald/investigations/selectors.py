"""Permission-filtered reads of investigations.

A case exists only for its lead and members, and for a warden unless the case
names that warden; a staff member named as a person of interest never sees it.
Every list, count, search, person page and export starts from
:func:`investigations_visible_to`, and every read by someone who sees a case is
audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypedDict

from django.db.models import Q, QuerySet

from emerald.accounts.models import Role
from emerald.accounts.permissions import allowed, role_of
from emerald.audit import services as audit
from emerald.core.access import deny_read, require_list
from emerald.core.visibility import register_record_kind
from emerald.incidents.models import Incident, PartyKind
from emerald.incidents.selectors import incidents_visible_to
from emerald.investigations.models import (
    IntelligenceNote,
    Investigation,
    Membership,
    PersonOfInterest,
)
from emerald.people.models import Person
from emerald.people.visibility import display_label


def _uid(actor: Any) -> int | None:
    return getattr(actor, "pk", None)


class CaseId(TypedDict):
    investigation_id: int


def cases_naming(user_id: int | None) -> QuerySet[PersonOfInterest, CaseId]:
    """The ids of cases that name this staff member as a person of interest."""
    return PersonOfInterest.objects.filter(kind=PartyKind.STAFF, staff_user_id=user_id).values("investigation_id")


def investigations_visible_to(actor: Any) -> QuerySet[Investigation]:
    """Every case the actor may know exists."""
    if not allowed(actor, "investigation.view"):
        return Investigation.objects.none()
    uid = _uid(actor)
    assert uid is not None  # allowed(): a signed-in staff member
    qs = Investigation.objects.exclude(pk__in=cases_naming(uid))
    if role_of(actor) == Role.WARDEN:
        return qs
    member_of = Membership.objects.filter(user_id=uid, removed_at__isnull=True).values("investigation_id")
    return qs.filter(Q(lead_id=uid) | Q(pk__in=member_of))


def _check_investigation(actor: Any, object_id: str) -> bool:
    pk = _pk(object_id)
    return pk is not None and investigations_visible_to(actor).filter(pk=pk).exists()


def register_visibility() -> None:
    """Investigations in the one visibility layer: every case is restricted to its team (and the warden)."""
    register_record_kind("investigation", _check_investigation,
                         lambda actor: investigations_visible_to(actor).values("pk"),
                         restricted_among=lambda ids: {i for i in ids if _pk(i) is not None})


def is_member(actor: Any, investigation: Investigation) -> bool:
    """The lead or a current member (who is not under investigation in this case)."""
    uid = _uid(actor)
    if uid is None or not allowed(actor, "investigation.view"):
        return False
    if PersonOfInterest.objects.filter(investigation=investigation, kind=PartyKind.STAFF, staff_user_id=uid).exists():
        return False
    return investigation.lead_id == uid or investigation.memberships.filter(
        user_id=uid, removed_at__isnull=True).exists()


def is_lead(actor: Any, investigation: Investigation) -> bool:
    return is_member(actor, investigation) and investigation.lead_id == _uid(actor)


def may_see(actor: Any, investigation: Investigation) -> bool:
    return investigations_visible_to(actor).filter(pk=investigation.pk).exists()


def _pk(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def investigation_get(*, actor: Any, investigation_id: Any) -> Investigation:
    """One case, or an audited 404 (no such case, or one the actor may not know exists)."""
    pk = _pk(investigation_id)
    case = (investigations_visible_to(actor).select_related("lead", "opened_by").filter(pk=pk).first()
            if pk is not None else None)
    if case is None:
        raise deny_read(actor, "investigation.view", "investigation", investigation_id)
    return case


def investigation_open(*, actor: Any, investigation_id: Any, channel: str = "web") -> Investigation:
    """Fetch a case for display, and audit the read."""
    case = investigation_get(actor=actor, investigation_id=investigation_id)
    audit.record(actor=actor, action="investigation.view", object_type="investigation", object_id=case.pk,
                 changes={"channel": channel}, summary=f"viewed investigation #{case.pk}")
    return case


def audit_listing(actor: Any, cases: Iterable[Investigation], channel: str = "web") -> None:
    """Seeing a case in a list is a read of it too."""
    ids = [c.pk for c in cases]
    if ids:
        audit.record(actor=actor, action="investigation.view", object_type="investigation", object_id="",
                     changes={"channel": channel, "listed": ids},
                     summary="listed investigations " + ", ".join(f"#{i}" for i in ids))


def investigation_search(
    *, actor: Any, q: str = "", status: str = "", kind: str = "", person: Person | None = None,
) -> QuerySet[Investigation]:
    """The visible cases, newest first, filtered by title text, status, kind or a person of interest."""
    require_list(actor, "investigation.view", "investigation")
    qs = investigations_visible_to(actor).select_related("lead")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if person is not None:
        qs = qs.filter(people__person=person).distinct()
    text = (q or "").strip()
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(description__icontains=text))
    return qs.order_by("-opened_at", "-id")


def investigations_for_person(*, actor: Any, person: Person) -> QuerySet[Investigation]:
    """For a person's page: the cases naming them that the actor may know exist."""
    return investigations_visible_to(actor).filter(people__person=person).distinct().order_by("-opened_at")


def linked_incidents(*, actor: Any, investigation: Investigation) -> QuerySet[Incident]:
    """The case's incidents that the actor may see (a restricted report stays hidden from non-team members)."""
    ids = investigation.incident_links.values("incident_id")
    return incidents_visible_to(actor).filter(pk__in=ids).order_by("occurred_at")


def members_of(investigation: Investigation) -> QuerySet[Membership]:
    return investigation.memberships.filter(removed_at__isnull=True).select_related("user", "added_by")


def people_of(investigation: Investigation) -> QuerySet[PersonOfInterest]:
    return investigation.people.select_related("person", "staff_user").order_by("id")


def may_read_intelligence(actor: Any, investigation: Investigation) -> bool:
    """Intelligence is for the case's investigators: a member whose role may read it (``intelligence.view``).
    A warden who is not a member, or a unit manager who is, does not read it."""
    return allowed(actor, "intelligence.view") and is_member(actor, investigation)


def intelligence_of(*, actor: Any, investigation: Investigation) -> QuerySet[IntelligenceNote]:
    """The case's intelligence notes for a reader who may read them (:func:`may_read_intelligence`), else none."""
    if not may_read_intelligence(actor, investigation):
        return IntelligenceNote.objects.none()
    return investigation.intelligence.select_related("recorded_by", "informant_person").order_by("recorded_at", "id")


def informant_display(actor: Any, note: IntelligenceNote) -> str | None:
    """The informant's identity for the case lead; "protected source" (None) for everyone else."""
    if not note.has_informant:
        return ""
    if not is_lead(actor, note.investigation):
        return None
    if note.informant_person_id:
        return display_label(note.informant_person, actor)
    return note.informant_name
