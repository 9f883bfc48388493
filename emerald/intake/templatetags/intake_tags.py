"""Template helpers that show intake results on the person page (classification, vulnerability, tasks)."""

from __future__ import annotations

from typing import Any

from django import template

from emerald.accounts.permissions import allowed
from emerald.intake import scoring, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def intake_for_person(context: Any, person: Any) -> dict[str, Any] | None:
    user = context["request"].user
    see_intake, see_vulnerability = allowed(user, "intake.view"), allowed(user, "vulnerability.view")
    if not (see_intake or see_vulnerability):
        return None
    c = selectors.latest_classification(person) if see_intake else None
    tasks = list(selectors.task_list(actor=user, person=person)) if allowed(user, "reassessment.view") else []
    return {
        "classification": c, "factors": scoring.describe_factors(c.factors) if c else [],
        "vulnerability": selectors.vulnerability_of(actor=user, person=person) if see_vulnerability else None,
        "tasks": tasks,
    }
