"""``emerald import census`` and ``emerald import verify``: the loops around the day service.

The importer reads one file at a time (memory stays flat however many days there are), skips days already
imported with the same content, writes each new day through :func:`census_day_import`, and reports.
"""

from __future__ import annotations

import gc
import getpass
import hashlib
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection
from django.utils.translation import gettext as _

from emerald.census.models import Gap, ImportedDay
from emerald.census.reader import (
    DEFAULT_DATE_PATTERN,
    Bad,
    CensusFile,
    LineState,
    ParsedDay,
    census_time,
    find_files,
    parse_day,
    read_bytes,
)
from emerald.census.services import (
    DEFAULT_HOUSING_MAP,
    SourceState,
    census_day_import,
    census_run_finish,
    census_run_start,
)
from emerald.core.errors import ServiceError, field_error

SYSTEM_USERNAME = "census-import"


def import_actor(username: str | None) -> Any:
    """The staff account an import runs as: ``--user``, or the system account ``census-import``.

    The system account is created on first use (an administrator whose password nobody knows), so that a
    fresh installation can be loaded from the command line; the run also records the operating-system user.
    """
    from emerald.accounts.models import Role, User
    from emerald.accounts.services import user_create

    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise field_error("user", _("No active staff account %(u)s.") % {"u": username})
        return user
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = user_create(actor=None, username=SYSTEM_USERNAME, password=secrets.token_urlsafe(32),
                           role=Role.ADMINISTRATOR, first_name="Census import", check_password=False)
    return user


def parse_housing_map(text: str | None) -> dict[str, str]:
    """``MIN=A,MED=B,MAX=C`` → mapping; ``none`` → everybody UNASSIGNED; empty → the default mapping."""
    if text is None or not text.strip():
        return dict(DEFAULT_HOUSING_MAP)
    if text.strip().lower() == "none":
        return {}
    mapping = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise field_error("housing_map", _("Write the mapping as LEVEL=UNIT,LEVEL=UNIT (e.g. MIN=A,MED=B)."))
        mapping[key.strip().upper()] = value.strip()
    return mapping


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise field_error("timezone", _("Unknown time zone: %(tz)s") % {"tz": name}) from None


@dataclass
class ImportReport:
    """What a run did. ``bad_rows`` and ``problems`` are (file, line, reason) triples."""

    facility: str
    id_prefix: str
    run_id: int | None = None
    files: int = 0
    days: int = 0
    days_already_imported: int = 0
    rows: int = 0
    people: int = 0
    stays: int = 0
    releases: int = 0
    custody_changes: int = 0
    attribute_changes: int = 0
    changes: int = 0
    gaps: list[dict[str, Any]] = field(default_factory=list)
    bad_rows: list[Bad] = field(default_factory=list)
    problems: list[Bad] = field(default_factory=list)
    seconds: float = 0.0
    stopped: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "facility": self.facility, "id_prefix": self.id_prefix, "run": self.run_id, "files": self.files,
            "days": self.days, "days_already_imported": self.days_already_imported, "rows": self.rows,
            "people": self.people, "stays": self.stays, "releases": self.releases, "changes": self.changes,
            "custody_changes": self.custody_changes, "attribute_changes": self.attribute_changes,
            "gaps": len(self.gaps), "gaps_list": self.gaps, "bad_rows": len(self.bad_rows),
            "problems": [asdict(p) for p in self.problems], "seconds": round(self.seconds, 2),
            "stopped": self.stopped,
        }

    def lines(self) -> list[str]:
        """The report as a person reads it."""
        out = [
            f"Census import into {self.facility}" + (f" (prefix {self.id_prefix})" if self.id_prefix else "")
            + (f", run #{self.run_id}" if self.run_id else ""),
            f"  days imported:        {self.days}" + (f" ({self.days_already_imported} already imported, skipped)"
                                                      if self.days_already_imported else ""),
            f"  rows read:            {self.rows}",
            f"  people (new records): {self.people}",
            f"  stays (admissions):   {self.stays}",
            f"  releases:             {self.releases}",
            f"  changes:              {self.changes} ({self.custody_changes} custody level, "
            f"{self.attribute_changes} attributes incl. custody level)",
            f"  gaps:                 {len(self.gaps)}",
        ]
        for g in self.gaps:
            span = g["first_missing"] if g["first_missing"] == g["last_missing"] else (
                f"{g['first_missing']} .. {g['last_missing']}")
            out.append(f"    missing {span} ({g['days']} day{'s' if g['days'] != 1 else ''}); events in it are "
                       f"dated {g['window_start']} .. {g['window_end']}")
        out.append(f"  bad rows:             {len(self.bad_rows)}")
        for b in self.bad_rows[:200]:
            out.append(f"    {b.file_name}:{b.line}: {b.reason}")
        if len(self.bad_rows) > 200:
            out.append(f"    ... and {len(self.bad_rows) - 200} more (all are kept with the run)")
        if self.problems:
            out.append(f"  files not imported:   {len(self.problems)}")
            for p in self.problems:
                out.append(f"    {p.file_name}{':' + str(p.line) if p.line else ''}: {p.reason}")
        if self.stopped:
            out.append(f"  STOPPED: {self.stopped}")
        out.append(f"  time: {self.seconds:.1f} s")
        return out


