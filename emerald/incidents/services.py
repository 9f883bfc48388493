"""Writes on incident reports: drafting, submission, review, addenda, deaths and keep-apart proposals.

Status runs draft → submitted → under review → closed; a reviewer may send a
submitted or reviewed report back to draft with a request. Anything else is a
409 ``invalid_transition``. After submission the report is never edited:
corrections are addenda.

Audit summaries of sexual-abuse reports name the incident by number only,
never the people in it: the audit trail is read by people outside the
response team.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from emerald.accounts.models import Role
from emerald.accounts.permissions import allowed, manages_unit, role_of
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import forbid, hidden, require
from emerald.core.errors import Conflict, Invalid, field_error
from emerald.core.services import require_text, service
from emerald.facilities.models import Cell, Unit
from emerald.housing import services as housing
from emerald.housing.models import KeepApartReason, NonAssociation, Placement, Scope
from emerald.incidents.models import (
    RESTRICTED_RETENTION_YEARS,
    Addendum,
    Incident,
    IncidentStatus,
    IncidentType,
    InjurySeverity,
    Involvement,
    InvolvementRole,
    KeepApartProposal,
    PartyKind,
    ProposalStatus,
    ReturnRequest,
    Severity,
)
from emerald.incidents.parties import clean_party
from emerald.incidents.selectors import may_see_incident
from emerald.people.models import PersonStatus, ReleaseKind

SCOPE_RANK = {Scope.CELL: 1, Scope.UNIT: 2, Scope.FACILITY: 3}
#: Incident types whose victim and assailant Emerald proposes to keep apart in the whole facility.
# An order a facility cannot meet (both people in it) is broken from the start and blocks the move that
# would separate them; so the proposed scope is the unit, and the facility only for these, which mean a
# transfer (the response team widens a sexual-abuse report's order to the facility when one is planned).
FACILITY_SCOPE_TYPES = {IncidentType.HOMICIDE, IncidentType.POISONING}
PERPETRATOR_ROLES = {InvolvementRole.ASSAILANT, InvolvementRole.SUSPECT}
INCIDENT_FIELDS = ("type", "severity", "occurred_at", "title", "description", "unit_id", "cell_id", "location_text")
#: Sent inside the submission's transaction with ``incident`` and ``actor``, so other areas react atomically
#: (intake opens a reassessment for every person in custody involved). Added for issue 5.
incident_submitted = Signal()


# --- helpers ---------------------------------------------------------------------------------------------

def _label(incident: Incident) -> str:
    return f"restricted incident #{incident.pk}" if incident.restricted else f"incident #{incident.pk}"


def _see(actor: Any, incident: Incident) -> None:
    """Anyone who may not know the incident exists gets the same 404 as for a missing one."""
    if not may_see_incident(actor, incident):
        raise hidden("incident", incident.pk)


def _lock(incident: Incident) -> Incident:
    return Incident.objects.select_for_update(of=("self",)).select_related("unit", "cell").get(pk=incident.pk)


def incident_unit_id(incident: Incident) -> int | None:
    if incident.unit_id:
        return incident.unit_id
    if incident.cell_id:
        return incident.cell.unit_id
    return None


def may_review(actor: Any, incident: Incident, action: str = "incident.review") -> bool:
    if not allowed(actor, action):
        return False
    if role_of(actor) == Role.UNIT_MANAGER:
        return manages_unit(actor, incident_unit_id(incident))
    return True


def _require_review(actor: Any, incident: Incident, action: str = "incident.review") -> None:
    require(actor, action, "incident", incident.pk)
    if not may_review(actor, incident, action):
        raise forbid("incident", incident.pk, _("You may review only incidents in the units you manage."))


def may_edit_draft(actor: Any, incident: Incident) -> bool:
    return allowed(actor, "incident.create") and (
        incident.created_by_id == getattr(actor, "pk", None) or may_review(actor, incident)
    )


def _require_draft_editor(actor: Any, incident: Incident) -> None:
    require(actor, "incident.create", "incident", incident.pk)
    if not may_edit_draft(actor, incident):
        raise forbid("incident", incident.pk, _("Only the author or a reviewer may change this draft."))
    if incident.status != IncidentStatus.DRAFT:
        raise Conflict(
            _("Incident #%(id)d has been submitted and is no longer edited: add an addendum to correct it.")
            % {"id": incident.pk}, code="not_editable")


def _transition(incident: Incident, to: str, allowed_from: tuple[str, ...]) -> None:
    if incident.status not in allowed_from:
        raise Conflict(
            _("Incident #%(id)d is %(status)s; it can become %(to)s only from %(from)s.") % {
                "id": incident.pk, "status": incident.get_status_display(),
                "to": IncidentStatus(to).label, "from": ", ".join(str(IncidentStatus(s).label) for s in allowed_from),
            },
            code="invalid_transition", extra={"status": incident.status})


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _retention(incident_type: str, reported: datetime) -> date | None:
    if incident_type != IncidentType.SEXUAL_ASSAULT:
        return None
    return _add_years(timezone.localdate(reported), RESTRICTED_RETENTION_YEARS)


def _clean_incident(data: dict[str, Any], *, partial: bool) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate the report's own fields. Returns the cleaned values (only those given when ``partial``)."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    def given(field: str) -> bool:
        return not partial or field in data

    if given("type"):
        if data.get("type") not in IncidentType.values:
            errors["type"] = [_("Choose one of the listed incident types.")]
        out["type"] = data.get("type")
    if given("severity"):
        if data.get("severity") not in Severity.values:
            errors["severity"] = [_("Choose low, moderate, high or critical.")]
        out["severity"] = data.get("severity")
    if given("occurred_at"):
        when = data.get("occurred_at")
        if not isinstance(when, datetime):
            errors["occurred_at"] = [_("Give the date and time it happened.")]
        else:
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
            if when > clock.now():
                errors["occurred_at"] = [_("The time cannot be in the future.")]
        out["occurred_at"] = when
    if given("title"):
        title = " ".join(str(data.get("title") or "").split())
        if len(title) > 200:
            errors["title"] = [_("At most 200 characters.")]
        out["title"] = title
    if given("description"):
        description = str(data.get("description") or "").strip()
        if not description:
            errors["description"] = [_("Describe what happened.")]
        out["description"] = description
    if given("location_text"):
        text = " ".join(str(data.get("location_text") or "").split())
        if len(text) > 200:
            errors["location_text"] = [_("At most 200 characters.")]
        out["location_text"] = text
    if given("unit_id"):
        raw = data.get("unit_id")
        unit = None
        if raw not in (None, ""):
            try:
                unit = Unit.objects.filter(pk=int(raw)).first()
            except (TypeError, ValueError):
                unit = None
            if unit is None:
                errors["unit_id"] = [_("No such unit.")]
        out["unit"] = unit
    if given("cell_id"):
        raw = data.get("cell_id")
        cell = None
        if raw not in (None, ""):
            try:
                cell = Cell.objects.select_related("unit").filter(pk=int(raw)).first()
            except (TypeError, ValueError):
                cell = None
            if cell is None:
                errors["cell_id"] = [_("No such cell.")]
        out["cell"] = cell
    return out, errors


def _check_location(unit: Unit | None, cell: Cell | None, text: str, errors: dict[str, list[str]]) -> Unit | None:
    if cell is not None:
        if unit is not None and cell.unit_id != unit.pk:
            errors.setdefault("cell_id", []).append(_("The cell is not in the chosen unit."))
        unit = unit or cell.unit
    if unit is None and cell is None and not text and not errors.get("unit_id") and not errors.get("cell_id"):
        errors.setdefault("location_text", []).append(_("Say where it happened: a unit, a cell or a place."))
    return unit


def _clean_involvement(data: dict[str, Any], errors: dict[str, list[str]], prefix: str = "") -> dict[str, Any]:
    out = clean_party(data, errors, prefix)
    role = data.get("role")
    if role not in InvolvementRole.values:
        errors.setdefault(f"{prefix}role", []).append(_("Choose one of the listed roles."))
    severity = data.get("injury_severity") or InjurySeverity.NONE
    if severity not in InjurySeverity.values:
        errors.setdefault(f"{prefix}injury_severity", []).append(_("Choose one of the listed injury severities."))
    died = bool(data.get("died") or False)
    if died and out["kind"] == PartyKind.UNKNOWN:
        errors.setdefault(f"{prefix}died", []).append(_("A death can be recorded only for a known person."))
    if died:
        severity = InjurySeverity.FATAL
    out.update(role=role, injury=str(data.get("injury") or "").strip(), injury_severity=severity, died=died)
    return out


def _involvement_summary(incident: Incident, inv: Involvement | dict[str, Any]) -> str:
    if incident.restricted:
        return f"added a person to {_label(incident)}"
    if isinstance(inv, Involvement):
        ref, role = inv.reference, inv.role
    else:
        ref = inv["person"].inmate_number if inv.get("person") else inv["kind"]
        role = inv["role"]
    return f"added {ref} as {role} to {_label(incident)}"


def _create_involvement(actor: Any, incident: Incident, values: dict[str, Any]) -> Involvement:
    if values["person"] is not None and incident.involvements.filter(person=values["person"], role=values["role"]).exists():
        raise field_error("person", _("%(number)s is already recorded in this role.")
                          % {"number": values["person"].inmate_number})
    return Involvement.objects.create(incident=incident, added_by=actor, added_at=clock.now(), **values)


# --- drafting --------------------------------------------------------------------------------------------

@service("incident.create")
def incident_create(
    *, actor: Any, type: str, severity: str, occurred_at: datetime | None, description: str, title: str = "",
    unit_id: Any = None, cell_id: Any = None, location_text: str = "",
    involvements: list[dict[str, Any]] | None = None,
) -> Incident:
    """Start a draft report (optionally with the people involved, all checked together: all or nothing)."""
    require(actor, "incident.create", "incident", "")
    values, errors = _clean_incident(
        {"type": type, "severity": severity, "occurred_at": occurred_at, "title": title, "description": description,
         "unit_id": unit_id, "cell_id": cell_id, "location_text": location_text}, partial=False)
    values["unit"] = _check_location(values["unit"], values["cell"], values["location_text"], errors)
    cleaned = [_clean_involvement(item or {}, errors, f"involvements.{i}.")
               for i, item in enumerate(involvements or [])]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    now = clock.now()
    incident = Incident(created_by=actor, created_at=now, status=IncidentStatus.DRAFT,
                        retain_until=_retention(values["type"], now), **values)
    incident._history_user = actor  # type: ignore[attr-defined]
    incident.save()
    for values_inv in cleaned:
        _create_involvement(actor, incident, values_inv)
    audit.record(actor=actor, action="incident.create", object_type="incident", object_id=incident.pk,
                 changes=_public_changes(incident, {"type": incident.type, "severity": incident.severity,
                                                    "involvements": len(cleaned)}),
                 summary=f"drafted {_label(incident)} ({incident.type})" if not incident.restricted
                 else f"drafted {_label(incident)}")
    return incident


def _public_changes(incident: Incident, changes: dict[str, Any]) -> dict[str, Any]:
    """What of a change the audit may keep: for a restricted report, field names only, never content."""
    if not incident.restricted:
        return changes
    return {"fields": sorted(changes)}


@service("incident.update")
def incident_update(*, actor: Any, incident: Incident, **fields: Any) -> Incident:
    """Change a draft's own fields. Submitted reports are corrected by addenda instead."""
    _see(actor, incident)
    incident = _lock(incident)
    _require_draft_editor(actor, incident)
    unknown = set(fields) - set(INCIDENT_FIELDS)
    if unknown:
        raise Invalid(_("Some fields need correcting."),
                      fields={name: [_("This field cannot be changed.")] for name in sorted(unknown)})
    values, errors = _clean_incident(fields, partial=True)
    unit = values.get("unit", incident.unit) if "unit_id" in fields else incident.unit
    cell = values.get("cell", incident.cell) if "cell_id" in fields else incident.cell
    if "cell_id" in fields and "unit_id" not in fields and cell is not None:
        unit = None  # a new cell brings its own unit
    text = values.get("location_text", incident.location_text)
    unit = _check_location(unit, cell, text, errors)
    new_type = values.get("type", incident.type)
    if incident.type in (IncidentType.SEXUAL_ASSAULT,) and new_type != incident.type and not errors:
        # Lifting the restriction would show the victim to everyone: only the response team may.
        if not allowed(actor, "incident.restricted.view"):
            errors["type"] = [_("Only the response team may change the type of a sexual-abuse report.")]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    before = {k: getattr(incident, k) for k in ("type", "severity", "occurred_at", "title", "description",
                                               "location_text", "unit_id", "cell_id")}
    for key, value in values.items():
        setattr(incident, key, value)
    incident.unit, incident.cell = unit, cell
    incident.retain_until = _retention(incident.type, incident.created_at)
    incident._history_user = actor  # type: ignore[attr-defined]
    incident.save()
    after = {k: getattr(incident, k) for k in before}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    audit.record(actor=actor, action="incident.update", object_type="incident", object_id=incident.pk,
                 changes=_public_changes(incident, changed), summary=f"changed draft {_label(incident)}")
    return incident


