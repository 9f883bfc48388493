"""The incident pages: the form, the report page's actions, refusals shown as messages (never a 500)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from emerald.incidents.models import Incident, IncidentStatus

pytestmark = pytest.mark.django_db


def test_form_list_detail_and_actions(client, users, place, cast):
    client.force_login(users["officer"])
    r = client.post(reverse("incidents:create"), {"type": "assault", "severity": "bogus", "occurred_at": "",
                                                 "description": ""})
    assert r.status_code == 400 and Incident.objects.count() == 0
    r = client.post(reverse("incidents:create"), {
        "type": "assault", "severity": "high", "occurred_at": "2026-09-15T18:00", "title": "Day-room fight",
        "unit_id": place.ec.pk, "description": "Two men fought."})
    incident = Incident.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("incidents:detail", args=[incident.pk])
    r = client.post(reverse("incidents:action", args=[incident.pk, "involvement"]), {
        "inv-kind": "in_custody", "inv-role": "victim", "inv-person": "NOPE", "inv-injury_severity": "none"})
    assert r.status_code == 400 and "No person with this inmate number" in r.content.decode()
    for number, role in ((cast.said.inmate_number, "victim"), (cast.alvarez.inmate_number, "assailant")):
        r = client.post(reverse("incidents:action", args=[incident.pk, "involvement"]), {
            "inv-kind": "in_custody", "inv-role": role, "inv-person": number, "inv-injury_severity": "none"})
        assert r.status_code == 302
    assert client.post(reverse("incidents:action", args=[incident.pk, "submit"])).status_code == 302
    r = client.post(reverse("incidents:action", args=[incident.pk, "submit"]))
    assert r.status_code == 409
    r = client.post(reverse("incidents:action", args=[incident.pk, "addendum"]), {"add-text": "It was 18:05."})
    assert r.status_code == 302
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "It was 18:05." in page and "Kareem" in page
    assert "Day-room fight" in client.get(reverse("incidents:list")).content.decode()
    client.force_login(users["unit_manager"])
    assert client.post(reverse("incidents:action", args=[incident.pk, "review"])).status_code == 302
    proposal = incident.proposals.get()
    r = client.post(reverse("incidents:proposal_action", args=[incident.pk, proposal.pk, "reject"]),
                    {f"reject-{proposal.pk}-reason": ""})
    assert r.status_code == 400
    r = client.post(reverse("incidents:proposal_action", args=[incident.pk, proposal.pk, "accept"]),
                    {f"accept-{proposal.pk}-scope": "unit", f"accept-{proposal.pk}-reason": ""})
    assert r.status_code == 302
    r = client.post(reverse("incidents:action", args=[incident.pk, "close"]), {"close-outcome": "Both warned."})
    assert r.status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED


def test_german_page(client, users, place, cast):
    client.force_login(users["warden"])
    r = client.get(reverse("incidents:list"), HTTP_ACCEPT_LANGUAGE="de")
    assert "Vorfälle" in r.content.decode()
