"""The housing-plan pages: list, new plan (with and without htmx), review and decisions."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import admit
from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.housing.models import Placement
from emerald.housing.services import non_association_create
from emerald.planning.models import ItemStatus, Plan, PlanItem, PlanStatus
from emerald.planning.services import plan_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def rivals(users, place, person_factory):
    admin = users["administrator"]
    a, b = person_factory("Adebisi", "Simon"), person_factory("Schibetta", "Peter")
    admit(admin, a, place.cell("EC-1-01"))
    admit(admin, b, place.cell("EC-1-01"))
    non_association_create(actor=admin, person_a=a, person_b=b, scope="cell", reason="gang_rivalry")
    return a, b


def cell_of(person) -> str:
    return Placement.objects.get(person=person, end_at__isnull=True).cell.code


def arrivals_plan(users, place, person_factory, n: int) -> Plan:
    people = [person_factory(f"New{i}") for i in range(n)]
    return plan_create(actor=users["warden"], facility=place.facility, arrivals=people, time_limit=0.5)


def detail(plan) -> str:
    return reverse("planning:detail", args=[plan.pk])


def test_list_and_nav_follow_the_policy(client, users, place, person_factory):
    plan = arrivals_plan(users, place, person_factory, 2)
    client.force_login(users["warden"])
    html = client.get(reverse("core:dashboard")).content.decode()
    assert f'href="{reverse("planning:list")}"' in html
    response = client.get(reverse("planning:list"))
    html = response.content.decode()
    assert response.status_code == 200 and detail(plan) in html and reverse("planning:new") in html
    assert "2 proposed, 0 accepted, 0 rejected" in html and "<caption" in html
    client.force_login(users["auditor"])
    html = client.get(reverse("planning:list")).content.decode()
    assert detail(plan) in html and reverse("planning:new") not in html
    assert client.get(detail(plan)).status_code == 200
    for role in ("officer", "medical", "educator", "investigator"):
        client.force_login(users[role])
        assert f'href="{reverse("planning:list")}"' not in client.get(reverse("core:dashboard")).content.decode()
        assert client.get(reverse("planning:list")).status_code == 403
        assert client.get(detail(plan)).status_code == 404
        assert client.get(reverse("planning:new")).status_code == 403
    assert AuditEntry.objects.filter(action="plan.view", outcome="denied").count() == 8


def test_new_plan_without_scripts(client, users, place, rivals):
    client.force_login(users["warden"])
    response = client.get(reverse("planning:new"))
    html = response.content.decode()
    assert response.status_code == 200 and "<progress" in html and 'hx-indicator="#plan-progress"' in html
    assert "Emerald City" in html and 'name="weight_move"' in html
    response = client.post(reverse("planning:new"), {"facility": place.facility.pk, "time_limit": 2})
    assert response.status_code == 400 and "Choose at least one unit" in response.content.decode()
    response = client.post(reverse("planning:new"), {"facility": place.facility.pk, "units": [place.ec.pk],
                                                     "time_limit": 2, "weight_move": "-3"})
    assert response.status_code == 400 and Plan.objects.count() == 0
    response = client.post(reverse("planning:new"), {"facility": place.facility.pk, "units": [place.ec.pk],
                                                     "time_limit": 2, "arrivals": "zz404"})
    assert response.status_code == 400 and "ZZ404" in response.content.decode()
    response = client.post(reverse("planning:new"), {"facility": place.facility.pk, "units": [place.ec.pk],
                                                     "time_limit": 2, "weight_move": "12"})
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(plan)
    assert plan.weights["move"] == 12 and plan.scope["units"] == ["EC"]
    html = client.get(response["Location"]).content.decode()
    assert "proposes 1 move" in html and "Nothing has moved yet" in html


def test_new_plan_with_htmx(client, users, place, rivals):
    client.force_login(users["warden"])
    bad = client.post(reverse("planning:new"), {"facility": place.facility.pk, "time_limit": 2},
                      HTTP_HX_REQUEST="true")
    html = bad.content.decode()
    # htmx swaps only successful answers: the form with its errors comes back as 200, without the page around it.
    assert bad.status_code == 200 and "<html" not in html and 'id="plan-new"' in html and "form-errors" in html
    good = client.post(reverse("planning:new"), {"facility": place.facility.pk, "units": [place.ec.pk],
                                                 "time_limit": 2}, HTTP_HX_REQUEST="true")
    assert good.status_code == 204 and good["HX-Redirect"] == detail(Plan.objects.get())


def test_a_unit_manager_is_offered_only_their_units(client, users, place, rivals):
    client.force_login(users["unit_manager"])
    html = client.get(reverse("planning:new")).content.decode()
    assert "Emerald City" in html and "Unit B" not in html
    response = client.post(reverse("planning:new"), {"facility": place.facility.pk, "units": [place.b.pk],
                                                     "time_limit": 2})
    assert response.status_code == 400 and Plan.objects.count() == 0


def test_review_page_shows_the_diff_and_decides(client, users, place, person_factory, rivals):
    warden = users["warden"]
    a, b = rivals
    plan = plan_create(actor=warden, facility=place.facility, unit_ids=[place.ec.pk], time_limit=0.5)
    (item,) = plan.items.select_related("person", "to_cell")
    client.force_login(warden)
    html = client.get(detail(plan)).content.decode()
    assert f'data-item-id="{item.pk}"' in html and item.to_cell.code in html and "keep-apart" in html
    assert f'<label for="item-{item.pk}" class="visually-hidden">' in html and 'scope="col"' in html
    assert "Accept selected" in html and "Reject all" in html and "<caption" in html
    url = reverse("planning:decide", args=[plan.pk])
    assert client.post(url, {"action": "accept_selected"}).status_code == 400  # nothing chosen
    assert client.post(url, {"action": "reject_all", "reason": ""}).status_code == 400  # no reason
    assert client.post(url, {"items": [item.pk]}).status_code == 400  # no action
    client.force_login(users["auditor"])
    assert client.post(url, {"action": "accept_all"}).status_code == 403
    assert "Accept selected" not in client.get(detail(plan)).content.decode()
    client.force_login(users["officer"])
    assert client.post(url, {"action": "accept_all"}).status_code == 404
    assert plan.items.get().status == ItemStatus.PROPOSED and cell_of(a) == cell_of(b)

    client.force_login(warden)
    response = client.post(url, {"action": "accept_selected", "items": [item.pk], "reason": "after the fight"})
    assert response.status_code == 302 and response["Location"] == detail(plan)
    assert cell_of(a) != cell_of(b)
    html = client.get(detail(plan)).content.decode()
    assert "1 move carried out." in html and "Accepted" in html and warden.display_name in html
    assert "after the fight" in html and "Accept selected" not in html  # every item is decided


def test_accepting_a_decided_item_is_a_409_page(client, users, place, person_factory):
    plan = arrivals_plan(users, place, person_factory, 3)
    first, second, _third = plan.items.order_by("id")
    client.force_login(users["warden"])
    url = reverse("planning:decide", args=[plan.pk])
    response = client.post(url, {"action": "reject_selected", "items": [first.pk], "reason": "not yet classified"})
    assert response.status_code == 302
    # A second tab still shows the first item as proposed and accepts it.
    response = client.post(url, {"action": "accept_selected", "items": [first.pk, second.pk]})
    html = response.content.decode()
    assert response.status_code == 409 and "already decided" in html
    assert f'value="{second.pk}" id="item-{second.pk}" checked' in html  # the choice is kept
    assert Placement.objects.count() == 0
    response = client.post(url, {"action": "accept_all"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DONE and Placement.objects.count() == 2
    html = client.get(detail(plan)).content.decode()
    assert "Rejected" in html and "not yet classified" in html


def test_review_page_query_count_does_not_grow(client, users, place, person_factory,
                                               django_assert_max_num_queries):
    warden = users["warden"]
    small = Plan.objects.create(facility=place.facility, created_by=warden, created_at=clock.now(),
                                unplaced=[{"person_id": 0, "inmate_number": "X1", "reasons": {"full": 3}}])
    big = Plan.objects.create(facility=place.facility, created_by=warden, created_at=clock.now(),
                              unplaced=[{"person_id": 0, "inmate_number": f"X{i}", "reasons": {"full": 3}}
                                        for i in range(6)])
    people = [person_factory(f"P{i}") for i in range(12)]
    cells = ["EC-1-01", "EC-1-02", "EC-1-03", "B-1-01", "B-1-02", "B-1-03"]
    PlanItem.objects.create(plan=small, person=people[0], to_cell=place.cell("EC-1-01"),
                            explanation=[["move", 10, {"from": "B-1-01"}]])
    for i, person in enumerate(people):
        PlanItem.objects.create(plan=big, person=person, to_cell=place.cell(cells[i % 6]),
                                explanation=[["move", 10, {"from": "B-1-01"}], ["keep_apart_ok", 0, {"orders": 1}]],
                                **({"status": ItemStatus.REJECTED, "decided_by": warden,
                                    "decided_at": clock.now()} if i % 2 else {}))
    client.force_login(warden)
    client.get(detail(small))  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(detail(small)).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(detail(big))
    assert response.status_code == 200 and response.content.decode().count("data-item-id=") == 12


def test_pages_speak_german(client, users, place, rivals):
    client.force_login(users["warden"])
    html = client.get(reverse("planning:new"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Neuer Belegungsplan" in html and "Plan berechnen" in html and "Rechenzeit" in html
    plan = plan_create(actor=users["warden"], facility=place.facility, unit_ids=[place.ec.pk], time_limit=0.5)
    html = client.get(detail(plan), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Vorgeschlagene Verlegungen" in html and "Ausgewählte annehmen" in html and "Beachtet 1" in html
