"""Who may lock down, move people during a lockdown, and re-house a unit.

Unit managers act on the units they manage only (checked in the services with
``manages_unit``): they may lock down and lift their own units (not the
facility, and not a lockdown a warden or administrator ordered), make emergency
moves into or out of their units, and re-house people out of or into them.
"""

from emerald.accounts.models import Role
from emerald.accounts.permissions import SCOPE_NOTES, extend_policy

A, W, M, OFF, INV, AU = (
    Role.ADMINISTRATOR,
    Role.WARDEN,
    Role.UNIT_MANAGER,
    Role.OFFICER,
    Role.INVESTIGATOR,
    Role.AUDITOR,
)

extend_policy({
    # Every member of staff must know the facility or their unit is locked down.
    "lockdown.view": frozenset(Role),
    "lockdown.order": frozenset({A, W, M}),  # M: a unit they manage, never the facility
    "lockdown.lift": frozenset({A, W, M}),  # M: own unit, and only a lockdown a unit manager ordered
    # A move across a lockdown: officers may not, whatever the emergency.
    "placement.emergency_move": frozenset({A, W, M}),  # M: into or out of own units
    "emergency_move.view": frozenset({A, W, M, INV, AU}),
    "emergency_move.review": frozenset({A, W}),
    # Re-housing runs name people and where they go: the roll's readers may see them.
    "rehousing.view": frozenset({A, W, M, OFF, INV, AU}),
    "rehousing.preview": frozenset({A, W, M}),  # M: out of or into own units
    "rehousing.run": frozenset({A, W, M}),
})

SCOPE_NOTES.update({
    "lockdown.order": "own units, never the facility",
    "lockdown.lift": "own units, if a unit manager ordered it",
    "placement.emergency_move": "into or out of own units",
    "rehousing.preview": "out of or into own units",
    "rehousing.run": "out of or into own units",
})
