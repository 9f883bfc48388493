"""API: the roll, keep-apart orders, and the keep-apart rule on moves and admissions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import admit
from emerald.audit.models import AuditEntry, Outcome
from emerald.core import clock
from emerald.core.tests.api_helpers import api_factory, assert_error, fast_password_hashing, success_count
from emerald.housing.models import NonAssociation, Placement
from emerald.housing.services import non_association_create
from emerald.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    fast_password_hashing(settings)


@pytest.fixture
def api_as(users):
    return api_factory(users)


@pytest.fixture
def rivals(person_factory, place, admin_user):
    """Adebisi in EC-1-01, Schibetta in B-1-01, ordered kept apart by cell."""
    a, b = person_factory("Adebisi", "Simon"), person_factory("Schibetta", "Peter")
    admit(admin_user, a, place.cell("EC-1-01"))
    admit(admin_user, b, place.cell("B-1-01"))
    order = non_association_create(actor=admin_user, person_a=a, person_b=b, scope="cell", reason="gang_rivalry")
    return a, b, order


# ----------------------------------------------------------------------------- roll


def test_roll_now_and_in_the_past(api_as, person_factory, place, admin_user, frozen_now):
    p = person_factory("Beecher")
    admit(admin_user, p, place.cell("EC-1-01"))
    later = frozen_now + timedelta(hours=1)
    with clock.frozen_at(later):
        api = api_as("officer")
        assert api.post(f"/people/{p.inmate_number}/moves", {"cell_id": place.cell("B-1-01").pk,
                                                             "reason": "x"}).status_code == 201
        now = api.get("/roll").json()
    assert now["total"] == 1
    units = {u["code"]: u for f in now["facilities"] for u in f["units"]}
    assert units["B"]["people"] == [p.inmate_number] and units["EC"]["people"] == []
    assert now["facilities"][0]["code"] == "OZ"
    past = api.get("/roll", {"at": (frozen_now + timedelta(minutes=30)).isoformat()}).json()
    units = {u["code"]: u for f in past["facilities"] for u in f["units"]}
    assert units["EC"]["people"] == [p.inmate_number] and units["EC"]["occupied"] == 1
    assert past["at"].startswith("2026-03-02T14:30")
    zulu = api.get("/roll", {"at": "2026-03-02T14:30:00Z"}).json()
    assert zulu["total"] == 1


@pytest.mark.parametrize("at", ["2026-03-02T14:30:00", "yesterday", "2026-13-01T00:00:00Z", "1700000000", "2026-03-02"])
def test_roll_at_must_be_an_aware_iso_datetime(api_as, at):
    body = assert_error(api_as("officer").get("/roll", {"at": at}), 400, "invalid")
    assert set(body["fields"]) == {"at"}


# ----------------------------------------------------------------------------- keep apart on moves


def test_keep_apart_conflict_lists_conflicts(api_as, rivals, place):
    a, b, order = rivals
    api = api_as("officer")
    before = (Placement.objects.count(), success_count())
    body = assert_error(api.post(f"/people/{b.inmate_number}/moves",
                                               {"cell_id": place.cell("EC-1-01").pk, "reason": "bed space"}),
                        409, "keep_apart")
    assert body["conflicts"] == [{
        "non_association_id": order.pk, "other": {"inmate_number": a.inmate_number, "name": "Simon Adebisi", "hidden": False},
        "scope": "cell", "reason": "gang_rivalry", "where": "EC-1-01",
    }]
    assert "Simon Adebisi" in body["detail"]
    assert (Placement.objects.count(), success_count()) == before
    assert AuditEntry.objects.filter(action="placement.move", outcome=Outcome.REFUSED).exists()


def test_officer_override_is_forbidden(api_as, rivals, place):
    a, b, _ = rivals
    before = Placement.objects.count()
    assert_error(api_as("officer").post(f"/people/{b.inmate_number}/moves",
                                        {"cell_id": place.cell("EC-1-01").pk, "reason": "x",
                                         "override_reason": "I say so"}), 403, "forbidden")
    assert Placement.objects.count() == before
    assert AuditEntry.objects.filter(action="placement.move", outcome=Outcome.DENIED).exists()


@pytest.mark.parametrize("role", ["unit_manager", "warden", "administrator"])
def test_override_by_allowed_roles(api_as, rivals, place, role):
    a, b, _ = rivals
    response = api_as(role).post(f"/people/{b.inmate_number}/moves",
                                 {"cell_id": place.cell("EC-1-01").pk, "reason": "x",
                                  "override_reason": "staff watch all night"})
    assert response.status_code == 201, response.content
    assert response.json()["override_reason"] == "staff watch all night"
    entry = AuditEntry.objects.filter(action="placement.move", outcome=Outcome.SUCCESS).latest("seq")
    assert entry.actor_username == users_name(role) and "overriding" in entry.summary


def users_name(role: str) -> str:
    return role.replace("_", "")


def test_unit_manager_cannot_override_outside_their_units(api_as, person_factory, place, admin_user):
    a, b = person_factory("Adebisi"), person_factory("Schibetta")
    admit(admin_user, a, place.cell("B-1-01"))
    admit(admin_user, b, place.cell("SOL-01"))
    non_association_create(actor=admin_user, person_a=a, person_b=b, scope="unit", reason="threat")
    assert_error(api_as("unit_manager").post(f"/people/{b.inmate_number}/moves",
                                             {"cell_id": place.cell("B-1-02").pk, "reason": "x",
                                              "override_reason": "because"}), 403, "forbidden")


def test_keep_apart_on_admission(api_as, person_factory, place, admin_user):
    a, b = person_factory("Adebisi"), person_factory("Schibetta")
    admit(admin_user, a, place.cell("B-1-01"))
    non_association_create(actor=admin_user, person_a=a, person_b=b, scope="unit", reason="threat")
    body = assert_error(api_as("officer").post(f"/people/{b.inmate_number}/admission",
                                               {"cell_id": place.cell("B-1-02").pk, "reason": "court"}),
                        409, "keep_apart")
    assert body["conflicts"][0]["where"] == "B"
    assert Person.objects.get(pk=b.pk).status == "not_admitted"


# ----------------------------------------------------------------------------- orders


def test_create_order_for_cellmates_says_currently_violated(api_as, person_factory, place, admin_user):
    a, b = person_factory("Adebisi"), person_factory("Schibetta")
    admit(admin_user, a, place.cell("B-1-01"))
    admit(admin_user, b, place.cell("B-1-01"))
    response = api_as("investigator").post("/non-associations", {
        "person_a": a.inmate_number.lower(), "person_b": b.inmate_number, "scope": "cell", "reason": "witness",
        "comment": "statement given", "expires_at": "2099-01-01T00:00:00+01:00"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["currently_violated"] is True and body["currently_violated_where"] == "B-1-01"
    assert body["status"] == "open" and body["created_by"] == "investigator"
    assert {body["person_a"]["inmate_number"], body["person_b"]["inmate_number"]} == {a.inmate_number, b.inmate_number}
    assert body["expires_at"].startswith("2098-12-31T23:00")
    one = api_as("auditor").get(f"/non-associations/{body['id']}").json()
    assert one == body


def test_list_orders_filter_and_close(api_as, rivals, person_factory, admin_user):
    a, b, order = rivals
    c, d = person_factory("Other1"), person_factory("Other2")
    non_association_create(actor=admin_user, person_a=c, person_b=d, scope="facility", reason="family")
    api = api_as("warden")
    assert api.get("/non-associations").json()["count"] == 2
    mine = api.get("/non-associations", {"person": a.inmate_number}).json()
    assert [o["id"] for o in mine["items"]] == [order.pk]
    assert mine["items"][0]["currently_violated"] is False and mine["items"][0]["currently_violated_where"] is None
    closed = api.post(f"/non-associations/{order.pk}/close", {"reason": "rivalry ended"})
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed" and closed.json()["closed_by"] == "warden"
    assert closed.json()["close_reason"] == "rivalry ended"
    assert api.get("/non-associations", {"person": a.inmate_number}).json()["count"] == 0
    assert api.get("/non-associations", {"person": a.inmate_number, "include_closed": "true"}).json()["count"] == 1
    assert_error(api.post(f"/non-associations/{order.pk}/close", {"reason": "again"}), 409, "already_closed")


def test_expired_order_shows_expired(api_as, person_factory, admin_user, frozen_now):
    a, b = person_factory("A"), person_factory("B")
    order = non_association_create(actor=admin_user, person_a=a, person_b=b, scope="unit", reason="threat",
                                   expires_at=frozen_now + timedelta(days=1))
    with clock.frozen_at(frozen_now + timedelta(days=2)):
        api = api_as("auditor")
        assert api.get(f"/non-associations/{order.pk}").json()["status"] == "expired"
        assert api.get("/non-associations").json()["count"] == 0
        assert api.get("/non-associations", {"include_closed": True}).json()["count"] == 1


def test_duplicate_open_order_conflicts(api_as, rivals):
    a, b, order = rivals
    body = assert_error(api_as("administrator").post("/non-associations", {
        "person_a": b.inmate_number, "person_b": a.inmate_number, "scope": "unit", "reason": "threat"}),
        409, "already_exists")
    assert body["non_association_id"] == order.pk


@pytest.mark.parametrize("role", ["medical", "educator"])
def test_roles_that_may_not_know_orders_get_an_audited_404(api_as, rivals, role):
    a, b, order = rivals
    api = api_as(role)
    assert_error(api.get(f"/non-associations/{order.pk}"), 404, "not_found")
    assert_error(api.post(f"/non-associations/{order.pk}/close", {"reason": "x"}), 404, "not_found")
    denied = AuditEntry.objects.filter(actor_username=users_name(role), outcome=Outcome.DENIED,
                                       object_type="non_association", object_id=str(order.pk))
    assert denied.count() == 2
    # The 404 looks exactly like a missing order.
    missing = assert_error(api.get("/non-associations/999999"), 404, "not_found")
    assert missing == assert_error(api.get(f"/non-associations/{order.pk}"), 404, "not_found")
    assert NonAssociation.objects.get(pk=order.pk).closed_at is None


def test_unknown_order_is_404(api_as):
    assert_error(api_as("administrator").get("/non-associations/424242"), 404, "not_found")
    assert_error(api_as("administrator").post("/non-associations/424242/close", {"reason": "x"}), 404, "not_found")


def _order_counts():
    return (NonAssociation.objects.count(), NonAssociation.objects.filter(closed_at__isnull=False).count(),
            success_count())


@pytest.mark.parametrize("body,fields", [
    ({}, {"person_a", "person_b", "scope", "reason"}),
    ({"person_a": "A", "person_b": "B", "scope": "wing", "reason": "threat"}, {"scope"}),
    ({"person_a": "A", "person_b": "B", "scope": "cell", "reason": "dislike"}, {"reason"}),
    ({"person_a": "A", "person_b": "B", "scope": "cell", "reason": "threat", "expires_at": "2099-01-01T00:00"},
     {"expires_at"}),
    ({"person_a": "A", "person_b": "B", "scope": "cell", "reason": "threat", "expires_at": "2001-01-01T00:00Z"},
     {"expires_at"}),
    ({"person_a": "A", "person_b": "NOBODY", "scope": "cell", "reason": "threat"}, {"person_b"}),
    ({"person_a": "NOBODY", "person_b": "NOBODY2", "scope": "cell", "reason": "threat"}, {"person_a", "person_b"}),
    ({"person_a": "A", "person_b": "A", "scope": "cell", "reason": "threat"}, {"person_b"}),
    ({"person_a": "A", "person_b": "B", "scope": "cell", "reason": "threat", "comment": 5}, {"comment"}),
    ({"person_a": ["A"], "person_b": "B", "scope": "cell", "reason": "threat"}, {"person_a"}),
])
def test_create_order_bad_input(api_as, person_factory, body, fields):
    person_factory("A", number="A")
    person_factory("B", number="B")
    api = api_as("warden")
    before = _order_counts()
    response = assert_error(api.post("/non-associations", body), 400, "invalid")
    assert set(response["fields"]) == fields, response
    assert _order_counts() == before


@pytest.mark.parametrize("body,fields", [({}, {"reason"}), ({"reason": " "}, {"reason"}), ({"reason": 3}, {"reason"}),
                                         ({"reason": "x", "when": "now"}, {"when"})])
def test_close_order_bad_input(api_as, rivals, body, fields):
    api = api_as("warden")
    before = _order_counts()
    response = assert_error(api.post(f"/non-associations/{rivals[2].pk}/close", body), 400, "invalid")
    assert set(response["fields"]) == fields
    assert _order_counts() == before


@pytest.mark.parametrize("params,fields", [({"person": "NOBODY"}, {"person"}), ({"include_closed": "perhaps"},
                                                                               {"include_closed"})])
def test_list_orders_bad_query(api_as, params, fields):
    body = assert_error(api_as("warden").get("/non-associations", params), 400, "invalid")
    assert set(body["fields"]) == fields


def test_unit_manager_admits_and_moves_only_within_their_units(api_as, person_factory, place, admin_user):
    api = api_as("unit_manager")
    newcomer, resident = person_factory("New"), person_factory("Resident")
    admit(admin_user, resident, place.cell("B-1-01"))
    before = Placement.objects.count()
    assert_error(api.post(f"/people/{newcomer.inmate_number}/admission",
                          {"cell_id": place.cell("B-1-02").pk, "reason": "x"}), 403, "forbidden")
    assert_error(api.post(f"/people/{resident.inmate_number}/moves",
                          {"cell_id": place.cell("B-1-03").pk, "reason": "x"}), 403, "forbidden")
    assert Placement.objects.count() == before
    # Into their unit is allowed, and so is moving someone out of it again.
    assert api.post(f"/people/{resident.inmate_number}/moves",
                    {"cell_id": place.cell("EC-1-02").pk, "reason": "x"}).status_code == 201
    assert api.post(f"/people/{resident.inmate_number}/moves",
                    {"cell_id": place.cell("B-1-03").pk, "reason": "x"}).status_code == 201
