"""The keep-apart order made from a sexual-abuse report tells officers to keep the pair apart, and nothing
that ties it to the report; the audit trail shows the report's side effects redacted to those outside the team.

Regressions (issue 13, finding 3): the order's reason read "victim_perpetrator" to every officer, and the
auditor read "opened a reassessment of <number>" and the order's people in the same instant as the report.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from emerald.audit.models import AuditEntry
from emerald.core.tests.api_helpers import Api
from emerald.housing.models import NonAssociation
from emerald.incidents.tests.fixtures import sexual_assault

pytestmark = pytest.mark.django_db

MAY_KNOW_WHY = {"warden", "investigator"}


@pytest.fixture
def order(users, place, cast):
    sexual_assault(users["investigator"], place, cast)
    made = NonAssociation.objects.get(person_a=cast.adebisi, person_b=cast.schibetta)
    assert made.confidential and made.reason == "victim_perpetrator"
    return made


@pytest.mark.parametrize("role", ["administrator", "warden", "unit_manager", "officer", "investigator", "auditor"])
def test_the_order_shows_but_its_reason_only_to_the_team(role, users, cast, order):
    api = Api(users[role])
    body = api.get("/non-associations", {"person": cast.schibetta.inmate_number}).json()
    [item] = [i for i in body["items"] if i["id"] == order.pk]
    assert item["confidential"] is True
    assert {item["person_a"]["inmate_number"], item["person_b"]["inmate_number"]} == {"97A0001", "97A0003"}
    page = Client()
    page.force_login(users[role])
    html = page.get(f"/people/{cast.schibetta.inmate_number}/").content.decode()
    if role in MAY_KNOW_WHY:
        assert item["reason"] == "victim_perpetrator"
        assert "Victim and perpetrator" in html
    else:
        assert item["reason"] == "confidential" and item["comment"] == "" and item["close_reason"] == ""
        assert "victim_perpetrator" not in json.dumps(body)
        assert "Victim and perpetrator" not in html and "Confidential" in html


def test_a_refused_move_names_the_order_confidential(users, place, cast, order):
    """The officer is told who must be kept apart and where, not why."""
    api = Api(users["officer"])
    answer = api.post(f"/people/{cast.schibetta.inmate_number}/moves",
                      {"cell_id": place.cell("EC-1-01").pk, "reason": "test"})
    assert answer.status_code == 409, answer.content
    text = answer.content.decode()
    assert "victim" not in text.lower() and "confidential" in text


def test_the_auditor_reads_the_reports_side_effects_redacted(users, cast, order):
    """Every entry the report caused (the order, the reassessments, the report itself) is redacted for an
    auditor, the same way; the administrator of the system reads them redacted too (not on the team)."""
    for role in ("auditor", "administrator"):
        items = Api(users[role]).get("/audit", {"limit": 500}).json()["items"]
        text = json.dumps(items)
        assert "victim_perpetrator" not in text
        near = [e for e in items if e["action"] in ("non_association.create", "reassessment.open", "incident.submit")]
        assert near and all(e["redacted"] and e["changes"] == {} and e["object_id"] == "" for e in near), role
    # The team reads them whole, and the stored entries are untouched.
    assert AuditEntry.objects.filter(action="non_association.create", changes__reason="victim_perpetrator").exists()
    assert AuditEntry.objects.filter(action="reassessment.open", object_id=cast.schibetta.inmate_number).exists()


def test_asking_the_trail_for_the_order_finds_nothing(users, order):
    api = Api(users["auditor"])
    assert api.get("/audit", {"object_type": "non_association", "object_id": str(order.pk)}).json()["count"] == 0