def run_import(
    *, actor: Any, paths: Iterable[str | Path], facility_code: str, timezone: str = "America/New_York",
    id_prefix: str = "", date_pattern: str = DEFAULT_DATE_PATTERN, housing_map: dict[str, str] | None = None,
    progress: bool = False, stop_after_days: int | None = None,
    on_day: Callable[[CensusFile, dict[str, int]], None] | None = None,
) -> ImportReport:
    """Import census files into ``facility_code`` (created if missing). Safe to run again at any time.

    ``stop_after_days`` stops after writing that many days (tests use it to simulate an interruption).
    """
    started = time.perf_counter()
    tz = _zone(timezone)
    prefix = (id_prefix or "").strip().upper()
    files, problems = find_files(paths, date_pattern)
    report = ImportReport(facility=facility_code, id_prefix=prefix, problems=list(problems), files=len(files))
    run = census_run_start(actor=actor, facility_code=facility_code, id_prefix=prefix, timezone=timezone,
                           housing_map=housing_map, os_user=_os_user(),
                           options={"paths": [str(p) for p in paths], "date_pattern": date_pattern})
    report.run_id = run.pk
    state = SourceState(facility=run.facility, id_prefix=prefix,
                        housing_map=dict(DEFAULT_HOUSING_MAP if housing_map is None else housing_map))
    state.load()
    done = dict(ImportedDay.objects.filter(facility=run.facility, id_prefix=prefix).values_list("day", "content_sha256"))
    failed = False
    bar = _progress(len(files), progress)
    with _bulk_session():
        try:
            for item in _read(files, tz, prefix, done, state):
                f = item.file
                if bar is not None:
                    bar.update(1)
                if item.problem:
                    report.problems.append(Bad(f.name, 0, item.problem))
                    continue
                if item.parsed is None:
                    report.days_already_imported += 1
                    continue
                parsed = item.parsed
                report.rows += parsed.total_rows
                report.bad_rows.extend(parsed.bad)
                try:
                    result = census_day_import(
                        actor=actor, run=run, state=state, day=f.day, census_at=census_time(f.day, tz), rows=parsed.rows,
                        file_name=f.name, sha256=parsed.sha256, total_rows=parsed.total_rows, bad_rows=len(parsed.bad),
                        delta=parsed.delta)
                except ServiceError as exc:
                    report.problems.append(Bad(f.name, 0, exc.detail))
                    report.stopped = f"{f.day} could not be written ({exc.detail}); later days were not imported"
                    failed = True
                    break
                report.days += 1
                for key in ("people", "stays", "releases", "custody_changes", "attribute_changes", "changes"):
                    setattr(report, key, getattr(report, key) + result.counts[key])
                if bar is not None:
                    bar.set_postfix_str(f"{f.day} in custody {result.counts['in_census']}")
                if on_day is not None:
                    on_day(f, result.counts)
                if stop_after_days is not None and report.days >= stop_after_days:
                    report.stopped = f"stopped after {report.days} days as asked"
                    break
        except KeyboardInterrupt:
            report.stopped = "interrupted; run the same command again to continue"
            failed = True
            raise
        finally:
            if bar is not None:
                bar.close()
            report.gaps = [
                {"first_missing": str(g.first_missing), "last_missing": str(g.last_missing), "days": g.days,
                 "window_start": g.window_start.astimezone(tz).isoformat(), "window_end": g.window_end.astimezone(tz).isoformat()}
                for g in Gap.objects.filter(facility=run.facility, id_prefix=prefix).order_by("first_missing")
            ]
            report.seconds = time.perf_counter() - started
            census_run_finish(actor=actor, run=run, report=report.as_dict(), bad_rows=report.bad_rows, failed=failed)
    return report


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name is no reason to refuse an import
        return ""


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="day", desc="census", dynamic_ncols=True)


