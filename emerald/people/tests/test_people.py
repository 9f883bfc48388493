"""People: unique inmate numbers, aliases, statuses, stays, and search."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from conftest import admit
from emerald.audit.models import AuditEntry
from emerald.core import clock
from emerald.core.errors import Conflict, Invalid
from emerald.housing.models import Placement
from emerald.housing.services import person_release, placement_move
from emerald.people.models import Alias, Person, PersonStatus, Stay
from emerald.people.selectors import person_get, person_open_record, person_search
from emerald.people.services import person_create, person_update

pytestmark = pytest.mark.django_db


def create(actor, number, first="Test", last="Person", **extra):
    return person_create(actor=actor, inmate_number=number, first_name=first, last_name=last,
                         sex=extra.pop("sex", "male"), custody_level=extra.pop("custody_level", "medium"), **extra)


class TestIdentity:
    def test_inmate_number_is_unique_in_the_service(self, users):
        admin = users["administrator"]
        create(admin, "97A1234")
        with pytest.raises(Invalid) as exc:
            create(admin, "97a1234 ")  # same number, other case and a stray space
        assert exc.value.status == 400 and "inmate_number" in exc.value.fields
        assert Person.objects.filter(inmate_number="97A1234").count() == 1

    def test_inmate_number_is_unique_in_the_database(self, users):
        create(users["administrator"], "97A1234")
        with pytest.raises(IntegrityError), transaction.atomic():
            Person.objects.create(inmate_number="97A1234", first_name="X", last_name="Y", sex="male",
                                  custody_level="maximum", created_at=clock.now())

    def test_blank_number_refused_by_the_database(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            Person.objects.create(inmate_number="", first_name="X", last_name="Y", sex="male",
                                  custody_level="maximum", created_at=clock.now())

    @pytest.mark.parametrize("field,value", [
        ("inmate_number", "bad number!"), ("first_name", " "), ("sex", "other"), ("custody_level", "supermax"),
        ("date_of_birth", date(1850, 1, 1)),
    ])
    def test_invalid_identity_is_400_and_writes_nothing(self, users, field, value):
        kwargs = {"inmate_number": "X1", "first_name": "A", "last_name": "B", "sex": "male",
                  "custody_level": "minimum", field: value}
        with pytest.raises(Invalid) as exc:
            person_create(actor=users["administrator"], **kwargs)
        assert field in exc.value.fields
        assert not Person.objects.exists()

    def test_future_birth_date_refused(self, users, frozen_now):
        with pytest.raises(Invalid) as exc:
            create(users["administrator"], "X1", date_of_birth=frozen_now.date() + timedelta(days=1))
        assert "date_of_birth" in exc.value.fields

    def test_new_record_is_not_admitted(self, users, frozen_now):
        p = create(users["officer"], "x-1")
        assert p.inmate_number == "X-1"
        assert p.status == PersonStatus.NOT_ADMITTED and p.created_at == frozen_now
        assert not Stay.objects.filter(person=p).exists()

    def test_aliases_are_kept_deduplicated_and_replaced(self, users):
        officer = users["officer"]
        p = create(officer, "A1", "Ryan", "O'Reily", aliases=["Irish", " Irish ", "", "The  Kid"])
        assert sorted(p.aliases.values_list("name", flat=True)) == ["Irish", "The Kid"]
        person_update(actor=officer, person=p, changes={"aliases": ["Irish", "Ry"]})
        assert sorted(Alias.objects.filter(person=p).values_list("name", flat=True)) == ["Irish", "Ry"]
        entry = AuditEntry.objects.filter(action="person.update").latest("seq")
        assert entry.changes == {"aliases": [["Irish", "The Kid"], ["Irish", "Ry"]]}
        assert entry.summary == "changed aliases of A1"
        # The old alias stays in the history.
        assert Alias.history.filter(name="The Kid", history_type="-").exists()

    def test_update_changes_fields_and_audits_the_diff(self, users):
        officer = users["officer"]
        p = create(officer, "A1", "Tobias", "Beecher")
        person_update(actor=officer, person=p, changes={"custody_level": "maximum", "first_name": "Tobias"})
        p.refresh_from_db()
        assert p.custody_level == "maximum"
        entry = AuditEntry.objects.filter(action="person.update").latest("seq")
        assert entry.changes == {"custody_level": ["medium", "maximum"]}
        n = AuditEntry.objects.count()
        person_update(actor=officer, person=p, changes={"custody_level": "maximum"})  # no change: no entry
        assert AuditEntry.objects.count() == n

    def test_update_refuses_unknown_or_read_only_fields(self, users):
        p = create(users["officer"], "A1")
        with pytest.raises(Invalid) as exc:
            person_update(actor=users["officer"], person=p, changes={"status": "released", "inmate_number": "B"})
        assert set(exc.value.fields) == {"status", "inmate_number"}


class TestStatusAndStays:
    def test_admission_opens_a_stay_and_release_closes_it(self, users, place, person_factory):
        admin = users["administrator"]
        p = person_factory("Alvarez", "Miguel")
        with clock.frozen_at(clock.now().replace(year=2026, month=1, day=1)):
            admit(admin, p, place.cell("B-1-01"), reason="sentenced")
            t_in = clock.now()
        p.refresh_from_db()
        assert p.status == PersonStatus.IN_CUSTODY
        (stay,) = Stay.objects.filter(person=p)
        assert (stay.admitted_at, stay.admission_reason, stay.admitted_by, stay.released_at) == (
            t_in, "sentenced", admin, None)
        with clock.frozen_at(t_in + timedelta(days=30)):
            person_release(actor=admin, person=p, reason="sentence served")
        p.refresh_from_db()
        stay.refresh_from_db()
        assert p.status == PersonStatus.RELEASED
        assert stay.released_at == t_in + timedelta(days=30)
        assert (stay.release_kind, stay.release_reason, stay.released_by) == ("released", "sentence served", admin)
        assert not Placement.objects.filter(person=p, end_at__isnull=True).exists()

    def test_readmission_starts_a_new_stay(self, users, place, person_factory):
        admin = users["administrator"]
        p = person_factory("Hill")
        admit(admin, p, place.cell("B-1-01"))
        person_release(actor=admin, person=p, reason="parole")
        admit(admin, p, place.cell("B-1-02"), reason="parole violation")
        stays = list(Stay.objects.filter(person=p).order_by("admitted_at", "id"))
        assert len(stays) == 2
        assert stays[0].released_at is not None and stays[1].released_at is None
        assert stays[1].admission_reason == "parole violation"
        assert Placement.objects.filter(person=p).count() == 2

    def test_cannot_admit_someone_in_custody(self, users, place, person_factory):
        admin = users["administrator"]
        p = person_factory("Said")
        admit(admin, p, place.cell("B-1-01"))
        with pytest.raises(Conflict) as exc:
            admit(admin, p, place.cell("B-1-02"))
        assert exc.value.code == "not_in_custody"
        assert Stay.objects.filter(person=p).count() == 1

    def test_cannot_move_or_release_someone_not_in_custody(self, users, place, person_factory):
        admin = users["administrator"]
        p = person_factory("Ryan")
        with pytest.raises(Conflict) as exc:
            placement_move(actor=admin, person=p, cell_id=place.cell("B-1-02").pk, reason="x")
        assert exc.value.code == "not_in_custody"
        with pytest.raises(Conflict) as exc:
            person_release(actor=admin, person=p, reason="x")
        assert exc.value.code == "not_in_custody"
        admit(admin, p, place.cell("B-1-01"))
        person_release(actor=admin, person=p, reason="x")
        with pytest.raises(Conflict) as exc:
            placement_move(actor=admin, person=p, cell_id=place.cell("B-1-02").pk, reason="x")
        assert exc.value.code == "not_in_custody"

    @pytest.mark.parametrize("kind", ["released", "transferred_out", "escaped", "deceased"])
    def test_release_kinds_set_the_status(self, users, place, person_factory, kind):
        admin = users["administrator"]
        p = person_factory("Keller")
        admit(admin, p, place.cell("B-1-01"))
        person_release(actor=admin, person=p, reason="x", kind=kind)
        p.refresh_from_db()
        assert p.status == kind
        assert Stay.objects.get(person=p).release_kind == kind

    def test_deceased_cannot_be_admitted_again_but_escaped_can(self, users, place, person_factory):
        admin = users["administrator"]
        dead, gone = person_factory("Dead"), person_factory("Gone")
        for p in (dead, gone):
            admit(admin, p, place.cell("B-1-01"))
        person_release(actor=admin, person=dead, reason="x", kind="deceased")
        person_release(actor=admin, person=gone, reason="tunnel", kind="escaped")
        with pytest.raises(Conflict) as exc:
            admit(admin, dead, place.cell("B-1-01"))
        assert exc.value.code == "not_in_custody"
        admit(admin, gone, place.cell("B-1-01"), reason="recaptured")

    def test_unknown_release_kind_is_400(self, users, place, person_factory):
        p = person_factory("X")
        admit(users["administrator"], p, place.cell("B-1-01"))
        with pytest.raises(Invalid):
            person_release(actor=users["administrator"], person=p, reason="x", kind="vanished")

    def test_one_open_stay_per_person_in_the_database(self, users, place, person_factory):
        p = person_factory("X")
        admit(users["administrator"], p, place.cell("B-1-01"))
        with pytest.raises(IntegrityError), transaction.atomic():
            Stay.objects.create(person=p, admitted_at=clock.now(), admission_reason="again")


class TestReads:
    def test_person_get_is_case_insensitive_and_404s_are_audited(self, users):
        create(users["administrator"], "ZZ1001")
        assert person_get(actor=users["officer"], inmate_number=" zz1001").inmate_number == "ZZ1001"
        from emerald.core.errors import NotFound

        with pytest.raises(NotFound):
            person_get(actor=users["officer"], inmate_number="NOPE")
        entry = AuditEntry.objects.latest("seq")
        assert (entry.action, entry.outcome, entry.object_id) == ("person.view", "denied", "NOPE")

    def test_opening_a_record_is_audited(self, users):
        create(users["administrator"], "ZZ1001")
        person_open_record(actor=users["medical"], inmate_number="ZZ1001")
        entry = AuditEntry.objects.latest("seq")
        assert (entry.actor, entry.action, entry.object_id, entry.outcome) == (
            users["medical"], "person.view", "ZZ1001", "success")
        assert entry.summary == "viewed the record of ZZ1001"


class TestSearch:
    @pytest.fixture
    def people(self, users):
        admin = users["administrator"]
        return {
            "ryan": create(admin, "97R0001", "Ryan", "O’Reily", aliases=["Irish"]),
            "cyril": create(admin, "97R0002", "Cyril", "O'Reily"),
            "jose": create(admin, "98J0001", "José", "Jiménez"),
            "joseph": create(admin, "98J0002", "Joseph", "Smith"),
            "adebisi": create(admin, "97A0001", "Simon", "Adebisi", aliases=["Kareem Saïd's enemy"]),
        }

    def found(self, users, q, **kw):
        return [p.inmate_number for p in person_search(actor=users["officer"], q=q, **kw)]

    def test_by_number(self, users, people):
        assert self.found(users, "97r0001") == ["97R0001"]
        assert self.found(users, "97R")[:2] == ["97R0001", "97R0002"]

    @pytest.mark.parametrize("q", ["O'Reily", "O’Reily", "o‘reily", "OReily", "oreily", "O Reily", "O`REILY"])
    def test_apostrophes_and_case_are_ignored(self, users, people, q):
        assert set(self.found(users, q)) == {"97R0001", "97R0002"}

    @pytest.mark.parametrize("q", ["Jose", "josé", "JOSE JIMENEZ", "Jiménez", "jimenez"])
    def test_accents_are_ignored(self, users, people, q):
        assert "98J0001" in self.found(users, q)

    def test_by_alias(self, users, people):
        assert self.found(users, "irish") == ["97R0001"]
        assert self.found(users, "kareem said") == ["97A0001"]

    def test_best_match_first(self, users, people):
        assert self.found(users, "ryan o'reily")[0] == "97R0001"
        assert self.found(users, "Cyril O’Reily")[0] == "97R0002"
        # "Jose" is the whole first name of José Jiménez and only the start of Joseph.
        assert self.found(users, "josé jiménez") == ["98J0001"]
        assert self.found(users, "98J0001")[0] == "98J0001"

    def test_nothing_matches(self, users, people):
        assert self.found(users, "Schillinger") == []

    def test_status_and_unit_filters(self, users, people, place):
        admit(users["administrator"], people["ryan"], place.cell("EC-1-01"))
        assert self.found(users, "reily", status="in_custody") == ["97R0001"]
        assert self.found(users, "", unit_id=place.ec.pk) == ["97R0001"]
        assert self.found(users, "", unit_id=place.b.pk) == []

    def test_roles_without_person_view_see_nobody(self, users, people):
        class Anonymous:
            is_authenticated = False

        assert list(person_search(actor=Anonymous(), q="reily")) == []
