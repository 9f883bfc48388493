"""Who may do what with legal matters (merged into the one policy table); see docs/legal.md.

Legal matters are privileged: the matter itself (counsel, notes, helpers, outcome) is for administrators,
wardens and the unit manager of the person's unit. Officers escort people to court, so they see the court
hearing schedule (who, when, which court, what kind of matter) and nothing else. Medical, education,
investigation and audit staff see nothing: for them a matter does not exist.
"""

from emerald.accounts.permissions import SCOPE_NOTES, A, M, O, W, extend_policy  # noqa: E741

extend_policy({
    "legal.view": frozenset({A, W, M}),  # M: people in own units
    "legal.hearings.view": frozenset({A, W, M, O}),
    "legal.manage": frozenset({A, W, M}),  # M: people in own units
})

SCOPE_NOTES.update({"legal.view": "people in own units", "legal.manage": "people in own units"})
