"""The discipline pages: the charge form, the charge page's steps, the person page section (only for those
allowed); refusals come back as page messages, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from emerald.core import clock
from emerald.discipline.models import Charge

pytestmark = pytest.mark.django_db


def login(users, role):
    client = Client()
    client.force_login(users[role])
    return client


def test_charge_to_segregation_through_the_pages(users, place, cast):
    officer = login(users, "officer")
    number = cast.adebisi.inmate_number
    r = officer.post(reverse("discipline:create"), {"person": number, "offence": "", "particulars": ""})
    assert r.status_code == 400 and not Charge.objects.exists()
    r = officer.post(reverse("discipline:create"), {"person": number, "offence": "fighting",
                                                    "particulars": "In the yard."})
    charge = Charge.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("discipline:detail", args=[charge.pk])
    warden = login(users, "warden")
    r = warden.post(reverse("discipline:action", args=[charge.pk, "finding"]),
                    {"finding-finding": "proved", "finding-reason": "x"})
    assert r.status_code == 409 and "Charge #" in r.content.decode()
    now = timezone.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M")
    assert warden.post(reverse("discipline:action", args=[charge.pk, "hearing"]),
                       {"hearing-scheduled_at": now}).status_code == 302
    assert warden.post(reverse("discipline:action", args=[charge.pk, "finding"]),
                       {"finding-finding": "proved", "finding-reason": "seen by staff"}).status_code == 302
    r = warden.post(reverse("discipline:action", args=[charge.pk, "sanction"]),
                    {"sanction-kind": "segregation", "sanction-days": "31"})
    assert r.status_code == 400 and "At most 30 days" in r.content.decode()
    r = warden.post(reverse("discipline:action", args=[charge.pk, "sanction"]),
                    {"sanction-kind": "segregation", "sanction-days": "30"})
    assert r.status_code == 302
    page = warden.get(r["Location"]).content.decode()
    assert "SOL-01" in page and "B-1-02" in page
    assert "SOL-01" in warden.get(reverse("discipline:list")).content.decode()
    person = officer.get(reverse("people:detail", args=[number])).content.decode()
    assert 'id="discipline"' in person and "fighting" in person
    educator = login(users, "educator")
    assert 'id="discipline"' not in educator.get(reverse("people:detail", args=[number])).content.decode()
    assert educator.get(reverse("discipline:list")).status_code == 403
    assert educator.get(reverse("discipline:detail", args=[charge.pk])).status_code == 404


def test_pages_in_german(users, place, cast):
    from emerald.discipline import services

    charge = services.charge_create(actor=users["officer"], person=cast.adebisi, offence="fighting",
                                    particulars="In the yard.")
    client = login(users, "warden")
    client.cookies["django_language"] = "de"
    assert "Beschuldigung" in client.get(reverse("discipline:detail", args=[charge.pk])).content.decode()
    assert "Disziplinarverfahren" in client.get(reverse("discipline:list")).content.decode()
    medical = login(users, "medical")
    medical.cookies["django_language"] = "de"
    assert "Notfallöffnungen" in medical.get(reverse("health:list")).content.decode()
    assert "Rechtssachen" in client.get(reverse("legal:list")).content.decode()
