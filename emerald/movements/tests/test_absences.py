"""Temporary absences: the person keeps the cell and is "out"; one out at a time; overdue is visible."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.core.errors import Conflict, Forbidden, Invalid
from emerald.housing.models import Placement
from emerald.movements import selectors
from emerald.movements.models import Absence, AbsenceStatus
from emerald.movements.services import absence_cancel, absence_depart, absence_return, absence_schedule

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


def depart(w, person, kind="court", hours=4, actor=None):
    return absence_depart(actor=actor or w.officer, person=person, kind=kind, destination="County Court",
                          expected_back_at=w.now + hours * H, reason="hearing")


class TestAbsences:
    def test_unscheduled_absence_keeps_the_cell_and_shows_out(self, world):
        w = world
        placement = Placement.objects.get(person=w.people.ann, end_at__isnull=True)
        absence = depart(w, w.people.ann)
        assert (absence.status, absence.out_at, absence.placement_id, absence.scheduled) == (
            "out", w.now, placement.pk, False)
        assert Placement.objects.get(person=w.people.ann, end_at__isnull=True).pk == placement.pk
        ec = next(r for r in selectors.live_roll(actor=w.officer) if r.code == "EC")
        assert (ec.occupied, ec.out, ec.in_cell, ec.beds, ec.free) == (3, 1, 2, 8, 5)
        with clock.frozen_at(w.now + 2 * H):
            back = absence_return(actor=w.officer, absence=absence)
        assert (back.status, back.back_at, back.returned_by) == ("returned", w.now + 2 * H, w.officer)
        ec = next(r for r in selectors.live_roll(actor=w.officer) if r.code == "EC")
        assert (ec.out, ec.in_cell) == (0, 3)

    def test_scheduled_absence_departs_then_returns(self, world):
        w = world
        a = absence_schedule(actor=w.officer, person=w.people.dan, kind="hospital", destination="St. Mary's",
                             planned_out_at=w.now + H, expected_back_at=w.now + 5 * H, reason="scan")
        assert a.status == "scheduled" and a.out_at is None
        with clock.frozen_at(w.now + H):
            out = absence_depart(actor=w.officer, absence=a)
        assert (out.status, out.out_at) == ("out", w.now + H)
        with pytest.raises(Conflict) as exc:
            absence_cancel(actor=w.officer, absence=out, reason="x")
        assert exc.value.code == "invalid_transition"

    def test_cancel_a_scheduled_absence(self, world):
        w = world
        a = absence_schedule(actor=w.officer, person=w.people.dan, kind="visit", destination="visits hall",
                             planned_out_at=w.now + H, expected_back_at=w.now + 2 * H, reason="family")
        with pytest.raises(Invalid):
            absence_cancel(actor=w.officer, absence=a, reason=" ")
        a = absence_cancel(actor=w.officer, absence=a, reason="visitor did not come")
        assert (a.status, a.closed_by, a.close_reason) == ("cancelled", w.officer, "visitor did not come")

    def test_one_absence_out_at_a_time(self, world):
        w = world
        depart(w, w.people.ann)
        with pytest.raises(Conflict) as exc:
            depart(w, w.people.ann, kind="work")
        assert exc.value.code == "already_out"

    def test_database_allows_one_absence_out_per_person(self, world):
        w = world
        first = depart(w, w.people.ann)
        with pytest.raises(IntegrityError), transaction.atomic():
            Absence.objects.create(person=w.people.ann, placement=first.placement, kind="work", destination="x",
                                   reason="x", expected_back_at=w.now + H, out_at=w.now, status="out",
                                   created_by=w.officer, created_at=w.now)

    def test_database_refuses_an_inconsistent_absence(self, world):
        w = world
        with pytest.raises(IntegrityError), transaction.atomic():  # out without time out
            Absence.objects.create(person=w.people.ann, kind="work", destination="x", reason="x",
                                   expected_back_at=w.now + H, status="out", created_by=w.officer, created_at=w.now)

    def test_bad_input_is_a_400_and_writes_nothing(self, world):
        w = world
        with pytest.raises(Invalid) as exc:
            absence_depart(actor=w.officer, person=w.people.ann, kind="party", destination="",
                           expected_back_at=w.now - H, reason="")
        assert set(exc.value.fields) == {"kind", "destination", "reason", "expected_back_at"}
        with pytest.raises(Invalid) as exc:
            absence_schedule(actor=w.officer, person=w.people.ann, kind="court", destination="court",
                             planned_out_at=w.now + 2 * H, expected_back_at=w.now + H, reason="x")
        assert "expected_back_at" in exc.value.fields
        assert not Absence.objects.exists()

    def test_overdue_and_expected_back(self, world):
        w = world
        depart(w, w.people.ann, hours=1)
        depart(w, w.people.bob, hours=6)
        with clock.frozen_at(w.now + 2 * H):
            board = selectors.unit_movements(actor=w.officer, unit_id=w.place.ec.pk)
        assert [a.person.last_name for a in board["overdue"]] == ["Ann"]
        assert [a.person.last_name for a in board["out"]] == ["Ann", "Bob"]
        assert [row["person"].last_name for row in board["in_cell"]] == ["Cid"]

    def test_lockdown_stops_departures_except_medical(self, world):
        from emerald.lockdowns.services import lockdown_order

        w = world
        lockdown_order(actor=w.warden, facility=w.place.facility, reason="search")
        with pytest.raises(Conflict) as exc:
            depart(w, w.people.ann, kind="court")
        assert exc.value.code == "locked_down"
        assert depart(w, w.people.ann, kind="infirmary").status == "out"

    def test_not_in_custody(self, world, person_factory):
        w = world
        nobody = person_factory("Free")
        with pytest.raises(Conflict) as exc:
            depart(w, nobody)
        assert exc.value.code == "not_in_custody"

    def test_permissions(self, world):
        w = world
        for role in ("medical", "educator", "investigator", "auditor"):
            with pytest.raises(Forbidden):
                depart(w, w.people.ann, actor=w.users[role])
        assert AuditEntry.objects.filter(action="absence.depart", outcome="denied").count() == 4
        a = depart(w, w.people.ann, actor=w.manager)
        assert a.status == AbsenceStatus.OUT

    def test_audit_summary_names_number_and_cell(self, world):
        w = world
        depart(w, w.people.ann)
        entry = AuditEntry.objects.filter(action="absence.depart").get()
        assert w.people.ann.inmate_number in entry.summary and "EC-1-01" in entry.summary
