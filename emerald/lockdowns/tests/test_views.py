"""Pages: the lockdown banner on every page, order/lift controls, the move dialog's emergency option, the wizard."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import admit
from emerald.facilities.models import UnitStatus
from emerald.facilities.services import cell_create, unit_create
from emerald.housing.models import Placement
from emerald.lockdowns.models import EmergencyMove, Lockdown, RehousingRun, RunStatus
from emerald.lockdowns.services import lockdown_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_as(users):
    def make(role: str) -> Client:
        c = Client()
        c.force_login(users[role])
        return c
    return make


@pytest.fixture
def pair(users, place, person_factory):
    admin = users["administrator"]
    a, b = person_factory("Adebisi", "Simon"), person_factory("Wangler", "Kenny")
    admit(admin, a, place.cell("EC-1-01"))
    admit(admin, b, place.cell("EC-1-01"))
    return a, b


def test_banner_on_every_page_during_facility_lockdown(client_as, users, place):
    lockdown_order(actor=users["warden"], facility=place.facility, reason="riot in Emerald City")
    for role in ("officer", "medical", "educator"):
        page = client_as(role).get("/").content.decode()
        assert 'id="lockdown-banner"' in page and "riot in Emerald City" in page
    page = client_as("officer").get(f"/units/{place.b.pk}/").content.decode()
    assert "lockdown-banner" in page


def test_unit_board_shows_unit_lockdown_only_there(client_as, users, place):
    lockdown_order(actor=users["warden"], unit=place.ec, reason="weapons search")
    officer = client_as("officer")
    assert "weapons search" in officer.get(f"/units/{place.ec.pk}/").content.decode()
    assert "weapons search" not in officer.get(f"/units/{place.b.pk}/").content.decode()


def test_order_and_lift_through_the_page(client_as, place):
    warden = client_as("warden")
    page = warden.get("/lockdowns/").content.decode()
    assert "Lock down" in page
    r = warden.post("/lockdowns/order/", {"order-area": f"unit:{place.ec.pk}", "order-reason": ""})
    assert r.status_code == 400 and Lockdown.objects.count() == 0
    r = warden.post("/lockdowns/order/", {"order-area": f"unit:{place.ec.pk}", "order-reason": "fight"})
    assert r.status_code == 302
    lk = Lockdown.objects.get()
    place.ec.refresh_from_db()
    assert place.ec.status == UnitStatus.LOCKED_DOWN
    page = warden.get("/lockdowns/").content.decode()
    assert "Lift lockdown" in page
    r = warden.post(f"/lockdowns/{lk.pk}/lift/", {f"lift{lk.pk}-reason": "calm"})
    assert r.status_code == 302
    lk.refresh_from_db()
    assert lk.lifted_at is not None


def test_officers_see_no_controls_and_are_refused(client_as, place):
    officer = client_as("officer")
    page = officer.get("/lockdowns/").content.decode()
    assert "Lock down" not in page
    r = officer.post("/lockdowns/order/", {"order-area": f"unit:{place.ec.pk}", "order-reason": "x"})
    assert r.status_code == 403 and Lockdown.objects.count() == 0


def test_move_dialog_refuses_then_offers_emergency_to_the_warden(client_as, users, place, pair):
    a, _b = pair
    lockdown_order(actor=users["warden"], facility=place.facility, reason="riot")
    officer = client_as("officer")
    from django.urls import reverse

    url = reverse("housing:move", args=[a.inmate_number])
    page = officer.get(url).content.decode()
    assert "lockdown-banner" in page and "Emergency move" not in page
    r = officer.post(url, {"unit": place.sol.pk, "cell": place.cell("SOL-01").pk, "reason": "x"})
    assert r.status_code == 409 and "locked down" in r.content.decode()
    warden = client_as("warden")
    assert "Emergency move across the lockdown" in warden.get(url).content.decode()
    r = warden.post(url, {"unit": place.sol.pk, "cell": place.cell("SOL-01").pk, "reason": "ringleader",
                          "emergency": "on", "emergency_reason": "isolate"})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert EmergencyMove.objects.count() == 1
    assert "Adebisi" in warden.get("/lockdowns/emergency-moves/").content.decode()


def test_rehousing_wizard(client_as, users, place, pair):
    admin = users["administrator"]
    gym = unit_create(actor=admin, facility=place.facility, code="GYM", name="Gym", kind="temporary",
                      security_level="maximum", status="closed")
    cell_create(actor=admin, unit=gym, code="GYM-D1", beds=10, bunks=False)
    warden = client_as("warden")
    page = warden.get("/lockdowns/rehousing/new/").content.decode()
    assert "Step 1: Choose who and where" in page and "Reopen a closed unit first" in page
    r = warden.post("/lockdowns/rehousing/reopen/", {"reopen-unit": gym.pk, "reopen-reason": "temporary camp"})
    assert r.status_code == 302
    gym.refresh_from_db()
    assert gym.status == UnitStatus.OPEN
    # Bad input: nothing written.
    r = warden.post("/lockdowns/rehousing/new/", {"run-source_unit": place.ec.pk, "run-reason": "riot"})
    assert r.status_code == 400 and RehousingRun.objects.count() == 0
    r = warden.post("/lockdowns/rehousing/new/", {"run-source_unit": place.ec.pk, "run-target_1": place.sol.pk,
                                                  "run-target_2": gym.pk, "run-reason": "riot"})
    assert r.status_code == 302
    run = RehousingRun.objects.get()
    page = warden.get(r["Location"]).content.decode()
    assert "Step 2: Preview" in page and 'id="rehousing-progress"' in page and "Execute re-housing" in page
    assert "Adebisi" in page and "SOL-01" in page
    progress = warden.get(f"/lockdowns/rehousing/{run.pk}/progress/?watch=1").content.decode()
    assert 'hx-trigger="every 1s"' in progress
    r = warden.post(f"/lockdowns/rehousing/{run.pk}/execute/")
    assert r.status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.EXECUTED
    assert not Placement.objects.filter(unit=place.ec, end_at__isnull=True).exists()
    page = warden.get(f"/lockdowns/rehousing/{run.pk}/").content.decode()
    assert "Step 4: Close the emptied unit" in page
    progress = warden.get(f"/lockdowns/rehousing/{run.pk}/progress/?watch=1").content.decode()
    assert "every 1s" not in progress and 'value="2"' in progress
    r = warden.post(f"/lockdowns/rehousing/{run.pk}/close-source/", {"close-reason": "emptied after the riot"})
    assert r.status_code == 302
    place.ec.refresh_from_db()
    assert place.ec.status == UnitStatus.CLOSED


def test_rehousing_execute_with_htmx_redirects(client_as, place, pair):
    warden = client_as("warden")
    warden.post("/lockdowns/rehousing/new/", {"run-source_unit": place.ec.pk, "run-target_1": place.b.pk,
                                              "run-reason": "x"})
    run = RehousingRun.objects.get()
    r = warden.post(f"/lockdowns/rehousing/{run.pk}/execute/", HTTP_HX_REQUEST="true")
    assert r.status_code == 204 and r["HX-Redirect"].endswith(f"/lockdowns/rehousing/{run.pk}/")


def test_officer_cannot_use_the_wizard(client_as, place):
    officer = client_as("officer")
    assert officer.get("/lockdowns/rehousing/new/").status_code == 403
    assert officer.get("/lockdowns/rehousing/").status_code == 200
    assert client_as("medical").get("/lockdowns/rehousing/").status_code == 403


def test_german_banner(client_as, users, place):
    lockdown_order(actor=users["warden"], facility=place.facility, reason="Aufruhr")
    c = client_as("officer")
    page = c.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Abriegelung" in page