@service("incident.involvement_add")
def involvement_add(*, actor: Any, incident: Incident, **data: Any) -> Involvement:
    """Name a person involved in a draft report, in one role, with injuries and whether they died."""
    _see(actor, incident)
    incident = _lock(incident)
    _require_draft_editor(actor, incident)
    errors: dict[str, list[str]] = {}
    values = _clean_involvement(data, errors)
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    involvement = _create_involvement(actor, incident, values)
    audit.record(actor=actor, action="incident.involvement_add", object_type="incident", object_id=incident.pk,
                 changes=_public_changes(incident, {"involvement": involvement.pk, "role": involvement.role,
                                                    "died": involvement.died}),
                 summary=_involvement_summary(incident, involvement))
    return involvement


@service("incident.involvement_remove")
def involvement_remove(*, actor: Any, involvement: Involvement) -> Incident:
    """Take a person off a draft report (a mistake in the draft; the draft's history keeps the edit)."""
    incident = involvement.incident
    _see(actor, incident)
    incident = _lock(incident)
    _require_draft_editor(actor, incident)
    ref = involvement.reference
    Involvement.objects.filter(pk=involvement.pk).delete()
    audit.record(actor=actor, action="incident.involvement_remove", object_type="incident", object_id=incident.pk,
                 changes={"involvement": involvement.pk},
                 summary=f"removed a person from draft {_label(incident)}" if incident.restricted
                 else f"removed {ref} ({involvement.role}) from draft {_label(incident)}")
    return incident


