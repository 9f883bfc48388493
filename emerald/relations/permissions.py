"""Who may see and record relationships and security threat groups (merged into the one policy table).

All of it is security data: never education or medical staff. Unit managers record and end only for
people in the units they manage (checked by the services). See docs/groups.md.
"""

from emerald.accounts.permissions import AU, SCOPE_NOTES, A, I, M, O, W, extend_policy  # noqa: E741

SECURITY_READERS = frozenset({A, W, M, O, I, AU})

extend_policy({
    "relationship.view": SECURITY_READERS,
    # Officers record what they learn at intake and on the wing.
    "relationship.create": frozenset({A, W, M, O, I}),
    "relationship.end": frozenset({A, W, M, I}),
    "group.view": SECURITY_READERS,
    # Creating groups and declaring rivalries is intelligence work.
    "group.manage": frozenset({A, W, I}),
    "membership.record": frozenset({A, W, M, O, I}),
    "membership.end": frozenset({A, W, M, I}),
    "group.leadership_change": frozenset({A, W, M, I}),
})

SCOPE_NOTES.update({
    "relationship.create": "one of the pair in own units",
    "relationship.end": "one of the pair in own units",
    "membership.record": "people in own units",
    "membership.end": "people in own units",
    "group.leadership_change": "new leader in own units",
})
