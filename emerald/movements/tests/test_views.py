"""Pages: the board, absences, transfers and the queue, the count screen (with and without htmx), escapes, log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from emerald.movements.models import CountLine, Transfer
from emerald.movements.services import (
    count_mark,
    count_sheet_submit,
    count_start,
    transfer_approve,
    transfer_request,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_as(users):
    def make(role: str) -> Client:
        c = Client()
        c.force_login(users[role])
        return c
    return make


def test_pages_render_for_custody_staff(world, client_as):
    c = client_as("officer")
    for url in ("/movements/", f"/movements/units/{world.place.ec.pk}/", "/movements/absences/",
                "/movements/transfers/", "/movements/transfers/queue/", "/movements/counts/", "/movements/escapes/",
                "/movements/log/"):
        r = c.get(url)
        assert r.status_code == 200, url
    assert 'href="/movements/"' in c.get("/").content.decode()  # the menu entry


def test_refusals(world, client_as):
    assert client_as("educator").get("/movements/transfers/").status_code == 403
    assert client_as("officer").get("/movements/transfers/999/").status_code == 404
    assert client_as("officer").post("/movements/transfers/1/frobnicate/").status_code == 404


def test_record_an_absence_and_bring_back(world, client_as):
    w = world
    c = client_as("officer")
    r = c.post("/movements/absences/", {"absence-inmate_number": w.people.ann.inmate_number,
                                        "absence-kind": "court", "absence-destination": "County Court",
                                        "absence-reason": "hearing", "absence-expected_back_at": "2026-11-02T18:00"})
    assert r.status_code == 302, r.content.decode()[:2000]
    page = c.get(f"/movements/units/{w.place.ec.pk}/").content.decode()
    assert "County Court" in page
    r = c.post("/movements/absences/", {"absence-inmate_number": "NOPE", "absence-kind": "court",
                                        "absence-destination": "x", "absence-reason": "x",
                                        "absence-expected_back_at": "2026-11-02T18:00"})
    assert r.status_code == 400 and "No person with inmate number NOPE" in r.content.decode()


def test_transfer_request_queue_and_contest_pages(world, client_as):
    w = world
    r = client_as("officer").post("/movements/transfers/", {
        "transfer-inmate_number": w.people.cid.inmate_number, "transfer-to_unit": str(w.place.b.pk),
        "transfer-to_cell": "", "transfer-reason": "disrespect"})
    assert r.status_code == 302
    t = Transfer.objects.get()
    assert client_as("warden").post(f"/movements/transfers/{t.pk}/approve/", {"approve-note": ""}).status_code == 302
    queue = client_as("unit_manager").get("/movements/transfers/queue/").content.decode()
    assert f"#{t.pk}" in queue
    page = client_as("unit_manager").get(f"/movements/transfers/{t.pk}/").content.decode()
    assert "Contest transfer" in page
    r = client_as("unit_manager").post(f"/movements/transfers/{t.pk}/contest/", {"contest-reason": ""})
    assert r.status_code == 400
    r = client_as("unit_manager").post(f"/movements/transfers/{t.pk}/contest/", {"contest-reason": "not mine"})
    assert r.status_code == 302
    assert "Record decision" in client_as("warden").get(f"/movements/transfers/{t.pk}/").content.decode()


def test_count_screen_marks_with_and_without_htmx(world, client_as):
    w = world
    count = count_start(actor=w.officer, facility=w.place.facility, kind="emergency", reason="drill")
    sheet = count.sheets.get(unit__code="EC")
    c = client_as("officer")
    page = c.get(f"/movements/counts/sheets/{sheet.pk}/").content.decode()
    assert "0 of 3 counted" in page and page.count('name="mark" value="present"') == 3
    line = CountLine.objects.get(sheet=sheet, person=w.people.ann)
    r = c.post(f"/movements/counts/lines/{line.pk}/mark/", {"mark": "present"}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and f'id="line-{line.pk}"' in body and "mark-present" in body
    assert 'hx-swap-oob="true"' in body and "1 of 3 counted" in body
    r = c.post(f"/movements/counts/lines/{line.pk}/mark/", {"mark": "elsewhere", "where": ""},
               HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "Say where the person was found" in r.content.decode()
    bob = CountLine.objects.get(sheet=sheet, person=w.people.bob)
    r = c.post(f"/movements/counts/lines/{bob.pk}/mark/", {"mark": "absent"})
    assert r.status_code == 302 and r["Location"].endswith(f"#line-{bob.pk}")


def test_dashboard_shows_the_count_alert(world, client_as):
    w = world
    count = count_start(actor=w.officer, facility=w.place.facility, kind="emergency", reason="drill")
    sheet = count.sheets.get(unit__code="B")
    count_mark(actor=w.officer, line=CountLine.objects.get(sheet=sheet, person=w.people.dan), mark="absent")
    count_mark(actor=w.officer, line=CountLine.objects.get(sheet=sheet, person=w.people.eve), mark="present")
    count_sheet_submit(actor=w.officer, sheet=sheet)
    for role in ("warden", "unit_manager"):
        page = client_as(role).get("/").content.decode()
        assert 'id="count-alerts-title"' in page and w.people.dan.inmate_number in page
    assert 'id="count-alerts-title"' not in client_as("educator").get("/").content.decode()


def test_log_lists_transfers(world, client_as):
    w = world
    t = transfer_approve(actor=w.warden, transfer=transfer_request(actor=w.officer, person=w.people.cid,
                                                                   to_unit=w.place.b, reason="x"))
    from emerald.core import clock
    from emerald.movements.services import transfer_execute

    with clock.frozen_at(w.now + timedelta(minutes=5)):
        transfer_execute(actor=w.officer, transfer=t)
    page = client_as("auditor").get("/movements/log/").content.decode()
    assert f"#{t.pk}" in page and w.people.cid.inmate_number in page
