"""Reading daily census files: finding them, dating them, and turning rows into :class:`CensusRow`.

Both formats of the NYC "Daily Inmates In Custody" export are read by header name, whatever the case
and quoting: the current one (lower-case header, ISO timestamps, no discharge column) and the older one
(quoted upper-case header, ``YYYY-MM-DD HH:MM:SS``, space-padded codes, a DISCHARGED_DT column).
Anything that cannot be read becomes a :class:`BadRow` (file, line, reason); nothing here raises on data.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

#: The day in a file name: 20250101, 2025-01-01 or 2025_01_01. ``--date-pattern`` replaces it; its groups
#: are year, month and day (named y/m/d, or the first three groups in that order).
DEFAULT_DATE_PATTERN = r"(?P<y>\d{4})[-_]?(?P<m>\d{2})[-_]?(?P<d>\d{2})"
CENSUS_TIME = time(23, 59, 59)
SUFFIXES = (".csv", ".csv.gz", ".txt", ".txt.gz")
NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_/.]{0,31}$")
CUSTODY_CODES = {"MIN", "MED", "MAX"}
REQUIRED = ("inmateid", "admitted_dt")


@dataclass(slots=True, eq=False)
class CensusRow:
    """One person in one census, as the source wrote it (codes stripped of padding).

    A row identical to the same person's row the day before is the same object (see ``parse_day``'s
    ``previous``): most people do not change from one day to the next, and the importer skips them by identity.
    """

    line: int
    source_id: str
    admitted_raw: str
    admitted_at: datetime
    custody_level: str  # MIN / MED / MAX / "" (anything else is kept as written)
    mental_health_observation: bool
    security_risk_group: bool
    sealed: bool
    infraction: bool
    status_code: str
    top_charge: str
    race: str
    gender: str
    age: str

    def flags(self) -> tuple[object, ...]:
        """Everything whose change over time is kept (compared day to day)."""
        return (self.custody_level, self.mental_health_observation, self.security_risk_group, self.sealed,
                self.infraction, self.status_code, self.top_charge)

    def demographics(self) -> tuple[str, str, str]:
        return (self.race, self.gender, self.age)


@dataclass(frozen=True, slots=True)
class Bad:
    file_name: str
    line: int
    reason: str
    raw: str = ""


@dataclass
class CensusFile:
    """A census file found on disk, with its day."""

    path: Path
    day: date

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class ParsedDay:
    """One file read: its rows (one per person), the rows that could not be read, and its content hash."""

    file: CensusFile
    sha256: str
    total_rows: int
    rows: list[CensusRow] = field(default_factory=list)
    bad: list[Bad] = field(default_factory=list)
    #: Each person's raw fields and parsed row, for reading the next day's file faster.
    seen: dict[str, tuple[list[str], CensusRow]] = field(default_factory=dict)


def census_time(day: date, tz: ZoneInfo) -> datetime:
    """The moment a census describes: 23:59:59 local time on its day."""
    return datetime.combine(day, CENSUS_TIME, tzinfo=tz)


def find_files(paths: Iterable[str | Path], date_pattern: str = DEFAULT_DATE_PATTERN) -> tuple[list[CensusFile], list[Bad]]:
    """Every census file under ``paths`` (files or folders, plain or gzipped), in date order.

    Files whose name holds no date are reported, not read. Two files for the same day are both returned;
    the importer takes the first and reports the second.
    """
    regex = re.compile(date_pattern)
    found: list[CensusFile] = []
    problems: list[Bad] = []
    candidates: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            candidates.extend(sorted(x for x in p.rglob("*") if x.is_file() and x.name.lower().endswith(SUFFIXES)))
        elif p.is_file():
            candidates.append(p)
        else:
            problems.append(Bad(str(p), 0, "no such file or folder"))
    seen: set[Path] = set()
    for p in candidates:
        rp = p.resolve()
        if rp in seen:
            continue
        seen.add(rp)
        m = regex.search(p.name)
        if not m:
            problems.append(Bad(p.name, 0, "no date in the file name"))
            continue
        groups = m.groupdict()
        try:
            if {"y", "m", "d"} <= set(groups):
                day = date(int(groups["y"]), int(groups["m"]), int(groups["d"]))
            else:
                y, mo, d = (int(g) for g in m.groups()[:3])
                day = date(y, mo, d)
        except (ValueError, TypeError):
            problems.append(Bad(p.name, 0, f"the date in the file name is not a real day: {m.group(0)}"))
            continue
        found.append(CensusFile(p, day))
    found.sort(key=lambda f: (f.day, f.path.name))
    return found, problems


def read_bytes(path: Path) -> bytes:
    """The file's content, decompressed if it is gzipped (by its magic number, not its name)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


# ADMITTED_DT text -> moment, per time zone: the same admission time is read again every day of a stay.
_ADMITTED: dict[str, dict[str, datetime | None]] = {}


def _parse_admitted(raw: str, tz: ZoneInfo) -> datetime | None:
    """ADMITTED_DT as an aware moment (local time of ``tz`` unless it says otherwise), or None."""
    cache = _ADMITTED.setdefault(tz.key, {})
    if raw in cache:
        return cache[raw]
    moment: datetime | None
    try:
        moment = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        moment = None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    if len(cache) > 500_000:
        cache.clear()
    cache[raw] = moment
    return moment


