"""Writes of reception: start an intake (a new person, or a returning one never duplicated), classify, screen,
admit through the housing service, cancel; reassessments after 72 hours and after incidents."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _

from emerald.audit import services as audit
from emerald.core import clock
from emerald.core.access import forbid, require
from emerald.core.errors import Conflict, Invalid, field_error
from emerald.core.services import require_text, service
from emerald.core.text import fold
from emerald.facilities.models import Cell, Facility, SecurityLevel
from emerald.housing import services as housing
from emerald.housing.models import Placement
from emerald.intake import scoring
from emerald.intake.models import (
    Build,
    Classification,
    Intake,
    IntakeStatus,
    ReassessmentTask,
    Screening,
    TaskStatus,
    TaskTrigger,
)
from emerald.intake.selectors import returning_candidates
from emerald.people import services as people
from emerald.people.models import Person, PersonStatus, Stay
from emerald.people.visibility import display_label, may_know_person

#: A first reassessment is due this long after admission, and again this long after an incident.
REASSESS_AFTER = timedelta(hours=72)
_NUMBER = re.compile(r"^(\d\d)A(\d{4,})$")


def next_inmate_number() -> str:
    """The next free number of this year's series ("26A0101"): the demo's and many agencies' scheme."""
    yy = f"{clock.now().year % 100:02d}"
    highest = 0
    for number in Person.objects.filter(inmate_number__startswith=f"{yy}A").values_list("inmate_number", flat=True):
        m = _NUMBER.match(number)
        if m:
            highest = max(highest, int(m.group(2)))
    return f"{yy}A{highest + 1:04d}"


def same_identity(first_name: str, last_name: str, date_of_birth: date | None) -> list[Person]:
    """Records (all of them, sealed too) with the same folded name, or an alias, and the same date of birth:
    the same person beyond reasonable doubt."""
    if date_of_birth is None:
        return []
    from emerald.people.search import THRESHOLD, word_similarity

    key = fold(f"{first_name} {last_name}")
    if not key:
        return []
    # With the same date of birth, a close spelling (a typo, an alias, O'Reily for O'Reilly) is the same man.
    return [p for p in Person.objects.filter(date_of_birth=date_of_birth)
            if key in [part.strip() for part in p.search_key.split("|")]
            or word_similarity(key, p.search_key) >= THRESHOLD]


def _lock_intake(intake: Intake) -> Intake:
    return Intake.objects.select_for_update().select_related("person", "facility").get(pk=intake.pk)


def _require_open(intake: Intake) -> None:
    if intake.status != IntakeStatus.OPEN:
        raise Conflict(_("This intake is finished (%(status)s).") % {"status": intake.get_status_display()},
                       code="intake_closed")


