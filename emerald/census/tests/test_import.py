"""The census import on small real excerpts of both NYC formats (see make_fixtures.py for what was changed)."""

from __future__ import annotations

import gzip
import io
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from emerald.audit.models import AuditEntry
from emerald.audit.verify import verify_chain
from emerald.census import importer
from emerald.census import services as census_services
from emerald.census.importer import run_import, run_verify
from emerald.census.models import BadRow, CensusEvent, Gap, ImportedDay, ImportRun, SourceRecord
from emerald.core.errors import NotFound
from emerald.housing.models import Placement
from emerald.housing.selectors import roll
from emerald.people.models import Person, Stay
from emerald.people.selectors import people_visible_to, person_get

FIXTURES = Path(__file__).parent / "fixtures"
CURRENT = FIXTURES / "current"
FOIL = FIXTURES / "foil"
NY = ZoneInfo("America/New_York")


def census(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=NY)


def forget_imports() -> None:
    """Remove everything the imports wrote, so the same files can be imported again from nothing."""
    for model in (CensusEvent, ImportedDay, Gap, BadRow, SourceRecord, Placement, Stay):
        model.objects.all().delete()
    Person.history.all().delete()
    Person.objects.all().delete()
    ImportRun.objects.all().delete()


def snapshot() -> dict[str, object]:
    """Everything the import writes, in a comparable form."""
    return {
        "people": sorted(Person.objects.values_list("inmate_number", "status", "custody_level", "sex", "sealed")),
        "stays": sorted(Stay.objects.values_list("person__inmate_number", "admitted_at", "released_at")),
        "placements": sorted(Placement.objects.values_list("person__inmate_number", "unit__code", "start_at", "end_at")),
        "events": sorted(CensusEvent.objects.values_list("person__inmate_number", "kind", "attribute", "old_value",
                                                         "new_value", "at", "window_start", "window_end", "in_gap")),
        "days": sorted(ImportedDay.objects.values_list("day", "content_sha256")),
        "gaps": sorted(Gap.objects.values_list("first_missing", "last_missing")),
    }


def stays_of(number: str) -> list[tuple[datetime, datetime | None]]:
    return list(Stay.objects.filter(person__inmate_number=number).order_by("admitted_at")
                .values_list("admitted_at", "released_at"))


def units_of(number: str) -> list[str]:
    return list(Placement.objects.filter(person__inmate_number=number).order_by("start_at", "id")
                .values_list("unit__code", flat=True))


@pytest.mark.django_db
def test_current_format_builds_the_history(users):
    admin = users["administrator"]
    report = run_import(actor=admin, paths=[CURRENT], facility_code="NYC")

    assert (report.days, report.people, report.gaps[0]["first_missing"], len(report.gaps)) == (4, 9, "2025-01-05", 1)
    # Bad rows: file, line, reason; the import went on.
    bad = {(b.file_name, b.line): b.reason for b in report.bad_rows}
    name = "DOC_Inmates_InCustody_Daily_20250103.csv.gz"
    assert set(bad) == {(name, 8), (name, 9), (name, 10), (name, 11)}
    assert "ADMITTED_DT" in bad[(name, 8)] and "expected 12 fields" in bad[(name, 9)]
    assert "not a usable inmate number" in bad[(name, 10)] and "appears again (line 6)" in bad[(name, 11)]
    assert BadRow.objects.filter(run_id=report.run_id).count() == 4

    d2, d3, d4, d6 = (census(date(2025, 1, n)) for n in (2, 3, 4, 6))
    one = timedelta(seconds=1)
    # A stay starts at ADMITTED_DT; absent the next day: released just after the census that still showed them.
    assert stays_of("20217811") == [(datetime(2024, 12, 4, 16, 2, 24, tzinfo=NY), d2 + one)]
    assert Person.objects.get(inmate_number="20217811").status == "released"
    # Present, absent, back with a new ADMITTED_DT: a second stay.
    assert stays_of("20226292") == [(datetime(2024, 7, 30, 17, 20, 44, tzinfo=NY), d2 + one),
                                    (datetime(2025, 1, 3, 11, 21, 27, tzinfo=NY), None)]
    # Custody level changes are kept over time, and move the person between the mapped units.
    assert units_of("20170425") == ["MAX", "MED"]
    change = CensusEvent.objects.get(person__inmate_number="20170425", attribute="custody_level")
    assert (change.old_value, change.new_value, change.window_start, change.window_end, change.in_gap) == (
        "MAX", "MED", d2, d3, False)
    assert Person.objects.get(inmate_number="20170425").custody_level == "medium"
    # Blank custody level: the UNASSIGNED unit; classified across the gap: the event carries the gap.
    assert units_of("20221543") == ["UNASSIGNED", "MED"]
    moved = CensusEvent.objects.get(person__inmate_number="20221543", kind="housing")
    assert (moved.window_start, moved.window_end, moved.in_gap) == (d4, d6, True)
    released_in_gap = CensusEvent.objects.get(person__inmate_number="20171735", kind="release")
    assert (released_in_gap.window_start, released_in_gap.window_end, released_in_gap.in_gap) == (d4, d6, True)
    gap = Gap.objects.get()
    assert (gap.window_start, gap.window_end, gap.days) == (d4, d6, 1)
    # Flags and source attributes.
    record = SourceRecord.objects.get(source_id="20170425")
    assert (record.mental_health_observation, record.security_risk_group, record.status_code, record.top_charge) == (
        True, True, "DE", "125.21")
    top_charge = CensusEvent.objects.get(person__inmate_number="36282", attribute="top_charge")
    assert (top_charge.old_value, top_charge.new_value) == ("", "155.30")
    assert Person.objects.get(inmate_number="20217023").sex == ""  # GENDER blank in the source: not recorded

    # The roll as of every census lists exactly that file's people (and the API agrees).
    checks = run_verify(actor=admin, paths=[CURRENT], use_api=True)
    assert len(checks) == 4 and all(c.ok for c in checks), [c for c in checks if not c.ok]
    assert all(c.api_ok for c in checks)
    assert sorted(_facility_people(roll(actor=admin, at=d6))) == sorted(
        ["20170425", "20217023", "20221543", "20226292", "20226867", "36282", "67006"])

    # One audit entry per day, plus the run's start and finish; the chain holds.
    assert AuditEntry.objects.filter(action="census.import_day").count() == 4
    assert AuditEntry.objects.filter(action__in=["census.import_start", "census.import_finish"]).count() == 2
    assert verify_chain().ok


