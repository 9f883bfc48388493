"""Writes of the census import: a run's start and finish, and one census day at a time, in bulk.

Per-person service calls with an audit entry each would take hours for a year of rosters, so one day is one
service call (:func:`census_day_import`): one transaction (the day is written whole or not at all), bulk
inserts and updates, and ONE audit entry summarising the day. The database invariants still hold: placements
are closed before new ones open (one open placement per person and per bed), one open stay per person.

Housing: each census person is placed in a unit chosen by a mapping of the source's custody level (by
default MIN → unit ``MIN``, MED → ``MED``, MAX → ``MAX``), or in the unit ``UNASSIGNED`` when the level is
blank or unknown or when no mapping is wanted. Each of these units gets one dormitory cell
(``<unit>-DORM``) whose beds grow as its population grows, so the roll shows everyone and a bed is never
shared. The rules of ordinary moves (keep-apart orders, closed units) are not applied: the import records
what the other system says happened, it does not decide anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Max
from django.utils.translation import gettext as _

from emerald.audit import services as audit
from emerald.census import bulk
from emerald.census.models import (
    BadRow,
    CensusEvent,
    EventKind,
    Gap,
    ImportedDay,
    ImportRun,
    RunStatus,
    SourceRecord,
)
from emerald.census.reader import Bad, CensusRow, Delta
from emerald.core import clock
from emerald.core.access import require
from emerald.core.errors import Conflict, field_error
from emerald.core.services import service
from emerald.facilities import services as facility_services
from emerald.facilities.models import Bed, Bunk, Cell, Facility, SecurityLevel, Unit, UnitKind
from emerald.housing.models import Placement, PlacementKind
from emerald.people.models import Person, PersonStatus, ReleaseKind, Sex, Stay

LEVELS = {"MIN": SecurityLevel.MINIMUM.value, "MED": SecurityLevel.MEDIUM.value, "MAX": SecurityLevel.MAXIMUM.value}
DEFAULT_HOUSING_MAP = {"MIN": "MIN", "MED": "MED", "MAX": "MAX"}
UNASSIGNED = "UNASSIGNED"
SEXES = {"M": Sex.MALE.value, "F": Sex.FEMALE.value}
#: Dormitory beds are added in steps of this many, so a growing population does not add beds every day.
BED_STEP = 25
ONE_SECOND = timedelta(seconds=1)
#: Source attributes whose changes are kept as events, in CensusRow.flags() order.
ATTRIBUTES = ("custody_level", "mental_health_observation", "security_risk_group", "sealed", "infraction",
              "status_code", "top_charge")


# --------------------------------------------------------------------------- state


@dataclass
class Tracked:
    """A person of this source: in custody now (``stay_id`` set) or released and possibly coming back."""

    source_id: str
    person_id: int
    number: str
    record_id: int
    sealed: bool
    level: str  # Person.custody_level
    sex: str  # Person.sex ("" when the source never said)
    admitted_raw: str
    flags: tuple[Any, ...]
    demographics: tuple[str, str, str]
    stay_id: int | None = None
    placement_id: int | None = None
    bed_id: int | None = None
    unit_code: str = ""
    last_release: datetime | None = None
    row: CensusRow | None = None  # the census row last seen (the reader reuses unchanged rows: same object)
    order: int = 0  # when taken into custody by this state: its order in ``SourceState.current``


@dataclass
class Dorm:
    unit_id: int
    cell_id: int
    free: list[int]  # bed ids, lowest number last (popped first)
    next_number: int


@dataclass
class SourceState:
    """Everything the importer needs to compare a census with the day before, loaded once per run.

    It is a cache of the database, checked against it at the start of every day (the last imported day
    must be the one it knows); any failure marks it stale and the next day reloads it.
    """

    facility: Facility
    id_prefix: str
    housing_map: dict[str, str]
    current: dict[str, Tracked] = field(default_factory=dict)  # in custody, by source id
    known: dict[str, Tracked] = field(default_factory=dict)  # released, by source id
    dorms: dict[str, Dorm] = field(default_factory=dict)
    last_day_id: int | None = None
    last_day: date | None = None
    last_census: datetime | None = None
    stale: bool = True
    taken: int = 0  # people taken into ``current`` so far (Tracked.order)
    #: The reader's token (reader.Delta.token) of the file this state was last brought up to date with: the next
    #: file's difference with that one is enough. None when the state comes from the database.
    synced: object | None = None

    def unit_for(self, custody_level: str) -> str:
        return self.housing_map.get(custody_level, UNASSIGNED)

    def unit_codes(self) -> list[str]:
        return sorted(set(self.housing_map.values()) | {UNASSIGNED})

    def load(self) -> None:
        """(Re)read the state of this source from the database."""
        self.current.clear()
        self.known.clear()
        self.dorms.clear()
        self.synced = None
        last = (ImportedDay.objects.filter(facility=self.facility, id_prefix=self.id_prefix)
                .order_by("-day").values("id", "day", "census_at").first())
        self.last_day_id = last["id"] if last else None
        self.last_day = last["day"] if last else None
        self.last_census = last["census_at"] if last else None
        records = SourceRecord.objects.filter(facility=self.facility, id_prefix=self.id_prefix)
        # Joins, not ``person__in=records``: SQLite evaluated that subquery once per open placement (16 s for
        # 6,500 people).
        mine = {"person__census_record__facility": self.facility, "person__census_record__id_prefix": self.id_prefix}
        open_stays = dict(Stay.objects.filter(released_at__isnull=True, **mine).order_by()
                          .values_list("person_id", "id"))
        open_placements = {
            pid: (pk, bed, unit)
            for pid, pk, bed, unit in Placement.objects.filter(end_at__isnull=True, **mine).order_by().values_list(
                "person_id", "id", "bed_id", "unit__code")
        }
        last_release = dict(Stay.objects.filter(**mine).order_by().values("person_id")
                            .annotate(r=Max("released_at")).values_list("person_id", "r"))
        for r in records.values("id", "person_id", "person__inmate_number", "person__sealed",
                                "person__custody_level", "person__sex", "source_id", "admitted_raw",
                                *ATTRIBUTES, "race", "gender", "age"):
            pid = r["person_id"]
            t = Tracked(
                source_id=r["source_id"], person_id=pid, number=r["person__inmate_number"], record_id=r["id"],
                sealed=r["person__sealed"], level=r["person__custody_level"], sex=r["person__sex"],
                admitted_raw=r["admitted_raw"], flags=tuple(r[a] for a in ATTRIBUTES),
                demographics=(r["race"], r["gender"], r["age"]), last_release=last_release.get(pid),
            )
            if pid in open_stays and pid in open_placements:
                t.stay_id = open_stays[pid]
                t.placement_id, t.bed_id, t.unit_code = open_placements[pid]
                self.taken += 1
                t.order = self.taken
                self.current[t.source_id] = t
            else:
                self.known[t.source_id] = t
        self._load_dorms()
        self.stale = False

    def _load_dorms(self) -> None:
        for code in self.unit_codes():
            cell = Cell.objects.filter(unit__facility=self.facility, unit__code=code, code=f"{code}-DORM").first()
            if cell is None:
                continue  # created by census_run_start before any day is imported
            taken = set(Placement.objects.filter(cell=cell, end_at__isnull=True).values_list("bed_id", flat=True))
            beds = list(Bed.objects.filter(cell=cell).order_by("-number").values_list("id", "number"))
            free = [pk for pk, _n in beds if pk not in taken]
            self.dorms[code] = Dorm(cell.unit_id, cell.pk, free, (beds[0][1] + 1) if beds else 1)

    def check_fresh(self) -> None:
        """Reload unless the database's last imported day is the one this state was built from."""
        if self.stale:
            self.load()
            return
        last = (ImportedDay.objects.filter(facility=self.facility, id_prefix=self.id_prefix)
                .order_by("-day").values_list("id", flat=True).first())
        if last != self.last_day_id:
            self.load()


