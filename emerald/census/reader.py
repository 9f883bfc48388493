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
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
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

    A row whose line is identical to a line of the file read before is the same object (see ``parse_day``'s
    ``previous``): most people do not change from one day to the next, and the importer never looks at them.
    Rows are not changed once made.
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
    text: str = ""  # the line as read (without its line break)

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


@dataclass(eq=False)
class LineState:
    """What the reader keeps of the file it read last, so that the next file is read by difference.

    Only lines are compared: a line identical to one of the day before is that day's row again, without being
    parsed. It holds one day's lines and rows, never the history, and is updated in place from day to day.
    """

    header: str
    zone: str
    id_prefix: str
    columns: tuple[int, ...]  # see _columns
    width: int
    lines: dict[str, CensusRow] = field(default_factory=dict)  # every readable data line -> its row
    kept: dict[str, CensusRow] = field(default_factory=dict)  # source id -> the row kept for it
    multi: dict[str, list[CensusRow]] = field(default_factory=dict)  # source ids on several readable lines
    token: object = field(default_factory=object)


@dataclass(eq=False)
class Delta:
    """How a file differs from the file read before it (``base``, the token of that file's LineState).

    ``changed``: the rows kept today that were not kept the day before (new people, and people whose line
    changed), in file order; ``gone``: source ids kept the day before and absent now. ``base`` is None when
    there was no file before (or it could not be compared): then every row is in ``changed``.
    """

    base: object | None
    token: object
    changed: dict[str, CensusRow]
    gone: set[str]


@dataclass
class ParsedDay:
    """One file read: its rows (one per person), the rows that could not be read, and its content hash."""

    file: CensusFile
    sha256: str
    total_rows: int
    rows: list[CensusRow] = field(default_factory=list)
    bad: list[Bad] = field(default_factory=list)
    #: What the next file is compared with (None when this file could only be read as a whole, see parse_day).
    seen: LineState | None = None
    #: The difference with the file read before (None when this file was read as a whole).
    delta: Delta | None = None


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


OPTIONAL = ("custody_level", "bradh", "srg_flg", "sealed", "infraction", "inmate_status_code", "top_charge",
            "race", "gender", "age")


def _columns(header: list[str]) -> tuple[tuple[int, ...], int] | str:
    """The position of each column (REQUIRED then OPTIONAL; a missing optional column reads as the empty
    field appended to every row) and the row width, or what is wrong with the header."""
    cols = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        return f"the header lacks {', '.join(m.upper() for m in missing)}"
    idx = {c: i for i, c in enumerate(cols)}
    width = len(cols)
    return tuple(idx[c] for c in REQUIRED) + tuple(idx.get(c, width) for c in OPTIONAL), width


def _row_parser(name: str, columns: tuple[int, ...], tz: ZoneInfo, id_prefix: str, census: datetime,
                bad: Callable[[Bad], None]) -> Callable[[list[str], int], CensusRow | None]:
    """``parse(fields, line)``: the row, or None after reporting why it cannot be read."""
    (i_id, i_adm, i_cust, i_bradh, i_srg, i_sealed, i_infr, i_status, i_charge, i_race, i_gender, i_age) = columns
    yes = ("Y", "y")
    seen_times = _ADMITTED.setdefault(tz.key, {})

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
            bad(Bad(name, line, f"ADMITTED_DT {admitted_raw} is after the census time of {census.date()}",
                    ",".join(row)[:500]))
            return None
        return CensusRow(
            line, source_id, admitted_raw, admitted, row[i_cust].strip().upper()[:10],
            row[i_bradh].strip() in yes, row[i_srg].strip() in yes, row[i_sealed].strip() in yes,
            row[i_infr].strip() in yes, row[i_status].strip()[:10], row[i_charge].strip()[:40],
            row[i_race].strip()[:10], row[i_gender].strip().upper()[:10], _age(row[i_age].strip()),
        )

    return parse


def _values(row: CensusRow) -> tuple[object, ...]:
    return (row.admitted_raw, row.custody_level, row.mental_health_observation, row.security_risk_group,
            row.sealed, row.infraction, row.status_code, row.top_charge, row.race, row.gender, row.age)