@service("intake.start")
def intake_start(
    *, actor: Any, facility: Facility, person: Person | None = None, new_person: dict[str, Any] | None = None,
    confirm_new: bool = False, candidates_seen: list[str] | None = None,
) -> Intake:
    """Receive a person: an existing record (a returning person) or a new one.

    A new record is refused when one with the same name (or alias) and date of birth exists
    (409 ``duplicate_person``, naming it if the actor may see it). Callers show the candidates of
    :func:`emerald.intake.selectors.returning_candidates` first and pass ``confirm_new`` once staff
    have ruled them out; the numbers they saw are kept on the record.
    """
    require(actor, "intake.conduct", "intake", "")
    if (person is None) == (new_person is None):
        raise Invalid(_("Choose an existing record or give the details of a new one."),
                      fields={"person": [_("Choose an existing record or give the details of a new one.")]})
    returning = person is not None
    hidden_matches: list[Person] = []
    if new_person is not None:
        data = dict(new_person)
        same = same_identity(str(data.get("first_name") or ""), str(data.get("last_name") or ""),
                             data.get("date_of_birth"))
        visible = [p for p in same if may_know_person(p, actor)]
        # A match the receiving officer may not know (a sealed record) must not show, not even as "a sealed
        # record": the intake goes on as a new record and the match is kept for those who may see it.
        hidden_matches = [p for p in same if not may_know_person(p, actor)]
        if visible:
            names = ", ".join(display_label(p, actor) for p in visible)
            raise Conflict(_("This person is already known to Emerald: %(who)s. Receive them as a returning "
                             "person.") % {"who": names}, code="duplicate_person",
                           extra={"candidates": [p.inmate_number for p in visible]})
        if not confirm_new:
            # The same candidates the candidates route lists, so the refusal can be acted on as it stands.
            aliases = [str(a) for a in (data.get("aliases") or []) if str(a).strip()]
            found = [c["person"] for c in returning_candidates(
                actor=actor, first_name=str(data.get("first_name") or ""),
                last_name=str(data.get("last_name") or ""), date_of_birth=data.get("date_of_birth"),
                aliases=aliases)]
            detail = _("Check the possible matches first, then confirm that this is a new person.")
            if found:
                detail += " " + _("Possible matches: %(who)s.") % {
                    "who": ", ".join(display_label(p, actor) for p in found)}
            raise Conflict(detail, code="confirm_new", extra={"candidates": [p.inmate_number for p in found]})
        if not str(data.get("inmate_number") or "").strip():
            data["inmate_number"] = next_inmate_number()
        person = people.person_create(actor=actor, **data)
    assert person is not None
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.status == PersonStatus.IN_CUSTODY:
        raise Conflict(_("%(name)s is already in custody.") % {"name": person.full_name}, code="not_in_custody")
    if person.status == PersonStatus.DECEASED:
        raise Conflict(_("%(name)s is recorded as deceased.") % {"name": person.full_name}, code="not_in_custody")
    existing = Intake.objects.filter(person=person, status=IntakeStatus.OPEN).first()
    if existing is not None:
        raise Conflict(_("%(name)s already has an intake in progress (#%(id)d).")
                       % {"name": person.full_name, "id": existing.pk}, code="already_exists",
                       extra={"intake_id": existing.pk})
    intake = Intake.objects.create(person=person, facility=facility, returning=returning, started_by=actor,
                                   started_at=clock.now())
    if not returning and hidden_matches:
        intake.hidden_matches.set(hidden_matches)
    audit.record(actor=actor, action="intake.start", object_type="intake", object_id=intake.pk,
                 changes={"person": person.inmate_number, "returning": returning, "facility": facility.code,
                          "candidates_seen": sorted(set(candidates_seen or []))},
                 summary=f"started the intake of {person.inmate_number} at {facility.code}"
                 + (" (returning person)" if returning else " (new record)"))
    return intake


# --------------------------------------------------------------------------- classification


def _classify(actor: Any, person: Person, intake: Intake | None, answers: dict[str, str], override_level: str,
              override_reason: str) -> Classification:
    answers = {k: v for k, v in answers.items() if v not in (None, "")}
    age = scoring.age_on(person.date_of_birth, clock.now().date())
    if age is not None:
        # The date of birth decides the age factor; nobody types it twice.
        answers["age"] = scoring.age_answer(age) or answers.get("age", "")
    scored, errors = scoring.score(answers)
    override_level = (override_level or "").strip()
    override_reason = (override_reason or "").strip()
    if override_level and override_level not in SecurityLevel.values:
        errors["override_level"] = [_("Choose minimum, medium or maximum.")]
    if override_level and not override_reason:
        errors["override_reason"] = [_("An override needs a reason.")]
    if override_reason and not override_level:
        errors["override_level"] = [_("Choose the level you override to.")]
    if errors or scored is None:
        raise Invalid(_("Some fields need correcting."), fields=errors)
    if override_level == scored.level:
        override_level, override_reason = "", ""
    if override_level:
        require(actor, "classification.override", "person", person.inmate_number)
    level = override_level or scored.level
    c = Classification.objects.create(
        person=person, intake=intake, scale_version=scoring.SCALE_VERSION, factors=scored.factors,
        total_points=scored.total, scored_level=scored.level, override_level=override_level,
        override_reason=override_reason, level=level, decided_by=actor, decided_at=clock.now())
    if person.custody_level != level:
        people.person_update(actor=actor, person=person, changes={"custody_level": level})
    audit.record(actor=actor, action="classification.decide", object_type="person", object_id=person.inmate_number,
                 changes={"factors": {r["factor"]: [r["answer"], r["points"]] for r in scored.factors},
                          "total_points": scored.total, "scored_level": scored.level,
                          "override_level": override_level, "override_reason": override_reason, "level": level},
                 summary=f"classified {person.inmate_number}: {scored.total} points, {scored.level}"
                 + (f", overridden to {override_level}" if override_level else ""))
    return c


@service("intake.classify")
def intake_classify(*, actor: Any, intake: Intake, answers: dict[str, str], override_level: str = "",
                    override_reason: str = "") -> Classification:
    """Classify by the points scale (every factor's points kept); a supervisor may override with a reason."""
    require(actor, "intake.conduct", "intake", intake.pk)
    intake = _lock_intake(intake)
    _require_open(intake)
    return _classify(actor, intake.person, intake, answers, override_level, override_reason)