# --------------------------------------------------------------------------- run start / finish


def _ensure_housing(*, actor: Any, facility: Facility, housing_map: dict[str, str]) -> list[str]:
    """Create the units and dormitory cells the mapping names, where missing. Returns what was created."""
    created = []
    targets = {code: LEVELS.get(level, SecurityLevel.MAXIMUM) for level, code in housing_map.items()}
    targets.setdefault(UNASSIGNED, SecurityLevel.MAXIMUM)
    for code, level in sorted(targets.items()):
        unit = Unit.objects.filter(facility=facility, code=code).first()
        if unit is None:
            kind = UnitKind.INTAKE if code == UNASSIGNED else UnitKind.GENERAL
            name = _("Unassigned (census import)") if code == UNASSIGNED else _("%(code)s (census import)") % {
                "code": code}
            unit = facility_services.unit_create(actor=actor, facility=facility, code=code, name=name, kind=kind,
                                                 security_level=level)
            created.append(code)
        if not Cell.objects.filter(unit=unit, code=f"{code}-DORM").exists():
            facility_services.cell_create(actor=actor, unit=unit, code=f"{code}-DORM", beds=BED_STEP, bunks=False)
            created.append(f"{code}-DORM")
    return created


@service("census.import_start")
def census_run_start(
    *, actor: Any, facility_code: str, id_prefix: str = "", timezone: str = "America/New_York",
    housing_map: dict[str, str] | None = None, os_user: str = "", options: dict[str, Any] | None = None,
) -> ImportRun:
    """Open an import run: create the facility (if it does not exist) and its census housing."""
    require(actor, "census.import", "census_run", facility_code)
    code = (facility_code or "").strip()
    if not code:
        raise field_error("facility", _("A facility code is required."))
    prefix = (id_prefix or "").strip().upper()
    if prefix and not prefix.replace("-", "").replace("_", "").isalnum():
        raise field_error("id_prefix", _("A prefix is letters, digits, - and _ only."))
    facility = Facility.objects.filter(code__iexact=code).first()
    if facility is None:
        facility = facility_services.facility_create(actor=actor, code=code, name=code, timezone=timezone)
    mapping = DEFAULT_HOUSING_MAP if housing_map is None else housing_map
    created = _ensure_housing(actor=actor, facility=facility, housing_map=mapping)
    interrupted = list(ImportRun.objects.filter(facility=facility, id_prefix=prefix, status=RunStatus.RUNNING)
                       .values_list("id", flat=True))
    run = ImportRun.objects.create(
        facility=facility, id_prefix=prefix, started_at=clock.now(), started_by=actor, os_user=os_user[:150],
        options={**(options or {}), "timezone": timezone, "housing_map": mapping}, status=RunStatus.RUNNING,
    )
    audit.record(actor=actor, action="census.import_start", object_type="census_run", object_id=run.pk,
                 changes={"facility": code, "id_prefix": prefix, "timezone": timezone, "housing_map": mapping,
                          "created": created, "continues_after_interrupted_runs": interrupted},
                 summary=f"started census import #{run.pk} into {code}"
                 + (f" (numbers prefixed {prefix})" if prefix else ""))
    return run


