"""Every role against every API endpoint: who is allowed, who gets 403, who gets an audited 404.

One test per role runs the whole table in order on a fresh facility; each write
touches its own records so the rows do not depend on each other.
"""

from __future__ import annotations

import pytest

from conftest import admit, make_person
from emerald.accounts.models import Role
from emerald.audit.models import AuditEntry, Outcome
from emerald.core.tests.api_helpers import Api, fast_password_hashing
from emerald.housing.services import non_association_create


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    fast_password_hashing(settings)


A, W, M, OFF, MED, E, INV, AU = (r.value for r in Role)
ALL = {A, W, M, OFF, MED, E, INV, AU}


@pytest.fixture
def world(users, place):
    admin = users[A]
    people = {key: make_person(admin, key.title(), number=key.upper()) for key in (
        "placed", "other", "waiting", "released_ec", "released_b", "free1", "free2", "target")}
    admit(admin, people["placed"], place.cell("EC-1-01"))
    admit(admin, people["other"], place.cell("B-1-01"))
    admit(admin, people["released_ec"], place.cell("EC-1-04"))
    admit(admin, people["released_b"], place.cell("B-1-02"))
    admit(admin, people["target"], place.cell("EC-1-03"))
    order = non_association_create(actor=admin, person_a=people["placed"], person_b=people["other"],
                                   scope="cell", reason="threat")
    closable = non_association_create(actor=admin, person_a=people["target"], person_b=people["free2"],
                                      scope="unit", reason="family")
    return {"place": place, "order": order, "closable": closable}


def table(w):
    place, order, closable = w["place"], w["order"], w["closable"]
    cell = place.cell
    # (name, method, path, body, success status, roles allowed, {denied role: status other than 403})
    return [
        ("search people", "GET", "/people", None, 200, ALL, {}),
        ("read person", "GET", "/people/PLACED", None, 200, ALL, {}),
        ("placement history", "GET", "/people/PLACED/placements", None, 200, ALL - {E}, {E: 404}),
        ("units", "GET", "/units", None, 200, ALL, {}),
        ("unit", "GET", f"/units/{place.ec.pk}", None, 200, ALL, {}),
        ("cell", "GET", f"/cells/{cell('EC-1-01').pk}", None, 200, ALL, {}),
        ("roll", "GET", "/roll", None, 200, ALL - {MED, E}, {}),
        ("list orders", "GET", "/non-associations", None, 200, ALL - {MED, E}, {}),
        ("read order", "GET", f"/non-associations/{order.pk}", None, 200, ALL - {MED, E}, {MED: 404, E: 404}),
        ("audit", "GET", "/audit", None, 200, {A, AU}, {}),
        ("create person", "POST", "/people", {"inmate_number": "NEW1", "first_name": "N", "last_name": "New",
                                              "sex": "female", "custody_level": "minimum"}, 201, {A, W, M, OFF}, {}),
        ("update person", "PATCH", "/people/WAITING", {"first_name": "Changed"}, 200, {A, W, M, OFF}, {}),
        ("admit", "POST", "/people/WAITING/admission", {"cell_id": cell("EC-1-02").pk, "reason": "court"}, 201,
         {A, W, M, OFF}, {}),
        ("move", "POST", "/people/PLACED/moves", {"cell_id": cell("EC-1-03").pk, "reason": "bed"}, 201,
         {A, W, M, OFF}, {}),
        ("release from own unit", "POST", "/people/RELEASED_EC/release", {"reason": "served"}, 200, {A, W, M}, {}),
        ("release from other unit", "POST", "/people/RELEASED_B/release", {"reason": "served"}, 200, {A, W}, {}),
        ("create order", "POST", "/non-associations", {"person_a": "FREE1", "person_b": "OTHER", "scope": "unit",
                                                       "reason": "witness"}, 201, {A, W, M, INV}, {}),
        ("close order", "POST", f"/non-associations/{closable.pk}/close", {"reason": "resolved"}, 200,
         {A, W, M, INV}, {MED: 404, E: 404}),
        ("close unit", "POST", f"/units/{place.sol.pk}/close", {"reason": "repairs"}, 200, {A, W}, {}),
        ("cell out of service", "POST", f"/cells/{cell('B-1-04').pk}/service",
         {"in_service": False, "reason": "broken"}, 200, {A, W}, {}),
    ]


@pytest.mark.parametrize("role", sorted(ALL))
def test_role_table(users, world, role):
    api = Api(users[role])
    failures = []
    for name, method, path, body, ok, allowed, hidden in table(world):
        denied_before = AuditEntry.objects.filter(outcome=Outcome.DENIED).count()
        response = api.call(method, path, body)
        if role in allowed:
            expected = ok
        else:
            expected = hidden.get(role, 403)
        if response.status_code != expected:
            failures.append(f"{name}: {method} {path} answered {response.status_code}, expected {expected}: "
                            f"{response.content[:200]!r}")
            continue
        if role not in allowed:
            code = {403: "forbidden", 404: "not_found"}[expected]
            assert response.json()["error"] == code, name
            # Every refusal is on the record.
            denied_after = AuditEntry.objects.filter(outcome=Outcome.DENIED).count()
            if denied_after != denied_before + 1:
                failures.append(f"{name}: refusal not audited once ({denied_after - denied_before})")
    assert not failures, "\n".join(failures)
