"""Turn the engine's explanation items and refusal codes into sentences staff can read (translated)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from emerald.housing.purposes import REASONS as PURPOSE_REASONS
from emerald.housing.purposes import refusal_code
from emerald.planning.engine.instance import SECURITY_NAME

#: Criteria that reveal keep-apart orders: shown only to roles that may see the orders.
SECURITY_DATA = {"keep_apart_ok", "keep_apart_cell", "keep_apart_unit", "keep_apart_facility"}


def _security_name(rank: int | None) -> str:
    """The name of a security rank (1-3), or "?" for none or an unknown one."""
    return SECURITY_NAME.get(rank, "?") if rank is not None else "?"


def describe(criterion: str, cost: int, params: dict[str, Any]) -> str:
    """One sentence for one item of an explanation."""
    p = {**params, "cost": cost}
    if criterion == "stay":
        return _("Stays in %(cell)s.") % p
    if criterion == "move":
        return _("Moves from %(from)s (+%(cost)d).") % p
    if criterion == "distance":
        if not p.get("from_unit"):
            return _("Placed outside the facility of arrival (+%(cost)d).") % p
        return ngettext("%(steps)d step from the current unit %(from_unit)s (+%(cost)d).",
                        "%(steps)d steps from the current unit %(from_unit)s (+%(cost)d).", p["steps"]) % p
    if criterion == "course":
        if not p.get("steps"):
            return _("Housed in the unit of the course (%(course_unit)s).") % p
        return ngettext("%(steps)d step from the course in %(course_unit)s (+%(cost)d).",
                        "%(steps)d steps from the course in %(course_unit)s (+%(cost)d).", p["steps"]) % p
    if criterion == "rival_cell":
        return _("Shares the cell with %(other)s, of a rival group (+%(cost)d).") % p
    if criterion == "vulnerable_violent":
        return _("Shares the cell with %(other)s: one is vulnerable, the other flagged violent (+%(cost)d).") % p
    if criterion == "vulnerable_alone":
        return _("Alone in the cell, as the risk screening advises (no cellmate first, then low-risk cellmates).")
    if criterion == "vulnerable_cellmates":
        return ngettext("Shares the cell with %(count)d person, not flagged at risk of abusiveness; the risk "
                        "screening advises a cell alone first.",
                        "Shares the cell with %(count)d people, none flagged at risk of abusiveness; the risk "
                        "screening advises a cell alone first.", p["count"]) % p
    if criterion == "rival_unit":
        return ngettext("%(count)d member of the rival group %(group)s in the unit (+%(cost)d).",
                        "%(count)d members of the rival group %(group)s in the unit (+%(cost)d).", p["count"]) % p
    if criterion == "group_balance":
        return ngettext("%(count)d other member of %(group)s in the unit (+%(cost)d).",
                        "%(count)d other members of %(group)s in the unit (+%(cost)d).", p["count"]) % p
    if criterion == "unplaced":
        return _("Could not be placed.")
    if criterion == "security_ok":
        return _("Custody level %(custody)s fits the unit's security level %(security)s.") % {
            "custody": _(_security_name(p.get("custody"))), "security": _(_security_name(p.get("security")))}
    if criterion == "accessible_ok":
        return _("Accessible cell, as needed.")
    if criterion == "single_ok":
        return _("Single-occupancy cell, as needed.")
    if criterion == "isolation_ok":
        return _("Isolation: a single cell or a medical unit, as needed.")
    if criterion == "bottom_bunk_ok":
        return _("Bottom bunk, as needed.")
    if criterion == "keep_apart_ok":
        return ngettext("Respects %(orders)d keep-apart order.", "Respects %(orders)d keep-apart orders.",
                        p["orders"]) % p
    return criterion


REFUSALS = {
    "unit_closed": gettext_noop("the unit is closed"),
    "unit_locked_down": gettext_noop("the unit is locked down"),
    "unit_segregation": gettext_noop("segregation units are not used by plans"),
    "not_target": gettext_noop("outside the units asked for"),
    "security": gettext_noop("the unit's security level is below the person's custody level"),
    "sex_unit": gettext_noop("the unit houses the other sex"),
    "sex_cell": gettext_noop("the cell houses the other sex"),
    "sex_mixed": gettext_noop("someone of the other sex is in the cell"),
    "accessible": gettext_noop("not an accessible cell"),
    "single": gettext_noop("not a single-occupancy cell"),
    "isolation": gettext_noop("neither a single cell nor a medical unit"),
    "bottom_bunk": gettext_noop("no bottom bunk"),
    "bottom_bunk_taken": gettext_noop("no free bottom bunk"),
    "cell_out_of_service": gettext_noop("the cell is out of service"),
    "no_bed": gettext_noop("no bed in service"),
    "full": gettext_noop("no free bed"),
    "keep_apart_cell": gettext_noop("a keep-apart order (cell)"),
    "keep_apart_unit": gettext_noop("a keep-apart order (unit)"),
    "keep_apart_facility": gettext_noop("a keep-apart order (facility)"),
    "no_cells": gettext_noop("the facility has no cells"),
    "vulnerable_violent": gettext_noop("a vulnerable person would share the cell with one at risk of abusiveness"),
    **{refusal_code(kind): why for kind, why in PURPOSE_REASONS.items()},
    "other": gettext_noop("another rule"),
}


def refusal(code: str) -> str:
    """Why a cell is refused, as a phrase."""
    return _(REFUSALS.get(code, code))


def why_unplaced(reasons: dict[str, int], see_orders: bool = True) -> str:
    """A sentence from the count of cells each rule ruled out."""
    parts = []
    for code, n in reasons.items():
        if not see_orders and code in SECURITY_DATA:
            code = "other"
        parts.append(ngettext("%(n)d cell: %(why)s", "%(n)d cells: %(why)s", n) % {"n": n, "why": refusal(code)})
    return _("No safe cell. %(reasons)s.") % {"reasons": "; ".join(parts)}