# --- status ----------------------------------------------------------------------------------------------

@service("incident.submit")
def incident_submit(*, actor: Any, incident: Incident) -> Incident:
    """Submit a draft: from now on it is corrected by addenda only.

    Deaths in custody on the report are applied to the people's records when
    the submitter may do so; keep-apart orders are proposed for every victim
    and assailant or suspect in custody (for a sexual-abuse report, the order
    is made at once, at unit scope).
    """
    _see(actor, incident)
    incident = _lock(incident)
    require(actor, "incident.create", "incident", incident.pk)
    if not may_edit_draft(actor, incident) and incident.status == IncidentStatus.DRAFT:
        raise forbid("incident", incident.pk, _("Only the author or a reviewer may submit this draft."))
    _transition(incident, IncidentStatus.SUBMITTED, (IncidentStatus.DRAFT,))
    now = clock.now()
    incident.status = IncidentStatus.SUBMITTED
    incident.submitted_at = now
    incident.submitted_by = actor
    incident.retain_until = _retention(incident.type, now)
    incident._history_user = actor  # type: ignore[attr-defined]
    incident.save()
    deaths = _apply_deaths(actor, incident)
    proposals = _make_proposals(actor, incident)
    incident_submitted.send(sender=Incident, incident=incident, actor=actor)
    audit.record(actor=actor, action="incident.submit", object_type="incident", object_id=incident.pk,
                 changes={"status": [IncidentStatus.DRAFT, IncidentStatus.SUBMITTED],
                          "deaths_recorded": len(deaths), "proposals": [p.pk for p in proposals]},
                 summary=f"submitted {_label(incident)}"
                 + (f"; recorded the death of {', '.join(deaths)}" if deaths and not incident.restricted else ""))
    return incident


