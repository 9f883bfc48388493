"""Who may see and run a unit's council and rules (merged into the one policy table).

The council and the rules are no secret: every role reads them. Unit managers appoint, record meetings and
publish rules for the units they manage (checked by the services); wardens and administrators anywhere.
"""

from emerald.accounts.permissions import ALL, SCOPE_NOTES, A, M, W, extend_policy  # noqa: E741

extend_policy({
    "council.view": ALL,
    "council.appoint": frozenset({A, W, M}),
    "council.record": frozenset({A, W, M}),
    "unit_rules.publish": frozenset({A, W, M}),
})

SCOPE_NOTES.update({
    "council.appoint": "own units",
    "council.record": "own units",
    "unit_rules.publish": "own units",
})
