"""What custody notes ask of housing: a bottom bunk, medical isolation.

Registered with housing (``register_cell_check``) and planning (``register_traits``) in the app's
``ready()``, so every admission, move, move preview and re-housing plan asks the same question.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from emerald.core import clock
from emerald.facilities.models import Bunk, UnitKind
from emerald.health.models import CustodyNote
from emerald.housing.rules import NeedRefusal

CODE = "medical_needs"


def today() -> date:
    """The facility-local date: a note "until 2026-08-21" is in force all that day."""
    return timezone.localdate(clock.now())


def in_force_q(on: date | None = None) -> Q:
    on = on or today()
    return (Q(closed_at__isnull=True) & Q(valid_from__lte=on)
            & (Q(valid_until__isnull=True) | Q(valid_until__gte=on)))


@dataclass
class Needs:
    bottom_bunk: bool = False
    isolation: bool = False

    def __bool__(self) -> bool:
        return self.bottom_bunk or self.isolation


def needs_of(person_ids: list[int]) -> dict[int, Needs]:
    """The housing needs in force today of each person (only those with a need are in the answer)."""
    found: dict[int, Needs] = {}
    rows = (CustodyNote.objects.filter(in_force_q(), person_id__in=person_ids)
            .filter(Q(bottom_bunk=True) | Q(medical_isolation=True))
            .values_list("person_id", "bottom_bunk", "medical_isolation"))
    for pid, bottom, isolation in rows:
        needs = found.setdefault(pid, Needs())
        needs.bottom_bunk |= bottom
        needs.isolation |= isolation
    return found


def is_lower(bed: Any) -> bool:
    """A lower bunk or a single bed: fine for someone who must not climb."""
    return bed.bunk != Bunk.UPPER


def custody_needs_check(person: Any, cell: Any, beds: list[Any]) -> tuple[list[Any], NeedRefusal | None]:
    """Housing's cell check: refuse a cell that cannot meet the person's custody notes, and prefer lower beds.

    The refusal names the need, never the diagnosis: custody staff read it.
    """
    return _meet(needs_of([person.pk]).get(person.pk), person, cell, beds)


def _bind(person: Any) -> Any:
    """The same check with the person's needs read once, for asking about many cells (the move dialog)."""
    needs = needs_of([person.pk]).get(person.pk)
    return lambda person, cell, beds: _meet(needs, person, cell, beds)


custody_needs_check.bind = _bind  # type: ignore[attr-defined]


def _meet(needs: Needs | None, person: Any, cell: Any, beds: list[Any]) -> tuple[list[Any], NeedRefusal | None]:
    if not needs:
        return beds, None
    if needs.isolation and not (cell.single_occupancy or cell.unit.kind == UnitKind.MEDICAL):
        return [], NeedRefusal(CODE, _(
            "%(name)s must be in medical isolation (custody note): %(cell)s is neither a single cell nor in "
            "a medical unit.") % {"name": person.full_name, "cell": cell.code})
    if needs.bottom_bunk:
        lower = [b for b in beds if is_lower(b)]
        if not lower:
            return [], NeedRefusal(CODE, _(
                "%(name)s needs a bottom bunk (custody note): %(cell)s has no free lower bed.")
                % {"name": person.full_name, "cell": cell.code})
        return lower, None
    return beds, None


def medical_bed_qualifier(person_ids: list[int]) -> list[int]:
    """Housing's unit purposes: a medical-isolation note in force is the medical need a medical bed is for."""
    return [pid for pid, n in needs_of(person_ids).items() if n.isolation]


def custody_needs_traits(person_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Planning's trait provider: the same needs, for re-housing plans."""
    return {pid: {"needs_bottom_bunk": n.bottom_bunk, "needs_isolation": n.isolation}
            for pid, n in needs_of(person_ids).items()}


def housing_problem(person: Any) -> str:
    """Whether the person's current bed breaks a custody note in force (shown when a note is written)."""
    from emerald.housing.models import Placement

    needs = needs_of([person.pk]).get(person.pk)
    if not needs:
        return ""
    placement = (Placement.objects.select_related("cell", "unit", "bed")
                 .filter(person=person, end_at__isnull=True).first())
    if placement is None:
        return ""
    if needs.isolation and not (placement.cell.single_occupancy or placement.unit.kind == UnitKind.MEDICAL):
        return _("%(name)s is in %(cell)s, which is neither a single cell nor in a medical unit: move them.") % {
            "name": person.full_name, "cell": placement.cell.code}
    if needs.bottom_bunk and not is_lower(placement.bed):
        return _("%(name)s sleeps in the upper bunk of %(cell)s: give them a lower bed.") % {
            "name": person.full_name, "cell": placement.cell.code}
    return ""