def _may_record_death(actor: Any, person: Any) -> bool:
    if not allowed(actor, "person.release"):
        return False
    if role_of(actor) == Role.UNIT_MANAGER:
        unit_id = Placement.objects.filter(person=person, end_at__isnull=True).values_list("unit_id", flat=True).first()
        return manages_unit(actor, unit_id)
    return True


def _record_death(actor: Any, involvement: Involvement, incident: Incident) -> bool:
    """Apply one death in custody to the person's record. Returns False if it must wait for someone allowed."""
    person = involvement.person
    person.refresh_from_db(fields=["status"])
    if person.status == PersonStatus.IN_CUSTODY:
        if not _may_record_death(actor, person):
            return False
        reason = "died in custody" if incident.restricted else f"died in custody: incident #{incident.pk}"
        housing.person_release(actor=actor, person=person, reason=reason, kind=ReleaseKind.DECEASED)
    elif person.status != PersonStatus.DECEASED:
        raise Conflict(
            _("%(number)s is not in custody, so their death cannot be recorded as a death in custody.")
            % {"number": person.inmate_number}, code="not_in_custody")
    Involvement.objects.filter(pk=involvement.pk).update(
        died=True, injury_severity=InjurySeverity.FATAL, death_recorded_at=clock.now(), death_recorded_by=actor)
    return True