# --------------------------------------------------------------------------- screening


def first_time_in_custody(person: Person) -> bool:
    return not Stay.objects.filter(person=person).exists()


def _screen(actor: Any, person: Person, intake: Intake | None, *, build: str, prior_victimisation: bool,
            lgbti_disclosed: bool, mental_health: bool, staff_concern: str = "",
            first_time: bool | None = None) -> Screening:
    require(actor, "vulnerability.screen", "person", person.inmate_number)
    if build not in Build.values:
        raise field_error("build", _("Choose slight, average or heavy."))
    staff_concern = (staff_concern or "").strip()
    if len(staff_concern) > 2000:
        raise field_error("staff_concern", _("At most %(n)d characters.") % {"n": 2000})
    if first_time is None:
        first_time = first_time_in_custody(person)
    age = scoring.age_on(person.date_of_birth, clock.now().date())
    vulnerable, reasons = scoring.vulnerability(
        first_time=bool(first_time), age=age, build=build, prior_victimisation=bool(prior_victimisation),
        lgbti_disclosed=bool(lgbti_disclosed), mental_health=bool(mental_health), staff_concern=staff_concern)
    s = Screening.objects.create(
        person=person, intake=intake, first_time_in_custody=bool(first_time), age=age, build=build,
        prior_victimisation=bool(prior_victimisation), lgbti_disclosed=bool(lgbti_disclosed),
        mental_health=bool(mental_health), staff_concern=staff_concern, vulnerable=vulnerable, reasons=reasons,
        screened_by=actor, screened_at=clock.now())
    # The answers are restricted: the audit trail (read by auditors) keeps only the flag.
    audit.record(actor=actor, action="vulnerability.screen", object_type="person", object_id=person.inmate_number,
                 changes={"screening_id": s.pk, "vulnerable": vulnerable},
                 summary=f"screened {person.inmate_number} for vulnerability"
                 + (": vulnerable" if vulnerable else ": not vulnerable"))
    return s


@service("intake.screen")
def intake_screen(*, actor: Any, intake: Intake, build: str, prior_victimisation: bool = False,
                  lgbti_disclosed: bool = False, mental_health: bool = False, staff_concern: str = "",
                  first_time: bool | None = None) -> Screening:
    """Screen for vulnerability. ``first_time`` defaults to "no earlier stay in Emerald"."""
    require(actor, "intake.conduct", "intake", intake.pk)
    intake = _lock_intake(intake)
    _require_open(intake)
    return _screen(actor, intake.person, intake, build=build, prior_victimisation=prior_victimisation,
                   lgbti_disclosed=lgbti_disclosed, mental_health=mental_health, staff_concern=staff_concern,
                   first_time=first_time)


# --------------------------------------------------------------------------- admission


@service("intake.admit")
def intake_admit(*, actor: Any, intake: Intake, cell_id: Any, reason: str = "", override_reason: str = "") -> Placement:
    """Admit through the housing service (every housing rule applies), once classified and screened; the
    first reassessment is then due in 72 hours."""
    require(actor, "intake.conduct", "intake", intake.pk)
    intake = _lock_intake(intake)
    _require_open(intake)
    missing = []
    if not intake.classifications.exists():
        missing.append("classification")
    if not intake.screenings.exists():
        missing.append("screening")
    if missing:
        raise Conflict(_("Classify and screen the person before choosing a cell."), code="steps_missing",
                       extra={"missing": missing})
    reason = (reason or "").strip() or "intake: classified and screened; admitted to the chosen cell"
    try:
        facility_id = Cell.objects.filter(pk=int(cell_id)).values_list("unit__facility_id", flat=True).first()
    except (TypeError, ValueError):
        facility_id = None
    if facility_id is not None and facility_id != intake.facility_id:
        raise field_error("cell_id", _("Choose a cell in %(facility)s.") % {"facility": intake.facility.code})
    placement = housing.person_admit(actor=actor, person=intake.person, cell_id=cell_id, reason=reason,
                                     override_reason=override_reason)
    now = clock.now()
    intake.status, intake.placement, intake.completed_by, intake.completed_at = (
        IntakeStatus.ADMITTED, placement, actor, now)
    intake.save(update_fields=["status", "placement", "completed_by", "completed_at"])
    task = ReassessmentTask.objects.create(person=intake.person, trigger=TaskTrigger.INTAKE, intake=intake,
                                           due_at=placement.start_at + REASSESS_AFTER, created_at=now)
    audit.record(actor=actor, action="intake.admit", object_type="intake", object_id=intake.pk,
                 changes={"cell": placement.cell.code, "reassessment_id": task.pk, "due_at": task.due_at},
                 summary=f"completed the intake of {intake.person.inmate_number}: admitted to {placement.cell.code}; "
                 "reassessment due in 72 hours")
    return placement


