"""The investigation workspace pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from emerald.investigations.models import Investigation

pytestmark = pytest.mark.django_db


def test_workspace(client, users, place, cast):
    client.force_login(users["investigator"])
    r = client.post(reverse("investigations:create"), {"title": "", "kind": "criminal", "lead": "nobody"})
    assert r.status_code == 400 and not Investigation.objects.exists()
    r = client.post(reverse("investigations:create"), {"title": "Unknown attacker", "kind": "criminal",
                                                       "lead": users["investigator"].username})
    case = Investigation.objects.get()
    assert r.status_code == 302
    act = lambda name, data: client.post(reverse("investigations:action", args=[case.pk, name]), data)  # noqa: E731
    assert act("person", {"person-kind": "in_custody", "person-role": "witness",
                          "person-person": cast.alvarez.inmate_number}).status_code == 302
    assert act("person", {"person-kind": "unknown", "person-role": "suspect"}).status_code == 302
    poi = case.people.get(kind="in_custody")
    assert act("statement", {"statement-person_of_interest_id": poi.pk, "statement-status": "given",
                             "statement-content": ""}).status_code == 400
    assert act("statement", {"statement-person_of_interest_id": poi.pk,
                             "statement-status": "knows_but_will_not_say"}).status_code == 302
    assert act("evidence", {"evidence-reference": "E-1", "evidence-description": "Note"}).status_code == 302
    item = case.evidence.get()
    r = client.post(reverse("investigations:evidence_transfer", args=[case.pk, item.pk]),
                    {f"transfer-{item.pk}-holder": users["medical"].username, f"transfer-{item.pk}-reason": "lab"})
    assert r.status_code == 302
    assert act("intel", {"intel-text": "He knows.", "intel-source_reliability": "B",
                         "intel-information_credibility": "3", "intel-informant_name": "Rebadow"}).status_code == 302
    assert act("status", {"status-status": "closed", "status-reason": "x"}).status_code == 302
    assert act("status", {"status-status": "suspended", "status-reason": "x"}).status_code == 409
    page = client.get(reverse("investigations:detail", args=[case.pk])).content.decode()
    for text in ("knows but will not say", "Rebadow", "E-1", "Chain of custody"):
        assert text in page
    client.force_login(users["officer"])
    assert client.get(reverse("investigations:detail", args=[case.pk])).status_code == 404
    assert act("person", {"person-kind": "unknown", "person-role": "suspect"}).status_code == 404
