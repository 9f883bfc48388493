"""Who may do what: the whole policy in one table.

Deny by default: an action missing from ``POLICY`` is allowed to nobody. Scoped
rules (a unit manager acts on the units they manage) are checked by
:func:`manages_unit`. The table in docs/roles.md is generated from this one
(``tests`` check they agree).
"""

from __future__ import annotations

from typing import Any

from emerald.accounts.models import Role

A, W, M, O, MED, E, I, AU = (  # noqa: E741 - the one-letter role names keep POLICY readable
    Role.ADMINISTRATOR,
    Role.WARDEN,
    Role.UNIT_MANAGER,
    Role.OFFICER,
    Role.MEDICAL,
    Role.EDUCATOR,
    Role.INVESTIGATOR,
    Role.AUDITOR,
)
ALL = frozenset(Role)
CUSTODY = frozenset({A, W, M, O})

POLICY: dict[str, frozenset[Role]] = {
    # Facilities
    "unit.view": ALL,
    "unit.create": frozenset({A}),
    "unit.close": frozenset({A, W, M}),  # M: own units
    "cell.create": frozenset({A}),
    "cell.set_service": frozenset({A, W, M}),  # M: own units
    # People
    "person.view": frozenset({A, W, M, O, MED, E, I, AU}),
    "person.create": frozenset({A, W, M, O}),
    "person.update": frozenset({A, W, M, O}),
    "person.admit": CUSTODY,
    "person.release": frozenset({A, W, M}),
    # Sealed records (court-sealed, or SEALED in an imported census) are known only to these roles.
    "person.view_sealed": frozenset({A, W, I}),
    "placement.view": frozenset({A, W, M, O, MED, I, AU}),
    "placement.move": CUSTODY,  # M: into or out of own units
    # Keep-apart orders are security data: not for medical or education staff.
    "non_association.view": frozenset({A, W, M, O, I, AU}),
    "non_association.create": frozenset({A, W, M, I}),
    "non_association.close": frozenset({A, W, M, I}),  # M: one of the pair in own units
    # Why a confidential order (one made from a sexual-abuse report) was made: the response team only.
    "non_association.view_confidential": frozenset({W, I}),
    "override.keep_apart": frozenset({A, W, M}),  # M: own units
    # Housing someone in a unit of a purpose they have no record for (a medical ward, segregation,
    # reception...), with a documented reason: those who answer for the unit.
    "override.unit_purpose": frozenset({A, W, M}),  # M: own units
    # Protective custody: custody staff must know who is under it (to house and guard them); why, and the
    # decision itself, belong to those who answer for it, because the basis may mark a victim or an informant.
    "protective_custody.view": frozenset({A, W, M, O, I, AU}),
    "protective_custody.view_reason": frozenset({W, M, I}),  # M: own units
    "protective_custody.decide": frozenset({W, M}),  # M: own units
    # Roll
    "roll.view": frozenset({A, W, M, O, I, AU}),
    # Audit
    "audit.view": frozenset({A, AU}),
    "audit.verify": frozenset({A, AU}),
    # Staff
    "user.manage": frozenset({A}),
    # Census import (bulk history from another system's daily rosters) and its proof
    "census.import": frozenset({A}),
    "census.verify": frozenset({A, AU}),
}


def extend_policy(entries: dict[str, frozenset[Role] | set[Role]]) -> None:
    """Let an area declare its own actions (called from its ``permissions.py`` at import time).

    An action may be declared once: a second declaration would silently widen or
    narrow a policy someone else relies on.
    """
    for action, roles in entries.items():
        if action in POLICY and POLICY[action] != frozenset(roles):
            raise ValueError(f"permission {action!r} is already declared differently")
        POLICY[action] = frozenset(roles)


def role_of(user: Any) -> Role | None:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    try:
        return Role(user.role)
    except ValueError:
        return None


def allowed(user: Any, action: str) -> bool:
    """Whether the user's role may take this action at all (scope is checked separately)."""
    role = role_of(user)
    return role is not None and role in POLICY.get(action, frozenset())


def is_global(user: Any) -> bool:
    """Administrators and wardens act on every unit."""
    return role_of(user) in (A, W)


def managed_unit_ids(user: Any) -> set[int]:
    cache = getattr(user, "_managed_unit_ids", None)
    if cache is None:
        cache = set(user.managed_units.values_list("id", flat=True)) if role_of(user) == M else set()
        user._managed_unit_ids = cache
    return cache


def manages_unit(user: Any, unit_id: int | None) -> bool:
    """Global roles manage every unit; a unit manager only those assigned to them."""
    if is_global(user):
        return True
    return role_of(user) == M and unit_id is not None and unit_id in managed_unit_ids(user)


#: For docs/roles.md: what "allowed" means for a unit manager where the services narrow it to their units.
#: Areas may add their own entries next to their ``extend_policy`` call.
SCOPE_NOTES: dict[str, str] = {
    "unit.close": "own units",
    "cell.set_service": "own units",
    "person.admit": "into own units",
    "person.release": "from own units",
    "placement.move": "into or out of own units",
    "non_association.close": "one of the pair in own units",
    "override.keep_apart": "moves into or out of own units",
    "override.unit_purpose": "moves into own units",
    "protective_custody.view_reason": "own units",
    "protective_custody.decide": "own units",
}


def can(user: Any, action: str, *, unit_ids: Any = ()) -> bool:
    """Whether the user may take ``action`` on something in ``unit_ids`` (the units the act touches).

    The one question services, views, templates and the API ask. An action with a scope note is narrowed,
    for a unit manager, to acts that touch a unit they manage (any of ``unit_ids``); other roles the policy
    allows act everywhere. Unscoped actions ignore ``unit_ids``.
    """
    if not allowed(user, action):
        return False
    if action in SCOPE_NOTES and role_of(user) == M:
        return any(manages_unit(user, u) for u in unit_ids if u is not None)
    return True


def render_roles_table() -> str:
    """The permissions table of docs/roles.md, in Markdown, generated from ``POLICY`` (sorted by action).

    ``tests/test_docs_roles.py`` checks the committed document contains exactly this.
    """
    roles = list(Role)
    lines = [
        "| action | " + " | ".join(r.value.replace("_", " ") for r in roles) + " |",
        "| --- | " + " | ".join(":-:" for _ in roles) + " |",
    ]
    for action in sorted(POLICY):
        cells = []
        for role in roles:
            if role not in POLICY[action]:
                cells.append("")
            elif role == M and action in SCOPE_NOTES:
                cells.append(f"✓ ({SCOPE_NOTES[action]})")
            else:
                cells.append("✓")
        lines.append(f"| `{action}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
