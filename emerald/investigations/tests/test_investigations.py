"""Investigations: who may know a case exists, statements, evidence chain, graded intelligence and informants."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_user
from emerald.audit.models import AuditEntry
from emerald.core.errors import Conflict, Forbidden, Invalid, NotFound
from emerald.core.tests.api_helpers import Api, assert_error
from emerald.incidents.tests.fixtures import ROLES, draft, sexual_assault
from emerald.investigations import services as svc
from emerald.investigations.models import CustodyHolding, Statement

pytestmark = pytest.mark.django_db

SECRET = "QQCASEQQ"


@pytest.fixture
def case(users, place, cast):
    """A case led by the investigator, naming Governor Devlin (outside) and Said (in custody)."""
    lead = users["investigator"]
    c = svc.investigation_create(actor=lead, title=f"Emerald City riot {SECRET}", kind="official_misconduct",
                                 lead=lead.username)
    svc.person_add(actor=lead, investigation=c, kind="outside", role="subject", name="Governor James Devlin",
                   description="state governor")
    svc.person_add(actor=lead, investigation=c, kind="in_custody", role="witness", person=cast.said.inmate_number)
    svc.intelligence_add(actor=lead, investigation=c, text="Said was pressed to help an escape.",
                         source_reliability="B", information_credibility="2", informant_name="Bob Rebadow")
    return c


def _sees(user, case, cast) -> dict[str, bool]:
    api = Api(user)
    detail = api.get(f"/investigations/{case.pk}")
    listing = api.get("/investigations")
    search = api.get("/investigations", {"q": SECRET})
    by_person = api.get("/investigations", {"person": cast.said.inmate_number})
    client = Client()
    client.force_login(user)
    page = client.get(reverse("investigations:detail", args=[case.pk]))
    list_page = client.get(reverse("investigations:list"))
    person_page = client.get(reverse("people:detail", args=[cast.said.inmate_number]))
    assert person_page.status_code == 200
    link = reverse("investigations:detail", args=[case.pk])
    seen = {
        "detail": detail.status_code == 200,
        "list": listing.status_code == 200 and case.pk in [c["id"] for c in listing.json()["items"]],
        "count": listing.status_code == 200 and listing.json()["count"] == 1,
        "search": search.status_code == 200 and search.json()["count"] == 1,
        "person": by_person.status_code == 200 and by_person.json()["count"] == 1,
        "page": page.status_code == 200,
        "list_page": SECRET in list_page.content.decode(),
        "person_page": link in person_page.content.decode(),
    }
    if not seen["detail"]:
        assert detail.status_code == 404 and page.status_code == 404
    return seen


@pytest.mark.parametrize("role", ROLES)
def test_case_per_role(role, users, place, cast, case):
    seen = _sees(users[role], case, cast)
    if role in ("investigator", "warden"):  # the lead, and a warden the case does not name
        assert all(seen.values()), seen
    else:
        assert not any(seen.values()), seen
        assert not AuditEntry.objects.filter(action="investigation.view", actor=users[role], outcome="success").exists()
        # Writes answer 404 too.
        api = Api(users[role])
        assert api.post(f"/investigations/{case.pk}/people", {"kind": "unknown", "role": "suspect"}).status_code == 404
        assert api.post(f"/investigations/{case.pk}/status", {"status": "closed", "reason": "x"}).status_code == 404


def test_member_sees_and_non_member_does_not(users, place, cast, case):
    member = make_user("officer2", "officer")
    other = make_user("officer3", "officer")
    svc.member_add(actor=users["investigator"], investigation=case, user=member.username)
    assert all(_sees(member, case, cast).values())
    assert not any(_sees(other, case, cast).values())
    # A member who is removed no longer sees it.
    svc.member_remove(actor=users["investigator"], membership=case.memberships.get(user=member))
    assert not any(_sees(member, case, cast).values())


def test_staff_member_under_investigation_never_sees_own_case(users, place, cast, case):
    suspect = make_user("metzger", "officer")
    svc.member_add(actor=users["investigator"], investigation=case, user=suspect.username)
    assert _sees(suspect, case, cast)["detail"]
    svc.person_add(actor=users["investigator"], investigation=case, kind="staff", role="subject",
                   staff_user=suspect.username)
    assert not any(_sees(suspect, case, cast).values())
    with pytest.raises(NotFound):
        svc.statement_record(actor=suspect, investigation=case, person_of_interest_id=case.people.first().pk,
                             status="declined")


def test_warden_does_not_see_a_case_naming_the_warden(users, place, cast, case):
    warden = users["warden"]
    assert _sees(warden, case, cast)["detail"]
    svc.person_add(actor=users["investigator"], investigation=case, kind="staff", role="subject",
                   staff_user=warden.username)
    assert not any(_sees(warden, case, cast).values())


def test_every_read_by_a_member_is_audited(users, place, cast, case):
    lead = users["investigator"]
    api = Api(lead)
    before = AuditEntry.objects.filter(action="investigation.view", actor=lead).count()
    api.get(f"/investigations/{case.pk}")
    api.get(f"/investigations/{case.pk}")
    api.get("/investigations")
    assert AuditEntry.objects.filter(action="investigation.view", actor=lead).count() == before + 3


def test_informant_identity_only_for_the_lead(users, place, cast, case):
    member = make_user("investigator2", "investigator")
    svc.member_add(actor=users["investigator"], investigation=case, user=member.username)
    lead_view = Api(users["investigator"]).get(f"/investigations/{case.pk}").json()["intelligence"][0]
    assert lead_view["informant"] == "Bob Rebadow" and lead_view["grading"] == "B2"
    member_view = Api(member).get(f"/investigations/{case.pk}").json()["intelligence"][0]
    assert member_view["informant"] is None and member_view["protected_source"] is True
    # A warden who is not a member sees the case but not its intelligence.
    assert Api(users["warden"]).get(f"/investigations/{case.pk}").json()["intelligence"] == []
    client = Client()
    client.force_login(member)
    html = client.get(reverse("investigations:detail", args=[case.pk])).content.decode()
    assert "Bob Rebadow" not in html and "protected source" in html
    client.force_login(users["investigator"])
    assert "Bob Rebadow" in client.get(reverse("investigations:detail", args=[case.pk])).content.decode()
    # The audit trail never names the informant.
    assert not AuditEntry.objects.filter(summary__contains="Rebadow").exists()
    assert not AuditEntry.objects.filter(changes__icontains="Rebadow").exists()


def test_statements_including_refusals(users, place, cast, case):
    lead = users["investigator"]
    alvarez = svc.person_add(actor=lead, investigation=case, kind="in_custody", role="witness",
                             person=cast.alvarez.inmate_number)
    with pytest.raises(Invalid) as exc:
        svc.statement_record(actor=lead, investigation=case, person_of_interest_id=alvarez.pk, status="given")
    assert "content" in exc.value.fields
    s = svc.statement_record(actor=lead, investigation=case, person_of_interest_id=alvarez.pk,
                             status="knows_but_will_not_say", content="Smiled, said nothing.")
    assert s.taken_by == lead and s.get_status_display() == "knows but will not say"
    svc.statement_record(actor=lead, investigation=case, person_of_interest_id=alvarez.pk, status="declined")
    assert Statement.objects.filter(investigation=case).count() == 2
    unknown = svc.person_add(actor=lead, investigation=case, kind="unknown", role="suspect")
    with pytest.raises(Invalid):
        svc.statement_record(actor=lead, investigation=case, person_of_interest_id=unknown.pk, status="declined")
    r = Api(lead).post(f"/investigations/{case.pk}/statements", {"person_of_interest_id": alvarez.pk,
                                                                  "status": "silent"})
    assert_error(r, 400, "invalid")
    assert Statement.objects.filter(investigation=case).count() == 2


def test_warden_oversees_but_does_not_add(users, place, cast, case):
    with pytest.raises(Forbidden):
        svc.person_add(actor=users["warden"], investigation=case, kind="unknown", role="suspect")
    svc.investigation_set_status(actor=users["warden"], investigation=case, status="suspended", reason="court order")


def test_evidence_chain_of_custody(users, place, cast, case):
    lead = users["investigator"]
    item = svc.evidence_add(actor=lead, investigation=case, reference="E-1", description="Shank, 12 cm",
                            found_where="EC-1-01", storage="evidence locker 3")
    with pytest.raises(Invalid):
        svc.evidence_add(actor=lead, investigation=case, reference="E-1", description="dup")
    svc.evidence_transfer(actor=lead, item=item, holder=users["medical"].username, reason="blood analysis")
    api = Api(lead)
    r = api.post(f"/investigations/{case.pk}/evidence/{item.pk}/transfers",
                 {"holder": lead.username, "reason": "back from the lab", "storage": "locker 3"})
    assert r.status_code == 201
    chain = list(CustodyHolding.objects.filter(item=item).order_by("id"))
    assert [h.holder for h in chain] == [lead, users["medical"], lead]
    assert all(h.to_at is not None for h in chain[:-1]) and chain[-1].to_at is None
    assert_error(api.post(f"/investigations/{case.pk}/evidence/{item.pk}/transfers", {"holder": "nobody",
                                                                                      "reason": "x"}), 400, "invalid")
    detail = api.get(f"/investigations/{case.pk}").json()
    assert detail["evidence"][0]["current_holder"] == lead.username
    assert len(detail["evidence"][0]["chain_of_custody"]) == 3


def test_status_transitions(users, place, cast, case):
    lead = users["investigator"]
    svc.investigation_set_status(actor=lead, investigation=case, status="closed", reason="charges filed")
    with pytest.raises(Conflict) as exc:
        svc.investigation_set_status(actor=lead, investigation=case, status="suspended", reason="x")
    assert exc.value.code == "invalid_transition"
    r = Api(lead).post(f"/investigations/{case.pk}/status", {"status": "closed", "reason": "x"})
    assert_error(r, 409, "invalid_transition")
    svc.investigation_set_status(actor=lead, investigation=case, status="open", reason="new evidence")


def test_open_validation_and_lead_must_be_investigator(users):
    api = Api(users["warden"])
    r = api.post("/investigations", {"title": "", "kind": "criminal", "lead": users["officer"].username})
    err = assert_error(r, 400, "invalid")
    assert {"title", "lead"} <= set(err["fields"])
    assert_error(Api(users["officer"]).post("/investigations", {"title": "x", "kind": "criminal",
                                                                 "lead": "investigator"}), 403, "forbidden")
    r = api.post("/investigations", {"title": "Rape of the warden's daughter", "kind": "criminal",
                                     "lead": users["investigator"].username})
    assert r.status_code == 201 and r.json()["you_are"] == "overseer"


def test_linked_restricted_incident_shown_only_to_team_members(users, place, cast, case):
    lead = users["investigator"]
    restricted = sexual_assault(lead, place, cast)
    ordinary = draft(users["officer"], place)
    svc.incident_link(actor=lead, investigation=case, incident_id=restricted.pk)
    svc.incident_link(actor=lead, investigation=case, incident_id=ordinary.pk)
    member = make_user("officer2", "officer")
    svc.member_add(actor=lead, investigation=case, user=member.username)
    assert [i["id"] for i in Api(member).get(f"/investigations/{case.pk}").json()["incidents"]] == [ordinary.pk]
    assert len(Api(lead).get(f"/investigations/{case.pk}").json()["incidents"]) == 2
    # A member cannot link a report they may not see: it does not exist for them.
    with pytest.raises(Invalid):
        svc.incident_link(actor=member, investigation=case, incident_id=restricted.pk)