@service("intake.cancel")
def intake_cancel(*, actor: Any, intake: Intake, reason: str) -> Intake:
    """Cancel an intake in progress (e.g. received in error, sent to another facility)."""
    require(actor, "intake.conduct", "intake", intake.pk)
    reason = require_text(reason, "reason", _("A reason"))
    intake = _lock_intake(intake)
    _require_open(intake)
    intake.status, intake.cancel_reason, intake.completed_by, intake.completed_at = (
        IntakeStatus.CANCELLED, reason, actor, clock.now())
    intake.save(update_fields=["status", "cancel_reason", "completed_by", "completed_at"])
    audit.record(actor=actor, action="intake.cancel", object_type="intake", object_id=intake.pk,
                 changes={"reason": reason},
                 summary=f"cancelled the intake of {intake.person.inmate_number}: {reason}")
    return intake


# --------------------------------------------------------------------------- reassessment


def open_incident_task(*, actor: Any, person: Person, incident: Any) -> ReassessmentTask | None:
    """After an incident involving a person in custody: a reassessment due in 72 hours (once per incident).

    Runs inside the incident's submission (a consequence of it, not a separate permission). The audit
    summary of a sexual-abuse report's task does not name the incident (see docs/incidents.md).
    """
    if person.status != PersonStatus.IN_CUSTODY:
        return None
    if ReassessmentTask.objects.filter(person=person, incident=incident).exists():
        return None
    now = clock.now()
    task = ReassessmentTask.objects.create(person=person, trigger=TaskTrigger.INCIDENT, incident=incident,
                                           due_at=now + REASSESS_AFTER, created_at=now)
    restricted = bool(getattr(incident, "restricted", False))
    audit.record(actor=actor, action="reassessment.open", object_type="person", object_id=person.inmate_number,
                 changes={"task_id": task.pk, "trigger": "incident", "due_at": task.due_at,
                          **({} if restricted else {"incident_id": incident.pk})},
                 summary=f"opened a reassessment of {person.inmate_number}"
                 + ("" if restricted else f" after incident #{incident.pk}"),
                 about=[("incident", incident.pk)] if restricted else None)
    return task


@service("reassessment.complete")
def reassessment_complete(
    *, actor: Any, task: ReassessmentTask, answers: dict[str, str], build: str, prior_victimisation: bool = False,
    lgbti_disclosed: bool = False, mental_health: bool = False, staff_concern: str = "", override_level: str = "",
    override_reason: str = "", notes: str = "",
) -> ReassessmentTask:
    """Reassess: a new classification and a new screening (the first-time answer is kept from the last one)."""
    require(actor, "reassessment.complete", "reassessment", task.pk)
    task = ReassessmentTask.objects.select_for_update().select_related("person").get(pk=task.pk)
    if task.status != TaskStatus.OPEN:
        raise Conflict(_("This reassessment is already done."), code="already_closed")
    person = Person.objects.select_for_update().get(pk=task.person_id)
    if person.status != PersonStatus.IN_CUSTODY:
        raise forbid("reassessment", task.pk, _("%(name)s is not in custody.") % {"name": person.full_name})
    last = Screening.objects.filter(person=person).order_by("-screened_at", "-id").first()
    classification = _classify(actor, person, None, answers, override_level, override_reason)
    screening = _screen(actor, person, None, build=build, prior_victimisation=prior_victimisation,
                        lgbti_disclosed=lgbti_disclosed, mental_health=mental_health, staff_concern=staff_concern,
                        first_time=last.first_time_in_custody if last else False)
    task.status, task.completed_by, task.completed_at = TaskStatus.DONE, actor, clock.now()
    task.classification, task.screening, task.notes = classification, screening, (notes or "").strip()[:5000]
    task.save()
    audit.record(actor=actor, action="reassessment.complete", object_type="reassessment", object_id=task.pk,
                 changes={"classification_id": classification.pk, "level": classification.level,
                          "vulnerable": screening.vulnerable},
                 summary=f"reassessed {person.inmate_number}: {classification.level}")
    return task
