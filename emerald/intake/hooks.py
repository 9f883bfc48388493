"""Reactions to other areas' events: a reassessment after every submitted incident."""

from __future__ import annotations

from typing import Any


def on_incident_submitted(sender: Any, *, incident: Any, actor: Any, **kwargs: Any) -> None:
    """Every person in custody involved in the incident (in any role) gets a reassessment due in 72 hours."""
    from emerald.intake.services import open_incident_task

    seen = set()
    for involvement in incident.involvements.filter(person__isnull=False).select_related("person"):
        if involvement.person_id in seen:
            continue
        seen.add(involvement.person_id)
        open_incident_task(actor=actor, person=involvement.person, incident=incident)


def connect() -> None:
    from emerald.incidents.services import incident_submitted

    incident_submitted.connect(on_incident_submitted, dispatch_uid="intake.reassess_after_incident")