def _apply_deaths(actor: Any, incident: Incident) -> list[str]:
    done = []
    for inv in incident.involvements.select_related("person").filter(
            kind=PartyKind.IN_CUSTODY, died=True, death_recorded_at__isnull=True):
        if _record_death(actor, inv, incident):
            done.append(inv.person.inmate_number)
    return done


@service("incident.record_death")
def incident_record_death(*, actor: Any, involvement: Involvement) -> Involvement:
    """Record that a person in custody named on the report died (then, or later of their injuries).

    Marks the person deceased and closes their placement through the housing
    release service. On a submitted report the fact is also added as an addendum.
    """
    incident = involvement.incident
    _see(actor, incident)
    incident = _lock(incident)
    if involvement.kind != PartyKind.IN_CUSTODY:
        if involvement.died:
            raise Conflict(_("This death is already recorded."), code="already_recorded")
        # Staff and outside people: the death is a fact on the report only.
        if incident.status != IncidentStatus.DRAFT:
            require(actor, "incident.create", "incident", incident.pk)
        else:
            _require_draft_editor(actor, incident)
        Involvement.objects.filter(pk=involvement.pk).update(died=True, injury_severity=InjurySeverity.FATAL)
    else:
        require(actor, "person.release", "person", involvement.person.inmate_number)
        if involvement.death_recorded_at is not None:
            raise Conflict(_("This death is already recorded."), code="already_recorded")
        if not _may_record_death(actor, involvement.person):
            raise forbid("person", involvement.person.inmate_number,
                         _("You may record deaths only of people in the units you manage."))
        _record_death(actor, involvement, incident)
    involvement.refresh_from_db()
    if incident.status != IncidentStatus.DRAFT:
        Addendum.objects.create(incident=incident, author=actor, created_at=clock.now(),
                                text=_("Death recorded: %(name)s.") % {"name": involvement.display_name})
    audit.record(actor=actor, action="incident.record_death", object_type="incident", object_id=incident.pk,
                 changes={"involvement": involvement.pk},
                 summary=f"recorded a death on {_label(incident)}" if incident.restricted
                 else f"recorded the death of {involvement.reference} on {_label(incident)}")
    return involvement