@service("census.import_finish")
def census_run_finish(*, actor: Any, run: ImportRun, report: dict[str, Any], bad_rows: list[Bad],
                      failed: bool = False) -> ImportRun:
    """Close a run with its report; the rows that could not be read are kept with it."""
    require(actor, "census.import", "census_run", run.pk)
    BadRow.objects.bulk_create(
        [BadRow(run=run, file_name=b.file_name[:500], line=b.line, reason=b.reason, raw=b.raw[:2000]) for b in bad_rows],
        batch_size=1000,
    )
    run.finished_at = max(clock.now(), run.started_at)
    run.status = RunStatus.FAILED if failed else RunStatus.FINISHED
    run.report = report
    run.save(update_fields=["finished_at", "status", "report"])
    ImportRun.objects.filter(facility=run.facility, id_prefix=run.id_prefix, status=RunStatus.RUNNING,
                             pk__lt=run.pk).update(status=RunStatus.FAILED)
    audit.record(actor=actor, action="census.import_finish", object_type="census_run", object_id=run.pk,
                 changes={k: v for k, v in report.items() if k != "gaps_list"},
                 summary=f"{'failed' if failed else 'finished'} census import #{run.pk} into {run.facility.code}: "
                 f"{report.get('days', 0)} days, {report.get('people', 0)} new people, {report.get('stays', 0)} stays, "
                 f"{report.get('releases', 0)} releases, {report.get('changes', 0)} changes, "
                 f"{report.get('gaps', 0)} gaps, {report.get('bad_rows', 0)} bad rows")
    return run


# --------------------------------------------------------------------------- one day


