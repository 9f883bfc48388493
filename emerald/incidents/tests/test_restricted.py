"""Sexual-abuse reports: invisible to everyone outside the response team, through every endpoint and page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from emerald.audit.models import AuditEntry
from emerald.core.tests.api_helpers import Api
from emerald.housing.models import NonAssociation
from emerald.housing.services import non_association_create
from emerald.incidents import services as inc
from emerald.incidents.tests.fixtures import ROLES, TEAM, draft, sexual_assault

pytestmark = pytest.mark.django_db

SECRET = "XYZSECRET"


@pytest.fixture
def reports(users, place, cast):
    """One ordinary submitted assault and one submitted sexual-abuse report, both in EC."""
    investigator = users["investigator"]
    ordinary = inc.incident_submit(actor=users["officer"], incident=draft(users["officer"], place, title="Corridor fight"))
    restricted = draft(investigator, place, type="sexual_assault", title=f"Report {SECRET}",
                       description=f"Details {SECRET}", involvements=[
                           {"kind": "in_custody", "role": "victim", "person": cast.schibetta.inmate_number},
                           {"kind": "in_custody", "role": "suspect", "person": cast.adebisi.inmate_number}])
    restricted = inc.incident_submit(actor=investigator, incident=restricted)
    return ordinary, restricted


@pytest.mark.parametrize("role", ROLES)
def test_restricted_report_per_role_api(role, users, place, cast, reports):
    ordinary, restricted = reports
    api = Api(users[role])
    detail = api.get(f"/incidents/{restricted.pk}")
    listing = api.get("/incidents")
    searched = api.get("/incidents", {"q": SECRET})
    by_type = api.get("/incidents", {"type": "sexual_assault"})
    by_person = api.get("/incidents", {"person": cast.schibetta.inmate_number})
    stats = api.get("/incidents/stats")
    if role == "educator":
        # Education staff see no incidents at all: the list itself is refused.
        assert detail.status_code == 404
        assert listing.status_code == 403 and stats.status_code == 403
        return
    assert listing.status_code == 200 and stats.status_code == 200
    ids = [i["id"] for i in listing.json()["items"]]
    assert ordinary.pk in ids
    if role in TEAM:
        assert detail.status_code == 200
        body = detail.json()
        assert body["restricted"] and body["retain_until"] == "2036-09-15"
        assert restricted.pk in ids and listing.json()["count"] == 2
        assert [i["id"] for i in searched.json()["items"]] == [restricted.pk]
        assert by_type.json()["count"] == 1 and by_person.json()["count"] == 1
        assert stats.json()["total"] == 2
        assert {"unit": "EC", "count": 2} in stats.json()["by_unit"]
        # Every read (detail and each list that showed it) is audited.
        assert AuditEntry.objects.filter(action="incident.view", actor=users[role]).count() >= 5
        before = AuditEntry.objects.filter(action="incident.view", actor=users[role]).count()
        api.get(f"/incidents/{restricted.pk}")
        assert AuditEntry.objects.filter(action="incident.view", actor=users[role]).count() == before + 1
    else:
        assert detail.status_code == 404 and detail.json()["error"] == "not_found"
        assert restricted.pk not in ids and listing.json()["count"] == 1
        assert searched.json()["count"] == 0
        assert by_type.json()["count"] == 0 and by_person.json()["count"] == 0
        assert stats.json()["total"] == 1
        assert {"type": "sexual_assault", "count": 1} not in stats.json()["by_type"]
        assert {"unit": "EC", "count": 1} in stats.json()["by_unit"]
        # Nor can they act on it: every write answers 404 too.
        for path, body in ((f"/incidents/{restricted.pk}/addenda", {"text": "x"}),
                           (f"/incidents/{restricted.pk}/review", {}),
                           (f"/incidents/{restricted.pk}/return", {"request": "x"})):
            assert api.post(path, body).status_code == 404
        assert api.patch(f"/incidents/{restricted.pk}", {"title": "x"}).status_code == 404
        assert not AuditEntry.objects.filter(action="incident.view", actor=users[role], outcome="success").exists()


@pytest.mark.parametrize("role", ROLES)
def test_restricted_report_per_role_pages(role, users, place, cast, reports):
    ordinary, restricted = reports
    client = Client()
    client.force_login(users[role])
    detail = client.get(reverse("incidents:detail", args=[restricted.pk]))
    listing = client.get(reverse("incidents:list"))
    searched = client.get(reverse("incidents:list"), {"q": SECRET})
    export = client.get(reverse("incidents:export"))
    person = client.get(reverse("people:detail", args=[cast.schibetta.inmate_number]))
    assert person.status_code == 200
    person_html = person.content.decode()
    link = reverse("incidents:detail", args=[restricted.pk])
    if role == "educator":
        assert detail.status_code == 404 and listing.status_code == 403 and export.status_code == 403
        assert SECRET not in person_html and link not in person_html
        return
    assert listing.status_code == 200
    if role in TEAM:
        assert detail.status_code == 200 and SECRET in detail.content.decode()
        assert "2036" in detail.content.decode()  # retention shown
        assert SECRET in listing.content.decode() and SECRET in searched.content.decode()
        assert link in person_html
    else:
        assert detail.status_code == 404
        assert SECRET not in listing.content.decode()
        assert link not in listing.content.decode() and link not in searched.content.decode()
        assert "0 incidents" in searched.content.decode()
        assert link not in person_html and SECRET not in person_html
    if role in ("administrator", "warden", "unit_manager", "investigator", "auditor"):
        assert export.status_code == 200
        csv = export.content.decode()
        assert "Corridor fight" in csv
        assert (SECRET in csv) == (role in TEAM)
    else:
        assert export.status_code == 403


def test_reporter_outside_the_team_still_sees_own_report(users, place, cast):
    officer = users["officer"]
    report = sexual_assault(officer, place, cast, submit=False)
    assert Api(officer).get(f"/incidents/{report.pk}").status_code == 200
    assert Api(users["unit_manager"]).get(f"/incidents/{report.pk}").status_code == 404


def test_submission_keeps_victim_and_suspect_apart_at_once_at_unit_scope(users, place, cast):
    """At a scope the facility can meet (issue 14): a facility order between two people in one facility is
    broken from the start and refused the move that separates them."""
    incident = sexual_assault(users["investigator"], place, cast)
    order = NonAssociation.objects.get(closed_at__isnull=True)
    assert order.scope == "unit" and order.reason == "victim_perpetrator" and order.confidential
    assert {order.person_a, order.person_b} == {cast.schibetta, cast.adebisi}
    # Officers read orders: nothing on it may point to the report.
    assert order.comment == "" and str(incident.pk) not in order.comment
    proposal = incident.proposals.get()
    assert proposal.status == "accepted" and proposal.order == order
    assert incident.retain_until.year == 2036


def test_the_separating_move_is_allowed(users, place, cast):
    """Both in EC: the order is broken now. Moving the suspect out of EC ends the breach and is allowed;
    moving him to another cell of EC keeps it and is refused; no move puts the victim in segregation."""
    from emerald.core.errors import Conflict
    from emerald.housing.services import placement_move

    sexual_assault(users["investigator"], place, cast)
    with pytest.raises(Conflict) as refused:
        placement_move(actor=users["warden"], person=cast.adebisi, cell_id=place.cell("EC-1-03").pk, reason="x")
    assert refused.value.code == "keep_apart"
    placement_move(actor=users["warden"], person=cast.adebisi, cell_id=place.cell("B-1-03").pk, reason="separated")
    assert NonAssociation.objects.get(closed_at__isnull=True).scope == "unit"


def test_a_move_that_reduces_a_facility_breach_is_allowed(users, place, cast):
    """A facility order between two people of one facility: moving one further away (out of the other's
    unit) reduces the breach and is allowed; moving into the other's cell would increase it and is refused."""
    from emerald.core.errors import Conflict
    from emerald.housing.services import placement_move

    non_association_create(actor=users["warden"], person_a=cast.adebisi, person_b=cast.wangler,
                           scope="facility", reason="threat")
    # Adebisi and Wangler share EC-1-01: leaving for B reduces the breach.
    placement_move(actor=users["warden"], person=cast.adebisi, cell_id=place.cell("B-1-03").pk, reason="apart")
    with pytest.raises(Conflict):
        placement_move(actor=users["warden"], person=cast.adebisi, cell_id=place.cell("EC-1-03").pk, reason="back")


