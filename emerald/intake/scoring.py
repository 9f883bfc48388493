"""The transparent rules of intake: the custody classification scale and the vulnerability screening.

Both are plain tables so staff (and docs/intake.md) can see exactly why a person got a level or a flag.
A classification stores the points of every factor it used, so a later change of the scale never rewrites
an old decision (``SCALE_VERSION``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

SCALE_VERSION = 1

#: factor key → (label, [(answer key, label, points), ...]); the first answer is the default.
FACTORS: dict[str, tuple[Any, list[tuple[str, Any, int]]]] = {
    "offence_severity": (_("Current offence severity"), [
        ("minor", _("minor (e.g. theft, possession)"), 0),
        ("moderate", _("moderate (e.g. burglary, fraud, dealing)"), 2),
        ("serious", _("serious (e.g. robbery, aggravated assault)"), 4),
        ("very_serious", _("very serious (e.g. homicide, rape, kidnapping)"), 6),
    ]),
    "violence_history": (_("History of violence"), [
        ("none", _("none known"), 0),
        ("minor", _("minor, or more than five years ago"), 2),
        ("serious", _("serious or recent (last five years)"), 4),
    ]),
    "escape_history": (_("Escape history"), [
        ("none", _("none"), 0),
        ("walkaway", _("walk-away from open custody, or attempt over ten years ago"), 2),
        ("secure", _("escape or attempt from secure custody in the last ten years"), 5),
    ]),
    "sentence_length": (_("Time left to serve"), [
        ("under_1y", _("under one year"), 0),
        ("1_to_5y", _("one to five years"), 1),
        ("5_to_15y", _("five to fifteen years"), 3),
        ("over_15y", _("over fifteen years or life"), 5),
    ]),
    "age": (_("Age at intake"), [
        ("35_plus", _("35 or older"), 0),
        ("25_to_34", _("25 to 34"), 1),
        ("under_25", _("under 25"), 2),
    ]),
    "institutional_behaviour": (_("Prior institutional behaviour"), [
        ("none", _("no prior custody, or no disciplinary record"), 0),
        ("minor", _("minor disciplinary record"), 1),
        ("serious", _("serious violations (violence, contraband, staff assault)"), 3),
    ]),
}

#: Total points → custody level: below 6 minimum, 6 to 11 medium, 12 or more maximum.
THRESHOLDS = [(12, "maximum"), (6, "medium"), (0, "minimum")]
LEVEL_NAMES = {"minimum": _("minimum"), "medium": _("medium"), "maximum": _("maximum")}


def age_on(dob: date | None, day: date) -> int | None:
    if dob is None:
        return None
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def age_answer(age: int | None) -> str | None:
    """The age factor's answer for a known age (the service fills it in from the date of birth)."""
    if age is None:
        return None
    return "under_25" if age < 25 else "25_to_34" if age < 35 else "35_plus"


def level_for(points: int) -> str:
    for floor, level in THRESHOLDS:
        if points >= floor:
            return level
    return "minimum"


@dataclass
class Scored:
    factors: list[dict[str, Any]]  # [{"factor", "answer", "points"}]
    total: int
    level: str


def score(answers: dict[str, str]) -> tuple[Scored | None, dict[str, list[str]]]:
    """Points per factor, the total and the level; or the fields whose answers are missing or unknown."""
    errors: dict[str, list[str]] = {}
    rows = []
    for key, (_label, options) in FACTORS.items():
        answer = answers.get(key)
        points = next((p for k, _l, p in options if k == answer), None)
        if points is None:
            errors[key] = [str(_("Choose one of the listed answers."))]
            continue
        rows.append({"factor": key, "answer": answer, "points": points})
    unknown = set(answers) - set(FACTORS)
    for key in sorted(unknown):
        errors[key] = [str(_("Unknown factor."))]
    if errors:
        return None, errors
    total = sum(r["points"] for r in rows)
    return Scored(rows, total, level_for(total)), {}


def describe_factors(factors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored factor rows with their labels, for pages: ``label``, ``answer_label``, ``points``."""
    out = []
    for row in factors:
        label, options = FACTORS.get(row["factor"], (row["factor"], []))
        answer_label = next((lbl for k, lbl, _p in options if k == row["answer"]), row["answer"])
        out.append({**row, "label": label, "answer_label": answer_label})
    return out


# --------------------------------------------------------------------------- vulnerability

BUILDS = [("slight", _("slight")), ("average", _("average")), ("heavy", _("heavy"))]

#: reason key → (label, strong). One strong reason, or two others, make a person vulnerable.
VULNERABILITY_REASONS: dict[str, tuple[Any, bool]] = {
    "first_time": (_("first time in custody"), False),
    "young": (_("young (under 25)"), False),
    "elderly": (_("elderly (65 or older)"), False),
    "slight_build": (_("slight build"), False),
    "prior_victimisation": (_("prior victimisation (sexual or physical) in or out of custody"), True),
    "lgbti_disclosed": (_("voluntarily disclosed sexual orientation or gender identity"), True),
    "mental_health": (_("mental-health concern"), True),
    "staff_concern": (_("staff concern"), True),
}


def vulnerability(*, first_time: bool, age: int | None, build: str, prior_victimisation: bool,
                  lgbti_disclosed: bool, mental_health: bool, staff_concern: str) -> tuple[bool, list[str]]:
    """(vulnerable, reason keys) by the rule: one strong reason, or at least two contributing ones."""
    reasons = []
    if first_time:
        reasons.append("first_time")
    if age is not None and age < 25:
        reasons.append("young")
    if age is not None and age >= 65:
        reasons.append("elderly")
    if build == "slight":
        reasons.append("slight_build")
    if prior_victimisation:
        reasons.append("prior_victimisation")
    if lgbti_disclosed:
        reasons.append("lgbti_disclosed")
    if mental_health:
        reasons.append("mental_health")
    if staff_concern.strip():
        reasons.append("staff_concern")
    strong = any(VULNERABILITY_REASONS[r][1] for r in reasons)
    return strong or len(reasons) >= 2, reasons


def reason_labels(keys: list[str]) -> list[Any]:
    return [VULNERABILITY_REASONS[k][0] if k in VULNERABILITY_REASONS else k for k in keys]
