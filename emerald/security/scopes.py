"""API token scopes: which part of the API a token may read or write.

An *area* is the first path segment after ``/api/v1/`` (``people``, ``units``,
``roll``, ``incidents``, ``tokens``...): one rule for every router, present and
future. ``GET``/``HEAD``/``OPTIONS`` need read access, everything else write
access. Scope strings:

- ``"*"``: everything the owner's role allows (sign-in tokens have it);
- ``"*:read"``: read everything the role allows, write nothing;
- ``"<area>:read"`` / ``"<area>:write"`` (write includes read).

A scope never widens the owner's role: the permission table still decides.
"""

from __future__ import annotations

import functools
import re

from django.urls import reverse
from django.utils.translation import gettext as _

from emerald.core.errors import Invalid

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SCOPE = re.compile(r"^(\*|\*:read|\*:write|[a-z0-9][a-z0-9_-]*:(read|write))$")


@functools.lru_cache(maxsize=1)
def api_prefix() -> str:
    return reverse("api:api-root")


def area_of(path: str) -> str:
    """The area of an API path: ``/api/v1/people/A1/moves`` → ``people``."""
    prefix = api_prefix()
    rest = path[len(prefix):] if path.startswith(prefix) else path.lstrip("/")
    return rest.split("/", 1)[0]


def access_of(method: str) -> str:
    return "read" if method.upper() in READ_METHODS else "write"


def grants(scopes: list[str] | tuple[str, ...], area: str, access: str) -> bool:
    """Whether ``scopes`` allow ``access`` ("read" or "write") to ``area``."""
    have = set(scopes or ())
    if "*" in have or f"*:{access}" in have or f"{area}:write" in have:
        return True
    return access == "read" and (f"{area}:read" in have or "*:write" in have)


@functools.lru_cache(maxsize=1)
def known_areas() -> tuple[str, ...]:
    """Every area of the API as mounted now (from its OpenAPI paths)."""
    from emerald.api import api

    areas = set()
    for path in api.get_openapi_schema()["paths"]:
        # OpenAPI paths carry the mount prefix: /api/v1/people/{inmate_number}.
        first = area_of(path)
        if first and not first.startswith("{"):
            areas.add(first)
    return tuple(sorted(areas))


def normalise(scopes: list[str] | None) -> list[str]:
    """Check scope strings (known areas only) and return them sorted without repeats."""
    if not scopes:
        raise Invalid(_("Give the token at least one scope."), fields={"scopes": [_("At least one scope.")]})
    areas = set(known_areas())
    bad = []
    for scope in scopes:
        if not isinstance(scope, str) or not _SCOPE.match(scope):
            bad.append(str(scope))
            continue
        area = scope.split(":", 1)[0]
        if area != "*" and area not in areas:
            bad.append(scope)
    if bad:
        msg = _("Unknown scope: %(scopes)s. Use *, *:read or AREA:read / AREA:write with AREA one of %(areas)s.") % {
            "scopes": ", ".join(bad[:5]), "areas": ", ".join(sorted(areas))}
        raise Invalid(msg, fields={"scopes": [msg]})
    return sorted(set(scopes))


def within(requested: list[str], held: list[str]) -> bool:
    """Whether a token holding ``held`` may make a token with ``requested`` (no escalation)."""
    for scope in requested:
        if scope == "*":
            if "*" not in held:
                return False
            continue
        area, access = scope.split(":", 1)
        if area == "*":
            if not (set(held) & {"*", f"*:{access}"} or (access == "read" and "*:write" in held)):
                return False
        elif not grants(held, area, access):
            return False
    return True