@dataclass
class _FileRead:
    """A file read: parsed (to be imported), or already imported (``parsed`` None), or refused."""

    file: CensusFile
    parsed: ParsedDay | None = None
    problem: str = ""


def _read(files: list[CensusFile], tz: ZoneInfo, prefix: str, done: dict[Any, str],
          state: SourceState) -> Iterator[_FileRead]:
    """Read the files in date order, each compared with the file read before it. ``done``: the days imported
    before this run, with their content hash; ``state``: the source as imported so far."""
    previous: LineState | None = None  # the last file's lines: the next file is read by difference
    seen_days: set[Any] = set()
    for f in files:
        if f.day in seen_days:
            yield _FileRead(f, problem=f"a second file for {f.day}; only the first is read")
            continue
        seen_days.add(f.day)
        data = read_bytes(f.path)
        if f.day in done:
            if done[f.day] == hashlib.sha256(data).hexdigest():
                yield _FileRead(f)
            else:
                yield _FileRead(f, problem=f"{f.day} was already imported from different content; "
                                          "history is not rewritten")
            continue
        if state.last_day is not None and f.day < state.last_day:
            yield _FileRead(f, problem=f"{f.day} comes before the last imported day ({state.last_day}); "
                                      "history is not rewritten")
            continue
        parsed = parse_day(f, tz, id_prefix=prefix, data=data, previous=previous)
        previous = parsed.seen
        del data
        yield _FileRead(f, parsed)


@contextmanager
def _bulk_session() -> Iterator[None]:
    """Settings for a run of bulk writes, restored afterwards.

    - The objects that exist before the run (Django, the state just loaded) are frozen out of the cyclic
      garbage collector: a first census day allocates some 100,000 objects, and each full collection walked
      every one of Django's too (about a quarter of the first days' time).
    - SQLite: a 64 MB page cache for this connection (the default 2 MB held a fraction of the indexes a day
      touches) and a checkpoint of the write-ahead log every 10,000 pages rather than 1,000 (each day rewrote
      some 1,000 pages, so every commit also copied the log into the database). Durability is unchanged:
      synchronous stays as configured.
    """
    gc.freeze()
    restore: list[tuple[str, int]] = []
    try:
        if connection.vendor == "sqlite":
            with connection.cursor() as cur:
                for pragma, value in SQLITE_PRAGMAS:
                    cur.execute(f"PRAGMA {pragma}")
                    restore.append((pragma, int(cur.fetchone()[0])))
                    cur.execute(f"PRAGMA {pragma} = {int(value)}")
        yield
    finally:
        if restore:
            with connection.cursor() as cur:
                for pragma, value in restore:
                    cur.execute(f"PRAGMA {pragma} = {int(value)}")
        gc.unfreeze()


