"""The legal pages: matters for those allowed, the court schedule for officers, the person page section."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from emerald.core import clock
from emerald.legal.models import LegalHelper, LegalMatter

pytestmark = pytest.mark.django_db


def login(users, role):
    client = Client()
    client.force_login(users[role])
    return client


def test_matter_through_the_pages(users, cast):
    warden = login(users, "warden")
    r = warden.post(reverse("legal:create"), {"person": cast.hill.inmate_number, "kind": "appeal", "court": ""})
    assert r.status_code == 400 and not LegalMatter.objects.exists()
    r = warden.post(reverse("legal:create"), {"person": cast.hill.inmate_number, "kind": "appeal",
                                              "court": "State Court of Appeals", "case_number": "CA-1",
                                              "counsel": "Ms. Abrams", "notes": "SECRETNOTE"})
    matter = LegalMatter.objects.get()
    assert r.status_code == 302
    r = warden.post(reverse("legal:action", args=[matter.pk, "helper"]),
                    {"helper-kind": "in_custody", "helper-person": "NOPE"})
    assert r.status_code == 400
    assert warden.post(reverse("legal:action", args=[matter.pk, "helper"]),
                       {"helper-kind": "in_custody", "helper-person": cast.said.inmate_number,
                        "helper-role": "legal helper"}).status_code == 302
    assert LegalHelper.objects.get().person == cast.said
    at = (clock.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    assert warden.post(reverse("legal:action", args=[matter.pk, "hearing"]), {"hearing-at": at}).status_code == 302
    page = warden.get(reverse("legal:detail", args=[matter.pk])).content.decode()
    assert "Kareem" in page and "SECRETNOTE" in page
    said_page = warden.get(reverse("people:detail", args=[cast.said.inmate_number])).content.decode()
    assert "Helps others as legal helper" in said_page
    officer = login(users, "officer")
    schedule = officer.get(reverse("legal:hearings")).content.decode()
    assert "State Court of Appeals" in schedule and "SECRETNOTE" not in schedule
    assert officer.get(reverse("legal:list")).status_code == 403
    assert officer.get(reverse("legal:detail", args=[matter.pk])).status_code == 404
    person = officer.get(reverse("people:detail", args=[cast.hill.inmate_number])).content.decode()
    assert 'id="person-hearings"' in person and 'id="person-matters"' not in person and "Abrams" not in person
    medical = login(users, "medical")
    assert 'id="legal"' not in medical.get(reverse("people:detail", args=[cast.hill.inmate_number])).content.decode()
    r = warden.post(reverse("legal:action", args=[matter.pk, "outcome"]),
                    {"outcome-outcome": "appeal_rejected", "outcome-decided_on": clock.now().date().isoformat()})
    assert r.status_code == 302
    assert "Appeal rejected" in warden.get(reverse("legal:detail", args=[matter.pk])).content.decode()
