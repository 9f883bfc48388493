"""Template helper that shows a person's courses on their page (education data only)."""

from __future__ import annotations

from typing import Any

from django import template

from emerald.education import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def education_for_person(context: Any, person: Any) -> list[Any]:
    return selectors.enrolments_of_person(actor=context["request"].user, person=person)