SQLITE_PRAGMAS = (("cache_size", -65536), ("wal_autocheckpoint", 10000))


# --------------------------------------------------------------------------- verify


@dataclass
class DayCheck:
    file_name: str
    day: str
    facility: str
    expected: int
    listed: int
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    api_ok: bool | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem and not self.missing and not self.unexpected and self.api_ok is not False


def run_verify(
    *, actor: Any, paths: Iterable[str | Path], facility_code: str | None = None, id_prefix: str | None = None,
    date_pattern: str = DEFAULT_DATE_PATTERN, use_api: bool = False,
) -> list[DayCheck]:
    """For every imported day among ``paths``: the roll as of its census time lists exactly the file's people.

    The file is read again exactly as the importer reads it (rows it could not read are not expected). With
    ``use_api`` the same question is asked of ``GET /api/v1/roll?at=`` too.
    """
    from emerald.housing.selectors import roll

    files, problems = find_files(paths, date_pattern)
    checks = [DayCheck(p.file_name, "", "", 0, 0, problem=p.reason) for p in problems]
    client = _api_client(actor) if use_api else None
    for f in files:
        data = read_bytes(f.path)
        sha = hashlib.sha256(data).hexdigest()
        days = ImportedDay.objects.filter(day=f.day, content_sha256=sha).select_related("facility", "run")
        if facility_code:
            days = days.filter(facility__code__iexact=facility_code)
        if id_prefix is not None:
            days = days.filter(id_prefix=id_prefix.strip().upper())
        if not days:
            checks.append(DayCheck(f.name, str(f.day), facility_code or "", 0, 0, problem="not imported"))
            continue
        for imported in days:
            tz = _zone(imported.run.options.get("timezone") or imported.facility.timezone)
            parsed = parse_day(f, tz, id_prefix=imported.id_prefix, data=data)
            expected = {f"{imported.id_prefix}{r.source_id}".upper() for r in parsed.rows}
            listed, hidden = _facility_people(roll(actor=actor, at=imported.census_at), imported.facility.code)
            missing = _account_for_hidden(expected - listed, hidden)
            check = DayCheck(f.name, str(f.day), imported.facility.code, len(expected), len(listed) + hidden,
                             missing=missing, unexpected=sorted(listed - expected))
            if client is not None:
                check.api_ok = _api_people(client, imported.census_at, imported.facility.code) == (listed, hidden)
            checks.append(check)
    return checks


def _facility_people(roll: dict[str, Any], code: str) -> tuple[set[str], int]:
    """The numbers the roll names in the facility, and how many people it counts without naming them."""
    people: set[str] = set()
    hidden = 0
    for facility in roll["facilities"]:
        if facility["code"] == code:
            for unit in facility["units"]:
                people.update(n for n in unit["people"] if n is not None)
                hidden += sum(1 for n in unit["people"] if n is None)
    return people, hidden


def _account_for_hidden(missing: set[str], hidden: int) -> list[str]:
    """The file's people the roll does not list, less those it counts without naming (sealed records the
    verifier may not know): those must be exactly the sealed among the missing, and are never named here."""
    if not hidden:
        return sorted(missing)
    from emerald.people.models import Person

    sealed = set(Person.objects.filter(sealed=True, inmate_number__in=missing).values_list("inmate_number", flat=True))
    rest = sorted(missing - sealed)
    if len(sealed) != hidden:
        rest.append(f"({abs(len(sealed) - hidden)} sealed record(s) counted differently)")
    return rest


def _api_client(actor: Any) -> Any:
    from django.test import Client

    from emerald.accounts.services import token_issue

    raw, _token = token_issue(actor=actor)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _api_people(client: Any, at: datetime, code: str) -> tuple[set[str], int] | None:
    response = client.get("/api/v1/roll", {"at": at.isoformat()})
    if response.status_code != 200:
        return None
    return _facility_people(response.json(), code)


__all__ = ["ImportReport", "run_import", "run_verify", "import_actor", "parse_housing_map"]
