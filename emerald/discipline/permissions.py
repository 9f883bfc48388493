"""Who may do what in disciplinary proceedings (merged into the one policy table); see docs/discipline.md.

Charges are custody records: medical staff read them (a person sent to segregation needs health checks),
education staff do not. A charge laid from an incident report that the reader may not know exists (a
sexual-abuse report) is itself hidden from them.
"""

from emerald.accounts.permissions import AU, MED, SCOPE_NOTES, A, I, M, O, W, extend_policy  # noqa: E741

extend_policy({
    "discipline.view": frozenset({A, W, M, O, MED, I, AU}),
    # Lay a charge, and withdraw one not yet decided.
    "discipline.charge": frozenset({A, W, M, O}),
    # Schedule the hearing, record the finding, impose sanctions, review them. M: charges in own units.
    "discipline.adjudicate": frozenset({A, W, M}),
    # Record the person's appeal.
    "discipline.appeal": frozenset({A, W, M, O}),
    # Decide an appeal: never the adjudicator of the hearing.
    "discipline.appeal_decide": frozenset({A, W}),
    # End a sanction (a segregation sanction moves the person back through the housing move service).
    "discipline.sanction_complete": frozenset({A, W, M, O}),
})

SCOPE_NOTES.update({"discipline.adjudicate": "charges in own units"})
