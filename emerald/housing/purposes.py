"""What each kind of unit is for, as a rule: who may be housed in it and why not.

General population and rehabilitation units take anyone the other rules allow. The others are for a
purpose, and a person qualifies only through a record that says so:

- **medical**: a current medical need for the bed (a medical-isolation custody note, from health);
- **segregation**: a segregation sanction in force (from discipline), or an order that says so;
- **protective custody**: a protective-custody decision, or an order that says so;
- **intake** (reception): arrivals not yet classified — Emerald's suggestions come after classification,
  so they never propose it;
- **temporary**: only while opened for an emergency (a re-housing that names it).

"An order that says so" is a unit a plan or re-housing was explicitly allowed to use
(``allow_unit_ids``). Areas register what qualifies a person (:func:`register_qualifier`), so housing never
imports them. The housing optimiser — suggestions in the move dialog and the API, intake's ranked cells and
housing plans — asks :func:`purposes_of` and refuses, with :data:`REASONS`, any cell of a unit whose
purpose the person does not have (``planning/engine``: ``State.unit_reason`` and the validator).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils.translation import gettext_noop

from emerald.facilities.models import UnitKind

#: Kinds of unit anyone may be housed in.
OPEN_KINDS = frozenset({UnitKind.GENERAL.value, UnitKind.REHABILITATION.value})

#: Why a person may not be housed in a unit of each other kind (a refusal reason, translated when shown).
REASONS = {
    UnitKind.MEDICAL.value: gettext_noop("a medical unit: only for a current medical need"),
    UnitKind.SEGREGATION.value: gettext_noop("a segregation unit: only under a segregation sanction or an order"),
    UnitKind.PROTECTIVE.value: gettext_noop("a protective-custody unit: only after a protective-custody decision"),
    UnitKind.INTAKE.value: gettext_noop("a reception unit: only for arrivals not yet classified"),
    UnitKind.TEMPORARY.value: gettext_noop("a temporary unit: only while opened for an emergency"),
}
PURPOSE_KINDS = frozenset(REASONS)

#: ``qualifier(person_ids) -> the ids among them that qualify`` for a kind.
Qualifier = Callable[[list[int]], Iterable[int]]
_qualifiers: dict[str, list[Qualifier]] = {}


def register_qualifier(kind: str, qualifier: Qualifier) -> None:
    """Declare a record that qualifies people for units of ``kind`` (once per function)."""
    if kind not in PURPOSE_KINDS:
        raise ValueError(f"{kind!r} is not a unit kind with a purpose")
    found = _qualifiers.setdefault(kind, [])
    if qualifier not in found:
        found.append(qualifier)


def purposes_of(person_ids: list[int]) -> dict[int, frozenset[str]]:
    """For each person, the purpose kinds they qualify for (people who qualify for none are left out)."""
    out: dict[int, set[str]] = {}
    for kind, qualifiers in _qualifiers.items():
        for qualifier in qualifiers:
            for pid in qualifier(person_ids):
                out.setdefault(pid, set()).add(kind)
    return {pid: frozenset(kinds) for pid, kinds in out.items()}


def refusal_code(kind: str) -> str:
    """The optimiser's refusal code for a unit of ``kind`` the person does not qualify for."""
    return f"purpose_{kind}"
