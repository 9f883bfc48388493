"""The roll from the history: per unit, live or as of any past moment, in a fixed number of queries.

Live: open placements (the partial index ``placement_open_unit_idx``) and absences out now. As of a past
moment: the placements whose period ``[start_at, end_at)`` contains it. On PostgreSQL that question is
answered by the range index ``placement_period_idx`` (see housing migrations 0002 and 0003, and docs/performance.md);
elsewhere by the same predicate in plain SQL. Beds and certified capacity are today's: the history of cells
taken out of service is not replayed (docs/movements.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Q, Sum

from emerald.facilities.models import Bed, Cell, Unit
from emerald.housing.models import Placement


@dataclass
class UnitRoll:
    """One unit's line of the roll."""

    unit_id: int
    code: str
    name: str
    facility_id: int
    facility_code: str
    status: str
    beds: int = 0
    certified: int = 0
    occupied: int = 0
    out: int = 0
    out_people: list[Any] = field(default_factory=list)

    @property
    def in_cell(self) -> int:
        return self.occupied - self.out

    @property
    def free(self) -> int:
        return max(self.beds - self.occupied, 0)

    @property
    def over_certified(self) -> int:
        return max(self.occupied - self.certified, 0)

    def as_dict(self) -> dict[str, Any]:
        return {"unit_id": self.unit_id, "code": self.code, "name": self.name, "facility": self.facility_code,
                "status": self.status, "beds": self.beds, "certified_capacity": self.certified,
                "occupied": self.occupied, "in_cell": self.in_cell, "out": self.out, "free": self.free,
                "over_certified": self.over_certified}


def _units(unit_ids: list[int] | None) -> list[UnitRoll]:
    qs = Unit.objects.select_related("facility").order_by("facility__code", "code")
    if unit_ids is not None:
        qs = qs.filter(pk__in=unit_ids)
    rows = qs.values_list("pk", "code", "name", "facility_id", "facility__code", "status")
    return [UnitRoll(*row) for row in rows]


# Beds and certified capacity per unit change only when cells or beds are created or a cell is taken out of (or
# back into) service, and every such change goes through a facilities service that writes the cell's history.
# Counting 160,000 beds costs more than the rest of the live roll together, so the per-unit totals are kept per
# process, keyed by the newest cell-history row, bed and cell. Only reads outside any transaction use the cache:
# inside one (a service, a test) ids may be rolled back and reused, so the totals are counted afresh.
_capacity_cache: dict[str, Any] = {"key": None, "value": None}


def _capacity_key() -> tuple:
    history = Cell.history.model._meta.db_table  # type: ignore[attr-defined]
    with connection.cursor() as cur:
        cur.execute(f"SELECT (SELECT MAX(history_id) FROM {history}), (SELECT MAX(id) FROM {Bed._meta.db_table}), "
                    f"(SELECT MAX(id) FROM {Cell._meta.db_table})")  # noqa: S608 - table names from the models
        return (connection.alias, connection.settings_dict.get("NAME"), *cur.fetchone())


def _count_capacity() -> tuple[dict[int, int], dict[int, int]]:
    beds = Bed.objects.filter(in_service=True, cell__in_service=True)
    n_beds = dict(beds.values_list("cell__unit_id").annotate(n=Count("*")).values_list("cell__unit_id", "n"))
    cells = Cell.objects.filter(in_service=True)
    certified = dict(cells.values_list("unit_id").annotate(n=Sum("certified_capacity")).values_list("unit_id", "n"))
    return n_beds, certified


def capacity() -> tuple[dict[int, int], dict[int, int]]:
    """(beds in service, certified capacity) per unit id."""
    if connection.in_atomic_block:
        return _count_capacity()
    key = _capacity_key()
    if _capacity_cache["key"] != key:
        _capacity_cache["value"] = _count_capacity()
        _capacity_cache["key"] = key
    return _capacity_cache["value"]


def _capacity(rolls: list[UnitRoll]) -> None:
    n_beds, certified = capacity()
    for r in rolls:
        r.beds = n_beds.get(r.unit_id, 0)
        r.certified = certified.get(r.unit_id, 0) or 0


def occupied_now() -> dict[int, int]:
    # COUNT(*), not COUNT(id): the partial covering index placement_open_unit_idx answers it without the table.
    return dict(Placement.objects.filter(end_at__isnull=True).values_list("unit_id").annotate(n=Count("*"))
                .values_list("unit_id", "n"))


def occupied_at(at: datetime) -> dict[int, int]:
    """People per unit at ``at``: placements with start_at <= at < end_at (or still open)."""
    if connection.vendor == "postgresql":
        # The expression matches the SP-GiST index of housing migration 0003, so this is an index-only scan of
        # the placements whose period contains ``at``, not a scan of the whole history.
        with connection.cursor() as cur:
            cur.execute("SELECT unit_id, COUNT(*) FROM housing_placement "
                        "WHERE tstzrange(start_at, end_at, '[)') @> %s::timestamptz GROUP BY unit_id", [at])
            return dict(cur.fetchall())
    live = Placement.objects.filter(start_at__lte=at).filter(Q(end_at__isnull=True) | Q(end_at__gt=at))
    return dict(live.values_list("unit_id").annotate(n=Count("*")).values_list("unit_id", "n"))


def _out_now(with_people: bool) -> dict[int, list[Any]]:
    from emerald.movements.models import Absence, AbsenceStatus

    rows = (Absence.objects.filter(status=AbsenceStatus.OUT, person__placements__end_at__isnull=True)
            .values_list("person__placements__unit_id", "pk"))
    by_unit: dict[int, list[Any]] = {}
    for unit_id, pk in rows:
        by_unit.setdefault(unit_id, []).append(pk)
    if with_people and by_unit:
        absences = Absence.objects.select_related("person").in_bulk([pk for v in by_unit.values() for pk in v])
        by_unit = {u: sorted((absences[pk] for pk in v), key=lambda a: a.expected_back_at) for u, v in by_unit.items()}
    return by_unit


def _out_at(at: datetime) -> dict[int, list[Any]]:
    """Absences out at ``at``, by the unit the person was housed in at that moment."""
    from emerald.movements.models import Absence

    out = (Absence.objects.filter(out_at__lte=at)
           .filter(Q(back_at__gt=at) | (Q(back_at__isnull=True) & (Q(closed_at__isnull=True) | Q(closed_at__gt=at))))
           .values_list("pk", "person_id"))
    out = list(out)
    if not out:
        return {}
    people = {person_id: pk for pk, person_id in out}
    where = (Placement.objects.filter(person_id__in=people, start_at__lte=at)
             .filter(Q(end_at__isnull=True) | Q(end_at__gt=at)).values_list("person_id", "unit_id"))
    by_unit: dict[int, list[Any]] = {}
    for person_id, unit_id in where:
        by_unit.setdefault(unit_id, []).append(people[person_id])
    return by_unit


def compute(*, at: datetime | None = None, unit_ids: list[int] | None = None,
            with_people: bool = False) -> list[UnitRoll]:
    """The roll of every unit (or of ``unit_ids``): live when ``at`` is None, else as of ``at``."""
    rolls = _units(unit_ids)
    _capacity(rolls)
    occupied = occupied_now() if at is None else occupied_at(at)
    out = _out_now(with_people) if at is None else _out_at(at)
    for r in rolls:
        r.occupied = occupied.get(r.unit_id, 0)
        r.out_people = out.get(r.unit_id, [])
        r.out = len(r.out_people)
    return rolls
