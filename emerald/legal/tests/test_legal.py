"""Legal matters: privileged (administrators, wardens, the person's unit manager), officers see court dates only;
helpers including a person in custody; hearings plan the out-of-cell absence; outcomes close the matter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.core.tests.api_helpers import Api, assert_error
from emerald.legal import services
from emerald.legal.models import LegalHelper, LegalMatter

pytestmark = pytest.mark.django_db

SECRET = "PRIVILEGEDNOTE"


@pytest.fixture
def appeal(users, cast):
    """Hill (EC, managed by the unit manager) appeals; Said helps him."""
    matter = services.matter_create(actor=users["warden"], person=cast.hill, kind="appeal",
                                    court="State Court of Appeals", case_number="CA-1998-0412",
                                    counsel="Ms. Abrams, public defender", notes=f"Strategy {SECRET}")
    services.helper_add(actor=users["warden"], matter=matter, kind="in_custody", person=cast.said,
                        role="drafts the appeal brief")
    return matter


def test_full_matter_through_the_api(users, cast, place):
    api = Api(users["unit_manager"])
    good = {"person": cast.hill.inmate_number, "kind": "appeal", "court": "State Court of Appeals",
            "case_number": "CA-1998-0412", "counsel": "Ms. Abrams"}
    for bad, field in (({"kind": "divorce"}, "kind"), ({"court": " "}, "court"), ({"person": "NOPE"}, "person"),
                       ({"court": "x" * 201}, "court"), ({"extra": 1}, "extra")):
        assert field in assert_error(api.post("/legal/matters", {**good, **bad}), 400, "invalid")["fields"]
    assert not LegalMatter.objects.exists()
    # A unit manager opens matters only of people in their units (Said is in B).
    assert_error(api.post("/legal/matters", {**good, "person": cast.said.inmate_number}), 404, "not_found")
    r = api.post("/legal/matters", good)
    assert r.status_code == 201
    mid = r.json()["id"]
    for bad, field in (({"kind": "in_custody"}, "person"), ({"kind": "in_custody", "person": cast.hill.inmate_number},
                                                            "person"),
                       ({"kind": "counsel"}, "name"), ({"kind": "counsel", "name": "X", "person": cast.said.inmate_number},
                                                       "person")):
        assert field in assert_error(api.post(f"/legal/matters/{mid}/helpers", bad), 400, "invalid")["fields"]
    r = api.post(f"/legal/matters/{mid}/helpers", {"kind": "in_custody", "person": cast.said.inmate_number,
                                                   "role": "legal helper"})
    assert r.status_code == 201 and r.json()["person"]["inmate_number"] == cast.said.inmate_number
    assert_error(api.post(f"/legal/matters/{mid}/helpers", {"kind": "in_custody", "person": cast.said.inmate_number}),
                 409, "already_helping")
    at = (clock.now() + timedelta(days=18)).isoformat()
    r = api.post(f"/legal/matters/{mid}/hearings", {"at": at, "purpose": "oral argument"})
    assert r.status_code == 201
    hearing = r.json()
    assert hearing["court"] == "State Court of Appeals" and hearing["movement_note"]
    r = api.post(f"/legal/matters/{mid}/outcome", {"outcome": "appeal_rejected", "decided_on": "2026-07-10"})
    assert r.status_code == 200 and r.json()["outcome"] == "appeal_rejected" and r.json()["outcome_by"] == "unitmanager"
    assert_error(api.post(f"/legal/matters/{mid}/outcome", {"outcome": "appeal_allowed"}), 409, "already_decided")
    assert_error(api.post(f"/legal/matters/{mid}/hearings", {"at": at}), 409, "matter_closed")
    other = api.post("/legal/matters", good).json()["id"]
    assert "decided_on" in assert_error(api.post(f"/legal/matters/{other}/outcome", {
        "outcome": "other", "decided_on": "2030-01-01"}), 400, "invalid")["fields"]


def test_hearing_plans_the_absence_when_movements_exist(users, cast, appeal):
    pytest.importorskip("emerald.movements.services")
    from emerald.movements.models import Absence

    hearing = services.hearing_schedule(actor=users["warden"], matter=appeal, at=clock.now() + timedelta(days=5))
    if hearing.absence_id is None:
        pytest.skip(f"movements refused: {hearing.movement_note}")
    absence = Absence.objects.get(pk=hearing.absence_id)
    assert absence.kind == "court" and absence.person_id == cast.hill.pk and absence.status == "scheduled"
    assert absence.planned_out_at == hearing.at - services.LEAVE_BEFORE


@pytest.mark.parametrize("role", ["administrator", "warden", "unit_manager", "officer", "medical", "educator",
                                  "investigator", "auditor"])
def test_who_sees_what(role, users, cast, appeal):
    services.hearing_schedule(actor=users["warden"], matter=appeal, at=clock.now() + timedelta(days=5))
    api = Api(users[role])
    detail = api.get(f"/legal/matters/{appeal.pk}")
    listing = api.get("/legal/matters")
    schedule = api.get("/legal/hearings")
    if role in ("administrator", "warden", "unit_manager"):
        assert detail.status_code == 200 and SECRET in detail.json()["notes"]
        assert listing.json()["count"] == 1 and schedule.json()["count"] == 1
        assert detail.json()["helpers"][0]["person"]["inmate_number"] == cast.said.inmate_number
    else:
        assert detail.status_code == 404 and SECRET not in detail.content.decode()
        assert listing.status_code == 403
        if role == "officer":
            items = schedule.json()["items"]
            assert len(items) == 1 and items[0]["court"] == "State Court of Appeals" and items[0]["kind"] == "appeal"
            assert SECRET not in schedule.content.decode() and "Abrams" not in schedule.content.decode()
        else:
            assert schedule.status_code == 403
        assert_error(api.post(f"/legal/matters/{appeal.pk}/outcome", {"outcome": "other"}), 404, "not_found")


def test_unit_manager_scope_follows_the_person(users, cast, place, appeal):
    from emerald.housing.services import placement_move

    api = Api(users["unit_manager"])
    assert api.get(f"/legal/matters/{appeal.pk}").status_code == 200
    placement_move(actor=users["administrator"], person=cast.hill, cell_id=place.cell("B-1-03").pk, reason="move")
    assert api.get(f"/legal/matters/{appeal.pk}").status_code == 404


def test_helpers_end_and_hearings_cancel_never_deleted(users, cast, appeal):
    api = Api(users["warden"])
    helper = LegalHelper.objects.get()
    assert_error(api.post(f"/legal/matters/{appeal.pk}/helpers/{helper.pk}/end", {"reason": ""}), 400, "invalid")
    r = api.post(f"/legal/matters/{appeal.pk}/helpers/{helper.pk}/end", {"reason": "transferred"})
    assert r.status_code == 200 and r.json()["ended_at"]
    hearing = services.hearing_schedule(actor=users["warden"], matter=appeal, at=clock.now() + timedelta(days=3))
    r = api.post(f"/legal/matters/{appeal.pk}/hearings/{hearing.pk}/cancel", {"reason": "court adjourned"})
    assert r.json()["status"] == "cancelled"
    assert_error(api.post(f"/legal/matters/{appeal.pk}/hearings/{hearing.pk}/cancel", {"reason": "x"}), 409,
                 "already_cancelled")
    assert LegalHelper.objects.count() == 1 and appeal.hearings.count() == 1
    assert not any(SECRET in e.summary + str(e.changes) for e in AuditEntry.objects.all())
