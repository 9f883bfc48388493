"""Discipline: charge → hearing (within the deadline) → finding → sanction (capped; segregation through the move
service) → appeal; every wrong step is a 409 invalid_transition."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from conftest import admit, make_person
from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.core.tests.api_helpers import Api, assert_error
from emerald.discipline import services
from emerald.discipline.models import Charge, Hearing, Sanction
from emerald.housing.models import Placement
from emerald.housing.services import non_association_create
from emerald.incidents import services as inc

pytestmark = pytest.mark.django_db


def cell_of(person):
    return Placement.objects.select_related("cell").get(person=person, end_at__isnull=True).cell.code


def charge(users, person, **extra):
    return services.charge_create(actor=users["officer"], person=person, offence="assault on a prisoner",
                                  particulars="Struck another prisoner in the yard.", **extra)


def proved(users, person, **extra):
    c = charge(users, person, **extra)
    services.hearing_schedule(actor=users["warden"], charge=c, scheduled_at=clock.now())
    return services.finding_record(actor=users["warden"], charge=c, finding="proved", reason="CCTV and witnesses")


def test_full_proceedings_through_the_api(users, place, cast):
    officer, warden = Api(users["officer"]), Api(users["warden"])
    number = cast.adebisi.inmate_number
    r = officer.post("/discipline/charges", {"person": number, "offence": "assault on a prisoner",
                                             "particulars": "Poisoned a prisoner's food."})
    assert r.status_code == 201
    body = r.json()
    cid = body["id"]
    assert body["status"] == "charged" and body["unit"] == "B" and not body["overdue"]
    assert body["hearing_due_at"].startswith((clock.now() + timedelta(days=7)).strftime("%Y-%m-%d"))
    # Officers lay charges but do not adjudicate.
    assert_error(officer.post(f"/discipline/charges/{cid}/hearing", {"scheduled_at": "2026-07-11T10:00:00Z"}),
                 403, "forbidden")
    r = warden.post(f"/discipline/charges/{cid}/hearing", {"scheduled_at": "2026-07-11T10:00:00Z",
                                                           "location": "adjudication room"})
    assert r.status_code == 200 and r.json()["status"] == "hearing_scheduled"
    assert_error(warden.post(f"/discipline/charges/{cid}/finding", {"finding": "proved", "reason": "x"}), 409,
                 "hearing_not_held")
    with clock.frozen_at(clock.now() + timedelta(days=1)):
        officer, warden = Api(users["officer"]), Api(users["warden"])
        r = warden.post(f"/discipline/charges/{cid}/finding", {"finding": "proved", "reason": "Admitted."})
        assert r.status_code == 200 and r.json()["status"] == "proved" and r.json()["finding_by"] == "warden"
        r = warden.post(f"/discipline/charges/{cid}/sanctions", {"kind": "segregation", "days": 30})
        assert r.status_code == 201
        sanction = r.json()
        assert sanction["from_cell"] == "B-1-02" and sanction["segregation_cell"] == "SOL-01"
        assert sanction["move_error"] is None and sanction["status"] == "active"
        assert cell_of(cast.adebisi) == "SOL-01"
        assert warden.get(f"/discipline/charges/{cid}").json()["status"] == "sanctioned"
        sid = sanction["id"]
        # Early end needs a reason.
        assert "reason" in assert_error(officer.post(f"/discipline/sanctions/{sid}/complete", {}), 400,
                                        "invalid")["fields"]
    listed = Api(users["warden"]).get("/discipline/sanctions", {"due": "true"}).json()
    assert listed["count"] == 0
    with clock.frozen_at(clock.now() + timedelta(days=31, hours=1)):
        officer, warden = Api(users["officer"]), Api(users["warden"])
        assert warden.get("/discipline/sanctions", {"due": "true"}).json()["count"] == 1
        r = officer.post(f"/discipline/sanctions/{sid}/complete", {})
        assert r.status_code == 200 and r.json()["returned_to"] == "B-1-02" and r.json()["status"] == "completed"
        assert cell_of(cast.adebisi) == "B-1-02"
        assert_error(officer.post(f"/discipline/sanctions/{sid}/complete", {}), 409, "already_ended")
    moves = Placement.objects.filter(person=cast.adebisi).order_by("start_at", "id")
    assert [p.cell.code for p in moves] == ["B-1-02", "SOL-01", "B-1-02"]
    assert AuditEntry.objects.filter(action="placement.move", object_id=number).count() == 2


def test_wrong_transitions_answer_409(users, place, cast):
    warden = Api(users["warden"])
    c = charge(users, cast.adebisi)
    base = f"/discipline/charges/{c.pk}"
    for path, body in ((f"{base}/finding", {"finding": "proved", "reason": "x"}),
                       (f"{base}/sanctions", {"kind": "caution"}),
                       (f"{base}/appeal", {"grounds": "x"}),
                       (f"{base}/appeal/decision", {"outcome": "allowed", "reason": "x"})):
        body = assert_error(warden.post(path, body), 409, "invalid_transition")
        assert body["status"] == "charged" and "Charge #" in body["detail"]
    services.hearing_schedule(actor=users["warden"], charge=c, scheduled_at=clock.now())
    services.finding_record(actor=users["warden"], charge=c, finding="not_proved", reason="no evidence")
    c.refresh_from_db()
    assert c.status == "closed"
    for path, body in ((f"{base}/hearing", {"scheduled_at": "2026-07-11T10:00:00Z"}),
                       (f"{base}/withdraw", {"reason": "x"}), (f"{base}/sanctions", {"kind": "caution"}),
                       (f"{base}/finding", {"finding": "proved", "reason": "x"})):
        assert_error(warden.post(path, body), 409, "invalid_transition")
    # Refusals are audited.
    assert AuditEntry.objects.filter(object_type="discipline_charge", outcome="refused").count() >= 8


def test_hearing_deadline_and_overdue(users, place, cast, settings):
    settings.EMERALD_DISCIPLINE_HEARING_DAYS = 3
    c = charge(users, cast.adebisi)
    assert c.hearing_due_at == c.charged_at + timedelta(days=3)
    api = Api(users["warden"])
    late = (clock.now() + timedelta(days=4)).isoformat()
    body = assert_error(api.post(f"/discipline/charges/{c.pk}/hearing", {"scheduled_at": late}), 400, "invalid")
    assert "scheduled_at" in body["fields"] and not Hearing.objects.exists()
    assert api.get("/discipline/charges", {"overdue": "true"}).json()["count"] == 0
    with clock.frozen_at(clock.now() + timedelta(days=4)):
        api = Api(users["warden"])
        listed = api.get("/discipline/charges", {"overdue": "true"}).json()
        assert listed["count"] == 1 and listed["items"][0]["overdue"]
        assert api.get("/discipline/charges/stats").json()["overdue"] == 1
    # Rescheduling needs a reason and cancels the first hearing (never deleted).
    soon = (clock.now() + timedelta(days=1)).isoformat()
    assert api.post(f"/discipline/charges/{c.pk}/hearing", {"scheduled_at": soon}).status_code == 200
    assert "reason" in assert_error(api.post(f"/discipline/charges/{c.pk}/hearing", {"scheduled_at": soon}), 400,
                                    "invalid")["fields"]
    r = api.post(f"/discipline/charges/{c.pk}/hearing", {"scheduled_at": soon, "reason": "witness ill"})
    hearings = r.json()["hearings"]
    assert len(hearings) == 2 and hearings[0]["cancel_reason"] == "rescheduled: witness ill"


def test_sanction_caps_services_and_database(users, place, cast, settings):
    c = proved(users, cast.adebisi)
    api = Api(users["warden"])
    for body, field in (({"kind": "segregation", "days": 31}, "days"), ({"kind": "segregation", "days": 0}, "days"),
                        ({"kind": "segregation"}, "days"), ({"kind": "loss_of_privileges", "days": 61}, "days"),
                        ({"kind": "caution", "days": 3}, "days"), ({"kind": "extra_work", "days": 3, "cell_id": 1},
                                                                   "cell_id"),
                        ({"kind": "segregation", "days": 3, "cell_id": place.cell("B-1-03").pk}, "cell_id"),
                        ({"kind": "nap", "days": 1}, "kind")):
        assert field in assert_error(api.post(f"/discipline/charges/{c.pk}/sanctions", body), 400,
                                     "invalid")["fields"], body
    assert not Sanction.objects.exists() and cell_of(cast.adebisi) == "B-1-02"
    settings.EMERALD_SANCTION_CAPS = {"loss_of_privileges": 10}
    assert_error(api.post(f"/discipline/charges/{c.pk}/sanctions", {"kind": "loss_of_privileges", "days": 11}), 400,
                 "invalid")
    r = api.post(f"/discipline/charges/{c.pk}/sanctions", {"kind": "loss_of_privileges", "days": 10})
    assert r.status_code == 201 and r.json()["segregation_cell"] is None
    # The database refuses what no configuration allows.
    s = Sanction.objects.get()
    for days in (0, 366):
        with pytest.raises(IntegrityError), transaction.atomic():
            Sanction.objects.filter(pk=s.pk).update(days=days)


def test_refused_segregation_move_is_recorded_and_retried(users, place, cast):
    admin = users["administrator"]
    # SOL-01 holds Hill; Adebisi must be kept apart from Hill in the whole unit.
    from emerald.housing.services import placement_move

    placement_move(actor=admin, person=cast.hill, cell_id=place.cell("SOL-01").pk, reason="protection")
    order = non_association_create(actor=admin, person_a=cast.adebisi, person_b=cast.hill, scope="unit",
                                   reason="threat")
    c = proved(users, cast.adebisi)
    api = Api(users["warden"])
    r = api.post(f"/discipline/charges/{c.pk}/sanctions", {"kind": "segregation", "days": 14})
    assert r.status_code == 201
    body = r.json()
    assert body["move_error"]["error"] == "no_segregation_cell" and body["segregation_cell"] is None
    assert cell_of(cast.adebisi) == "B-1-02"
    sid = body["id"]
    # Naming the cell: the move service's own refusal is shown.
    r = api.post(f"/discipline/sanctions/{sid}/move", {"cell_id": place.cell("SOL-02").pk})
    assert r.json()["move_error"]["error"] == "keep_apart" and "Hill" in r.json()["move_error"]["detail"]
    assert AuditEntry.objects.filter(action="discipline.sanction_move").count() == 1
    # A warden may override the order, with a reason: moved.
    r = api.post(f"/discipline/sanctions/{sid}/move", {"cell_id": place.cell("SOL-02").pk,
                                                       "override_reason": "segregation keeps them apart"})
    assert r.json()["segregation_cell"] == "SOL-02" and r.json()["move_error"] is None
    assert Placement.objects.get(person=cast.adebisi, end_at__isnull=True).override_reason
    assert_error(api.post(f"/discipline/sanctions/{sid}/move", {}), 409, "already_moved")
    assert order.pk


def test_return_when_previous_cell_is_taken(users, place, cast):
    admin = users["administrator"]
    c = proved(users, cast.adebisi)
    sanction = services.sanction_impose(actor=users["warden"], charge=c, kind="segregation", days=5)
    assert sanction.placement.cell.code == "SOL-01"
    # B-1-02 and every other cell of B fill up meanwhile.
    for code in ("B-1-02", "B-1-02", "B-1-03", "B-1-03", "B-1-04", "B-1-04"):
        admit(admin, make_person(admin, f"Filler{code}"), place.cell(code))
    admit(admin, make_person(admin, "LastBed"), place.cell("B-1-01"))
    with clock.frozen_at(sanction.ends_at + timedelta(minutes=1)):
        api = Api(users["officer"])  # a token of that day
        assert_error(api.post(f"/discipline/sanctions/{sanction.pk}/complete", {}), 409, "no_return_cell")
        assert cell_of(cast.adebisi) == "SOL-01"
        r = api.post(f"/discipline/sanctions/{sanction.pk}/complete", {"cell_id": place.cell("EC-1-03").pk})
        assert r.status_code == 200 and r.json()["returned_to"] == "EC-1-03"


def test_return_to_another_cell_of_the_unit(users, place, cast):
    admin = users["administrator"]
    c = proved(users, cast.adebisi)
    sanction = services.sanction_impose(actor=users["warden"], charge=c, kind="segregation", days=5)
    admit(admin, make_person(admin, "A"), place.cell("B-1-02"))
    admit(admin, make_person(admin, "B"), place.cell("B-1-02"))
    with clock.frozen_at(sanction.ends_at):
        done = services.sanction_complete(actor=users["officer"], sanction=sanction)
    assert done.return_placement.unit.code == "B" and done.return_placement.cell.code != "B-1-02"


def test_reviews(users, place, cast, settings):
    settings.EMERALD_SEGREGATION_REVIEW_DAYS = 7
    c = proved(users, cast.adebisi)
    s = services.sanction_impose(actor=users["warden"], charge=c, kind="segregation", days=20)
    assert s.next_review_at == s.starts_at + timedelta(days=7)
    api = Api(users["warden"])
    with clock.frozen_at(s.next_review_at):
        api = Api(users["warden"])
        r = api.post(f"/discipline/sanctions/{s.pk}/reviews", {"decision": "continue", "note": "still a risk"})
        assert r.json()["next_review_at"].startswith((clock.now() + timedelta(days=7)).strftime("%Y-%m-%d"))
        assert_error(api.post(f"/discipline/sanctions/{s.pk}/reviews", {"decision": "end", "note": ""}), 400, "invalid")
        r = api.post(f"/discipline/sanctions/{s.pk}/reviews", {"decision": "end", "note": "calm for a week"})
        assert r.json()["status"] == "completed" and r.json()["returned_to"] == "B-1-02"


def test_appeals(users, place, cast):
    c = proved(users, cast.adebisi)
    s = services.sanction_impose(actor=users["warden"], charge=c, kind="segregation", days=10)
    lop = services.sanction_impose(actor=users["warden"], charge=c, kind="loss_of_privileges", days=10)
    officer, warden, admin = Api(users["officer"]), Api(users["warden"]), Api(users["administrator"])
    assert "grounds" in assert_error(officer.post(f"/discipline/charges/{c.pk}/appeal", {"grounds": " "}), 400,
                                     "invalid")["fields"]
    assert officer.post(f"/discipline/charges/{c.pk}/appeal", {"grounds": "I was not there."}).json()["status"] == \
        "under_appeal"
    assert_error(warden.post(f"/discipline/charges/{c.pk}/sanctions", {"kind": "caution"}), 409, "invalid_transition")
    assert_error(officer.post(f"/discipline/charges/{c.pk}/appeal/decision", {"outcome": "allowed", "reason": "x"}),
                 403, "forbidden")
    # The adjudicator may not decide the appeal of their own hearing.
    assert_error(warden.post(f"/discipline/charges/{c.pk}/appeal/decision", {"outcome": "allowed", "reason": "x"}),
                 403, "forbidden")
    r = admin.post(f"/discipline/charges/{c.pk}/appeal/decision", {"outcome": "allowed", "reason": "CCTV unclear"})
    assert r.json()["status"] == "quashed" and r.json()["appeal"]["outcome"] == "allowed"
    lop.refresh_from_db()
    s.refresh_from_db()
    assert lop.status == "quashed" and s.status == "active" and s.ends_at == clock.now()
    assert warden.get("/discipline/sanctions", {"due": "true"}).json()["count"] == 1
    assert_error(admin.post(f"/discipline/charges/{c.pk}/appeal", {"grounds": "again"}), 409, "invalid_transition")


def test_appeal_dismissed_returns_to_previous_status(users, place, cast):
    c = proved(users, cast.adebisi)
    services.appeal_lodge(actor=users["officer"], charge=c, grounds="harsh")
    services.appeal_decide(actor=users["administrator"], charge=c, outcome="dismissed", reason="finding sound")
    c.refresh_from_db()
    assert c.status == "proved"
    assert_error(Api(users["officer"]).post(f"/discipline/charges/{c.pk}/appeal", {"grounds": "again"}), 409,
                 "already_appealed")


def test_bad_input_and_roles(users, place, cast):
    officer = Api(users["officer"])
    good = {"person": cast.adebisi.inmate_number, "offence": "fighting", "particulars": "In the yard."}
    for bad, field in (({"person": "NOPE"}, "person"), ({"offence": " "}, "offence"), ({"particulars": ""},
                                                                                         "particulars"),
                       ({"incident_id": 999}, "incident_id"), ({"x": 1}, "x"), ({"offence": "a" * 201}, "offence")):
        assert field in assert_error(officer.post("/discipline/charges", {**good, **bad}), 400, "invalid")["fields"]
    assert not Charge.objects.exists()
    c = charge(users, cast.adebisi)
    educator = Api(users["educator"])
    assert_error(educator.get("/discipline/charges"), 403, "forbidden")
    assert_error(educator.get(f"/discipline/charges/{c.pk}"), 404, "not_found")
    assert_error(educator.post("/discipline/charges", good), 403, "forbidden")
    for role in ("medical", "investigator", "auditor"):
        assert Api(users[role]).get(f"/discipline/charges/{c.pk}").status_code == 200
        assert_error(Api(users[role]).post("/discipline/charges", good), 403, "forbidden")
    # A unit manager adjudicates only charges of the units they manage (EC, not B).
    manager = Api(users["unit_manager"])
    assert_error(manager.post(f"/discipline/charges/{c.pk}/hearing", {"scheduled_at": clock.now().isoformat()}),
                 403, "forbidden")
    own = charge(users, cast.ryan)
    assert manager.post(f"/discipline/charges/{own.pk}/hearing",
                        {"scheduled_at": clock.now().isoformat()}).status_code == 200


def test_charge_from_a_restricted_incident_is_hidden_like_the_incident(users, place, cast):
    investigator = users["investigator"]
    report = inc.incident_create(actor=investigator, type="sexual_assault", severity="critical",
                                 occurred_at=clock.now() - timedelta(hours=2), description="report",
                                 unit_id=place.b.pk, involvements=[
                                     {"kind": "in_custody", "role": "suspect", "person": cast.adebisi.inmate_number},
                                     {"kind": "in_custody", "role": "victim", "person": cast.said.inmate_number}])
    c = services.charge_create(actor=users["warden"], person=cast.adebisi, offence="sexual assault",
                               particulars="See the report.", incident_id=report.pk)
    # The charging officer cannot lay it: the report does not exist for them.
    body = assert_error(Api(users["officer"]).post("/discipline/charges", {
        "person": cast.adebisi.inmate_number, "offence": "x", "particulars": "y", "incident_id": report.pk}), 400,
        "invalid")
    assert body["fields"]["incident_id"] == ["No such incident."]
    for role in ("administrator", "unit_manager", "officer", "auditor"):
        api = Api(users[role])
        assert_error(api.get(f"/discipline/charges/{c.pk}"), 404, "not_found")
        assert api.get("/discipline/charges").json()["count"] == 0
        assert api.get("/discipline/charges/stats").json()["total"] == 0
    for role in ("warden", "medical", "investigator"):
        assert Api(users[role]).get(f"/discipline/charges/{c.pk}").json()["incident_id"] == report.pk
    entry = AuditEntry.objects.get(action="discipline.charge", outcome="success")
    assert "sexual" not in entry.summary + str(entry.changes)
    # An ordinary incident must name the person charged.
    fight = inc.incident_create(actor=users["officer"], type="assault", severity="low",
                                occurred_at=clock.now() - timedelta(hours=1), description="fight", unit_id=place.b.pk)
    assert "incident_id" in assert_error(Api(users["officer"]).post("/discipline/charges", {
        "person": cast.adebisi.inmate_number, "offence": "x", "particulars": "y", "incident_id": fight.pk}), 400,
        "invalid")["fields"]
