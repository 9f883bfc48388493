"""How pages show a person: through the one visibility layer (``emerald.people.visibility``).

Templates never print ``person.inmate_number`` or ``person.full_name`` themselves (a test reads every
template for that); they use these tags, which show a person the reader may not know as the same neutral
placeholder everywhere — counted, not named, and never linked.

- ``{% person p %}``: "Name (number)" linked to the person's page, or the placeholder;
- ``{% person p link=False %}``: the same without the link; ``{% person p number=False %}``: the name only;
- ``{% person_name p %}`` / ``{% person_number p %}``: the name / the number (``""`` when hidden);
- ``{{ p|knows:request.user }}``: whether to show actions on this person at all.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

from emerald.core.visibility import current_reader
from emerald.people import visibility

register = template.Library()


def _reader(context: template.Context) -> Any:
    request = context.get("request")
    user = getattr(request, "user", None) if request is not None else None
    return user if user is not None else current_reader()


@register.simple_tag(takes_context=True)
def person(context: template.Context, p: Any, link: bool = True, number: bool = True, url: str = "") -> str:
    """A person as the reader may see them."""
    reader = _reader(context)
    if p is None:
        return "–"
    if not visibility.may_know_person(p, reader):
        return format_html('<span class="person-hidden">{}</span>', visibility.HIDDEN_NAME)
    name = p.full_name or p.inmate_number
    text = format_html("{} ({})", name, p.inmate_number) if number and p.full_name else format_html("{}", name)
    if not link:
        return text
    href = url or reverse("people:detail", args=[p.inmate_number])
    return format_html('<a href="{}">{}</a>', href, text)


@register.simple_tag(takes_context=True)
def person_name(context: template.Context, p: Any) -> str:
    return visibility.display_name(p, _reader(context)) if p is not None else "–"


@register.simple_tag(takes_context=True)
def person_number(context: template.Context, p: Any) -> str:
    return (visibility.display_number(p, _reader(context)) or "") if p is not None else ""


@register.filter
def knows(p: Any, reader: Any) -> bool:
    """Whether ``reader`` may know ``p`` (so may see actions on them)."""
    return visibility.may_know_person(p, reader)
