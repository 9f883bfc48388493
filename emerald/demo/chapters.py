"""The story after 1 June 2025: each area's chapter functions, run strictly in time order.

Each area keeps its own chapter data in ``emerald/<area>/demo.py`` (so the demo
always shows what that area can do); this module only knows the order. Steps
of one chapter may interleave areas (the riot: lockdown 22:15, incident 23:30,
re-housing 02:00), which is why the timeline names single steps, not modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# (chapter, "module:function"). Order matters: it is the order of events in the story.
TIMELINE: list[tuple[int, str]] = [
    (0, "emerald.relations.demo:load_baseline"),
    (1, "emerald.lockdowns.demo:lock_down_for_riot"),
    (1, "emerald.incidents.demo:load_chapter_1"),
    (1, "emerald.lockdowns.demo:rehouse_emerald_city"),
    (1, "emerald.investigations.demo:load_chapter_1"),
    (1, "emerald.lockdowns.demo:lift_riot_lockdown"),
    (2, "emerald.lockdowns.demo:load_chapter_2"),
    (2, "emerald.council.demo:load_chapter_2"),
    (2, "emerald.education.demo:load_chapter_2"),
    (3, "emerald.incidents.demo:load_chapter_3"),
    (3, "emerald.investigations.demo:load_chapter_3"),
    (3, "emerald.education.demo:load_chapter_3"),
    (4, "emerald.health.demo:load_chapter_4"),
    (4, "emerald.legal.demo:load_chapter_4"),
    (5, "emerald.incidents.demo:load_chapter_5"),
    (5, "emerald.health.demo:load_chapter_5"),
    (5, "emerald.investigations.demo:load_chapter_5"),
    (6, "emerald.incidents.demo:load_chapter_6"),
    (6, "emerald.investigations.demo:load_chapter_6"),
    (6, "emerald.discipline.demo:load_chapter_6"),
    (7, "emerald.intake.demo:load_chapter_7"),
    (7, "emerald.relations.demo:load_chapter_7"),
    (8, "emerald.movements.demo:load_chapter_8"),
    (8, "emerald.planning.demo:propose_emerald_city_plan"),
]

# Short keys for the named people of the scenario (see emerald/demo/oz.py).
KEY_PEOPLE = {
    "adebisi": "97A0001", "wangler": "97A0002", "schibetta": "97A0003", "schillinger": "97A0004",
    "said": "97A0005", "hill": "97A0006", "ryan": "97A0007", "alvarez": "97A0008", "elcid": "97A0009",
}


@dataclass
class Context:
    """What every chapter function receives: the facility and the story's cast, by short key."""

    facility: Any
    units: dict[str, Any]
    cells: dict[str, Any]
    people: dict[str, Any]
    staff: dict[str, Any]
    results: dict[str, Any] = field(default_factory=dict)


def build_context(facility_code: str) -> Context:
    from emerald.accounts.models import User
    from emerald.facilities.models import Cell, Facility, Unit
    from emerald.people.models import Person

    facility = Facility.objects.get(code=facility_code)
    units = {u.code: u for u in Unit.objects.filter(facility=facility)}
    cells = {c.code: c for c in Cell.objects.filter(unit__facility=facility).select_related("unit")}
    by_number = {p.inmate_number: p for p in Person.objects.filter(inmate_number__in=KEY_PEOPLE.values())}
    people = {key: by_number[number] for key, number in KEY_PEOPLE.items() if number in by_number}
    staff = {u.username: u for u in User.objects.all()}
    return Context(facility, units, cells, people, staff)


def _resolve(step: str) -> Callable[[Any], Any] | None:
    module_name, func_name = step.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None  # that area is not part of this build
        raise
    return getattr(module, func_name)


def load_all(ctx: Context, say: Callable[[str], None]) -> list[str]:
    """Run every chapter step whose area exists; returns the steps run."""
    ran = []
    for chapter, step in TIMELINE:
        func = _resolve(step)
        if func is None:
            continue
        say(f"chapter {chapter}: {step}")
        ctx.results[step] = func(ctx)
        ran.append(step)
    return ran
