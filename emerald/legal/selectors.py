"""Permission-filtered reads of legal matters and the court hearing schedule.

A matter exists for administrators and wardens, and for a unit manager while the person is in one of their
units; for everyone else it does not (404, absent from lists). Officers read the hearing schedule only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from emerald.accounts.models import Role
from emerald.accounts.permissions import allowed, managed_unit_ids, role_of
from emerald.core import clock
from emerald.core.access import deny_read, require_list
from emerald.housing.models import Placement
from emerald.legal.models import CourtHearing, HearingStatus, LegalMatter
from emerald.people.models import Person
from emerald.people.selectors import people_visible_to


def _people_in_scope(actor: Any, action: str) -> QuerySet[Person]:
    people = people_visible_to(actor)
    if role_of(actor) == Role.UNIT_MANAGER:
        ids = Placement.objects.filter(end_at__isnull=True, unit_id__in=managed_unit_ids(actor)).values("person_id")
        people = people.filter(pk__in=ids)
    return people


def matters_visible_to(actor: Any) -> QuerySet[LegalMatter]:
    if not allowed(actor, "legal.view"):
        return LegalMatter.objects.none()
    return LegalMatter.objects.filter(person__in=_people_in_scope(actor, "legal.view").values("pk"))


def may_see_matter(actor: Any, matter: LegalMatter) -> bool:
    return matters_visible_to(actor).filter(pk=matter.pk).exists()


def _pk(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def matter_get(*, actor: Any, matter_id: Any) -> LegalMatter:
    pk = _pk(matter_id)
    matter = (matters_visible_to(actor).select_related("person", "opened_by", "outcome_by").filter(pk=pk).first()
              if pk is not None else None)
    if matter is None:
        raise deny_read(actor, "legal.view", "legal_matter", matter_id)
    return matter


def matter_search(*, actor: Any, kind: str = "", open_only: bool | None = None, person: Person | None = None,
                  q: str = "") -> QuerySet[LegalMatter]:
    require_list(actor, "legal.view", "legal_matter")
    qs = matters_visible_to(actor).select_related("person")
    if kind:
        qs = qs.filter(kind=kind)
    if open_only is True:
        qs = qs.filter(outcome="")
    elif open_only is False:
        qs = qs.exclude(outcome="")
    if person is not None:
        qs = qs.filter(person=person)
    text = (q or "").strip()
    if text:
        qs = qs.filter(Q(case_number__icontains=text) | Q(court__icontains=text) | Q(title__icontains=text)
                       | Q(person__inmate_number__iexact=text))
    return qs.order_by("-opened_at", "-id")


def matters_for_person(*, actor: Any, person: Person) -> QuerySet[LegalMatter]:
    return matters_visible_to(actor).filter(person=person).order_by("-opened_at", "-id")


def helped_by(*, actor: Any, person: Person) -> QuerySet[LegalMatter]:
    """Matters of others this person helps with (a legal helper in custody)."""
    return matters_visible_to(actor).filter(helpers__person=person, helpers__ended_at__isnull=True).distinct()


def hearings_visible_to(actor: Any) -> QuerySet[CourtHearing]:
    """The court schedule: for those who may read matters (within their scope) and for officers (escorts)."""
    if allowed(actor, "legal.view"):
        return CourtHearing.objects.filter(matter__in=matters_visible_to(actor).values("pk"))
    if allowed(actor, "legal.hearings.view"):
        return CourtHearing.objects.filter(matter__person__in=people_visible_to(actor).values("pk"))
    return CourtHearing.objects.none()


def hearing_schedule(*, actor: Any, upcoming: bool = True, person: Person | None = None) -> QuerySet[CourtHearing]:
    """Scheduled court dates, soonest first (``upcoming``: from now on)."""
    require_list(actor, "legal.hearings.view", "court_hearing")
    qs = hearings_visible_to(actor).filter(status=HearingStatus.SCHEDULED).select_related("matter", "matter__person")
    if upcoming:
        qs = qs.filter(at__gte=clock.now())
    if person is not None:
        qs = qs.filter(matter__person=person)
    return qs.order_by("at", "id")