def test_existing_narrower_order_is_superseded_by_the_wider_order(users, place, cast):
    old = non_association_create(actor=users["warden"], person_a=cast.adebisi, person_b=cast.schibetta,
                                 scope="cell", reason="gang_rivalry")
    incident = sexual_assault(users["warden"], place, cast)
    old.refresh_from_db()
    assert old.closed_at is not None and "superseded" in old.close_reason
    assert "sexual" not in old.close_reason and str(incident.pk) not in old.close_reason
    new = incident.proposals.get().order
    assert new.scope == "unit" and new.closed_at is None


def test_team_may_widen_the_order_when_a_transfer_is_planned(users, place, cast):
    incident = sexual_assault(users["investigator"], place, cast)
    proposal = incident.proposals.get()
    proposal = inc.proposal_rescope(actor=users["investigator"], proposal=proposal, scope="facility",
                                    reason="suspect to be transferred")
    assert proposal.order.scope == "facility" and proposal.order.confidential
    assert NonAssociation.objects.filter(closed_at__isnull=True).count() == 1


def test_submitter_who_may_not_make_orders_leaves_an_urgent_proposal(users, place, cast):
    incident = sexual_assault(users["medical"], place, cast)
    proposal = incident.proposals.get()
    assert proposal.status == "proposed" and proposal.suggested_scope == "unit"
    proposal = inc.proposal_accept(actor=users["warden"], proposal=proposal)
    assert proposal.order.scope == "unit"


def test_audit_summaries_never_name_the_victim(users, place, cast):
    incident = sexual_assault(users["investigator"], place, cast)
    Api(users["investigator"]).get(f"/incidents/{incident.pk}")
    inc.addendum_add(actor=users["investigator"], incident=incident, text=f"Victim {cast.schibetta.full_name}")
    entries = AuditEntry.objects.filter(object_type="incident", object_id=str(incident.pk))
    assert entries.count() >= 4
    for e in entries:
        text = e.summary + str(e.changes)
        assert cast.schibetta.inmate_number not in text and "Schibetta" not in text


def test_only_team_may_lift_the_restriction(users, place, cast):
    officer = users["officer"]
    report = sexual_assault(officer, place, cast, submit=False)
    with pytest.raises(Exception) as exc:
        inc.incident_update(actor=officer, incident=report, type="assault")
    assert getattr(exc.value, "fields", {}).get("type")