def _grow_dorms(state: SourceState, shortfall: dict[str, int]) -> None:
    """Add beds to full dormitories (in steps of BED_STEP) and raise their certified capacity with them."""
    for code, n in shortfall.items():
        dorm = state.dorms[code]
        add = ((n + BED_STEP - 1) // BED_STEP) * BED_STEP
        ids = bulk.reserve_ids(Bed, add)
        bulk.insert(Bed, ["id", "cell", "number", "bunk", "in_service"],
                    [(pk, dorm.cell_id, dorm.next_number + i, Bunk.SINGLE, True) for i, pk in enumerate(ids)])
        dorm.next_number += add
        Cell.objects.filter(pk=dorm.cell_id).update(certified_capacity=dorm.next_number - 1)
        # The free list is popped from its end: put the lowest numbers last.
        dorm.free.extend(reversed(ids))


@dataclass
class DayResult:
    imported_day: ImportedDay
    counts: dict[str, int]
    gap: Gap | None


@dataclass(slots=True)
class _Admission:
    row: CensusRow
    prev: Tracked | None  # None for a person first seen now
    person_id: int | None  # None for a new person until keys are reserved
    number: str
    stay_start: datetime
    start: datetime
    readmitted_at: datetime | None = None  # admitted again without missing a census
    adopted: Person | None = None  # a record that existed before this source claimed its number
    stay_id: int = 0
    placement_id: int = 0
    bed_id: int = 0
    unit_code: str = ""


def _person_values(prev: Tracked | None, row: CensusRow, fallback: Person | None = None) -> tuple[bool, str, str]:
    """(sealed, custody level, sex) a person should have after this row: blanks keep what was known."""
    old_level = prev.level if prev else (fallback.custody_level if fallback else SecurityLevel.MAXIMUM)
    old_sex = prev.sex if prev else (fallback.sex if fallback else "")
    # An unclassified newcomer is held as maximum until the source classifies them (its unit: UNASSIGNED).
    return row.sealed, LEVELS.get(row.custody_level, old_level), SEXES.get(row.gender, old_sex)


@service("census.import_day")
def census_day_import(
    *, actor: Any, run: ImportRun, state: SourceState, day: date, census_at: datetime, rows: list[CensusRow],
    file_name: str, sha256: str, total_rows: int, bad_rows: int, delta: Delta | None = None,
) -> DayResult:
    """Write one census day: admissions, releases, custody and flag changes, placements; one audit entry.

    ``rows`` hold one row per person (the reader removes repeats). ``delta`` (optional) is how they differ from
    the file read before; it is used only when ``state`` was brought up to date with exactly that file, and
    spares comparing every row. The day must come after the last day imported for this source: a missing day
    found later cannot be slotted into history already written.
    """
    require(actor, "census.import", "census_day", str(day))
    if connection.vendor == "postgresql":
        # The day's commit does not wait for its log to reach the disk (PostgreSQL's asynchronous commit; what
        # SQLite's WAL with synchronous=NORMAL does anyway). A crash can lose the last few days written (never
        # part of one): the import is idempotent and resumable, so the next run writes them again. The run's
        # finish is an ordinary commit and makes every day before it durable.
        with connection.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit TO OFF")
    try:
        state.check_fresh()
        return _import_day(actor=actor, run=run, state=state, day=day, census_at=census_at, rows=rows,
                           file_name=file_name, sha256=sha256, total_rows=total_rows, bad_rows=bad_rows,
                           delta=delta)
    except BaseException:
        # The transaction is rolled back; so must be whatever the in-memory state took in. Reload next time.
        state.stale = True
        raise


PERSON_COLUMNS = ["id", "inmate_number", "first_name", "last_name", "date_of_birth", "sex", "gender_identity",
                  "custody_level", "status", "sealed", "search_key", "search_compact", "created_at"]
STAY_COLUMNS = ["id", "person", "admitted_at", "admission_reason", "admitted_by", "released_at", "release_reason",
                "release_kind", "released_by"]
PLACEMENT_COLUMNS = ["id", "person", "bed", "cell", "unit", "kind", "start_at", "end_at", "reason", "ordered_by",
                     "override_reason", "end_reason", "ended_by"]
RECORD_FIELDS = ["admitted_raw", *ATTRIBUTES, "race", "gender", "age"]
EVENT_COLUMNS = ["day", "person", "stay", "kind", "attribute", "old_value", "new_value", "at", "window_start",
                 "window_end", "in_gap", "detail"]


def _import_day(*, actor: Any, run: ImportRun, state: SourceState, day: date, census_at: datetime,
                rows: list[CensusRow], file_name: str, sha256: str, total_rows: int, bad_rows: int,
                delta: Delta | None) -> DayResult:
    if state.last_day is not None and day <= state.last_day:
        raise Conflict(_("The census of %(day)s is not after the last imported day (%(last)s).")
                       % {"day": day, "last": state.last_day}, code="out_of_order")
    if state.last_census is not None and census_at <= state.last_census:
        raise Conflict(_("The census time goes backwards."), code="out_of_order")
    facility, prefix = state.facility, state.id_prefix
    now = clock.now()
    window_start = state.last_census
    # Inferred events happen just after the last census that showed otherwise (the window's start).
    t0 = window_start + ONE_SECOND if window_start else census_at
    in_gap = bool(state.last_day and (day - state.last_day).days > 1)
    note = " (across missing days)" if in_gap else ""
    counts = dict.fromkeys(("in_census", "people", "stays", "readmissions", "releases", "custody_changes",
                            "attribute_changes", "changes"), 0)
    # Rows are written as the database stores them (bulk.Prepared): each moment converted once.
    db_time = bulk.datetime_adapter()
    day_id = bulk.reserve_ids(ImportedDay, 1)[0]
    events: list[tuple[Any, ...]] = []
    add_event = events.append
    window = (db_time(window_start), db_time(census_at), in_gap)

    # -- who left, who came back, who changed -------------------------------------------------------------
    current = state.current
    releases: list[Tracked] | None = None
    if delta is not None and delta.base is not None and delta.base is state.synced:
        # The state holds exactly the file before: only its difference with this one needs looking at
        # (in the order of the state, as when every row is compared).
        releases = sorted((current[sid] for sid in delta.gone if sid in current), key=lambda t: t.order)
        candidates = delta.changed
        in_census = len(rows)
    if releases is None or len(releases) != len(delta.gone):  # type: ignore[union-attr]
        candidates = {r.source_id: r for r in rows}
        in_census = len(candidates)
        releases = [t for sid, t in current.items() if sid not in candidates]
    counts["in_census"] = in_census
    readmitted: list[tuple[Tracked, CensusRow, datetime]] = []
    changed: list[tuple[Tracked, CensusRow]] = []
    moves: list[tuple[Tracked, CensusRow]] = []
    arrivals: list[CensusRow] = []
    unit_for = state.unit_for
    for sid, row in candidates.items():
        cur = current.get(sid)
        if cur is None:
            arrivals.append(row)
        elif cur.row is row:
            continue  # the very row of the day before: nothing changed
        elif row.admitted_raw != cur.admitted_raw:
            # Released and admitted again between two censuses: at the new ADMITTED_DT if it lies in the window.
            assert window_start is not None
            readmitted.append((cur, row, row.admitted_at if row.admitted_at > window_start else t0))
        elif row.flags() != cur.flags or row.demographics() != cur.demographics:
            changed.append((cur, row))
            if unit_for(row.custody_level) != cur.unit_code:
                moves.append((cur, row))
        else:
            cur.row = row

    # -- close first: a person and a bed may each hold one open placement only -----------------------------
    if releases:
        reason = f"absent from the census of {day}{note}: released between two censuses"
        bulk.update_where_in(Placement, {"end_at": t0, "end_reason": reason}, [t.placement_id for t in releases])
        bulk.update_where_in(Stay, {"released_at": t0, "release_kind": ReleaseKind.RELEASED, "release_reason": reason},
                             [t.stay_id for t in releases])
        bulk.update_where_in(Person, {"status": PersonStatus.RELEASED}, [t.person_id for t in releases])
        at = db_time(t0)
        for t in releases:
            add_event((day_id, t.person_id, t.stay_id, _RELEASE, "", t.unit_code, "", at, *window, _ABSENT))
        counts["releases"] += len(releases)
    if moves:
        bulk.update_where_in(Placement, {"end_at": t0, "end_reason": f"custody level changed in the census of {day}{note}"},
                             [t.placement_id for t, _r in moves])
    if readmitted:
        ends = []
        for cur, row, left_at in readmitted:
            reason = f"admitted again ({row.admitted_raw}) by the census of {day}{note}"
            ends.append((cur.placement_id, cur.stay_id, left_at, reason))
            add_event((day_id, cur.person_id, cur.stay_id, _RELEASE, "", cur.unit_code, "", db_time(left_at), *window,
                       _json({"reason": "admitted again", "new_admitted_dt": row.admitted_raw})))
        bulk.update(Placement, ["end_at", "end_reason"], [(t, reason, p) for p, _s, t, reason in ends])
        bulk.update(Stay, ["released_at", "release_kind", "release_reason"],
                    [(t, ReleaseKind.RELEASED.value, reason, s) for _p, s, t, reason in ends])
        counts["releases"] += len(readmitted)
    # Beds left at the start of the window can be taken in it; one left later (a re-admission) only afterwards,
    # so that a bed's history never holds two people at once.
    dorms = state.dorms
    for t in releases:
        dorms[t.unit_code].free.append(t.bed_id)  # type: ignore[arg-type]
    for t, _r in moves:
        dorms[t.unit_code].free.append(t.bed_id)  # type: ignore[arg-type]

    # -- people ---------------------------------------------------------------------------------------------
    admissions: list[_Admission] = []
    known = state.known
    unknown = [f"{prefix}{r.source_id}".upper() for r in arrivals if r.source_id not in known]
    adopted: dict[str, Person] = {}
    for i in range(0, len(unknown), 2000):
        # A record made by hand (or by another source) with this number: adopt it if nobody else claims it.
        for p in Person.objects.filter(inmate_number__in=unknown[i:i + 2000]):
            if SourceRecord.objects.filter(person=p).exists() or p.status == PersonStatus.IN_CUSTODY:
                raise Conflict(_("Inmate number %(n)s already belongs to a person who is not from this census, "
                                 "or who is in custody by other means.") % {"n": p.inmate_number},
                               code="number_taken")
            adopted[p.inmate_number] = p
    for row in arrivals:
        prev = known.get(row.source_id)
        admitted_at = row.admitted_at
        start = admitted_at if window_start is None or admitted_at > t0 else t0
        if prev is None:
            number = f"{prefix}{row.source_id}".upper()
            a = _Admission(row, None, None, number, admitted_at, start)
            if adopted and number in adopted:
                a.adopted = adopted[number]
                a.person_id = a.adopted.pk
        else:
            last_release = prev.last_release
            stay_start = admitted_at if last_release is None or admitted_at >= last_release else last_release
            a = _Admission(row, prev, prev.person_id, prev.number, stay_start, start)
        admissions.append(a)
    for cur, row, left_at in readmitted:
        admissions.append(_Admission(row, cur, cur.person_id, cur.number,
                                     row.admitted_at if row.admitted_at >= left_at else left_at, left_at,
                                     readmitted_at=left_at))
    fresh = [a for a in admissions if a.person_id is None]
    if fresh:
        ids = bulk.reserve_ids(Person, len(fresh))
        person_rows = []
        created = db_time(now)
        for a, pk in zip(fresh, ids, strict=True):
            a.person_id = pk
            row = a.row
            # An unclassified newcomer is held as maximum until the source classifies them (unit UNASSIGNED).
            person_rows.append((pk, a.number, "", "", None, SEXES.get(row.gender, ""), "",
                                LEVELS.get(row.custody_level, _MAXIMUM), _IN_CUSTODY, row.sealed, "", "", created))
        bulk.insert(Person, PERSON_COLUMNS, bulk.Prepared(person_rows))
        counts["people"] = len(fresh)
    back = [a.person_id for a in admissions if (a.readmitted_at is None and a.prev is not None) or a.adopted]
    bulk.update_where_in(Person, {"status": PersonStatus.IN_CUSTODY}, back)

    # -- stays and placements --------------------------------------------------------------------------------
    stay_ids = bulk.reserve_ids(Stay, len(admissions))
    stay_rows = []
    reason = f"in the census of {day} ({file_name} line "
    for a, pk in zip(admissions, stay_ids, strict=True):
        a.stay_id = pk
        stay_rows.append((pk, a.person_id, db_time(a.stay_start),
                          f"{reason}{a.row.line}), ADMITTED_DT {a.row.admitted_raw}", None, None, "", "", None))
    bulk.insert(Stay, STAY_COLUMNS, bulk.Prepared(stay_rows))
    counts["stays"] = len(admissions)
    counts["readmissions"] = sum(1 for a in admissions if a.prev is not None)

    wanted: list[tuple[str, _Admission | tuple[Tracked, CensusRow]]] = (
        [(unit_for(a.row.custody_level), a) for a in admissions]
        + [(unit_for(row.custody_level), (t, row)) for t, row in moves])
    need: dict[str, int] = {}
    for code, _w in wanted:
        need[code] = need.get(code, 0) + 1
    shortfall = {c: n - len(dorms[c].free) for c, n in need.items() if n > len(dorms[c].free)}
    if shortfall:
        _grow_dorms(state, shortfall)
    placement_ids = bulk.reserve_ids(Placement, len(wanted))
    placement_rows = []
    moved: list[tuple[Tracked, int, int, str]] = []  # (person, placement, bed, unit code)
    admitted_text = f"admitted: in the census of {day}, custody level "
    for (code, w), pk in zip(wanted, placement_ids, strict=True):
        dorm = dorms[code]
        bed = dorm.free.pop()
        if isinstance(w, _Admission):
            w.unit_code, w.placement_id, w.bed_id = code, pk, bed
            placement_rows.append((
                pk, w.person_id, bed, dorm.cell_id, dorm.unit_id, _ADMISSION_KIND, db_time(w.start), None,
                f"{admitted_text}{w.row.custody_level or 'blank'}", None, "", "", None))
        else:
            t, row = w
            placement_rows.append((
                pk, t.person_id, bed, dorm.cell_id, dorm.unit_id, _MOVE_KIND, db_time(t0), None,
                f"custody level {t.flags[0] or 'blank'} → {row.custody_level or 'blank'} in the census of {day}{note}",
                None, "", "", None))
            moved.append((t, pk, bed, code))
    bulk.insert(Placement, PLACEMENT_COLUMNS, bulk.Prepared(placement_rows))
    for cur, _row, _t in readmitted:
        dorms[cur.unit_code].free.insert(0, cur.bed_id)  # type: ignore[arg-type]

    # -- flags, source records, person fields, events -------------------------------------------------------
    record_updates: list[tuple[Any, ...]] = []
    new_records: list[_Admission] = []
    person_updates: list[tuple[Any, ...]] = []
    n_attributes = n_custody = 0

    def diff_flags(person_id: int, stay_id: int | None, old: tuple[Any, ...], new: tuple[Any, ...], at: Any,
                   detail: str) -> None:
        nonlocal n_attributes, n_custody
        for attribute, before, after in zip(ATTRIBUTES, old, new, strict=True):
            if before != after:
                add_event((day_id, person_id, stay_id, _ATTRIBUTE, attribute, _text(before), _text(after), at,
                           *window, detail))
                n_attributes += 1
                if attribute == "custody_level":
                    n_custody += 1

    for a in admissions:
        row = a.row
        flags = row.flags()
        at = db_time(a.start)
        add_event((day_id, a.person_id, a.stay_id, _ADMISSION_EVENT, "", "", a.unit_code, at, *window, _json(
            {"admitted_dt": row.admitted_raw, "stay_start": a.stay_start.isoformat(),
             **{k: _text(v) for k, v in zip(ATTRIBUTES, flags, strict=True)}})))
        prev = a.prev
        if prev is not None:
            if prev.flags != flags:
                diff_flags(a.person_id, a.stay_id, prev.flags, flags, at, _ON_ADMISSION)  # type: ignore[arg-type]
            values = _person_values(prev, row)
            if values != (prev.sealed, prev.level, prev.sex):
                person_updates.append((*values, a.person_id))
            record_updates.append((*_record_values(row), prev.record_id))
        else:
            if a.adopted is not None:
                p = a.adopted
                values = _person_values(None, row, p)
                if values != (p.sealed, p.custody_level, p.sex):
                    person_updates.append((*values, a.person_id))
            new_records.append(a)
    at = db_time(t0)
    for t, row in changed:
        diff_flags(t.person_id, t.stay_id, t.flags, row.flags(), at, _NO_DETAIL)
        values = _person_values(t, row)
        if values != (t.sealed, t.level, t.sex):
            person_updates.append((*values, t.person_id))
        record_updates.append((*_record_values(row), t.record_id))
    for t, _pk, _bed, code in moved:
        add_event((day_id, t.person_id, t.stay_id, _HOUSING, "unit", t.unit_code, code, at, *window, _NO_DETAIL))
    counts["attribute_changes"], counts["custody_changes"] = n_attributes, n_custody
    counts["changes"] = n_attributes + len(moved)
    record_of: dict[int, int] = {}
    if new_records:
        ids = bulk.reserve_ids(SourceRecord, len(new_records))
        first_seen = bulk.date_adapter()(day)
        rows_out = []
        for a, pk in zip(new_records, ids, strict=True):
            record_of[a.person_id] = pk  # type: ignore[index]
            rows_out.append((pk, a.person_id, facility.pk, prefix, a.row.source_id, first_seen, *_record_values(a.row)))
        bulk.insert(SourceRecord, RECORD_COLUMNS, bulk.Prepared(rows_out))
    bulk.update(SourceRecord, RECORD_FIELDS, record_updates)
    bulk.update(Person, ["sealed", "custody_level", "sex"], person_updates)

    # -- the day itself --------------------------------------------------------------------------------------
    gap = None
    if in_gap:
        assert state.last_day is not None and window_start is not None
        gap = Gap.objects.create(
            facility=facility, id_prefix=prefix, first_missing=state.last_day + timedelta(days=1),
            last_missing=day - timedelta(days=1), window_start=window_start, window_end=census_at, run=run)
    imported = ImportedDay.objects.create(
        id=day_id, facility=facility, id_prefix=prefix, day=day, census_at=census_at, window_start=window_start,
        file_name=file_name[:500], content_sha256=sha256, rows=total_rows, people=in_census, bad_rows=bad_rows,
        counts=counts, run=run, imported_at=now,
    )
    bulk.insert(CensusEvent, EVENT_COLUMNS, bulk.Prepared(events))

    # -- the in-memory state follows (it is read again only if this transaction commits) --------------------
    for t in releases:
        del current[t.source_id]
        t.stay_id = t.placement_id = t.bed_id = None
        t.unit_code, t.last_release = "", t0
        known[t.source_id] = t
    for a in admissions:
        row = a.row
        values = _person_values(a.prev, row, a.adopted)
        t = a.prev or Tracked(source_id=row.source_id, person_id=a.person_id, number=a.number,  # type: ignore[arg-type]
                              record_id=record_of[a.person_id], sealed=False, level="", sex="",  # type: ignore[index]
                              admitted_raw="", flags=(), demographics=("", "", ""))
        t.sealed, t.level, t.sex = values
        t.admitted_raw, t.flags, t.demographics, t.row = row.admitted_raw, row.flags(), row.demographics(), row
        t.stay_id, t.placement_id, t.bed_id, t.unit_code = a.stay_id, a.placement_id, a.bed_id, a.unit_code
        if a.prev is not None:
            known.pop(t.source_id, None)
        if t.source_id not in current:
            state.taken += 1
            t.order = state.taken
        current[t.source_id] = t
    for t, row in changed:
        t.sealed, t.level, t.sex = _person_values(t, row)
        t.flags, t.demographics, t.row = row.flags(), row.demographics(), row
    for t, pk, bed, code in moved:
        t.placement_id, t.bed_id, t.unit_code = pk, bed, code
    state.last_day_id, state.last_day, state.last_census = imported.pk, day, census_at
    state.synced = delta.token if delta is not None else None

    audit.record(actor=actor, action="census.import_day", object_type="census_day", object_id=imported.pk,
                 changes={"facility": facility.code, "id_prefix": prefix, "day": str(day), "file": file_name,
                          "sha256": sha256, "in_gap": in_gap, **counts, "bad_rows": bad_rows},
                 summary=f"imported the census of {day} into {facility.code}{note}: {in_census} in custody, "
                 f"{counts['stays']} admissions ({counts['people']} new people), {counts['releases']} releases, "
                 f"{counts['custody_changes']} custody-level changes, {bad_rows} bad rows")
    return DayResult(imported, counts, gap)


# Plain values (not the enum members) for rows written as they are stored.
_RELEASE, _ADMISSION_EVENT, _ATTRIBUTE, _HOUSING = (str(k.value) for k in (
    EventKind.RELEASE, EventKind.ADMISSION, EventKind.ATTRIBUTE, EventKind.HOUSING))
_ADMISSION_KIND, _MOVE_KIND = str(PlacementKind.ADMISSION.value), str(PlacementKind.MOVE.value)
_IN_CUSTODY, _MAXIMUM = str(PersonStatus.IN_CUSTODY.value), str(SecurityLevel.MAXIMUM.value)
RECORD_COLUMNS = ["id", "person", "facility", "id_prefix", "source_id", "first_seen", *RECORD_FIELDS]


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, default=str)


_NO_DETAIL = _json({})
_ABSENT = _json({"reason": "absent from the census"})
_ON_ADMISSION = _json({"on_admission": True})


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "Y" if value else "N"
    return str(value)


def _record_values(row: CensusRow) -> tuple[Any, ...]:
    return (row.admitted_raw, *row.flags(), row.race, row.gender, row.age)