def _at_line(row: CensusRow, line: int, known: dict[str, CensusRow]) -> CensusRow:
    """``row`` at line number ``line`` (a copy if it was elsewhere), the copy also in ``known``."""
    if row.line == line:
        return row
    known[row.text] = moved = replace(row, line=line)
    return moved


def _repeated(name: str, source_id: str, keep: CensusRow, drop: CensusRow) -> Bad:
    return Bad(name, drop.line, f"INMATEID {source_id} appears again (line {keep.line}); the row with the later "
                                "ADMITTED_DT is kept")


def parse_day(file: CensusFile, tz: ZoneInfo, *, id_prefix: str = "", data: bytes | None = None,
              previous: LineState | None = None) -> ParsedDay:
    """Read one census file. One row per person: a repeated INMATEID keeps the row with the latest
    ADMITTED_DT (the current stay) and reports the other.

    ``previous`` is the ``seen`` of the file read before (same time zone and prefix, an earlier day). Lines are
    then compared whole, in C (set differences), and only the lines that are not exactly lines of the day
    before are parsed (about 3 % in the NYC sample): an unchanged line is the row of the day before (it was
    valid then, and a later census cannot make it invalid). ``previous`` is updated in place and returned as
    ``seen``; ``delta`` says what changed.

    A line is only ever read on its own when every record of the file is exactly one line: a file with a
    record spread over several lines (a quoted line break), a bare carriage return, or a line repeated word for
    word is read as a whole, the way the csv module reads any file, with nothing kept for the next day.
    """
    raw = read_bytes(file.path) if data is None else data
    sha256 = hashlib.sha256(raw).hexdigest()
    text = raw.decode("utf-8-sig", errors="replace")
    result = _parse_lines(file, tz, id_prefix, text, sha256, previous)
    return result if result is not None else _parse_whole(file, tz, id_prefix, text, sha256)