@service("incident.review")
def incident_start_review(*, actor: Any, incident: Incident) -> Incident:
    """A reviewer takes up a submitted report."""
    _see(actor, incident)
    incident = _lock(incident)
    _require_review(actor, incident)
    _transition(incident, IncidentStatus.UNDER_REVIEW, (IncidentStatus.SUBMITTED,))
    incident.status = IncidentStatus.UNDER_REVIEW
    incident.reviewed_by = actor
    incident.review_started_at = clock.now()
    incident._history_user = actor  # type: ignore[attr-defined]
    incident.save()
    audit.record(actor=actor, action="incident.review", object_type="incident", object_id=incident.pk,
                 changes={"status": [IncidentStatus.SUBMITTED, IncidentStatus.UNDER_REVIEW]},
                 summary=f"started review of {_label(incident)}")
    return incident


@service("incident.return")
def incident_return(*, actor: Any, incident: Incident, request: str) -> Incident:
    """Send a report back to draft with a request to its author (recorded as a row of its own)."""
    _see(actor, incident)
    incident = _lock(incident)
    _require_review(actor, incident)
    request = require_text(request, "request", _("A request"))
    _transition(incident, IncidentStatus.DRAFT, (IncidentStatus.SUBMITTED, IncidentStatus.UNDER_REVIEW))
    before = incident.status
    ReturnRequest.objects.create(incident=incident, request=request, from_status=before, requested_by=actor,
                                 requested_at=clock.now())
    incident.status = IncidentStatus.DRAFT
    incident._history_user = actor  # type: ignore[attr-defined]
    incident.save()
    audit.record(actor=actor, action="incident.return", object_type="incident", object_id=incident.pk,
                 changes=_public_changes(incident, {"status": [before, IncidentStatus.DRAFT], "request": request}),
                 summary=f"sent {_label(incident)} back to draft with a request")
    return incident


@service("incident.close")
def incident_close(*, actor: Any, incident: Incident, outcome: str = "") -> Incident:
    """Close a reviewed report. Keep-apart proposals still open must be decided first."""
    _see(actor, incident)
    incident = _lock(incident)
    _require_review(actor, incident)
    _transition(incident, IncidentStatus.CLOSED, (IncidentStatus.UNDER_REVIEW,))
    if incident.proposals.filter(status=ProposalStatus.PROPOSED).exists():
        raise Conflict(_("Decide the proposed keep-apart orders before closing the report."),
                       code="proposals_open")
    incident.status = IncidentStatus.CLOSED
    incident.closed_at = clock.now()
    incident.closed_by = actor
    incident.outcome = (outcome or "").strip()
    incident._history_user = actor  # type: ignore[attr-defined]
    incident.save()
    audit.record(actor=actor, action="incident.close", object_type="incident", object_id=incident.pk,
                 changes=_public_changes(incident, {"status": [IncidentStatus.UNDER_REVIEW, IncidentStatus.CLOSED],
                                                    "outcome": incident.outcome}),
                 summary=f"closed {_label(incident)}")
    return incident


@service("incident.addendum")
def addendum_add(*, actor: Any, incident: Incident, text: str) -> Addendum:
    """Correct or add to a submitted report: a new row, the report stays as it was submitted."""
    _see(actor, incident)
    require(actor, "incident.create", "incident", incident.pk)
    incident = _lock(incident)
    text = require_text(text, "text", _("The addendum text"))
    if incident.status == IncidentStatus.DRAFT:
        raise Conflict(_("This report is a draft: change it directly; addenda are for submitted reports."),
                       code="not_submitted")
    addendum = Addendum.objects.create(incident=incident, text=text, author=actor, created_at=clock.now())
    audit.record(actor=actor, action="incident.addendum", object_type="incident", object_id=incident.pk,
                 changes=_public_changes(incident, {"addendum": addendum.pk, "text": text}),
                 summary=f"added an addendum to {_label(incident)}")
    return addendum


# --- keep-apart proposals --------------------------------------------------------------------------------

