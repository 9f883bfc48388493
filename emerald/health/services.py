"""Writes on health records: encounters and their addenda, links to incidents, custody notes, break-glass.

Audit entries of encounters name the person by inmate number and the encounter by number, never its
content (the audit trail is read by people who may not read medical records).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from emerald.accounts.models import Role, User
from emerald.accounts.permissions import allowed
from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import hidden, require
from emerald.core.errors import Conflict, Invalid, field_error
from emerald.core.services import require_text, service
from emerald.health.models import (
    BREAK_GLASS_MINUTES,
    BreakGlassAccess,
    CustodyNote,
    Encounter,
    EncounterAddendum,
    EncounterIncidentLink,
    EncounterKind,
    MedicalNotification,
    NoteKind,
)
from emerald.health.needs import today
from emerald.health.selectors import encounters_visible_to, is_medical
from emerald.people.models import Person

TEXT_MAX = 20000


def _see(actor: Any, encounter: Encounter) -> None:
    """Anyone who may not know the encounter exists gets the same 404 as for a missing one."""
    if not encounters_visible_to(actor).filter(pk=encounter.pk).exists():
        raise hidden("health_encounter", encounter.pk)


def _text(value: Any, field: str, errors: dict[str, list[str]], *, required: bool = False, max_length: int = TEXT_MAX,
          label: str = "") -> str:
    text = str(value or "").strip()
    if required and not text:
        errors.setdefault(field, []).append(_("%(label)s is required.") % {"label": label or field})
    elif len(text) > max_length:
        errors.setdefault(field, []).append(_("At most %(n)d characters.") % {"n": max_length})
    return text


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _clinician(value: Any, actor: Any, errors: dict[str, list[str]]) -> Any:
    if value in (None, ""):
        return actor
    if isinstance(value, User):
        user = value
    else:
        user = User.objects.filter(username=str(value).strip()).first()
    if user is None or user.role != Role.MEDICAL or not user.is_active:
        errors.setdefault("clinician", []).append(_("Name an active member of the medical staff (username)."))
    return user


@service("health.encounter_create")
def encounter_create(
    *, actor: Any, person: Person, kind: str, occurred_at: datetime, notes: str, clinician: Any = None,
    location: str = "", diagnoses: str = "", procedures: str = "", medications: str = "",
    incident_ids: list[int] | None = None,
) -> Encounter:
    """Record an encounter (sick call, emergency, surgery, follow-up). Medical staff only.

    ``clinician`` is a medical user (default: the author). ``incident_ids`` link the encounter to incident
    reports of an injury or poisoning it treated. All fields are checked together; nothing is saved on an
    error.
    """
    require(actor, "health.record", "person", person.inmate_number)
    errors: dict[str, list[str]] = {}
    if kind not in EncounterKind.values:
        errors["kind"] = [_("Choose sick call, emergency, surgery or follow-up.")]
    when = _aware(occurred_at)
    now = clock.now()
    if when is None:
        errors["occurred_at"] = [_("Give the date and time of the encounter.")]
    elif when > now:
        errors["occurred_at"] = [_("The time cannot be in the future.")]
    user = _clinician(clinician, actor, errors)
    values = {
        "notes": _text(notes, "notes", errors, required=True, label=_("Notes")),
        "location": _text(location, "location", errors, max_length=200),
        "diagnoses": _text(diagnoses, "diagnoses", errors),
        "procedures": _text(procedures, "procedures", errors),
        "medications": _text(medications, "medications", errors),
    }
    incidents = _incidents(actor, incident_ids or [], errors)
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    encounter = Encounter.objects.create(person=person, kind=kind, occurred_at=when, clinician=user,
                                         recorded_by=actor, recorded_at=now, **values)
    for incident in incidents:
        EncounterIncidentLink.objects.create(encounter=encounter, incident=incident, linked_by=actor, linked_at=now)
    audit.record(actor=actor, action="health.encounter_create", object_type="health_encounter",
                 object_id=encounter.pk,
                 changes={"person": person.inmate_number, "incidents": [i.pk for i in incidents]},
                 summary=f"recorded health encounter #{encounter.pk} of {person.inmate_number}")
    return encounter


def _incidents(actor: Any, ids: list[Any], errors: dict[str, list[str]]) -> list[Any]:
    from emerald.incidents.selectors import incidents_visible_to

    found = []
    for raw in ids:
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            pk = None
        incident = incidents_visible_to(actor).filter(pk=pk).first() if pk is not None else None
        if incident is None:
            errors.setdefault("incident_ids", []).append(_("No such incident: %(id)s.") % {"id": raw})
        elif incident not in found:
            found.append(incident)
    return found


@service("health.encounter_link_incident")
def encounter_link_incident(*, actor: Any, encounter: Encounter, incident_id: Any) -> EncounterIncidentLink:
    """Link an encounter to the incident report of the injury or poisoning it treated."""
    _see(actor, encounter)
    require(actor, "health.record", "health_encounter", encounter.pk)
    errors: dict[str, list[str]] = {}
    incidents = _incidents(actor, [incident_id], errors)
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    incident = incidents[0]
    if EncounterIncidentLink.objects.filter(encounter=encounter, incident=incident).exists():
        raise Conflict(_("The encounter is already linked to this incident."), code="already_linked")
    link = EncounterIncidentLink.objects.create(encounter=encounter, incident=incident, linked_by=actor,
                                                linked_at=clock.now())
    audit.record(actor=actor, action="health.encounter_link_incident", object_type="health_encounter",
                 object_id=encounter.pk, changes={"incident": incident.pk},
                 summary=f"linked health encounter #{encounter.pk} to incident #{incident.pk}")
    return link


@service("health.encounter_addendum")
def encounter_addendum(*, actor: Any, encounter: Encounter, text: str) -> EncounterAddendum:
    """Correct or add to an encounter: a new row; the encounter stays as it was recorded."""
    _see(actor, encounter)
    require(actor, "health.record", "health_encounter", encounter.pk)
    text = require_text(text, "text", _("The addendum text"))
    addendum = EncounterAddendum.objects.create(encounter=encounter, text=text, author=actor, created_at=clock.now())
    audit.record(actor=actor, action="health.encounter_addendum", object_type="health_encounter",
                 object_id=encounter.pk, changes={"addendum": addendum.pk},
                 summary=f"added an addendum to health encounter #{encounter.pk}")
    return addendum


# --------------------------------------------------------------------------- custody notes


def _clean_note(text: Any, kinds: Any, valid_from: Any, valid_until: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {"text": _text(text, "text", errors, required=True, max_length=2000,
                                         label=_("What custody staff must know"))}
    kinds = list(kinds or [])
    if not kinds:
        errors["kinds"] = [_("Choose at least one kind.")]
    elif any(k not in NoteKind.values for k in kinds):
        errors["kinds"] = [_("Choose among bottom bunk, no lifting, medical isolation and other.")]
    for k in NoteKind.values:
        out[k] = k in kinds
    start = valid_from if valid_from not in (None, "") else today()
    if not isinstance(start, date) or isinstance(start, datetime):
        errors["valid_from"] = [_("Enter a date as YYYY-MM-DD.")]
        start = today()
    until = valid_until if valid_until not in (None, "") else None
    if until is not None and (not isinstance(until, date) or isinstance(until, datetime)):
        errors["valid_until"] = [_("Enter a date as YYYY-MM-DD.")]
        until = None
    if until is not None and until < start:
        errors["valid_until"] = [_("The end cannot be before the start.")]
    if until is not None and until < today():
        errors.setdefault("valid_until", []).append(_("The end cannot be in the past."))
    out["valid_from"], out["valid_until"] = start, until
    return out, errors


def _note_summary(note: CustodyNote) -> str:
    until = f" until {note.valid_until.isoformat()}" if note.valid_until else ""
    return f"{', '.join(note.kinds)} from {note.valid_from.isoformat()}{until}"


@service("health.custody_note_create")
def custody_note_create(
    *, actor: Any, person: Person, text: str, kinds: list[str], valid_from: date | None = None,
    valid_until: date | None = None, supersedes: CustodyNote | None = None,
) -> CustodyNote:
    """Write a custody note (medical staff). With ``supersedes``, that open note of the same person is closed
    and points at the new one. The answer carries ``housing_problem``: whether the person's current bed
    breaks the note (then custody staff must move them)."""
    require(actor, "health.custody_note.write", "person", person.inmate_number)
    values, errors = _clean_note(text, kinds, valid_from, valid_until)
    old = None
    if supersedes is not None:
        old = CustodyNote.objects.select_for_update().filter(pk=supersedes.pk).first()
        if old is None or old.person_id != person.pk:
            errors["supersedes"] = [_("No such custody note of this person.")]
    if errors:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    if old is not None and old.closed_at is not None:
        raise Conflict(_("Custody note #%(id)d is already closed.") % {"id": old.pk}, code="already_closed")
    now = clock.now()
    note = CustodyNote.objects.create(person=person, written_by=actor, written_at=now, **values)
    if old is not None:
        CustodyNote.objects.filter(pk=old.pk).update(closed_at=now, closed_by=actor, superseded_by=note,
                                                     close_reason=f"superseded by custody note #{note.pk}")
    from emerald.health.needs import housing_problem

    note.housing_problem = housing_problem(person)  # type: ignore[attr-defined]
    audit.record(actor=actor, action="health.custody_note_create", object_type="custody_note", object_id=note.pk,
                 changes={"person": person.inmate_number, "kinds": note.kinds, "text": note.text,
                          "valid_from": note.valid_from, "valid_until": note.valid_until,
                          "supersedes": old.pk if old else None},
                 summary=f"wrote custody note #{note.pk} for {person.inmate_number}: {_note_summary(note)}"
                 + (f" (supersedes #{old.pk})" if old else ""))
    return note


@service("health.custody_note_close")
def custody_note_close(*, actor: Any, note: CustodyNote, reason: str) -> CustodyNote:
    """Close a custody note early (recovered, moved to hospital...), with who, when and why. Never deleted."""
    if not allowed(actor, "health.custody_note.view"):
        raise hidden("custody_note", note.pk)
    require(actor, "health.custody_note.write", "custody_note", note.pk)
    reason = require_text(reason, "reason", _("A reason"))
    note = CustodyNote.objects.select_for_update().select_related("person").get(pk=note.pk)
    if note.closed_at is not None:
        raise Conflict(_("Custody note #%(id)d is already closed.") % {"id": note.pk}, code="already_closed")
    note.closed_at, note.closed_by, note.close_reason = clock.now(), actor, reason
    note.save(update_fields=["closed_at", "closed_by", "close_reason"])
    audit.record(actor=actor, action="health.custody_note_close", object_type="custody_note", object_id=note.pk,
                 changes={"reason": reason},
                 summary=f"closed custody note #{note.pk} of {note.person.inmate_number}: {reason}")
    return note


# --------------------------------------------------------------------------- break-glass


@service("health.break_glass")
def break_glass_open(*, actor: Any, person: Person, reason: str) -> BreakGlassAccess:
    """Open one person's medical record in an emergency, for an hour, with a written reason.

    For wardens, unit managers and officers. Audited (``health.break_glass``, success) and notified to
    medical staff on their dashboard until one of them acknowledges it. Medical staff need no break-glass.
    """
    require(actor, "health.break_glass", "person", person.inmate_number)
    reason = require_text(reason, "reason", _("A reason"))
    if len(reason) > 2000:
        raise field_error("reason", _("At most %(n)d characters.") % {"n": 2000})
    now = clock.now()
    access = BreakGlassAccess.objects.create(person=person, user=actor, reason=reason, opened_at=now,
                                             expires_at=now + timedelta(minutes=BREAK_GLASS_MINUTES))
    MedicalNotification.objects.create(
        access=access, person=person, created_at=now,
        message=f"{actor.display_name} ({actor.username}, {actor.role}) opened the medical record of "
                f"{person.full_name} ({person.inmate_number}) in an emergency: {reason}")
    audit.record(actor=actor, action="health.break_glass", object_type="person", object_id=person.inmate_number,
                 changes={"break_glass": access.pk, "reason": reason, "expires_at": access.expires_at},
                 summary=f"opened the medical record of {person.inmate_number} by break-glass "
                 f"until {access.expires_at:%Y-%m-%d %H:%M} UTC: {reason}")
    return access


@service("health.notification_acknowledge")
def notification_acknowledge(*, actor: Any, notification: MedicalNotification) -> MedicalNotification:
    """A member of the medical staff has seen a break-glass notice (it leaves the dashboard, not the record)."""
    if not is_medical(actor):
        raise hidden("medical_notification", notification.pk)
    note = MedicalNotification.objects.select_for_update().select_related("person").get(pk=notification.pk)
    if note.acknowledged_at is not None:
        raise Conflict(_("This notice was already acknowledged."), code="already_acknowledged")
    note.acknowledged_at, note.acknowledged_by = clock.now(), actor
    note.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit.record(actor=actor, action="health.notification_acknowledge", object_type="medical_notification",
                 object_id=note.pk, changes={"break_glass": note.access_id},
                 summary=f"acknowledged the break-glass opening #{note.access_id} of {note.person.inmate_number}")
    return note