@pytest.mark.django_db
def test_sealed_records_are_for_allowed_roles_only(users):
    run_import(actor=users["administrator"], paths=[CURRENT], facility_code="NYC")
    sealed = Person.objects.get(inmate_number="67006")
    assert sealed.sealed and SourceRecord.objects.get(person=sealed).sealed
    for role in ("administrator", "warden", "investigator"):
        assert person_get(actor=users[role], inmate_number="67006") == sealed
    for role in ("officer", "unit_manager", "medical", "educator", "auditor"):
        assert not people_visible_to(users[role]).filter(pk=sealed.pk).exists()
        with pytest.raises(NotFound):
            person_get(actor=users[role], inmate_number="67006")
    # The head count still counts them, without naming them (emerald/people/visibility.py).
    at = census(date(2025, 1, 6))
    for_officer = _facility_people(roll(actor=users["officer"], at=at))
    assert "67006" not in for_officer and for_officer.count(None) == 1
    for_warden = _facility_people(roll(actor=users["warden"], at=at))
    assert None not in for_warden and sorted(for_warden) == sorted([n for n in for_officer if n] + ["67006"])


@pytest.mark.django_db
def test_old_format_and_readmission_between_two_censuses(users):
    admin = users["administrator"]
    report = run_import(actor=admin, paths=[FOIL], facility_code="RIKERS", id_prefix="N19-")
    assert (report.days, report.people, report.bad_rows, report.gaps) == (3, 6, [], [])
    # Present on 03-04 and 03-05, but with a new ADMITTED_DT on 03-05 (in the window): released and admitted then.
    at = datetime(2019, 3, 5, 0, 9, 17, tzinfo=NY)
    assert stays_of("N19-20166096") == [(datetime(2019, 3, 2, 12, 51, 53, tzinfo=NY), at), (at, None)]
    assert units_of("N19-20166096") == ["UNASSIGNED", "MED", "MED"]
    assert units_of("N19-24290") == ["UNASSIGNED"]  # blank custody level throughout
    assert units_of("N19-20172747") == ["MED", "MAX"]
    assert Person.objects.get(inmate_number="N19-67006").sealed
    assert all(c.ok for c in run_verify(actor=admin, paths=[FOIL]))


@pytest.mark.django_db
def test_both_formats_in_one_run_and_one_facility(users):
    admin = users["administrator"]
    report = run_import(actor=admin, paths=[CURRENT, FOIL], facility_code="NYC")
    assert report.days == 7
    assert [g["first_missing"] for g in report.gaps] == ["2019-03-06", "2025-01-05"]
    # 67006 was in custody in 2019 and again in 2025 with another ADMITTED_DT: two stays of one person.
    assert len(stays_of("67006")) == 2
    assert all(c.ok for c in run_verify(actor=admin, paths=[CURRENT, FOIL]))


@pytest.mark.django_db
def test_reading_by_difference_writes_what_comparing_every_row_writes(users, monkeypatch):
    admin = users["administrator"]
    real_import_day = census_services._import_day
    paths_taken = []

    def watch(**kwargs):
        delta, state = kwargs["delta"], kwargs["state"]
        paths_taken.append(delta is not None and delta.base is not None and delta.base is state.synced)
        return real_import_day(**kwargs)

    monkeypatch.setattr(census_services, "_import_day", watch)
    run_import(actor=admin, paths=[CURRENT, FOIL], facility_code="NYC")
    assert paths_taken == [False, True, True, True, True, True, True]  # the first day: nothing to compare with
    by_difference = snapshot()
    forget_imports()

    real_parse_day = importer.parse_day

    def whole_rows_only(*args, **kwargs):
        parsed = real_parse_day(*args, **kwargs)
        parsed.delta = None
        return parsed

    monkeypatch.setattr(importer, "parse_day", whole_rows_only)
    paths_taken.clear()
    run_import(actor=admin, paths=[CURRENT, FOIL], facility_code="NYC")
    assert not any(paths_taken)
    assert snapshot() == by_difference