def parse_day(file: CensusFile, tz: ZoneInfo, *, id_prefix: str = "", data: bytes | None = None,
              previous: dict[str, tuple[list[str], CensusRow]] | None = None) -> ParsedDay:
    """Read one census file. One row per person: a repeated INMATEID keeps the row with the latest
    ADMITTED_DT (the current stay) and reports the other.

    ``previous`` is the ``seen`` of the file read before (same time zone and prefix): a row whose fields are
    exactly those of the day before is not parsed again; its parsed row is reused (it was valid then, and a
    later census cannot make it invalid).
    """
    raw = read_bytes(file.path) if data is None else data
    result = ParsedDay(file=file, sha256=hashlib.sha256(raw).hexdigest(), total_rows=0)
    name = file.name
    text = raw.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        result.bad.append(Bad(name, 1, "the file is empty"))
        return result
    except csv.Error as exc:
        result.bad.append(Bad(name, 1, f"unreadable header: {exc}"))
        return result
    cols = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        result.bad.append(Bad(name, 1, f"the header lacks {', '.join(m.upper() for m in missing)}", ",".join(header)))
        return result
    idx = {c: i for i, c in enumerate(cols)}
    width = len(cols)
    census = census_time(file.day, tz)
    # A missing optional column reads as the empty field appended to every row.
    i_id, i_adm = idx["inmateid"], idx["admitted_dt"]
    (i_cust, i_bradh, i_srg, i_sealed, i_infr, i_status, i_charge, i_race, i_gender, i_age) = (
        idx.get(c, width) for c in ("custody_level", "bradh", "srg_flg", "sealed", "infraction",
                                    "inmate_status_code", "top_charge", "race", "gender", "age"))
    yes = ("Y", "y")
    seen_times = _ADMITTED.setdefault(tz.key, {})
    by_id: dict[str, CensusRow] = {}
    seen: dict[str, tuple[list[str], CensusRow]] = {}
    bad = result.bad.append

    def parse(row: list[str], line: int) -> CensusRow | None:
        row = [*row, ""]
        source_id = row[i_id].strip()
        if not source_id:
            bad(Bad(name, line, "INMATEID is blank", ",".join(row)[:500]))
            return None
        number = f"{id_prefix}{source_id}"
        if not ((number.isalnum() and number.isascii() and len(number) <= 32) or NUMBER_RE.match(number)):
            bad(Bad(name, line, f"INMATEID {source_id!r} is not a usable inmate number", ",".join(row)[:500]))
            return None
        admitted_raw = row[i_adm].strip()
        admitted = seen_times.get(admitted_raw)
        if admitted is None:
            admitted = _parse_admitted(admitted_raw, tz)
        if admitted is None:
            bad(Bad(name, line, f"ADMITTED_DT {admitted_raw!r} is not a date and time", ",".join(row)[:500]))
            return None
        if admitted > census:
            bad(Bad(name, line, f"ADMITTED_DT {admitted_raw} is after the census time of {file.day}",
                    ",".join(row)[:500]))
            return None
        return CensusRow(
            line, source_id, admitted_raw, admitted, row[i_cust].strip().upper()[:10],
            row[i_bradh].strip() in yes, row[i_srg].strip() in yes, row[i_sealed].strip() in yes,
            row[i_infr].strip() in yes, row[i_status].strip()[:10], row[i_charge].strip()[:40],
            row[i_race].strip()[:10], row[i_gender].strip().upper()[:10], _age(row[i_age].strip()),
        )

    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.total_rows += 1
            bad(Bad(name, reader.line_num, f"unreadable CSV: {exc}"))
            continue
        line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        result.total_rows += 1
        if len(row) != width:
            bad(Bad(name, line, f"expected {width} fields, found {len(row)}", ",".join(row)[:500]))
            continue
        key = row[i_id]
        hit = previous.get(key) if previous is not None else None
        if hit is not None and hit[0] == row:
            record = hit[1]
            record.line = line
        else:
            parsed = parse(row, line)
            if parsed is None:
                continue
            record, hit = parsed, (row, parsed)
        seen[key] = hit
        earlier = by_id.get(record.source_id)
        if earlier is None:
            by_id[record.source_id] = record
            continue
        keep, drop = (record, earlier) if record.admitted_at > earlier.admitted_at else (earlier, record)
        by_id[record.source_id] = keep
        bad(Bad(name, drop.line, f"INMATEID {record.source_id} appears again (line {keep.line}); the row with "
                                 "the later ADMITTED_DT is kept"))
    result.rows = list(by_id.values())
    result.seen = seen
    return result


_AGES: dict[str, str] = {}


def _age(value: str) -> str:
    """Ages as whole numbers whatever the format ("28.0" in one export, "28" in the other)."""
    try:
        return _AGES[value]
    except KeyError:
        pass
    try:
        age = str(int(float(value)))[:10] if value else ""
    except ValueError:
        age = value[:10]
    if len(_AGES) < 10_000:
        _AGES[value] = age
    return age
