"""Rebuild the test fixtures: small excerpts of the real NYC census files (../shared/data/...).

Run from the repository root: ``.venv/bin/python emerald/census/tests/make_fixtures.py``. The rows are real
and unchanged (same format, quoting and padding), with these documented exceptions, because the sample has no
sealed record and no unreadable row:

- person 67006 is marked SEALED=Y in every file (the sample has no sealed record at all);
- the 2025-01-03 file gets four bad rows appended: a blank ADMITTED_DT, a short row, an unusable INMATEID, and
  a repeat of 36282 with an earlier ADMITTED_DT.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[4] / "shared" / "data" / "nyc-doc-daily-inmates-in-custody"
HERE = Path(__file__).resolve().parent / "fixtures"

SETS = {
    # current export: lower-case header, ISO times; 2025-01-05 is left out to make a gap
    "current": ("2025-01-to-02", ["20250102", "20250103", "20250104", "20250106"], [
        "20226292",  # present, absent, back with a new ADMITTED_DT: a second stay
        "20226867",  # custody level MED -> MIN between 01-03 and 01-04
        "20170425",  # custody level MAX -> MED between 01-02 and 01-03
        "20221543",  # first seen 01-04 with a blank custody level (UNASSIGNED), MED after the gap
        "20217811",  # released after 01-02
        "36282",  # admitted on 01-03
        "67006",  # in custody throughout; marked sealed here
        "20217023",  # sex not recorded (blank GENDER)
        "20171735",  # released inside the gap (present 01-04, absent 01-06)
    ]),
    # older export by records request: quoted upper-case header, padded codes, DISCHARGED_DT
    "foil": ("2019-03-foil", ["20190303", "20190304", "20190305"], [
        "20166096",  # custody blank -> MED, then admitted again between two censuses (same-day re-admission)
        "20172747",  # custody MED -> MAX on 03-05
        "20117031",  # released after 03-03
        "20076390",  # admitted on 03-04
        "24290",  # blank custody level and gender throughout
        "67006",  # in custody throughout; marked sealed here
    ]),
}


def build() -> None:
    for name, (folder, days, people) in SETS.items():
        out_dir = HERE / name
        out_dir.mkdir(parents=True, exist_ok=True)
        for day in days:
            src = next((SOURCE / folder).glob(f"*{day}*"))
            text = gzip.decompress(src.read_bytes()).decode("utf-8")
            lines = text.splitlines(keepends=True)
            header, body = lines[0], lines[1:]
            keep = [ln for ln in body if next(csv.reader(io.StringIO(ln)))[0].strip() in people]
            keep = [_sealed(ln) if next(csv.reader(io.StringIO(ln)))[0].strip() == "67006" else ln for ln in keep]
            if name == "current" and day == "20250103":
                keep += [
                    "99999001,,MIN,N,B,M,30.0,DE,N,N,120.05,N\n",
                    "99999002,2024-12-30T10:00:00.000,MIN\n",
                    "99 999,2024-12-30T10:00:00.000,MIN,N,B,M,30.0,DE,N,N,120.05,N\n",
                    "36282,2024-06-01T10:00:00.000,MIN,N,B,M,30.0,DE,N,N,120.05,N\n",
                ]
            data = (header + "".join(keep)).encode("utf-8")
            (out_dir / src.name).write_bytes(gzip.compress(data, mtime=0))


def _sealed(line: str) -> str:
    row = next(csv.reader(io.StringIO(line)))
    header_lower = len(row) == 12  # the current export has no DISCHARGED_DT
    idx = 8 if header_lower else 9
    quoted = line.startswith('"')
    row[idx] = "Y"
    if quoted:
        return ",".join(f'"{c}"' for c in row) + "\n"
    return ",".join(row) + "\n"


if __name__ == "__main__":
    build()