@pytest.mark.django_db
def test_importing_the_same_files_again_changes_nothing(users):
    admin = users["administrator"]
    run_import(actor=admin, paths=[CURRENT], facility_code="NYC")
    before = snapshot()
    again = run_import(actor=admin, paths=[CURRENT], facility_code="NYC")
    assert (again.days, again.days_already_imported, again.people, again.rows) == (0, 4, 0, 0)
    assert snapshot() == before


@pytest.mark.django_db
def test_resumes_after_an_interruption(users, monkeypatch):
    admin = users["administrator"]
    run_import(actor=admin, paths=[CURRENT], facility_code="NYC")
    expected = snapshot()
    # Start again from an empty history: stop after two days, then crash in the middle of the third.
    forget_imports()

    first = run_import(actor=admin, paths=[CURRENT], facility_code="NYC", stop_after_days=2)
    assert first.days == 2 and first.stopped

    real_insert = census_services.bulk.insert

    def crash_on_events(model, names, rows):
        if model is CensusEvent:
            raise RuntimeError("power cut")
        return real_insert(model, names, rows)

    monkeypatch.setattr(census_services.bulk, "insert", crash_on_events)
    with pytest.raises(RuntimeError):
        run_import(actor=admin, paths=[CURRENT], facility_code="NYC")
    # The third day was written not at all: no day record, nobody admitted on it.
    assert ImportedDay.objects.count() == 2
    assert not Person.objects.filter(inmate_number="20221543").exists()
    monkeypatch.setattr(census_services.bulk, "insert", real_insert)

    rest = run_import(actor=admin, paths=[CURRENT], facility_code="NYC")
    assert (rest.days, rest.days_already_imported) == (2, 2)
    assert snapshot() == expected
    assert all(c.ok for c in run_verify(actor=admin, paths=[CURRENT]))


@pytest.mark.django_db
def test_history_is_not_rewritten(users, tmp_path):
    admin = users["administrator"]
    files = sorted(CURRENT.iterdir())
    run_import(actor=admin, paths=files[1:], facility_code="NYC")
    # An earlier day found later cannot be slotted in; a day's file with other content is refused.
    late = run_import(actor=admin, paths=[files[0]], facility_code="NYC")
    assert late.days == 0 and "comes before the last imported day" in late.problems[0].reason
    changed = tmp_path / files[1].name
    text = gzip.decompress(files[1].read_bytes()).decode().replace("MED", "MAX", 1)
    changed.write_bytes(gzip.compress(text.encode()))
    other = run_import(actor=admin, paths=[changed], facility_code="NYC")
    assert other.days == 0 and "different content" in other.problems[0].reason
    # verify does not accept a file it was not imported from.
    assert [c.problem for c in run_verify(actor=admin, paths=[changed])] == ["not imported"]


@pytest.mark.django_db
def test_verify_notices_a_roll_that_disagrees(users):
    admin = users["administrator"]
    run_import(actor=admin, paths=[CURRENT], facility_code="NYC")
    d3 = census(date(2025, 1, 3))
    # Corrupt history behind the services' back: 36282's placement starts a day late.
    Placement.objects.filter(person__inmate_number="36282").update(start_at=d3 + timedelta(hours=1))
    failed = [c for c in run_verify(actor=admin, paths=[CURRENT]) if not c.ok]
    assert [(c.day, c.missing) for c in failed] == [("2025-01-03", ["36282"])]


@pytest.mark.django_db
def test_command_line(users, tmp_path):
    out = io.StringIO()
    call_command("import", "census", str(CURRENT), "--facility", "NYC", "--no-progress", stdout=out)
    text = out.getvalue()
    assert "days imported:        4" in text and "missing 2025-01-05" in text and ":8: ADMITTED_DT" in text
    out = io.StringIO()
    call_command("import", "verify", str(CURRENT), stdout=out)
    assert "4 of 4 days verified" in out.getvalue()
    assert ImportRun.objects.get().started_by.username == "census-import"


def _facility_people(r: dict, code: str = "NYC") -> list[str]:
    return [n for f in r["facilities"] if f["code"] == code for u in f["units"] for n in u["people"]]


@pytest.mark.django_db
def test_imported_people_are_found_by_number(users):
    from emerald.people.selectors import person_search

    run_import(actor=users["administrator"], paths=[CURRENT], facility_code="NYC")
    officer = users["officer"]
    assert [p.inmate_number for p in person_search(actor=officer, q="36282")] == ["36282"]
    assert [p.inmate_number for p in person_search(actor=officer, q="2022")] == ["20221543", "20226292", "20226867"]
    assert list(person_search(actor=officer, q="67006")) == []  # sealed
    assert [p.inmate_number for p in person_search(actor=users["warden"], q="67006")] == ["67006"]
