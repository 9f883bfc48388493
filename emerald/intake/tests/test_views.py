"""The intake wizard pages, and the person page sections, as each role sees them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.test import Client

from conftest import admit, make_person
from emerald.core import clock
from emerald.intake.models import Intake
from emerald.relations import services as relations

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 10, 5, 14, 0, tzinfo=UTC)
CLASSIFY = {"offence_severity": "serious", "violence_history": "minor", "escape_history": "none",
            "sentence_length": "5_to_15y", "institutional_behaviour": "none"}


@pytest.fixture(autouse=True)
def now():
    with clock.frozen_at(NOW):
        yield NOW


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def oz(users, place):
    admin = users["administrator"]
    ryan = make_person(admin, "O'Reily", "Ryan", number="97A0007", date_of_birth=date(1966, 10, 5))
    vern = make_person(admin, "Schillinger", "Vern", number="97A0004")
    admit(admin, ryan, place.cell("EC-1-01"))
    admit(admin, vern, place.cell("EC-1-02"))
    irish = relations.group_create(actor=admin, name="Irish")
    aryans = relations.group_create(actor=admin, name="Aryan Brotherhood")
    relations.rivalry_create(actor=admin, group_a=irish, group_b=aryans, source="staff observation")
    g = {"source": "intelligence", "source_reliability": "B", "information_credibility": "2"}
    relations.membership_create(actor=admin, person=ryan, group=irish, role="member", **g)
    relations.membership_create(actor=admin, person=vern, group=aryans, role="leader", **g)
    return {"ryan": ryan, "vern": vern, "irish": irish}


def test_the_wizard_end_to_end(users, place, oz):
    c = login(users["officer"])
    assert c.get("/intake/").status_code == 200
    identity = {"first_name": "Cyril", "last_name": "O’Reily", "sex": "male", "date_of_birth": "2004-02-14"}
    r = c.post("/intake/new/", {**identity, "check": "1"})
    assert r.status_code == 200 and "Ryan O&#x27;Reily (97A0007)" in r.content.decode()
    r = c.post("/intake/new/", {**identity, "create": "1"})
    assert r.status_code == 302
    intake = Intake.objects.get()
    cyril = intake.person
    assert r["Location"] == f"/intake/{intake.pk}/classification/"
    page = c.get(r["Location"]).content.decode()
    assert "4 points" in page and "Age at intake: 22" in page
    r = c.post(f"/intake/{intake.pk}/classification/", CLASSIFY)
    assert r.status_code == 302 and r["Location"].endswith("/screening/")
    r = c.post(f"/intake/{intake.pk}/screening/", {"build": "slight", "first_time": "on"})
    assert r.status_code == 302 and r["Location"].endswith("/housing/")
    relations.relationship_create(actor=users["officer"], person_a=cyril, person_b=oz["ryan"], kind="family",
                                  source="self-reported", detail="brother")
    relations.membership_create(actor=users["officer"], person=cyril, group=oz["irish"], role="associate",
                                source="brother of Ryan", source_reliability="C", information_credibility="3")
    r = c.get(f"/intake/{intake.pk}/housing/?unit={place.ec.pk}")
    page = r.content.decode()
    assert r.status_code == 200
    assert "brother" in page and "EC-1-01" in page  # where his brother is
    assert "Rival group" in page and "Aryan Brotherhood" in page and "Vern Schillinger (EC-1-02" in page
    assert "Vulnerable" in page and 'data-rank="1"' in page
    assert "style=" not in page
    best = re.search(r'name="cell" value="(\d+)"', page).group(1)
    r = c.post(f"/intake/{intake.pk}/housing/", {"cell": best, "unit": place.ec.pk})
    assert r.status_code == 302 and r["Location"] == f"/people/{cyril.inmate_number}/"
    cyril.refresh_from_db()
    assert cyril.status == "in_custody"
    person_page = c.get(r["Location"]).content.decode()
    assert 'id="relationships"' in person_page and 'id="groups"' in person_page and 'id="intake"' in person_page


def test_group_warnings_must_be_confirmed_for_a_risky_cell(users, place, oz):
    c = login(users["warden"])
    from emerald.intake import services

    intake = services.intake_start(actor=users["warden"], facility=place.facility, confirm_new=True, new_person={
        "first_name": "Sean", "last_name": "Murphy", "sex": "male", "custody_level": "maximum",
        "date_of_birth": date(1980, 1, 1)})
    intake_pk = intake.pk
    services.intake_classify(actor=users["warden"], intake=intake, answers=CLASSIFY)
    services.intake_screen(actor=users["warden"], intake=intake, build="heavy", first_time=False)
    relations.membership_create(actor=users["warden"], person=intake.person, group=oz["irish"], role="member",
                                source="tattoos", source_reliability="B", information_credibility="2")
    cell = place.cell("EC-1-02")  # with Schillinger, leader of a rival group
    r = c.post(f"/intake/{intake_pk}/housing/", {"other_cell": cell.pk, "unit": place.ec.pk})
    assert r.status_code == 409 and "rival group Aryan Brotherhood" in r.content.decode()
    r = c.post(f"/intake/{intake_pk}/housing/", {"other_cell": cell.pk, "unit": place.ec.pk,
                                                  "confirm_warnings": "on"})
    assert r.status_code == 302


def test_educators_see_no_security_sections_or_intake(users, place, oz):
    teacher = login(users["educator"])
    assert teacher.get("/intake/").status_code == 403
    page = teacher.get("/people/97A0007/").content.decode()
    assert 'id="relationships"' not in page and 'id="groups"' not in page and 'id="intake"' not in page
    assert teacher.get(f"/relations/groups/{oz['irish'].pk}/").status_code == 404
    assert teacher.get("/relations/groups/").status_code == 403
    medical = login(users["medical"])
    assert 'id="groups"' not in medical.get("/people/97A0007/").content.decode()


def test_pages_speak_german(users, place, oz):
    c = login(users["officer"])
    c.cookies["django_language"] = "de"
    page = c.get("/intake/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Aufnahme beginnen" in page
    page = c.get(f"/relations/groups/{oz['irish'].pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Mitglieder je Abteilung" in page
