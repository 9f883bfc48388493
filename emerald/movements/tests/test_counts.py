"""Counts: sheets per unit, marks, unit totals, cross-checks, discrepancies, alerts, escape procedure, clearing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from emerald.core import clock
from emerald.core.errors import Conflict, Forbidden, Invalid
from emerald.movements import selectors
from emerald.movements.models import Alert, Count, CountLine, CountSheet
from emerald.movements.services import (
    absence_depart,
    count_escalate,
    count_line_reconcile,
    count_mark,
    count_schedule_set,
    count_sheet_crosscheck,
    count_sheet_submit,
    count_start,
)

pytestmark = pytest.mark.django_db


def emergency(w, actor=None):
    return count_start(actor=actor or w.officer, facility=w.place.facility, kind="emergency", reason="fight in B")


def sheet(count, code):
    return count.sheets.get(unit__code=code)


def line(count, person):
    return CountLine.objects.get(sheet__count=count, person=person)


def mark_all(w, count, code, mark="present", actor=None):
    for ln in sheet(count, code).lines.filter(mark=""):
        count_mark(actor=actor or w.officer, line=ln, mark=mark)


class TestStart:
    def test_sheets_per_unit_with_expected_and_out(self, world):
        w = world
        absence_depart(actor=w.officer, person=w.people.ann, kind="court", destination="court",
                       expected_back_at=w.now + timedelta(hours=3), reason="trial")
        c = emergency(w)
        assert sorted(c.sheets.values_list("unit__code", "expected", "expected_out")) == [
            ("B", 2, 0), ("EC", 3, 1), ("SOL", 1, 0)]
        ann = line(c, w.people.ann)
        assert (ann.mark, ann.absence.person_id) == ("out", w.people.ann.pk)
        with pytest.raises(Conflict) as exc:
            emergency(w)
        assert exc.value.code == "count_in_progress"

    def test_scheduled_count_needs_a_due_time(self, world):
        w = world
        with pytest.raises(Conflict) as exc:
            count_start(actor=w.officer, facility=w.place.facility)
        assert exc.value.code == "no_count_due"
        with pytest.raises(Forbidden):
            count_schedule_set(actor=w.officer, facility=w.place.facility, times=["22:00"])
        with pytest.raises(Invalid):
            count_schedule_set(actor=w.warden, facility=w.place.facility, times=["25:99"])
        count_schedule_set(actor=w.warden, facility=w.place.facility, times=["06:00", "12:00", "18:00", "22:00"])
        # 22:00 in New York on 2 November 2026 (EST) is 03:00 UTC on the 3rd.
        with clock.frozen_at(datetime(2026, 11, 3, 2, 55, tzinfo=UTC)):
            c = count_start(actor=w.officer, facility=w.place.facility)
        assert c.scheduled_for == datetime(2026, 11, 3, 3, 0, tzinfo=UTC)
        with pytest.raises(IntegrityError), transaction.atomic():
            Count.objects.create(facility=w.place.facility, kind="scheduled", scheduled_for=c.scheduled_for,
                                 started_by=w.officer, started_at=w.now, status="cleared", cleared_by=w.officer,
                                 cleared_at=w.now)

    def test_emergency_count_needs_a_reason(self, world):
        w = world
        with pytest.raises(Invalid):
            count_start(actor=w.officer, facility=w.place.facility, kind="emergency")
        with pytest.raises(Forbidden):
            count_start(actor=w.users["educator"], facility=w.place.facility, kind="emergency", reason="x")


class TestReconcile:
    def test_every_unit_reconciles_and_the_count_clears(self, world):
        w = world
        absence_depart(actor=w.officer, person=w.people.ann, kind="court", destination="court",
                       expected_back_at=w.now + timedelta(hours=3), reason="trial")
        c = emergency(w)
        mark_all(w, c, "EC")
        s = count_sheet_submit(actor=w.officer, sheet=sheet(c, "EC"))
        assert s.reconciled
        mark_all(w, c, "B")
        count_sheet_submit(actor=w.officer, sheet=sheet(c, "B"))
        c.refresh_from_db()
        assert c.status == "open"  # SOL not counted yet
        count_sheet_submit(actor=w.officer, sheet=sheet(c, "SOL"), total=1)  # a unit total instead of marks
        c.refresh_from_db()
        assert (c.status, c.cleared_by) == ("cleared", w.officer)
        assert not Alert.objects.exists()
        with pytest.raises(Conflict) as exc:
            count_mark(actor=w.officer, line=line(c, w.people.fay), mark="absent")
        assert exc.value.code == "count_closed"

    def test_absent_raises_an_alert_then_found_elsewhere_reconciles(self, world):
        w = world
        c = emergency(w)
        count_mark(actor=w.officer, line=line(c, w.people.ann), mark="absent")
        count_mark(actor=w.officer, line=line(c, w.people.bob), mark="absent")
        count_mark(actor=w.officer, line=line(c, w.people.cid), mark="present")
        s = count_sheet_submit(actor=w.officer, sheet=sheet(c, "EC"))
        assert not s.reconciled
        alert = Alert.objects.get()
        assert alert.status == "open" and w.people.ann.inmate_number in alert.message
        assert list(selectors.open_alerts(actor=w.warden)) == [alert]
        assert list(selectors.open_alerts(actor=w.manager)) == [alert]
        assert not selectors.open_alerts(actor=w.users["educator"]).exists()
        # Escape procedure: the facility is locked down.
        c = count_escalate(actor=w.warden, count=c, reason="two missing from EC")
        assert c.lockdown.facility == w.place.facility and c.lockdown.lifted_at is None
        with pytest.raises(Conflict):
            count_escalate(actor=w.warden, count=c, reason="again")
        # Found in the tunnel.
        for person in (w.people.ann, w.people.bob):
            count_mark(actor=w.officer, line=line(c, person), mark="elsewhere", where="tunnel under EC-1-01")
        s.refresh_from_db()
        assert not s.reconciled  # found, but not yet reconciled by a supervisor
        with pytest.raises(Invalid):
            count_mark(actor=w.officer, line=line(c, w.people.ann), mark="elsewhere", where="")
        with pytest.raises(Forbidden):
            count_line_reconcile(actor=w.officer, line=line(c, w.people.ann), note="x")
        for person in (w.people.ann, w.people.bob):
            count_line_reconcile(actor=w.warden, line=line(c, person), note="taken to the infirmary")
        s.refresh_from_db()
        assert s.reconciled
        alert.refresh_from_db()
        assert alert.status == "resolved"
        mark_all(w, c, "B")
        count_sheet_submit(actor=w.officer, sheet=sheet(c, "B"))
        count_sheet_submit(actor=w.officer, sheet=sheet(c, "SOL"), total=1)
        c.refresh_from_db()
        assert c.status == "cleared"

    def test_unit_total_mismatch_is_a_discrepancy(self, world):
        w = world
        c = emergency(w)
        s = count_sheet_submit(actor=w.officer, sheet=sheet(c, "B"), total=1)
        assert not s.reconciled
        assert "unit total 1, expected 2" in Alert.objects.get().message
        # Marking the missing person explains the total but the person is still absent.
        count_mark(actor=w.officer, line=line(c, w.people.eve), mark="absent")
        s.refresh_from_db()
        assert not s.reconciled
        count_mark(actor=w.officer, line=line(c, w.people.eve), mark="present")
        s.refresh_from_db()
        assert not s.reconciled  # total 1 no longer matches 2 present
        count_mark(actor=w.officer, line=line(c, w.people.eve), mark="elsewhere", where="kitchen")
        count_line_reconcile(actor=w.manager, line=line(c, w.people.eve), note="works in the kitchen")
        s.refresh_from_db()
        assert s.reconciled

    def test_submission_needs_every_mark_or_a_total(self, world):
        w = world
        c = emergency(w)
        with pytest.raises(Invalid) as exc:
            count_sheet_submit(actor=w.officer, sheet=sheet(c, "EC"))
        assert "total" in exc.value.fields
        count_sheet_submit(actor=w.officer, sheet=sheet(c, "EC"), total=3)
        with pytest.raises(Conflict) as exc:
            count_sheet_submit(actor=w.officer, sheet=sheet(c, "EC"), total=3)
        assert exc.value.code == "already_submitted"

    def test_cross_check_by_a_second_officer(self, world):
        from conftest import make_user

        w = world
        c = emergency(w)
        s = sheet(c, "B")
        with pytest.raises(Conflict) as exc:
            count_sheet_crosscheck(actor=w.officer, sheet=s, total=2)
        assert exc.value.code == "not_submitted"
        s = count_sheet_submit(actor=w.officer, sheet=s, total=2)
        with pytest.raises(Conflict) as exc:
            count_sheet_crosscheck(actor=w.officer, sheet=s, total=2)
        assert exc.value.code == "same_officer"
        second = make_user("officer2", "officer")
        s = count_sheet_crosscheck(actor=second, sheet=s, total=1)
        assert (s.crosscheck_by, s.crosscheck_total, s.reconciled) == (second, 1, False)
        assert "cross-check total 1" in Alert.objects.get(sheet=s).message
        with pytest.raises(IntegrityError), transaction.atomic():
            CountSheet.objects.filter(pk=s.pk).update(crosscheck_by=w.officer)

    def test_database_shapes(self, world):
        w = world
        c = emergency(w)
        ln = line(c, w.people.ann)
        with pytest.raises(IntegrityError), transaction.atomic():
            CountLine.objects.filter(pk=ln.pk).update(mark="elsewhere", where="", marked_at=w.now)
        with pytest.raises(IntegrityError), transaction.atomic():
            Count.objects.create(facility=w.place.facility, kind="emergency", reason="x", started_by=w.officer,
                                 started_at=w.now)
        with pytest.raises(IntegrityError), transaction.atomic():
            CountSheet.objects.filter(count=c, unit__code="B").update(reconciled=True)

    def test_progress_counts_marks(self, world):
        w = world
        c = emergency(w)
        count_mark(actor=w.officer, line=line(c, w.people.ann), mark="present")
        summary = {row["sheet"].unit.code: row for row in selectors.count_summary(c)}
        assert (summary["EC"]["counted"], summary["EC"]["lines"]) == (1, 3)