def _suggested_scope(incident: Incident) -> str:
    return Scope.FACILITY if incident.type in FACILITY_SCOPE_TYPES else Scope.UNIT


def _make_proposals(actor: Any, incident: Incident) -> list[KeepApartProposal]:
    rows = list(incident.involvements.select_related("person").filter(kind=PartyKind.IN_CUSTODY))
    victims = [r for r in rows if r.role == InvolvementRole.VICTIM]
    others = [r for r in rows if r.role in PERPETRATOR_ROLES]
    made = []
    now = clock.now()
    for v in victims:
        for o in others:
            if v.person_id == o.person_id or v.died or o.died:
                continue
            if v.person.status == PersonStatus.DECEASED or o.person.status == PersonStatus.DECEASED:
                continue
            proposal, created = KeepApartProposal.objects.get_or_create(
                incident=incident, victim=v.person, other=o.person,
                defaults={"suggested_scope": _suggested_scope(incident), "created_at": now})
            if not created:
                continue
            made.append(proposal)
            if incident.restricted and allowed(actor, "non_association.create"):
                # A sexual-abuse report: victim and suspect are kept apart at once, at a scope the facility
                # can meet (PREA 115.43: separate them without putting the victim in segregation).
                order, note = _ensure_order(actor, incident, proposal, Scope.UNIT)
                _accept(proposal, actor, order, "made at once on submission of the report" + note)
    return made


def _ensure_order(actor: Any, incident: Incident, proposal: KeepApartProposal, scope: str) -> tuple[NonAssociation, str]:
    """The order that keeps the pair apart at ``scope`` at least: an existing one that is as wide is kept;
    a narrower one is closed as superseded and a new one made (one open order per pair)."""
    a, b = sorted([proposal.victim, proposal.other], key=lambda p: p.pk)
    existing = NonAssociation.objects.filter(person_a=a, person_b=b, closed_at__isnull=True).first()
    if existing is not None and (existing.expires_at is None or existing.expires_at > clock.now()):
        if SCOPE_RANK[Scope(existing.scope)] >= SCOPE_RANK[Scope(scope)]:
            return existing, f" (existing order #{existing.pk} kept)"
        housing.non_association_close(
            actor=actor, order=existing,
            reason=f"superseded by a wider order ({scope})")
        note = f" (order #{existing.pk} superseded)"
    else:
        note = ""
    # A restricted report must not be traceable from the order, which officers read.
    comment = "" if incident.restricted else f"From incident #{incident.pk}"
    order = housing.non_association_create(actor=actor, person_a=a, person_b=b, scope=scope,
                                           reason=KeepApartReason.VICTIM_PERPETRATOR, comment=comment,
                                           confidential=incident.restricted)
    return order, note


def _accept(proposal: KeepApartProposal, actor: Any, order: NonAssociation, reason: str) -> None:
    proposal.status = ProposalStatus.ACCEPTED
    proposal.decided_by = actor
    proposal.decided_at = clock.now()
    proposal.decision_reason = reason.strip()
    proposal.order = order
    proposal.save()


def _proposal_for_decision(actor: Any, proposal: KeepApartProposal) -> tuple[KeepApartProposal, Incident]:
    incident = proposal.incident
    _see(actor, incident)
    _require_review(actor, incident, "incident.keep_apart_decide")
    proposal = KeepApartProposal.objects.select_for_update().select_related("victim", "other").get(pk=proposal.pk)
    return proposal, incident


