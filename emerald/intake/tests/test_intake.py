"""Intake: returning people never duplicated, points-based classification, vulnerability screening, admission,
reassessments (72 hours, after incidents) and what staff see before choosing a cell."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from conftest import admit, make_person
from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.core.errors import Conflict, Forbidden, Invalid
from emerald.housing.services import non_association_create, person_release
from emerald.intake import scoring, selectors, services
from emerald.intake.models import IntakeStatus, ReassessmentTask
from emerald.people.models import Person
from emerald.planning.loader import load_facility
from emerald.relations import services as relations

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 10, 5, 14, 0, tzinfo=UTC)

ANSWERS = {"offence_severity": "serious", "violence_history": "minor", "escape_history": "none",
           "sentence_length": "5_to_15y", "institutional_behaviour": "none"}
CYRIL = {"inmate_number": "", "first_name": "Cyril", "last_name": "O'Reily", "sex": "male",
         "custody_level": "medium", "date_of_birth": date(2004, 2, 14)}


@pytest.fixture(autouse=True)
def now():
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def cast(users, place):
    admin = users["administrator"]
    people = {
        "ryan": make_person(admin, "O'Reily", "Ryan", number="97A0007", date_of_birth=date(1966, 10, 5),
                            aliases=["O'Reilly"]),
        "schillinger": make_person(admin, "Schillinger", "Vern", number="97A0004"),
        "aryan": make_person(admin, "Hayes", "Rick", number="97A0100"),
        "adebisi": make_person(admin, "Adebisi", "Simon", number="97A0001"),
    }
    admit(admin, people["ryan"], place.cell("EC-1-01"))
    admit(admin, people["schillinger"], place.cell("EC-1-02"))
    admit(admin, people["aryan"], place.cell("EC-1-02"))
    admit(admin, people["adebisi"], place.cell("B-1-01"))
    groups = {n: relations.group_create(actor=admin, name=n) for n in ("Irish", "Aryan Brotherhood", "Homeboys")}
    relations.rivalry_create(actor=admin, group_a=groups["Irish"], group_b=groups["Aryan Brotherhood"],
                             source="staff observation")
    grading = {"source": "intelligence", "source_reliability": "B", "information_credibility": "2"}
    relations.membership_create(actor=admin, person=people["ryan"], group=groups["Irish"], role="leader", **grading)
    relations.membership_create(actor=admin, person=people["schillinger"], group=groups["Aryan Brotherhood"],
                                role="leader", **grading)
    relations.membership_create(actor=admin, person=people["aryan"], group=groups["Aryan Brotherhood"],
                                role="member", **grading)
    people["groups"] = groups
    return people


def start_cyril(users, place, **extra):
    return services.intake_start(actor=users["officer"], facility=place.facility, new_person=dict(CYRIL),
                                 confirm_new=True, **extra)


def test_scale_thresholds_and_points():
    scored, errors = scoring.score({**ANSWERS, "age": "under_25"})
    assert not errors and scored.total == 4 + 2 + 0 + 3 + 2 + 0 == 11 and scored.level == "medium"
    assert scoring.level_for(5) == "minimum" and scoring.level_for(6) == "medium" and scoring.level_for(12) == "maximum"
    _s, errors = scoring.score({"offence_severity": "awful"})
    assert "offence_severity" in errors and "escape_history" in errors


def test_returning_person_is_recognised_and_never_duplicated(users, place, cast):
    officer = users["officer"]
    # By alias and by date of birth.
    by_alias = selectors.returning_candidates(actor=officer, first_name="Ryan", last_name="O’Reilly")
    assert by_alias and by_alias[0]["person"] == cast["ryan"]
    by_dob = selectors.returning_candidates(actor=officer, first_name="R.", last_name="Smith",
                                            date_of_birth=date(1966, 10, 5))
    assert cast["ryan"] in [c["person"] for c in by_dob]
    by_number = selectors.returning_candidates(actor=officer, inmate_number="97a0007")
    assert by_number[0]["why"] == ["number"]
    # Same name and date of birth: refused outright, naming the record.
    with pytest.raises(Conflict) as exc:
        services.intake_start(actor=officer, facility=place.facility, confirm_new=True, new_person={
            **CYRIL, "first_name": "Ryan", "last_name": "O'Reilly", "date_of_birth": date(1966, 10, 5)})
    assert exc.value.code == "duplicate_person" and "97A0007" in exc.value.detail
    # A new record needs the candidates checked first.
    with pytest.raises(Conflict) as exc:
        services.intake_start(actor=officer, facility=place.facility, new_person=dict(CYRIL))
    assert exc.value.code == "confirm_new"
    assert Person.objects.count() == 4
    # Ryan himself, released and back: received as a returning person, the same record.
    person_release(actor=users["warden"], person=cast["ryan"], reason="sentence served")
    intake = services.intake_start(actor=officer, facility=place.facility, person=cast["ryan"])
    assert intake.returning and intake.person == cast["ryan"]
    with pytest.raises(Conflict) as exc:
        services.intake_start(actor=officer, facility=place.facility, person=cast["ryan"])
    assert exc.value.code == "already_exists"


def test_new_person_gets_the_next_number_of_the_year(users, place, cast):
    make_person(users["administrator"], "Earlier", number="26A0100")
    intake = start_cyril(users, place, candidates_seen=["97A0007"])
    assert intake.person.inmate_number == "26A0101" and not intake.returning
    entry = AuditEntry.objects.get(action="intake.start")
    assert entry.changes["candidates_seen"] == ["97A0007"]


def test_in_custody_person_cannot_be_received_again(users, place, cast):
    with pytest.raises(Conflict) as exc:
        services.intake_start(actor=users["officer"], facility=place.facility, person=cast["ryan"])
    assert exc.value.code == "not_in_custody"


def test_classification_points_age_from_birth_date_and_override(users, place, cast):
    intake = start_cyril(users, place)
    c = services.intake_classify(actor=users["officer"], intake=intake, answers={**ANSWERS, "age": "35_plus"})
    ages = [f for f in c.factors if f["factor"] == "age"]
    assert ages == [{"factor": "age", "answer": "under_25", "points": 2}]  # 22 years old on the day
    assert c.total_points == 11 and c.scored_level == "medium" and c.level == "medium"
    intake.person.refresh_from_db()
    assert intake.person.custody_level == "medium"
    with pytest.raises(Forbidden):
        services.intake_classify(actor=users["officer"], intake=intake, answers=ANSWERS, override_level="maximum",
                                 override_reason="gang ties")
    with pytest.raises(Invalid) as exc:
        services.intake_classify(actor=users["warden"], intake=intake, answers=ANSWERS, override_level="maximum")
    assert "override_reason" in exc.value.fields
    c2 = services.intake_classify(actor=users["warden"], intake=intake, answers=ANSWERS, override_level="maximum",
                                  override_reason="brother leads the Irish; threats expected")
    assert c2.scored_level == "medium" and c2.level == "maximum" and c2.override_reason
    intake.person.refresh_from_db()
    assert intake.person.custody_level == "maximum"
    entry = AuditEntry.objects.filter(action="classification.decide").order_by("-id").first()
    assert "overridden to maximum" in entry.summary and entry.changes["factors"]["offence_severity"] == ["serious", 4]


def test_vulnerability_rule_and_who_sees_the_reasons(users, place, cast):
    intake = start_cyril(users, place)
    s = services.intake_screen(actor=users["officer"], intake=intake, build="slight", lgbti_disclosed=False)
    assert s.vulnerable and s.reasons == ["first_time", "young", "slight_build"]
    # Auditors read the trail: it holds the flag, never the answers.
    entry = AuditEntry.objects.get(action="vulnerability.screen")
    assert entry.changes == {"screening_id": s.pk, "vulnerable": True}
    person = intake.person
    seen_by = {role: selectors.vulnerability_of(actor=users[role], person=person) for role in users}
    assert seen_by["educator"] is None and seen_by["auditor"] is None
    assert seen_by["officer"]["reasons"]  # the officer who screened him
    assert seen_by["medical"]["reasons"] and seen_by["unit_manager"]["reasons"]
    assert seen_by["administrator"]["vulnerable"] and seen_by["administrator"]["reasons"] is None
    assert seen_by["investigator"]["reasons"] is None
    assert AuditEntry.objects.filter(action="vulnerability.view_details", object_id=person.inmate_number).count() == 4
    # One strong reason alone is enough; one weak reason is not.
    assert scoring.vulnerability(first_time=False, age=40, build="heavy", prior_victimisation=False,
                                 lgbti_disclosed=True, mental_health=False, staff_concern="") == (
        True, ["lgbti_disclosed"])
    assert scoring.vulnerability(first_time=True, age=40, build="average", prior_victimisation=False,
                                 lgbti_disclosed=False, mental_health=False, staff_concern="")[0] is False


def test_admission_needs_both_steps_then_a_72_hour_reassessment(users, place, cast):
    intake = start_cyril(users, place)
    with pytest.raises(Conflict) as exc:
        services.intake_admit(actor=users["officer"], intake=intake, cell_id=place.cell("EC-1-03").pk)
    assert exc.value.code == "steps_missing" and exc.value.extra["missing"] == ["classification", "screening"]
    services.intake_classify(actor=users["officer"], intake=intake, answers=ANSWERS)
    services.intake_screen(actor=users["officer"], intake=intake, build="slight")
    placement = services.intake_admit(actor=users["officer"], intake=intake, cell_id=place.cell("EC-1-03").pk)
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.ADMITTED and intake.placement == placement
    task = ReassessmentTask.objects.get(person=intake.person)
    assert task.trigger == "intake" and task.due_at == placement.start_at + timedelta(hours=72)
    with pytest.raises(Conflict):
        services.intake_cancel(actor=users["officer"], intake=intake, reason="too late")


def test_admission_obeys_keep_apart_orders(users, place, cast):
    intake = start_cyril(users, place)
    services.intake_classify(actor=users["officer"], intake=intake, answers=ANSWERS)
    services.intake_screen(actor=users["officer"], intake=intake, build="slight")
    non_association_create(actor=users["warden"], person_a=intake.person, person_b=cast["schillinger"],
                           scope="unit", reason="threat")
    with pytest.raises(Conflict) as exc:
        services.intake_admit(actor=users["officer"], intake=intake, cell_id=place.cell("EC-1-03").pk)
    assert exc.value.code == "keep_apart"
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.OPEN and intake.person.status == "not_admitted"


def test_housing_preview_warns_of_family_groups_and_ranks_safe_cells(users, place, cast):
    officer = users["officer"]
    intake = start_cyril(users, place)
    cyril = intake.person
    relations.relationship_create(actor=officer, person_a=cyril, person_b=cast["ryan"], kind="family",
                                  source="self-reported at intake", detail="brother")
    relations.membership_create(actor=officer, person=cyril, group=cast["groups"]["Irish"], role="associate",
                                source="brother of Ryan O'Reily", source_reliability="C", information_credibility="3")
    services.intake_classify(actor=officer, intake=intake, answers=ANSWERS)
    services.intake_screen(actor=officer, intake=intake, build="slight")
    preview = selectors.housing_preview(actor=officer, intake=intake, unit_id=place.ec.pk)
    assert [(c["person"], c["kind"], c["cell"]) for c in preview["connections"]] == [
        (cast["ryan"], "family", "EC-1-01")]
    ec = preview["unit_groups"][0]
    assert ec["unit"] == place.ec
    assert [(g["group"].name, g["stance"], len(g["members"])) for g in ec["groups"]] == [
        ("Aryan Brotherhood", "rival", 2), ("Irish", "own", 1)]
    assert preview["vulnerability"]["vulnerable"]
    cells = preview["cells"]
    assert cells and all(c["unit"] == "EC" for c in cells)
    codes = [c["cell"] for c in cells]
    assert "EC-1-02" not in codes  # full
    assert cells[0]["rank"] == 1 and cells[0]["reasons"]
    assert any(c["connections"] for c in cells)  # Ryan is in the unit of every EC cell
    # The cell next to a rival member is ranked below the safe ones, with the warning shown.
    services.intake_admit(actor=officer, intake=intake, cell_id=cells[0]["cell_id"])


def test_educators_see_no_intake_or_security_data(users, place, cast):
    from emerald.core.errors import NotFound

    intake = start_cyril(users, place)
    with pytest.raises(Forbidden):
        selectors.intake_list(actor=users["educator"])
    with pytest.raises(NotFound):
        selectors.intake_get(actor=users["educator"], intake_id=intake.pk)
    with pytest.raises(Forbidden):
        services.intake_classify(actor=users["educator"], intake=intake, answers=ANSWERS)


def test_optimiser_keeps_the_vulnerable_away_from_the_violent(users, place, cast):
    officer = users["officer"]
    intake = start_cyril(users, place)
    services.intake_screen(actor=officer, intake=intake, build="slight")
    rough = services.intake_start(actor=officer, facility=place.facility, confirm_new=True, new_person={
        **CYRIL, "first_name": "Brute", "last_name": "Force", "date_of_birth": date(1980, 1, 1)})
    services.intake_classify(actor=officer, intake=rough, answers={**ANSWERS, "violence_history": "serious"})
    inst = load_facility(place.facility, arrivals=[intake.person, rough.person])
    assert inst.people[intake.person.pk].vulnerable and inst.people[rough.person.pk].violent


def test_incident_opens_a_reassessment_without_leaking_restricted_reports(users, place, cast):
    from emerald.incidents import services as incidents

    warden = users["warden"]

    def report(kind):
        draft = incidents.incident_create(
            actor=warden, type=kind, severity="high", occurred_at=NOW - timedelta(hours=1),
            description="Fight.", unit_id=place.ec.pk, involvements=[
                {"kind": "in_custody", "role": "victim", "person": cast["ryan"].inmate_number},
                {"kind": "in_custody", "role": "assailant", "person": cast["schillinger"].inmate_number}])
        return incidents.incident_submit(actor=warden, incident=draft)

    assault = report("assault")
    tasks = ReassessmentTask.objects.filter(incident=assault)
    assert {t.person_id for t in tasks} == {cast["ryan"].pk, cast["schillinger"].pk}
    assert all(t.due_at == NOW + timedelta(hours=72) for t in tasks)
    assert AuditEntry.objects.filter(action="reassessment.open", summary__contains=f"incident #{assault.pk}").exists()
    secret = report("sexual_assault")
    task = ReassessmentTask.objects.get(incident=secret, person=cast["ryan"])
    entry = AuditEntry.objects.get(action="reassessment.open", changes__task_id=task.pk)
    assert "incident" not in entry.summary and "incident_id" not in entry.changes
    assert not selectors.task_incident_visible(users["officer"], task)
    assert selectors.task_incident_visible(users["warden"], task)


def test_completing_a_reassessment(users, place, cast):
    intake = start_cyril(users, place)
    services.intake_classify(actor=users["officer"], intake=intake, answers=ANSWERS)
    services.intake_screen(actor=users["officer"], intake=intake, build="slight")
    services.intake_admit(actor=users["officer"], intake=intake, cell_id=place.cell("EC-1-03").pk)
    task = ReassessmentTask.objects.get(person=intake.person)
    with pytest.raises(Forbidden):
        services.reassessment_complete(actor=users["educator"], task=task, answers=ANSWERS, build="slight")
    done = services.reassessment_complete(actor=users["officer"], task=task, answers=ANSWERS, build="average",
                                          notes="settled in")
    assert done.status == "done" and done.classification and done.screening.first_time_in_custody
    assert done.screening.vulnerable  # first time + young
    with pytest.raises(Conflict):
        services.reassessment_complete(actor=users["officer"], task=task, answers=ANSWERS, build="average")


def test_a_sealed_match_is_not_confirmed_to_the_receiving_officer(users, place, cast, client):
    """Regression: intake answered 409 "already known to Emerald: a sealed record", confirming the record."""
    officer, warden = users["officer"], users["warden"]
    Person.objects.filter(pk=cast["ryan"].pk).update(sealed=True)  # as a court order or a census import marks it
    same = {**CYRIL, "first_name": "Ryan", "last_name": "O'Reilly", "date_of_birth": date(1966, 10, 5)}
    assert selectors.returning_candidates(actor=officer, first_name="Ryan", last_name="O'Reilly",
                                          date_of_birth=date(1966, 10, 5)) == []
    # Without the confirmation: the same answer as for anybody new.
    with pytest.raises(Conflict) as exc:
        services.intake_start(actor=officer, facility=place.facility, new_person=dict(same))
    assert exc.value.code == "confirm_new" and "sealed" not in exc.value.detail
    intake = services.intake_start(actor=officer, facility=place.facility, confirm_new=True, new_person=dict(same))
    assert intake.person != cast["ryan"] and not intake.returning
    # Those who may see sealed records see the possible match; the officer does not.
    assert selectors.hidden_matches_of(actor=warden, intake=intake) == [cast["ryan"]]
    assert selectors.hidden_matches_of(actor=officer, intake=intake) == []
    client.force_login(officer)
    page = client.get(f"/intake/{intake.pk}/").content.decode()
    assert "97A0007" not in page and "sealed record" not in page
    client.force_login(warden)
    assert "97A0007" in client.get(f"/intake/{intake.pk}/").content.decode()
