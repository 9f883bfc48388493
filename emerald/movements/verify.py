"""Prove the roll: replay every placement and stay from the start and compare with what the roll says.

The replay is deliberately naive and independent of the roll's own queries: it reads every placement and stay
once, ordered by time, and keeps in memory who is where. It then checks

1. the history is consistent: nobody is in two placements at once, a placement ends after it starts, and every
   placement lies inside one of the person's stays;
2. the live roll (``housing.selectors.roll()`` and ``movements.selectors.live_roll``) lists exactly the people
   the replay has housed now, unit by unit, and the people out on an absence are among them;
3. the roll as of a sample of past moments (``housing.selectors.roll(at=)`` and ``roll_as_of``) lists exactly the
   people the replay had housed then: every placement boundary is a candidate moment (just before and at it),
   plus random moments;
4. each person's status agrees with the replay: in custody iff an open stay and an open placement; after the
   last stay, the status is how it ended (released, escaped, deceased, transferred out).

It stops at the first difference and says what it is.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from emerald.core import clock


@dataclass
class Result:
    ok: bool = True
    problem: str = ""
    checked: dict[str, int] = field(default_factory=dict)


class Difference(Exception):
    pass


def _replay_at(starts: list[tuple], ends: list[tuple], at: datetime) -> dict[int, set[int]]:
    """People per unit at ``at``: placements with start <= at < end. ``starts`` and ``ends`` sorted by time."""
    live: dict[int, tuple[int, int]] = {}  # placement id -> (unit, person)
    i = j = 0
    # Apply events in time order; at equal times an end comes before a start (periods are half-open).
    while True:
        next_start = starts[i][0] if i < len(starts) else None
        next_end = ends[j][0] if j < len(ends) else None
        if next_end is not None and next_end <= at and (next_start is None or next_end <= next_start):
            live.pop(ends[j][1], None)
            j += 1
        elif next_start is not None and next_start <= at:
            _t, pk, unit, person = starts[i]
            live[pk] = (unit, person)
            i += 1
        else:
            break
    by_unit: dict[int, set[int]] = {}
    for unit, person in live.values():
        by_unit.setdefault(unit, set()).add(person)
    return by_unit


def verify_roll(*, actor: Any, samples: int = 50, seed: int = 1,
                progress: Callable[[str], None] | None = None) -> Result:
    """Replay the history and check the rolls and statuses; stop at the first difference."""
    from emerald.housing.models import Placement
    from emerald.housing.selectors import roll as housing_roll
    from emerald.movements.models import Absence, AbsenceStatus
    from emerald.movements.selectors import live_roll, roll_as_of
    from emerald.people.models import Person, PersonStatus, Stay

    say = progress or (lambda _m: None)
    result = Result()
    numbers = dict(Person.objects.values_list("pk", "inmate_number"))
    rows = list(Placement.objects.order_by("start_at", "id").values_list("pk", "person_id", "unit_id", "start_at",
                                                                           "end_at"))
    stays: dict[int, list[tuple[datetime, datetime | None, str]]] = {}
    for person_id, admitted, released, kind in Stay.objects.order_by("admitted_at").values_list(
            "person_id", "admitted_at", "released_at", "release_kind"):
        stays.setdefault(person_id, []).append((admitted, released, kind))
    say(f"replaying {len(rows)} placements of {len(numbers)} people")
    try:
        # 1. consistency, person by person
        by_person: dict[int, list[tuple]] = {}
        for pk, person_id, _unit, start, end in rows:
            if end is not None and end < start:
                raise Difference(f"placement #{pk} of {numbers[person_id]} ends before it starts")
            by_person.setdefault(person_id, []).append((start, end, pk))
        for person_id, periods in by_person.items():
            periods.sort()
            for (_s1, e1, pk1), (s2, _e2, pk2) in zip(periods, periods[1:], strict=False):
                if e1 is None or e1 > s2:
                    raise Difference(f"{numbers[person_id]} is in two placements at once (#{pk1} and #{pk2} from "
                                     f"{s2.isoformat()})")
            for start, end, pk in periods:
                inside = any(a <= start and (r is None or (end is not None and end <= r))
                             for a, r, _k in stays.get(person_id, []))
                if not inside:
                    raise Difference(f"placement #{pk} of {numbers[person_id]} lies outside every stay")
        result.checked["placements"] = len(rows)

        starts = sorted((start, pk, unit, person) for pk, person, unit, start, _end in rows)
        ends = sorted((end, pk) for pk, _p, _u, _s, end in rows if end is not None)
        now = clock.now()

        def compare(at: datetime | None) -> None:
            expect = _replay_at(starts, ends, at or now)
            want = {u: sorted(numbers[p] for p in people) for u, people in expect.items() if people}
            listed = housing_roll(actor=actor, at=at)
            got = {u["id"]: sorted(u["people"]) for f in listed["facilities"] for u in f["units"] if u["people"]}
            label = "now" if at is None else at.isoformat()
            if got != want:
                for unit in sorted(set(got) | set(want)):
                    if got.get(unit) != want.get(unit):
                        extra = sorted(set(got.get(unit, [])) - set(want.get(unit, [])))
                        missing = sorted(set(want.get(unit, [])) - set(got.get(unit, [])))
                        raise Difference(f"roll at {label}, unit #{unit}: listed but not in the history {extra[:5]}, "
                                         f"in the history but not listed {missing[:5]}")
            counts = {r.unit_id: r.occupied for r in (live_roll(actor=actor) if at is None
                                                       else roll_as_of(actor=actor, at=at)) if r.occupied}
            if counts != {u: len(v) for u, v in want.items()}:
                raise Difference(f"per-unit roll at {label} counts {counts} but the history has "
                                 f"{ {u: len(v) for u, v in want.items()} }")

        # 2. the live roll
        compare(None)
        out = Absence.objects.filter(status=AbsenceStatus.OUT).values_list("person_id", flat=True)
        housed_now = {p for people in _replay_at(starts, ends, now).values() for p in people}
        for person_id in out:
            if person_id not in housed_now:
                raise Difference(f"{numbers[person_id]} is out on an absence but has no open placement")
        result.checked["live"] = 1

        # 3. rolls as of past moments: around placement boundaries, and random moments
        moments: set[datetime] = set()
        if rows:
            rng = random.Random(seed)
            boundaries = sorted({r[3] for r in rows} | {r[4] for r in rows if r[4] is not None})
            for moment in rng.sample(boundaries, min(samples, len(boundaries))):
                moments.update({moment, moment - timedelta(microseconds=1)})
            first, span = boundaries[0], (now - boundaries[0]).total_seconds()
            moments.update(first + timedelta(seconds=rng.random() * span) for _ in range(samples))
        for i, at in enumerate(sorted(m for m in moments if m < now)):
            compare(at)
            if i % 20 == 0:
                say(f"checked the roll at {i + 1} of {len(moments)} moments")
        result.checked["moments"] = len(moments)

        # 4. statuses
        open_placement = {p for p, _u, _s, e in ((r[1], r[2], r[3], r[4]) for r in rows) if e is None}
        for person_id, status in Person.objects.values_list("pk", "status"):
            periods = stays.get(person_id, [])
            open_stay = bool(periods) and periods[-1][1] is None
            if (status == PersonStatus.IN_CUSTODY) != (open_stay and person_id in open_placement):
                raise Difference(f"{numbers[person_id]} has status {status} but the history has "
                                 f"{'an open' if open_stay else 'no open'} stay and "
                                 f"{'an open' if person_id in open_placement else 'no open'} placement")
            if not open_stay and periods and status != periods[-1][2]:
                raise Difference(f"{numbers[person_id]} has status {status} but the last stay ended as "
                                 f"{periods[-1][2]}")
            if not periods and status == PersonStatus.IN_CUSTODY:
                raise Difference(f"{numbers[person_id]} is in custody without a stay")
        result.checked["people"] = len(numbers)
    except Difference as exc:
        result.ok, result.problem = False, str(exc)
    return result

