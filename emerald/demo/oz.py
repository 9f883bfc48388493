"""The Oz demo: Oswald State Correctional Facility as it stood on 1 June 2025, before chapter 1.

Everything is built through the services, with Emerald's clock frozen at
believable past moments, so the records carry a history: people arrive in
Reception (R&D), are classified to a unit two days later, a few move again,
and keep-apart orders are made and (once) closed. The audit trail reads like
eighteen months of a real facility. The clock is left as it was found.

The structure is deterministic (seeded), so tests and later chapters can rely on it:

===========  ==============================================================================
Unit         Layout and occupancy on 2025-06-01
===========  ==============================================================================
EC           Emerald City, rehabilitation, managed by mcmanus. 2 tiers × 16 two-bed cells
             (EC-1-01..EC-1-16, EC-2-01..EC-2-16) = 64 beds, 54 occupied (84 %).
             Accessible: EC-1-01 (Augustus Hill, alone) and EC-1-02 (one person).
             One person only in EC-1-09, EC-1-14, EC-2-05, EC-2-11. Empty: EC-2-15, EC-2-16.
B            Unit B, general population. 2 tiers × 40 two-bed cells (B-1-01..B-2-40) = 160 beds,
             144 occupied (90 %). Accessible: B-1-01 and B-1-02 (one person each). One person
             only in B-1-07, B-1-18, B-1-25, B-2-04, B-2-13, B-2-22. Empty: B-1-39, B-1-40,
             B-2-39, B-2-40.
SOL          Solitary, segregation: SOL-01..SOL-20, single cells; SOL-01..SOL-03 occupied.
INF          Infirmary, medical: wards INF-W1..INF-W3 of 4 beds each; two patients in INF-W1.
GYM          Gym, temporary: one dormitory GYM-DORM of 120 beds; unit CLOSED.
R&D          Reception, intake: R&D-01..R&D-08, two beds each; three new arrivals (R&D-01, R&D-02)
             awaiting classification.
===========  ==============================================================================

Key people (inmate number, cell): Simon Adebisi 97A0001 and Kenny Wangler 97A0002 share EC-1-05;
Peter Schibetta 97A0003 EC-2-07; Vern Schillinger 97A0004 EC-2-14; Kareem Said 97A0005 EC-1-08;
Augustus Hill 97A0006 EC-1-01 (accessible, alone); Ryan O'Reily 97A0007 EC-2-03 (aliases
"O'Reilly", "O’Reily"); Miguel Alvarez 97A0008 EC-2-10; El Cid (Raoul Hernandez) 97A0009 B-1-12.
Cyril O'Reily has no record yet: he arrives in chapter 7.

Keep-apart orders in force (none violated): Adebisi–Schibetta (gang rivalry, cell), Said–Schillinger
(threat, cell), Schillinger–a Homeboy in B (gang rivalry, unit), Alvarez–an Aryan in B (gang rivalry,
unit), and two cell-scope orders between rival group members in Unit B. One more order between two
Unit B men was made in 2024 and closed in 2025. Schibetta can be moved without conflict to EC-2-16
or B-2-40 (empty cells).

Staff (password ``emerald-demo`` for all; demo only, never a real deployment): admin, glynn,
mcmanus, metzger, nathan, teacher, investigator, auditor.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from emerald.core import clock

# The one place the demo password exists. It is printed by `emerald run` next to the logins.
DEMO_PASSWORD = "emerald-demo"
FACILITY_CODE = "OZ"
LOCAL = ZoneInfo("America/New_York")
SEED = 1997

# username, role, first name, last name, what they do in the story
STAFF: list[tuple[str, str, str, str, str]] = [
    ("admin", "administrator", "System", "Administrator", "administers Emerald"),
    ("glynn", "warden", "Leo", "Glynn", "warden"),
    ("mcmanus", "unit_manager", "Tim", "McManus", "unit manager, Emerald City"),
    ("metzger", "officer", "Karl", "Metzger", "correctional officer, Emerald City"),
    ("nathan", "medical", "Gloria", "Nathan", "physician"),
    ("teacher", "educator", "Grace", "Monroe", "education officer (GED classes)"),
    ("investigator", "investigator", "Paul", "Rinaldi", "investigator, special unit"),
    ("auditor", "auditor", "Alma", "Kerr", "reads the audit trail"),
]

# unit code, name, kind, status, cells as (code, beds, accessible, single_occupancy, bunks)
EC_ACCESSIBLE = ("EC-1-01", "EC-1-02")
B_ACCESSIBLE = ("B-1-01", "B-1-02")
# Cells holding one person and cells standing empty on 2025-06-01 (the rest are full).
EC_SINGLE = ("EC-1-01", "EC-1-02", "EC-1-09", "EC-1-14", "EC-2-05", "EC-2-11")
EC_EMPTY = ("EC-2-15", "EC-2-16")
B_SINGLE = ("B-1-01", "B-1-02", "B-1-07", "B-1-18", "B-1-25", "B-2-04", "B-2-13", "B-2-22")
B_EMPTY = ("B-1-39", "B-1-40", "B-2-39", "B-2-40")
# Cells used on the way and empty at the end: people on general transit pass through
# B-2-39, B-2-40 and EC-2-16; the men now in solitary passed through B-1-39/B-1-40, the
# infirmary patients through EC-2-15.
TRANSIT_CELLS = ("B-2-39", "B-2-40", "EC-2-16")


def _tiered(prefix: str, tiers: int, per_tier: int) -> list[str]:
    return [f"{prefix}-{t}-{c:02d}" for t in range(1, tiers + 1) for c in range(1, per_tier + 1)]


def unit_plan() -> list[dict[str, Any]]:
    """The units and cells of Oz, as SCENARIO.md describes them."""
    return [
        {"code": "EC", "name": "Emerald City", "kind": "rehabilitation", "status": "open",
         "cells": [(c, 2, c in EC_ACCESSIBLE, False, True) for c in _tiered("EC", 2, 16)]},
        {"code": "B", "name": "Unit B", "kind": "general_population", "status": "open",
         "cells": [(c, 2, c in B_ACCESSIBLE, False, True) for c in _tiered("B", 2, 40)]},
        {"code": "SOL", "name": "Solitary", "kind": "segregation", "status": "open",
         "cells": [(f"SOL-{i:02d}", 1, False, True, False) for i in range(1, 21)]},
        {"code": "INF", "name": "Infirmary", "kind": "medical", "status": "open",
         "cells": [(f"INF-W{i}", 4, False, False, False) for i in range(1, 4)]},
        {"code": "GYM", "name": "Gym", "kind": "temporary", "status": "closed",
         "cells": [("GYM-DORM", 120, False, False, False)]},
        {"code": "R&D", "name": "Reception", "kind": "intake", "status": "open",
         "cells": [(f"R&D-{i:02d}", 2, False, False, True) for i in range(1, 9)]},
    ]


@dataclass
class Resident:
    """One person of the demo and the way they took to their cell on 2025-06-01."""

    number: str
    first: str
    last: str
    dob: date
    cell: str  # where they are on 2025-06-01
    group: str = ""
    aliases: list[str] = field(default_factory=list)
    custody: str = "maximum"
    via: str = ""  # a cell they lived in between Reception and ``cell``
    via_until: datetime | None = None
    final_reason: str = ""
    arrive: datetime | None = None


# The named people of the story. Group is their security threat group (recorded by a later chapter).
NAMED: list[Resident] = [
    Resident("97A0001", "Simon", "Adebisi", date(1961, 3, 14), "EC-1-05", "Homeboys", ["Bisi"]),
    Resident("97A0002", "Kenny", "Wangler", date(1979, 8, 2), "EC-1-05", "Homeboys", ["Little Kenny"]),
    Resident("97A0003", "Peter", "Schibetta", date(1958, 11, 20), "EC-2-07", "Wiseguys", ["Pete"]),
    Resident("97A0004", "Vern", "Schillinger", date(1951, 5, 9), "EC-2-14", "Aryan Brotherhood"),
    Resident("97A0005", "Kareem", "Said", date(1960, 7, 23), "EC-1-08", "Muslims"),
    Resident("97A0006", "Augustus", "Hill", date(1968, 2, 11), "EC-1-01", ""),
    Resident("97A0007", "Ryan", "O'Reily", date(1966, 10, 5), "EC-2-03", "Irish", ["O'Reilly", "O’Reily"]),
    Resident("97A0008", "Miguel", "Alvarez", date(1974, 12, 1), "EC-2-10", "Latinos"),
    Resident("97A0009", "Raoul", "Hernandez", date(1965, 6, 18), "B-1-12", "Latinos", ["El Cid"]),
]

FIRST_NAMES = (
    "James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew "
    "Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward Jason "
    "Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel "
    "Raymond Gregory Frank Alexander Patrick Jack Dennis Jerry Tyrone Darnell Jamal Andre Marcus Terrence "
    "DeShawn Luis Carlos Jose Juan Miguel Jorge Ramon Hector Rafael Angel Victor Tommy Vincent Salvatore "
    "Dominic Sean Liam Connor Declan Malik Rashid Omar Yusuf Hakim Earl Dwayne Curtis Leroy Otis Clarence"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Jackson Martin Lee "
    "Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Green Baker Adams "
    "Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans Turner Parker Collins Edwards Stewart "
    "Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell Howard Ward Cox Richardson Wood "
    "Watson Brooks Bennett Gray James Hughes Price Sanders Myers Long Ross Foster Powell Jenkins Perry "
    "Russell Sullivan Washington Butler Barnes Fisher Henderson Coleman Simmons Patterson Jordan Reynolds "
    "Hamilton Graham Wallace Cole West Hayes Gibson Ellis Ramirez Rivera Torres Ortiz Morales Cruz Reyes "
    "Gutierrez Mendoza Castillo Vargas Romero Delgado Santiago Fuentes Russo Esposito Romano Colombo "
    "Ricci Marino Greco Bruno Gallo Conti Kowalski Nowak Novak Brennan Gallagher Doyle Byrne Walsh Kelly "
    "Quinn Flanagan Shaw Boyd Dixon Hunt Palmer Mills Grant Stone Hawkins Wells Tucker Porter Hunter Hicks "
    "Crawford Henry Warren Dunn Black Rose Fox Freeman Webb Simpson Jordan Rice Abdullah Rahman Hassan"
).split()
STREET_NAMES = ("Smokey", "Tiny", "Lucky", "Ghost", "Shorty", "Preacher", "Book", "Dice", "Red", "Cowboy",
                "Slim", "Professor", "Nickels", "Spider", "Pops")
# Rough shares of the generated population by group (the rest belong to none).
GROUP_WEIGHTS = (("Homeboys", 14), ("Latinos", 12), ("Aryan Brotherhood", 8), ("Wiseguys", 5), ("Irish", 5),
                 ("Muslims", 6), ("Bikers", 4), ("", 46))


def _local(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=LOCAL).astimezone(UTC)


SETUP_AT = _local(2024, 1, 2, 9, 0)
FIRST_ARRIVALS = date(2024, 1, 8)
LAST_CLASSIFIED_ARRIVALS = date(2025, 5, 20)
UNCLASSIFIED_ARRIVAL = _local(2025, 5, 30, 11, 0)
STATE_AT = _local(2025, 6, 1, 0, 0)


def _occupancy_targets() -> list[str]:
    """One entry per bed to fill in EC and B on 2025-06-01 (a cell code per occupant)."""
    targets = []
    for cells, single, empty in ((_tiered("EC", 2, 16), EC_SINGLE, EC_EMPTY),
                                 (_tiered("B", 2, 40), B_SINGLE, B_EMPTY)):
        for code in cells:
            n = 0 if code in empty else 1 if code in single else 2
            targets += [code] * n
    return targets


def roster() -> list[Resident]:
    """Everyone in the demo, deterministic for a given SEED, in order of arrival."""
    rng = random.Random(SEED)
    targets = _occupancy_targets()
    for r in NAMED:
        targets.remove(r.cell)
    used_names = {(r.first, r.last) for r in NAMED}
    serial = {"24": 1000, "25": 100}

    def new_person(cell: str) -> Resident:
        while True:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if (first, last) not in used_names:
                used_names.add((first, last))
                break
        groups, weights = zip(*GROUP_WEIGHTS, strict=True)
        group = rng.choices(groups, weights)[0]
        aliases = [rng.choice(STREET_NAMES)] if rng.random() < 0.12 else []
        dob = date(1956, 1, 1) + timedelta(days=rng.randrange(0, 47 * 365))
        custody = "maximum" if rng.random() < 0.8 else "medium"
        return Resident("", first, last, dob, cell, group, aliases, custody)

    generated = [new_person(cell) for cell in targets]
    rng.shuffle(generated)
    # Three men in solitary, two patients in the infirmary, three new arrivals in Reception.
    extra = [new_person("SOL-01"), new_person("SOL-02"), new_person("SOL-03"),
             new_person("INF-W1"), new_person("INF-W1")]
    for person, via in zip(extra, ("B-1-39", "B-1-39", "B-1-40", "EC-2-15", "EC-2-15"), strict=True):
        person.via = via
    arrivals_rd = [new_person("R&D-01"), new_person("R&D-01"), new_person("R&D-02")]

    # Arrival batches of one to three people, every two to five days, named people first.
    people = list(NAMED) + generated
    # The solitary and infirmary cases arrive in the last months; keep them for the end.
    people[len(people) - 40:len(people) - 40] = extra
    i = 0
    batches: list[list[Resident]] = []
    span = (LAST_CLASSIFIED_ARRIVALS - FIRST_ARRIVALS).days
    while i < len(people):
        size = rng.choice((1, 2, 2, 3))
        batches.append(people[i:i + size])
        i += size
    gap = span / max(1, len(batches) - 1)
    for b, batch in enumerate(batches):
        day = FIRST_ARRIVALS + timedelta(days=round(b * gap))
        for k, person in enumerate(batch):
            person.arrive = _local(day.year, day.month, day.day, 10, 5 + 17 * k)
    for person in arrivals_rd:
        person.arrive = UNCLASSIFIED_ARRIVAL
    everyone = people + arrivals_rd

    # Numbers: the named people carry their old state numbers; the others the year of reception.
    for person in everyone:
        if not person.number:
            yy = f"{person.arrive.astimezone(LOCAL).year % 100:02d}"
            serial[yy] += 1
            person.number = f"{yy}A{serial[yy]:04d}"

    # Some people of the general population lived in a transit cell for three weeks first.
    transit = [p for p in generated if p.arrive and p.arrive < _local(2025, 3, 1)][::23]
    for n, person in enumerate(transit):
        person.via = TRANSIT_CELLS[n % len(TRANSIT_CELLS)]
        person.via_until = person.arrive + timedelta(days=23)
        person.final_reason = "cell reassignment: moved to a permanent cell"
    for person in extra:
        if person.cell.startswith("SOL"):
            person.via_until = _local(2025, 5, 26, 15, 20 + int(person.cell[-1]))
            person.final_reason = "disciplinary segregation after a fight in the B-1 day room"
        else:
            person.via_until = _local(2025, 5, 28, 9, 40 + int(person.number[-1]))
            person.final_reason = "admitted to the infirmary on medical advice"
    return everyone


@dataclass
class Event:
    at: datetime
    order: int
    run: Callable[[], Any]


@dataclass
class LoadResult:
    loaded: bool
    message: str
    people: int = 0
    audit_entries: int = 0


def is_loaded() -> bool:
    from emerald.facilities.models import Facility

    return Facility.objects.filter(code=FACILITY_CODE).exists()


def load(
    *, force: bool = False, progress: Callable[[str], None] | None = None, story: bool = True
) -> LoadResult:
    """Load the demo unless the database already has people (or, with ``force``, unless Oz exists).

    ``story`` plays every chapter after the baseline (emerald/demo/chapters.py); without it the
    facility stays as it was on 1 June 2025.

    The audit trail is append-only, so the demo is never "reloaded" over itself: start
    from an empty database instead.
    """
    from emerald.accounts.models import User
    from emerald.people.models import Person

    if is_loaded():
        return LoadResult(False, "The Oz demo is already loaded; nothing to do.")
    if Person.objects.exists() and not force:
        return LoadResult(False, f"The database already holds {Person.objects.count()} people; "
                                 "the demo was not loaded (use --force to load it beside them).")
    taken = sorted(User.objects.filter(username__in=[s[0] for s in STAFF]).values_list("username", flat=True))
    if taken:
        return LoadResult(False, f"Demo usernames already exist ({', '.join(taken)}); the demo was not loaded.")
    from emerald.audit.models import AuditEntry

    before = AuditEntry.objects.count()
    say = progress or (lambda _msg: None)
    with transaction.atomic():
        count = _build(say)
        from emerald.demo import chapters

        if story:
            chapters.load_all(chapters.build_context(FACILITY_CODE), say)
    return LoadResult(True, f"Loaded the Oz demo: {count} people.", count, AuditEntry.objects.count() - before)


def _build(say: Callable[[str], None]) -> int:
    from emerald.accounts.services import user_create
    from emerald.facilities import services as fs
    from emerald.housing.models import Scope
    from emerald.housing.services import (
        non_association_close,
        non_association_create,
        person_admit,
        placement_move,
    )
    from emerald.people.models import Person
    from emerald.people.services import person_create

    say("facility, units and cells")
    with clock.frozen_at(SETUP_AT):
        admin = user_create(actor=None, username="admin", password=DEMO_PASSWORD, role="administrator",
                            first_name="System", last_name="Administrator", check_password=False)
        staff = {"admin": admin}
        for username, role, first, last, _what in STAFF[1:]:
            staff[username] = user_create(actor=admin, username=username, password=DEMO_PASSWORD, role=role,
                                          first_name=first, last_name=last, check_password=False)
        # Two-factor roles get the published demo secret (emerald/security/demo.py; added by H12).
        from emerald.security.demo import enrol_demo_staff

        enrol_demo_staff(staff, actor=admin)
        facility = fs.facility_create(actor=admin, code=FACILITY_CODE, name="Oswald State Correctional Facility")
        cells: dict[str, Any] = {}
        units: dict[str, Any] = {}
        for spec in unit_plan():
            unit = fs.unit_create(actor=admin, facility=facility, code=spec["code"], name=spec["name"],
                                  kind=spec["kind"], security_level="maximum", status=spec["status"])
            units[spec["code"]] = unit
            for code, beds, accessible, single, bunks in spec["cells"]:
                cells[code] = fs.cell_create(actor=admin, unit=unit, code=code, beds=beds, accessible=accessible,
                                             single_occupancy=single, bunks=bunks)
        fs.unit_assign_manager(actor=admin, unit=units["EC"], manager=staff["mcmanus"])

    say("people, admissions and moves")
    glynn, mcmanus, metzger = staff["glynn"], staff["mcmanus"], staff["metzger"]
    everyone = roster()
    persons: dict[str, Person] = {}
    events: list[Event] = []
    seq = iter(range(1_000_000))

    def add(at: datetime, fn: Callable[[], Any]) -> None:
        events.append(Event(at, next(seq), fn))

    rd_slot = {"n": 0}
    for r in everyone:
        assert r.arrive is not None

        def arrive(r: Resident = r) -> None:
            persons[r.number] = person_create(
                actor=metzger, inmate_number=r.number, first_name=r.first, last_name=r.last, sex="male",
                custody_level=r.custody, date_of_birth=r.dob, aliases=r.aliases)
            if r.cell.startswith("R&D"):
                cell = cells[r.cell]
            else:
                # Arrivals of one batch share Reception cells two by two.
                cell = cells[f"R&D-{(rd_slot['n'] // 2) % 8 + 1:02d}"]
                rd_slot["n"] += 1
            person_admit(actor=metzger, person=persons[r.number], cell_id=cell.pk,
                         reason="committed by the court; received from county jail")

        add(r.arrive, arrive)
        if r.cell.startswith("R&D"):
            continue
        classified = r.arrive + timedelta(days=2, hours=4)
        first_cell = r.via or r.cell
        mover = mcmanus if first_cell.startswith("EC") else glynn

        def classify(r: Resident = r, first_cell: str = first_cell, mover: Any = mover) -> None:
            placement_move(actor=mover, person=persons[r.number], cell_id=cells[first_cell].pk,
                           reason="classification complete: assigned to housing")

        add(classified, classify)
        if r.via:
            assert r.via_until is not None
            mover = mcmanus if r.cell.startswith("EC") or r.via.startswith("EC") else glynn

            def settle(r: Resident = r, mover: Any = mover) -> None:
                placement_move(actor=mover, person=persons[r.number], cell_id=cells[r.cell].pk,
                               reason=r.final_reason)

            add(r.via_until, settle)

    # Keep-apart orders, made once everyone concerned had settled.
    settled = {r.number: max(r.arrive + timedelta(days=2, hours=4), r.via_until or r.arrive) for r in everyone
               if r.arrive is not None}

    def pick(group: str, before: datetime, exclude: set[str], not_with: Resident | None = None) -> Resident:
        """The first generated member of ``group`` settled in Unit B before ``before``."""
        for r in everyone:
            if (r.group == group and r.cell.startswith("B-") and r.number not in exclude
                    and not r.number.startswith("97A") and settled[r.number] < before
                    and (not_with is None or r.cell != not_with.cell)):
                exclude.add(r.number)
                return r
        raise LookupError(group)

    orders: list[tuple[datetime, str, str, str, str, str, Any]] = [
        (_local(2025, 4, 10, 16, 5), "97A0001", "97A0003", Scope.CELL, "gang_rivalry",
         "Homeboys and Wiseguys fight over the drug trade in Emerald City.", mcmanus),
        (_local(2025, 2, 3, 11, 30), "97A0004", "97A0005", Scope.CELL, "threat",
         "Schillinger threatened Said in the day room.", mcmanus),
    ]
    used: set[str] = {"97A0009"}
    spring = _local(2025, 3, 1)
    homeboy_b = pick("Homeboys", spring, used)
    aryan_b = pick("Aryan Brotherhood", spring, used)
    latino_b = pick("Latinos", spring, used)
    aryan_b2 = pick("Aryan Brotherhood", spring, used, not_with=latino_b)
    wiseguy_b = pick("Wiseguys", spring, used)
    homeboy_b2 = pick("Homeboys", spring, used, not_with=wiseguy_b)
    irish_b = pick("Irish", _local(2024, 8, 1), used)
    biker_b = pick("Bikers", _local(2024, 8, 1), used, not_with=irish_b)
    orders += [
        (_local(2025, 3, 12, 9, 15), "97A0004", homeboy_b.number, Scope.UNIT, "gang_rivalry",
         "Aryan Brotherhood and Homeboys: keep out of the same unit.", staff["investigator"]),
        (_local(2025, 3, 20, 14, 0), "97A0008", aryan_b.number, Scope.UNIT, "gang_rivalry",
         "Latinos and Aryan Brotherhood: assault in the yard in 2024.", staff["investigator"]),
        (_local(2025, 4, 2, 10, 45), latino_b.number, aryan_b2.number, Scope.CELL, "gang_rivalry",
         "Rival groups: not to share a cell.", glynn),
        (_local(2025, 5, 6, 13, 10), wiseguy_b.number, homeboy_b2.number, Scope.CELL, "threat",
         "Debt dispute; threats overheard by staff.", staff["investigator"]),
    ]
    for at, a, b, scope, reason, comment, actor in orders:
        def order(a: str = a, b: str = b, scope: str = scope, reason: str = reason, comment: str = comment,
                  actor: Any = actor) -> None:
            made = non_association_create(actor=actor, person_a=persons[a], person_b=persons[b], scope=scope,
                                          reason=reason, comment=comment)
            assert not made.currently_violated_where, (a, b, made.currently_violated_where)

        assert settled[a] < at and settled[b] < at, (a, b)
        add(at, order)

    closed: dict[str, Any] = {}

    def old_order() -> None:
        closed["order"] = non_association_create(
            actor=glynn, person_a=persons[irish_b.number], person_b=persons[biker_b.number], scope=Scope.CELL,
            reason="threat", comment="Argument over commissary goods.")

    def close_old_order() -> None:
        non_association_close(actor=glynn, order=closed["order"],
                              reason="mediation held; no incident in five months")

    add(_local(2024, 9, 16, 15, 30), old_order)
    add(_local(2025, 2, 18, 10, 0), close_old_order)

    events.sort(key=lambda e: (e.at, e.order))
    assert events[-1].at < STATE_AT
    for event in events:
        with clock.frozen_at(event.at):
            event.run()
    return len(persons)


def logins() -> list[tuple[str, str, str]]:
    """(username, role, who) for the demo's staff, for `emerald run` to print."""
    return [(username, role, f"{first} {last}".strip() + f", {what}") for username, role, first, last, what in STAFF]
