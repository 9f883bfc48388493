"""Permission-filtered reads of incidents.

Everything that lists, counts, searches, exports or shows incidents goes
through :func:`incidents_visible_to`, so a sexual-abuse report is absent
everywhere for anyone outside the response team, not only on its page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from emerald.accounts.permissions import allowed
from emerald.audit import services as audit
from emerald.core.access import deny_read, require_list
from emerald.core.visibility import register_record_kind
from emerald.incidents.models import (
    RESTRICTED_TYPES,
    Incident,
    IncidentStatus,
    Involvement,
    KeepApartProposal,
)
from emerald.people.models import Person


def on_response_team(actor: Any) -> bool:
    """Whether the actor is on the sexual-abuse response team."""
    return allowed(actor, "incident.restricted.view")


def may_see_incident(actor: Any, incident: Incident) -> bool:
    if not allowed(actor, "incident.view"):
        return False
    if incident.type in RESTRICTED_TYPES:
        # The reporter already knows what they reported; nobody else outside the team may.
        return on_response_team(actor) or incident.created_by_id == getattr(actor, "pk", None)
    return True


def incidents_visible_to(actor: Any) -> QuerySet[Incident]:
    """Every incident the actor may know exists."""
    if not allowed(actor, "incident.view"):
        return Incident.objects.none()
    qs = Incident.objects.all()
    if not on_response_team(actor):
        qs = qs.filter(~Q(type__in=RESTRICTED_TYPES) | Q(created_by_id=getattr(actor, "pk", None)))
    return qs


def _check_incident(actor: Any, object_id: str) -> bool:
    pk = _pk(object_id)
    incident = Incident.objects.filter(pk=pk).only("type", "created_by_id").first() if pk is not None else None
    return incident is not None and may_see_incident(actor, incident)


def register_visibility() -> None:
    """Incidents in the one visibility layer (emerald/core/visibility.py): the rule above, for one and for lists."""
    register_record_kind("incident", _check_incident, lambda actor: incidents_visible_to(actor).values("pk"),
                         restricted_among=_restricted_among)


def _restricted_among(ids: list[str]) -> set[str]:
    pks = [pk for pk in (_pk(i) for i in ids) if pk is not None]
    return {str(pk) for pk in Incident.objects.filter(pk__in=pks, type__in=RESTRICTED_TYPES)
            .values_list("pk", flat=True)}


def _pk(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def incident_get(*, actor: Any, incident_id: Any) -> Incident:
    """One incident, or an audited 404 (no such incident, or one the actor may not know exists)."""
    pk = _pk(incident_id)
    incident = (
        incidents_visible_to(actor).select_related("unit", "cell", "created_by", "submitted_by", "closed_by",
                                                    "reviewed_by").filter(pk=pk).first()
        if pk is not None else None
    )
    if incident is None:
        raise deny_read(actor, "incident.view", "incident", incident_id)
    return incident


def incident_open(*, actor: Any, incident_id: Any, channel: str = "web") -> Incident:
    """Fetch an incident for display; every read of a sexual-abuse report is audited."""
    incident = incident_get(actor=actor, incident_id=incident_id)
    if incident.restricted:
        audit.record(actor=actor, action="incident.view", object_type="incident", object_id=incident.pk,
                     changes={"channel": channel}, summary=f"viewed restricted incident #{incident.pk}")
    return incident


def audit_restricted_listing(actor: Any, incidents: Iterable[Incident], channel: str = "web") -> None:
    """A list that shows restricted reports to a team member is a read of them too: audit which ones."""
    ids = [i.pk for i in incidents if i.type in RESTRICTED_TYPES]
    if ids:
        audit.record(actor=actor, action="incident.view", object_type="incident", object_id="",
                     changes={"channel": channel, "listed": ids},
                     summary="listed restricted incidents " + ", ".join(f"#{i}" for i in ids))


def incident_search(
    *, actor: Any, q: str = "", type: str = "", status: str = "", unit_id: int | None = None,
    person: Person | None = None,
) -> QuerySet[Incident]:
    """Visible incidents, newest first, filtered by text, type, status, unit or a person involved."""
    require_list(actor, "incident.view", "incident")
    qs = incidents_visible_to(actor).select_related("unit", "cell", "created_by")
    if type:
        qs = qs.filter(type=type)
    if status:
        qs = qs.filter(status=status)
    if unit_id is not None:
        qs = qs.filter(Q(unit_id=unit_id) | Q(cell__unit_id=unit_id))
    if person is not None:
        qs = qs.filter(involvements__person=person).distinct()
    text = (q or "").strip()
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(description__icontains=text) | Q(location_text__icontains=text))
    return qs.order_by("-occurred_at", "-id")


def incident_stats(*, actor: Any) -> dict[str, Any]:
    """Counts by unit, type and status, of the incidents the actor may know exist."""
    require_list(actor, "incident.view", "incident")
    qs = incidents_visible_to(actor)
    by_unit = [
        {"unit": row["unit__code"] or "", "count": row["n"]}
        for row in qs.values("unit__code").annotate(n=Count("id")).order_by("unit__code")
    ]
    by_type = [{"type": r["type"], "count": r["n"]}
               for r in qs.values("type").annotate(n=Count("id")).order_by("type")]
    by_status = [{"status": r["status"], "count": r["n"]}
                 for r in qs.values("status").annotate(n=Count("id")).order_by("status")]
    return {"total": qs.count(), "by_unit": by_unit, "by_type": by_type, "by_status": by_status}


def involvements_of(incident: Incident) -> QuerySet[Involvement]:
    return incident.involvements.select_related("person", "staff_user").order_by("id")


def proposals_of(incident: Incident) -> QuerySet[KeepApartProposal]:
    return incident.proposals.select_related("victim", "other", "decided_by", "order").order_by("id")


def incidents_for_person(*, actor: Any, person: Person) -> QuerySet[Incident]:
    """For a person's page: the incidents they are involved in that the actor may know exist."""
    if not allowed(actor, "incident.view"):
        return Incident.objects.none()
    return incidents_visible_to(actor).filter(involvements__person=person).distinct().order_by("-occurred_at")


def pending_review_count(*, actor: Any) -> int:
    return incidents_visible_to(actor).filter(status__in=[IncidentStatus.SUBMITTED, IncidentStatus.UNDER_REVIEW]).count()
