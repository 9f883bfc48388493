"""Escapes, recaptures and attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from emerald.core import clock
from emerald.core.errors import Conflict, Forbidden, Invalid
from emerald.housing.models import Placement
from emerald.incidents.models import Incident
from emerald.movements.models import Absence, Escape
from emerald.movements.services import absence_depart, escape_attempt_record, escape_recapture, escape_record
from emerald.people.models import Stay

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


class TestEscape:
    def test_escape_closes_the_placement_and_records_an_incident(self, world):
        w = world
        e = escape_record(actor=w.warden, person=w.people.dan, last_seen_at=w.now - 2 * H,
                          circumstances="cut through the fence")
        w.people.dan.refresh_from_db()
        assert w.people.dan.status == "escaped"
        assert not Placement.objects.filter(person=w.people.dan, end_at__isnull=True).exists()
        stay = Stay.objects.get(person=w.people.dan)
        assert (stay.release_kind, stay.released_at) == ("escaped", w.now)
        assert (e.kind, e.last_seen_at, e.from_cell.code) == ("escape", w.now - 2 * H, "B-1-01")
        incident = Incident.objects.get(pk=e.incident_id)
        assert incident.type == "escape_attempt"
        assert list(incident.involvements.values_list("person_id", "role")) == [(w.people.dan.pk, "participant")]

    def test_recapture_readmits_into_a_new_placement(self, world):
        w = world
        escape_record(actor=w.warden, person=w.people.dan, last_seen_at=w.now - 2 * H, circumstances="fence")
        with pytest.raises(Invalid):
            escape_recapture(actor=w.warden, person=w.people.dan, cell_id=w.place.cell("SOL-02").pk,
                             at=w.now - 3 * H, circumstances="caught")  # before last seen
        with clock.frozen_at(w.now + 5 * H):
            e = escape_recapture(actor=w.warden, person=w.people.dan, cell_id=w.place.cell("SOL-02").pk,
                                 at=w.now + 4 * H, circumstances="found at the bus station")
        w.people.dan.refresh_from_db()
        assert w.people.dan.status == "in_custody"
        assert (e.recaptured_at, e.recapture_placement.cell.code) == (w.now + 4 * H, "SOL-02")
        assert e.recapture_placement.kind == "admission" and Stay.objects.filter(person=w.people.dan).count() == 2
        with pytest.raises(Conflict) as exc:
            escape_recapture(actor=w.warden, person=w.people.dan, cell_id=w.place.cell("SOL-02").pk,
                             at=w.now, circumstances="again")
        assert exc.value.code == "not_escaped"

    def test_escape_while_out_ends_the_absence(self, world):
        w = world
        a = absence_depart(actor=w.officer, person=w.people.dan, kind="hospital", destination="St. Mary's",
                           expected_back_at=w.now + 4 * H, reason="x-ray")
        escape_record(actor=w.warden, person=w.people.dan, last_seen_at=w.now, circumstances="ran from the van")
        a.refresh_from_db()
        assert (a.status, a.close_reason) == ("ended", "escaped")

    def test_rules(self, world, person_factory):
        w = world
        with pytest.raises(Forbidden):
            escape_record(actor=w.officer, person=w.people.dan, last_seen_at=w.now, circumstances="x")
        with pytest.raises(Invalid):
            escape_record(actor=w.warden, person=w.people.dan, last_seen_at=w.now + H, circumstances="x")
        with pytest.raises(Invalid):
            escape_record(actor=w.warden, person=w.people.dan, last_seen_at=w.now, circumstances=" ")
        with pytest.raises(Conflict) as exc:
            escape_record(actor=w.warden, person=person_factory("Free"), last_seen_at=w.now, circumstances="x")
        assert exc.value.code == "not_in_custody"
        # Unit managers: only from the units they manage (the release service's rule).
        with pytest.raises(Forbidden):
            escape_record(actor=w.manager, person=w.people.dan, last_seen_at=w.now, circumstances="x")
        assert not Escape.objects.exists() and not Absence.objects.exists()

    def test_database_one_open_escape_per_person(self, world):
        w = world
        e = escape_record(actor=w.warden, person=w.people.dan, last_seen_at=w.now, circumstances="fence")
        with pytest.raises(IntegrityError), transaction.atomic():
            Escape.objects.create(person=w.people.dan, kind="escape", last_seen_at=w.now, circumstances="x",
                                  recorded_by=w.warden, recorded_at=w.now)
        with pytest.raises(IntegrityError), transaction.atomic():
            Escape.objects.filter(pk=e.pk).update(recaptured_at=w.now)  # without who, where and how


class TestAttempt:
    def test_attempt_records_an_incident_and_changes_nobody(self, world):
        w = world
        before = list(Placement.objects.order_by("id").values_list("id", "end_at"))
        rows = escape_attempt_record(actor=w.officer, people=[w.people.ann, w.people.bob], at=w.now - H,
                                     circumstances="tunnel collapsed; both pulled out alive")
        assert [r.kind for r in rows] == ["attempt", "attempt"]
        assert rows[0].incident_id == rows[1].incident_id
        incident = Incident.objects.get(pk=rows[0].incident_id)
        assert incident.unit.code == "EC" and incident.involvements.count() == 2
        assert list(Placement.objects.order_by("id").values_list("id", "end_at")) == before
        w.people.ann.refresh_from_db()
        assert w.people.ann.status == "in_custody"

    def test_attempt_input(self, world):
        w = world
        with pytest.raises(Invalid):
            escape_attempt_record(actor=w.officer, people=[], at=w.now, circumstances="x")
        with pytest.raises(Invalid):
            escape_attempt_record(actor=w.officer, people=[w.people.ann, w.people.ann], at=w.now, circumstances="x")
        with pytest.raises(Forbidden):
            escape_attempt_record(actor=w.users["medical"], people=[w.people.ann], at=w.now, circumstances="x")
