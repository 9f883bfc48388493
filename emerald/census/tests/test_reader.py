"""Reading a census by difference with the day before gives what reading the whole file gives."""

from __future__ import annotations

import hashlib
import random
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from emerald.census.reader import CensusFile, CensusRow, ParsedDay, _parse_whole, _values, parse_day

NY = ZoneInfo("America/New_York")
HEADER = "inmateid,admitted_dt,custody_level,bradh,race,gender,age,inmate_status_code,sealed,srg_flg,top_charge,infraction"
# The NYC export swapped the last two columns on some days of February 2025.
SWAPPED = "inmateid,admitted_dt,custody_level,bradh,race,gender,age,inmate_status_code,sealed,srg_flg,infraction,top_charge"


def line(header: str, pid: object, admitted: str, level: str, charge: str) -> str:
    fields = [str(pid), admitted, level, "N", "B", "M", "30.0", "DE", "N", "N"]
    fields += [charge, "N"] if header == HEADER else ["N", charge]
    return ",".join(fields)


def day_file(n: int) -> CensusFile:
    return CensusFile(Path(f"census_202501{n:02d}.csv"), date(2025, 1, n))


def whole(f: CensusFile, data: bytes) -> ParsedDay:
    return _parse_whole(f, NY, "", data.decode("utf-8-sig"), hashlib.sha256(data).hexdigest())


def values(rows: list[CensusRow]) -> list[tuple[object, ...]]:
    return sorted((r.source_id, *_values(r)) for r in rows)


def test_reading_by_difference_is_reading_the_whole_file():
    """Random days (people coming, going and changing; repeated INMATEIDs, blank and bad lines, lines repeated
    word for word, quoted line breaks, CRLF, columns reordered): every day reads exactly like the whole file,
    and the difference is exactly what changed."""
    rng = random.Random(7)
    modes = {"first": 0, "difference": 0, "whole": 0}
    for _trial in range(120):
        people = {i: [f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00.000",
                      rng.choice(["MIN", "MED", "MAX", ""]), rng.choice(["", "120.05"])] for i in range(1, 25)}
        previous, before, header = None, None, HEADER
        for n in range(1, 8):
            if rng.random() < 0.15:
                header = SWAPPED if header == HEADER else HEADER
            lines = [line(header, pid, *v) for pid, v in people.items() if rng.random() < 0.8]
            for _ in range(rng.randint(0, 3)):
                pid = rng.choice(list(people))
                admitted, level, charge = people[pid]
                lines.append(rng.choice([
                    line(header, pid, f"2024-0{rng.randint(1, 9)}-2{rng.randint(0, 9)}T10:00:00.000", level, charge),
                    "", "bad,row", line(header, pid, "2030-01-01T00:00:00.000", level, charge),
                    line(header, pid, admitted, level, charge), line(header, pid, admitted, level, '"12\n5.5"'),
                    line(header, "", admitted, level, charge)]))
            rng.shuffle(lines)
            for v in people.values():
                if rng.random() < 0.1:
                    v[1] = rng.choice(["MIN", "MED", "MAX", ""])
            sep = "\r\n" if rng.random() < 0.1 else "\n"
            data = (header + sep + sep.join(lines) + sep).encode()
            f = day_file(n)
            got, expected = parse_day(f, NY, data=data, previous=previous), whole(f, data)
            assert got.total_rows == expected.total_rows
            assert [(b.line, b.reason) for b in got.bad] == [(b.line, b.reason) for b in expected.bad]
            assert values(got.rows) == values(expected.rows)
            if got.delta is None:
                modes["whole"] += 1
            elif got.delta.base is None:
                modes["first"] += 1
                assert [(r.line, r.source_id) for r in got.rows] == [(r.line, r.source_id) for r in expected.rows]
            else:
                modes["difference"] += 1
                was = {sid: vals for sid, *vals in values(before)}
                now = {sid: vals for sid, *vals in values(got.rows)}
                assert got.delta.gone == set(was) - set(now)
                assert set(got.delta.changed) == {sid for sid in now if was.get(sid) != now[sid]}
                lines_read = {(r.line, r.source_id) for r in expected.rows}
                assert all((r.line, sid) in lines_read for sid, r in got.delta.changed.items())
            previous, before = got.seen, got.rows
    assert all(modes.values()), modes


def test_a_day_like_the_day_before_is_not_parsed_again():
    f1, f2 = day_file(1), day_file(2)
    lines = [line(HEADER, pid, "2024-05-01T10:00:00.000", "MED", "") for pid in range(1, 6)]
    first = parse_day(f1, NY, data="\n".join([HEADER, *lines]).encode())
    changed = lines[:2] + [line(HEADER, 3, "2024-05-01T10:00:00.000", "MAX", "")] + lines[4:]
    second = parse_day(f2, NY, data="\n".join([HEADER, *changed, line(HEADER, 9, "2025-01-02T08:00:00.000", "MIN", "")])
                       .encode(), previous=first.seen)
    assert second.delta is not None and second.delta.base is first.delta.token  # type: ignore[union-attr]
    assert {sid: (r.line, r.custody_level) for sid, r in second.delta.changed.items()} == {"3": (4, "MAX"),
                                                                                           "9": (6, "MIN")}
    assert second.delta.gone == {"4"}
    unchanged = {r.source_id: r for r in first.rows}
    assert all(r is unchanged[r.source_id] for r in second.rows if r.source_id in {"1", "2", "5"})


@pytest.mark.parametrize("body", ['1,2024-05-01T10:00:00.000,MED,N,B,M,30.0,DE,N,N,"12\n5.5",N',
                                  "1,2024-05-01T10:00:00.000,MED,N,B,M,30.0,DE,N,N,12\r5.5,N"])
def test_records_over_several_lines_are_read_as_a_whole_file(body):
    data = f"{HEADER}\n{body}\n".encode()
    parsed = parse_day(day_file(1), NY, data=data)
    assert parsed.delta is None and parsed.seen is None
    assert values(parsed.rows) == values(whole(day_file(1), data).rows)
