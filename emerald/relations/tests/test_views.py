"""Group pages, person-page forms, the one-step keep-apart order, and the group warnings in the move dialog."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from conftest import admit, make_person
from emerald.core import clock
from emerald.housing.models import NonAssociation
from emerald.relations import services
from emerald.relations.models import Relationship

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def now():
    with clock.frozen_at(datetime(2026, 10, 5, 14, 0, tzinfo=UTC)):
        yield


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def cast(users, place):
    admin = users["administrator"]
    said, vern, hank = (make_person(admin, n, number=f"G{i}") for i, n in enumerate(["Said", "Vern", "Hank"], 1))
    admit(admin, said, place.cell("B-1-01"))
    admit(admin, vern, place.cell("EC-1-01"))
    admit(admin, hank, place.cell("EC-1-02"))
    muslims = services.group_create(actor=admin, name="Muslims")
    aryans = services.group_create(actor=admin, name="Aryan Brotherhood")
    services.rivalry_create(actor=admin, group_a=muslims, group_b=aryans, source="staff")
    g = {"source": "intel", "source_reliability": "B", "information_credibility": "2"}
    services.membership_create(actor=admin, person=said, group=muslims, role="leader", **g)
    services.membership_create(actor=admin, person=vern, group=aryans, role="leader", **g)
    return {"said": said, "vern": vern, "hank": hank, "muslims": muslims, "aryans": aryans}


def test_group_pages_and_forms(users, cast, place):
    inv = client_for(users["investigator"])
    page = inv.get(f"/relations/groups/{cast['aryans'].pk}/").content.decode()
    assert "Members per unit" in page and "EC-1-01" in page and "Muslims" in page
    r = inv.post(f"/relations/groups/{cast['aryans'].pk}/member/", {
        "person": "G3", "group": cast["aryans"].pk, "role": "member", "source": "tattoo",
        "source_reliability": "C", "information_credibility": "3"})
    assert r.status_code == 302
    r = inv.post(f"/relations/groups/{cast['aryans'].pk}/leader/", {
        "person": "G3", "reason": "Vern in the hole", "source": "informant", "source_reliability": "C",
        "information_credibility": "3"})
    assert r.status_code == 302
    r = inv.post("/relations/people/G1/relationships/new/", {"other": "g2", "kind": "enemy", "source": "threats"})
    assert r.status_code == 302
    rel = Relationship.objects.get()
    person_page = inv.get("/people/G1/").content.decode()
    assert 'id="relationships"' in person_page and "Keep apart" in person_page
    r = inv.post(f"/relations/relationships/{rel.pk}/keep-apart/", {"scope": "unit", "reason": "threat"})
    assert r.status_code == 302 and NonAssociation.objects.filter(closed_at__isnull=True).count() == 1
    assert "style=" not in inv.get("/relations/groups/").content.decode()
    unit_page = inv.get(f"/units/{place.ec.pk}/").content.decode()
    assert 'id="unit-groups"' in unit_page


def test_move_dialog_shows_group_warnings(users, cast, place):
    warden = client_for(users["warden"])
    from django.urls import reverse

    url = reverse("housing:move", args=["G1"]) + f"?unit={place.ec.pk}"
    page = warden.get(url).content.decode()
    assert 'id="group-warnings"' in page and "leader of the rival group Aryan Brotherhood" in page
    options = warden.get(reverse("housing:cell_options", args=["G1"]), {"unit": place.ec.pk}).content.decode()
    assert 'id="group-warnings"' in options
    officer = client_for(users["officer"])
    assert 'id="group-warnings"' in officer.get(url).content.decode()  # officers are security staff
