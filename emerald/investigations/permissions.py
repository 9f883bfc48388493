"""Who may do what with investigations (merged into the one policy table).

The role is necessary, never sufficient: a case is visible only to its lead and
members (and to a warden, unless the case names that warden), see
:mod:`emerald.investigations.selectors` and docs/investigations.md.
"""

from emerald.accounts.permissions import MED, A, E, I, M, O, W, extend_policy  # noqa: E741

extend_policy({
    # Roles that may be members of a case (and so see it). Auditors read the audit trail, never cases.
    "investigation.view": frozenset({A, W, M, O, MED, E, I}),
    # Open a case (the lead must be an investigator).
    "investigation.create": frozenset({W, I}),
    # Change status and membership: also needs to be the case lead, or a warden who may see the case.
    "investigation.manage": frozenset({W, I}),
    # Add people of interest, statements, evidence, intelligence: also needs to be the lead or a member.
    "investigation.work": frozenset({A, W, M, O, MED, E, I}),
    # Intelligence notes are for investigators: of the case's members, only those with the investigator role
    # read them or add to them (a unit manager or officer on the team does not).
    "intelligence.view": frozenset({I}),
    "intelligence.add": frozenset({I}),
})