@service("incident.keep_apart_accept")
def proposal_accept(*, actor: Any, proposal: KeepApartProposal, scope: str = "", reason: str = "") -> KeepApartProposal:
    """Accept a proposed keep-apart order: creates it (reason victim and perpetrator) at the chosen scope.

    If the pair already has an open order as wide as the chosen scope, that order
    is kept and linked; a narrower one is superseded by the new order.
    """
    proposal, incident = _proposal_for_decision(actor, proposal)
    require(actor, "non_association.create", "incident", incident.pk)
    scope = scope or proposal.suggested_scope
    if scope not in Scope.values:
        raise field_error("scope", _("Choose cell, unit or facility."))
    if proposal.status != ProposalStatus.PROPOSED:
        raise Conflict(_("This proposal was already decided."), code="already_decided")
    order, note = _ensure_order(actor, incident, proposal, scope)
    _accept(proposal, actor, order, (reason or "").strip() + note)
    audit.record(actor=actor, action="incident.keep_apart_accept", object_type="incident", object_id=incident.pk,
                 changes={"proposal": proposal.pk, "order": order.pk, "scope": order.scope},
                 summary=f"accepted keep-apart proposal #{proposal.pk} of {_label(incident)}: order #{order.pk}"
                 if incident.restricted else
                 f"accepted keep-apart proposal for {proposal.victim.inmate_number} and "
                 f"{proposal.other.inmate_number} from {_label(incident)}: order #{order.pk} ({order.scope})")
    return proposal


@service("incident.keep_apart_reject")
def proposal_reject(*, actor: Any, proposal: KeepApartProposal, reason: str) -> KeepApartProposal:
    """Reject a proposed keep-apart order, with a reason."""
    proposal, incident = _proposal_for_decision(actor, proposal)
    reason = require_text(reason, "reason", _("A reason"))
    if proposal.status != ProposalStatus.PROPOSED:
        raise Conflict(_("This proposal was already decided."), code="already_decided")
    proposal.status = ProposalStatus.REJECTED
    proposal.decided_by = actor
    proposal.decided_at = clock.now()
    proposal.decision_reason = reason
    proposal.save()
    audit.record(actor=actor, action="incident.keep_apart_reject", object_type="incident", object_id=incident.pk,
                 changes={"proposal": proposal.pk, "reason": "(restricted)" if incident.restricted else reason},
                 summary=f"rejected keep-apart proposal #{proposal.pk} of {_label(incident)}")
    return proposal


@service("incident.keep_apart_rescope")
def proposal_rescope(*, actor: Any, proposal: KeepApartProposal, scope: str, reason: str) -> KeepApartProposal:
    """Change the scope of the order made from a proposal (e.g. the response team narrows a facility-wide
    order): the order is closed and a new one opened at the new scope, both on the record."""
    proposal, incident = _proposal_for_decision(actor, proposal)
    require(actor, "non_association.create", "incident", incident.pk)
    reason = require_text(reason, "reason", _("A reason"))
    if scope not in Scope.values:
        raise field_error("scope", _("Choose cell, unit or facility."))
    if proposal.status != ProposalStatus.ACCEPTED or proposal.order is None:
        raise Conflict(_("Only an accepted proposal has an order to change."), code="not_accepted")
    old = proposal.order
    if old.closed_at is None and old.scope == scope:
        raise field_error("scope", _("The order already has this scope."))
    if old.closed_at is None:
        housing.non_association_close(actor=actor, order=old, reason=f"scope changed to {scope}: {reason}")
    else:
        # The order was closed elsewhere; the pair may have another open order by now.
        other_open = NonAssociation.objects.filter(person_a=old.person_a, person_b=old.person_b,
                                                   closed_at__isnull=True).first()
        if other_open is not None:
            housing.non_association_close(actor=actor, order=other_open, reason=f"scope changed to {scope}: {reason}")
    comment = "" if incident.restricted else f"From incident #{incident.pk}"
    order = housing.non_association_create(actor=actor, person_a=old.person_a, person_b=old.person_b, scope=scope,
                                           reason=KeepApartReason.VICTIM_PERPETRATOR, comment=comment,
                                           confidential=incident.restricted)
    proposal.order = order
    proposal.save(update_fields=["order"])
    audit.record(actor=actor, action="incident.keep_apart_rescope", object_type="incident", object_id=incident.pk,
                 changes={"proposal": proposal.pk, "order": [old.pk, order.pk], "scope": [old.scope, scope]},
                 summary=f"changed the keep-apart order of proposal #{proposal.pk} of {_label(incident)} "
                 f"from {old.scope} to {scope} (order #{order.pk})")
    return proposal