def _parse_lines(file: CensusFile, tz: ZoneInfo, id_prefix: str, text: str, sha256: str,
                 previous: LineState | None) -> ParsedDay | None:
    """Read the file line by line, by difference with ``previous``; None when it must be read as a whole."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None  # the csv module ends a record at a bare carriage return too
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the line break ending the last line
    if not lines:
        return None
    name = file.name
    if previous is not None and (previous.zone != tz.key or previous.id_prefix != id_prefix):
        previous = None
    state = previous
    carried: LineState | None = None  # the day before, when its columns were in another order
    if state is None or state.header != lines[0]:
        try:
            reader = csv.reader([lines[0]], strict=True)
            header = next(reader)
            if next(reader, None) is not None:
                return None
        except (csv.Error, StopIteration):
            return None
        found = _columns(header)
        if isinstance(found, str):
            return None  # reported by _parse_whole
        carried = previous
        state = LineState(header=lines[0], zone=tz.key, id_prefix=id_prefix, columns=found[0], width=found[1])
        if carried is not None:
            state.kept, state.multi = carried.kept, carried.multi
    base = previous.token if previous is not None else None
    body = lines[1:]
    known = state.lines
    today = set(body)
    if len(today) != len(body) and any(n > 1 and line.strip() for line, n in Counter(body).items()):
        return None  # a line twice, word for word: rare enough to read the whole file
    gone_lines = known.keys() - today
    fresh = today.difference(known) if known else today
    positions = [j for j, line in enumerate(body) if line in fresh] if len(fresh) < len(body) else range(len(body))
    # Parse the new lines; each must be exactly one record, as the csv module would read it within the file.
    bad_at: list[tuple[int, Bad]] = []
    line_no = 0

    def bad(b: Bad) -> None:
        bad_at.append((line_no, b))

    census = census_time(file.day, tz)
    parse = _row_parser(name, state.columns, tz, id_prefix, census, bad)
    width = state.width
    new_rows: list[CensusRow] = []
    blank = 0
    reader = csv.reader([body[j] for j in positions], strict=True)
    try:
        for k, (j, row) in enumerate(zip(positions, reader, strict=True)):
            if reader.line_num != k + 1:
                return None  # a record over several lines
            line_no = j + 2
            if not row or (len(row) == 1 and not row[0].strip()):
                blank += 1
                continue
            if len(row) != width:
                bad(Bad(name, line_no, f"expected {width} fields, found {len(row)}", ",".join(row)[:500]))
                continue
            record = parse(row, line_no)
            if record is not None:
                record.text = body[j]
                new_rows.append(record)
    except (csv.Error, ValueError):  # ValueError: zip's strict check, should the reader ever join lines
        return None

    # From here on ``state`` becomes today's. Rows are never changed once made (the importer keeps the rows it
    # wrote): a row needed at another line number is copied.
    if carried is not None:
        gone_rows = {id(r): r for r in carried.lines.values()}  # every line is new: the columns moved
    else:
        gone_rows = {id(r): r for r in (known.pop(line) for line in gone_lines)}
    for record in new_rows:
        known[record.text] = record
    kept, multi = state.kept, state.multi
    by_id: dict[str, list[CensusRow]] = {}
    for record in new_rows:
        by_id.setdefault(record.source_id, []).append(record)
    touched = dict.fromkeys(by_id)
    touched.update(dict.fromkeys(r.source_id for r in gone_rows.values()))
    touched.update(dict.fromkeys(multi))
    changed: dict[str, CensusRow] = {}
    first_line: dict[str, int] = {}  # where each changed person first appears: the whole-file reading order
    gone: set[str] = set()
    for sid in touched:
        before = multi.get(sid) or ([kept[sid]] if sid in kept else [])
        rows = [r for r in before if id(r) not in gone_rows]
        new = by_id.get(sid, ())
        old = kept.get(sid)
        if rows and (new or len(rows) > 1 or old is not rows[0]):
            rows = [_at_line(r, body.index(r.text) + 2, known) for r in rows]  # perhaps elsewhere in the file now
        rows += new
        if not rows:
            multi.pop(sid, None)
            if kept.pop(sid, None) is not None:
                gone.add(sid)
            continue
        if len(rows) == 1:
            keep = rows[0]
            multi.pop(sid, None)
        else:
            rows.sort(key=lambda r: r.line)
            keep = rows[0]
            for r in rows[1:]:
                keep, drop = (r, keep) if r.admitted_at > keep.admitted_at else (keep, r)
                bad_at.append((r.line, _repeated(name, sid, keep, drop)))
            multi[sid] = rows
        kept[sid] = keep
        if old is None or (keep is not old and _values(keep) != _values(old)):
            changed[sid] = keep
            first_line[sid] = rows[0].line
    if base is not None and len(changed) > 1:
        changed = {sid: changed[sid] for sid in sorted(changed, key=first_line.__getitem__)}
    state.token = object()
    bad_at.sort(key=lambda item: item[0])
    return ParsedDay(file=file, sha256=sha256, total_rows=len(body) - blank, rows=list(kept.values()),
                     bad=[b for _line, b in bad_at], seen=state,
                     delta=Delta(base=base, token=state.token, changed=changed, gone=gone))


def _parse_whole(file: CensusFile, tz: ZoneInfo, id_prefix: str, text: str, sha256: str) -> ParsedDay:
    """Read the file as one text with the csv module (any quoting, records over several lines)."""
    result = ParsedDay(file=file, sha256=sha256, total_rows=0)
    name = file.name
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        result.bad.append(Bad(name, 1, "the file is empty"))
        return result
    except csv.Error as exc:
        result.bad.append(Bad(name, 1, f"unreadable header: {exc}"))
        return result
    found = _columns(header)
    if isinstance(found, str):
        result.bad.append(Bad(name, 1, found, ",".join(header)))
        return result
    columns, width = found
    bad = result.bad.append
    parse = _row_parser(name, columns, tz, id_prefix, census_time(file.day, tz), bad)
    by_id: dict[str, CensusRow] = {}
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
        record = parse(row, line)
        if record is None:
            continue
        earlier = by_id.get(record.source_id)
        if earlier is None:
            by_id[record.source_id] = record
            continue
        keep, drop = (record, earlier) if record.admitted_at > earlier.admitted_at else (earlier, record)
        by_id[record.source_id] = keep
        bad(_repeated(name, record.source_id, keep, drop))
    result.rows = list(by_id.values())
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
