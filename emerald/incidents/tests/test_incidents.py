"""Incident reports: drafting, transitions, addenda, deaths, keep-apart proposals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import make_person
from emerald.audit.models import AuditEntry
from emerald.audit.verify import verify_chain
from emerald.core import clock
from emerald.core.errors import Conflict, Forbidden, Invalid, NotFound
from emerald.housing.models import NonAssociation, Placement
from emerald.housing.services import non_association_create
from emerald.incidents import services as inc
from emerald.incidents.models import (
    Addendum,
    Incident,
    IncidentStatus,
    Involvement,
    KeepApartProposal,
    ReturnRequest,
)
from emerald.incidents.tests.fixtures import draft
from emerald.people.models import PersonStatus

pytestmark = pytest.mark.django_db


def test_create_draft_with_people_of_three_kinds(users, place, cast):
    incident = draft(users["officer"], place, involvements=[
        {"kind": "in_custody", "role": "assailant", "person": cast.adebisi.inmate_number, "injury": "cut hand",
         "injury_severity": "minor"},
        {"kind": "in_custody", "role": "victim", "person": cast.schibetta.inmate_number},
        {"kind": "staff", "role": "responding_staff", "staff_user": users["officer"].username},
        {"kind": "staff", "role": "victim", "name": "Officer Diane Wittlesey", "description": "correctional officer"},
        {"kind": "outside", "role": "witness", "name": "Governor James Devlin", "description": "state governor"},
        {"kind": "unknown", "role": "suspect", "description": "a second man, not identified"},
    ])
    assert incident.status == IncidentStatus.DRAFT
    kinds = sorted(incident.involvements.values_list("kind", flat=True))
    assert kinds == ["in_custody", "in_custody", "outside", "staff", "staff", "unknown"]
    assert incident.retain_until is None
    entry = AuditEntry.objects.filter(action="incident.create").first()
    assert entry.object_id == str(incident.pk)


def test_bad_input_is_400_with_fields_and_nothing_written(users, place, cast):
    before = Incident.objects.count()
    with pytest.raises(Invalid) as exc:
        inc.incident_create(
            actor=users["officer"], type="brawl", severity="huge", occurred_at=clock.now() + timedelta(days=1),
            description="  ", involvements=[
                {"kind": "in_custody", "role": "victim", "person": "NOPE"},
                {"kind": "outside", "role": "hero"},
            ])
    fields = exc.value.fields
    assert {"type", "severity", "occurred_at", "description", "location_text", "involvements.0.person",
            "involvements.1.name", "involvements.1.role"} <= set(fields)
    assert Incident.objects.count() == before
    assert Involvement.objects.count() == 0


def test_cell_must_be_in_unit(users, place, cast):
    with pytest.raises(Invalid) as exc:
        draft(users["officer"], place, unit_id=place.b.pk, cell_id=place.cell("EC-1-01").pk)
    assert "cell_id" in exc.value.fields
    incident = draft(users["officer"], place, unit_id=None, cell_id=place.cell("EC-1-01").pk)
    assert incident.unit_id == place.ec.pk


def test_status_runs_draft_submitted_review_closed_and_refuses_others(users, place, cast):
    officer, warden = users["officer"], users["warden"]
    incident = draft(officer, place)
    with pytest.raises(Conflict) as exc:
        inc.incident_start_review(actor=warden, incident=incident)
    assert exc.value.code == "invalid_transition"
    with pytest.raises(Conflict) as exc:
        inc.incident_close(actor=warden, incident=incident)
    assert exc.value.code == "invalid_transition"
    incident = inc.incident_submit(actor=officer, incident=incident)
    with pytest.raises(Conflict) as exc:
        inc.incident_submit(actor=officer, incident=incident)
    assert exc.value.code == "invalid_transition"
    with pytest.raises(Forbidden):
        inc.incident_start_review(actor=officer, incident=incident)
    incident = inc.incident_start_review(actor=warden, incident=incident)
    assert incident.status == IncidentStatus.UNDER_REVIEW
    incident = inc.incident_close(actor=warden, incident=incident, outcome="Disciplinary hearing held.")
    assert incident.status == IncidentStatus.CLOSED and incident.closed_by == warden
    for fn in (inc.incident_submit, inc.incident_start_review, inc.incident_close):
        with pytest.raises(Conflict) as exc:
            fn(actor=warden, incident=incident)
        assert exc.value.code == "invalid_transition"
    with pytest.raises(Conflict):
        inc.incident_return(actor=warden, incident=incident, request="more detail")
    assert verify_chain().ok


def test_after_submission_corrections_are_addenda_never_edits(users, place, cast):
    officer = users["officer"]
    incident = draft(officer, place)
    with pytest.raises(Conflict) as exc:
        inc.addendum_add(actor=officer, incident=incident, text="x")
    assert exc.value.code == "not_submitted"
    incident = inc.incident_update(actor=officer, incident=incident, description="Fight in the corridor at 21:50.")
    incident = inc.incident_submit(actor=officer, incident=incident)
    with pytest.raises(Conflict) as exc:
        inc.incident_update(actor=officer, incident=incident, description="changed")
    assert exc.value.code == "not_editable"
    with pytest.raises(Conflict):
        inc.involvement_add(actor=officer, incident=incident, kind="in_custody", role="witness",
                            person=cast.said.inmate_number)
    with pytest.raises(Invalid):
        inc.addendum_add(actor=officer, incident=incident, text="  ")
    a = inc.addendum_add(actor=officer, incident=incident, text="The time was 21:55, not 21:50.")
    incident.refresh_from_db()
    assert incident.description == "Fight in the corridor at 21:50."
    assert list(incident.addenda.all()) == [a]
    # The draft's edit history is kept.
    assert incident.history.count() >= 3


def test_reviewer_sends_back_with_request_and_author_resubmits(users, place, cast):
    officer, manager = users["officer"], users["unit_manager"]
    incident = inc.incident_submit(actor=officer, incident=draft(officer, place))
    with pytest.raises(Invalid):
        inc.incident_return(actor=manager, incident=incident, request=" ")
    incident = inc.incident_return(actor=manager, incident=incident, request="Name the officers who responded.")
    assert incident.status == IncidentStatus.DRAFT
    rr = ReturnRequest.objects.get(incident=incident)
    assert rr.requested_by == manager and rr.from_status == "submitted"
    inc.involvement_add(actor=officer, incident=incident, kind="staff", role="responding_staff",
                        staff_user=officer.username)
    incident = inc.incident_submit(actor=officer, incident=incident)
    assert incident.status == IncidentStatus.SUBMITTED


def test_unit_manager_reviews_only_own_units(users, place, cast):
    officer, manager = users["officer"], users["unit_manager"]
    incident = inc.incident_submit(actor=officer, incident=draft(officer, place, unit_id=place.b.pk))
    with pytest.raises(Forbidden):
        inc.incident_start_review(actor=manager, incident=incident)
    own = inc.incident_submit(actor=officer, incident=draft(officer, place))
    assert inc.incident_start_review(actor=manager, incident=own).status == IncidentStatus.UNDER_REVIEW


def test_other_author_cannot_edit_a_draft(users, place, cast):
    incident = draft(users["officer"], place)
    with pytest.raises(Forbidden):
        inc.incident_update(actor=users["medical"], incident=incident, description="mine now")
    with pytest.raises(Forbidden):
        draft(users["educator"], place)
    with pytest.raises(Forbidden):
        draft(users["auditor"], place)


def test_death_in_custody_marks_deceased_and_closes_placement(users, place, cast):
    warden = users["warden"]
    incident = draft(warden, place, type="riot_disorder", severity="critical", involvements=[
        {"kind": "in_custody", "role": "victim", "person": cast.wangler.inmate_number, "died": True},
        {"kind": "staff", "role": "victim", "name": "Officer Lopresti", "description": "officer", "died": True},
    ])
    assert Placement.objects.filter(person=cast.wangler, end_at__isnull=True).exists()
    inc.incident_submit(actor=warden, incident=incident)
    cast.wangler.refresh_from_db()
    assert cast.wangler.status == PersonStatus.DECEASED
    assert not Placement.objects.filter(person=cast.wangler, end_at__isnull=True).exists()
    assert cast.wangler.stays.get().release_kind == "deceased"
    inv = incident.involvements.get(person=cast.wangler)
    assert inv.death_recorded_at is not None and inv.injury_severity == "fatal"
    staff = incident.involvements.get(kind="staff")
    assert staff.died and staff.death_recorded_at is None
    assert AuditEntry.objects.filter(action="person.release", object_id=cast.wangler.inmate_number).exists()


def test_death_reported_by_officer_waits_for_someone_allowed(users, place, cast):
    officer, manager = users["officer"], users["unit_manager"]
    incident = draft(officer, place, involvements=[
        {"kind": "in_custody", "role": "victim", "person": cast.schibetta.inmate_number, "died": True}])
    incident = inc.incident_submit(actor=officer, incident=incident)
    inv = incident.involvements.get()
    assert inv.death_pending
    cast.schibetta.refresh_from_db()
    assert cast.schibetta.status == PersonStatus.IN_CUSTODY
    with pytest.raises(Forbidden):
        inc.incident_record_death(actor=officer, involvement=inv)
    inv = inc.incident_record_death(actor=manager, involvement=inv)
    cast.schibetta.refresh_from_db()
    assert cast.schibetta.status == PersonStatus.DECEASED and not inv.death_pending
    assert Addendum.objects.filter(incident=incident).count() == 1
    with pytest.raises(Conflict):
        inc.incident_record_death(actor=manager, involvement=inv)


def test_later_death_of_injuries_via_record_death(users, place, cast):
    warden = users["warden"]
    incident = draft(warden, place, involvements=[
        {"kind": "in_custody", "role": "victim", "person": cast.said.inmate_number, "injury": "stab wound",
         "injury_severity": "critical"}])
    incident = inc.incident_submit(actor=warden, incident=incident)
    inv = inc.incident_record_death(actor=warden, involvement=incident.involvements.get())
    assert inv.died and inv.death_recorded_at
    cast.said.refresh_from_db()
    assert cast.said.status == PersonStatus.DECEASED


def test_proposal_from_victim_and_assailant_accepted_creates_order(users, place, cast):
    officer, manager = users["officer"], users["unit_manager"]
    incident = draft(officer, place, involvements=[
        {"kind": "in_custody", "role": "victim", "person": cast.schibetta.inmate_number},
        {"kind": "in_custody", "role": "assailant", "person": cast.adebisi.inmate_number},
        {"kind": "in_custody", "role": "witness", "person": cast.wangler.inmate_number},
    ])
    incident = inc.incident_submit(actor=officer, incident=incident)
    proposal = KeepApartProposal.objects.get(incident=incident)
    assert (proposal.victim, proposal.other, proposal.suggested_scope) == (cast.schibetta, cast.adebisi, "unit")
    inc.incident_start_review(actor=manager, incident=incident)
    with pytest.raises(Conflict) as exc:
        inc.incident_close(actor=manager, incident=incident)
    assert exc.value.code == "proposals_open"
    with pytest.raises(Forbidden):
        inc.proposal_accept(actor=officer, proposal=proposal)
    proposal = inc.proposal_accept(actor=manager, proposal=proposal, reason="assault in the corridor")
    order = proposal.order
    assert order.reason == "victim_perpetrator" and order.scope == "unit" and order.closed_at is None
    assert order.currently_violated_where == "EC"
    with pytest.raises(Conflict) as exc:
        inc.proposal_accept(actor=manager, proposal=proposal)
    assert exc.value.code == "already_decided"
    assert inc.incident_close(actor=manager, incident=incident).status == "closed"


def test_proposal_rejected_needs_reason(users, place, cast):
    officer, warden = users["officer"], users["warden"]
    incident = inc.incident_submit(actor=officer, incident=draft(officer, place, involvements=[
        {"kind": "in_custody", "role": "victim", "person": cast.said.inmate_number},
        {"kind": "in_custody", "role": "suspect", "person": cast.alvarez.inmate_number}]))
    proposal = incident.proposals.get()
    with pytest.raises(Invalid):
        inc.proposal_reject(actor=warden, proposal=proposal, reason="")
    proposal = inc.proposal_reject(actor=warden, proposal=proposal, reason="Mutual horseplay, no threat.")
    assert proposal.status == "rejected" and proposal.decided_by == warden
    assert not NonAssociation.objects.exists()


def test_accept_with_existing_order_keeps_wider_and_supersedes_narrower(users, place, cast):
    officer, warden = users["officer"], users["warden"]
    old = non_association_create(actor=warden, person_a=cast.adebisi, person_b=cast.schibetta, scope="cell",
                                 reason="gang_rivalry")
    incident = inc.incident_submit(actor=officer, incident=draft(officer, place, type="poisoning", involvements=[
        {"kind": "in_custody", "role": "victim", "person": cast.schibetta.inmate_number},
        {"kind": "in_custody", "role": "suspect", "person": cast.adebisi.inmate_number}]))
    proposal = incident.proposals.get()
    assert proposal.suggested_scope == "facility"
    proposal = inc.proposal_accept(actor=warden, proposal=proposal, scope="unit")
    old.refresh_from_db()
    assert old.closed_at is not None and "superseded" in old.close_reason
    assert proposal.order.scope == "unit" and proposal.order.pk != old.pk
    # A second incident's proposal at a narrower scope keeps the existing wider order.
    incident2 = inc.incident_submit(actor=officer, incident=draft(officer, place, involvements=[
        {"kind": "in_custody", "role": "victim", "person": cast.schibetta.inmate_number},
        {"kind": "in_custody", "role": "assailant", "person": cast.adebisi.inmate_number}]))
    p2 = inc.proposal_accept(actor=warden, proposal=incident2.proposals.get(), scope="cell")
    assert p2.order == proposal.order and "kept" in p2.decision_reason
    # Rescoping closes the order and opens a new one.
    p2 = inc.proposal_rescope(actor=warden, proposal=p2, scope="facility", reason="threats continue")
    assert p2.order.scope == "facility"
    assert NonAssociation.objects.filter(closed_at__isnull=True).count() == 1


def test_no_proposal_for_unknown_or_outside_people(users, place, cast):
    officer = users["officer"]
    incident = inc.incident_submit(actor=officer, incident=draft(officer, place, involvements=[
        {"kind": "in_custody", "role": "victim", "person": cast.said.inmate_number},
        {"kind": "unknown", "role": "suspect"},
        {"kind": "outside", "role": "assailant", "name": "A visitor"}]))
    assert not incident.proposals.exists()


def test_hidden_incident_is_404_for_services(users, place, cast):
    incident = draft(users["investigator"], place, type="sexual_assault")
    with pytest.raises(NotFound):
        inc.addendum_add(actor=users["officer"], incident=incident, text="x")
    with pytest.raises(NotFound):
        inc.incident_update(actor=users["administrator"], incident=incident, description="x")


def test_duplicate_person_in_same_role_is_refused(users, place, cast):
    officer = users["officer"]
    incident = draft(officer, place, involvements=[
        {"kind": "in_custody", "role": "victim", "person": cast.said.inmate_number}])
    with pytest.raises(Invalid):
        inc.involvement_add(actor=officer, incident=incident, kind="in_custody", role="victim",
                            person=cast.said.inmate_number)
    inc.involvement_add(actor=officer, incident=incident, kind="in_custody", role="witness",
                        person=cast.said.inmate_number)
    # A person record that was never admitted can still be named (e.g. a visitor's relative on record).
    other = make_person(users["administrator"], "Hill", "Augustus")
    inc.involvement_add(actor=officer, incident=incident, kind="in_custody", role="witness",
                        person=other.inmate_number)
