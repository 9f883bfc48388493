"""Who may do what with incident reports (merged into the one policy table).

Sexual-abuse reports are further restricted to the response team
(``incident.restricted.view``); see docs/incidents.md.
"""

from emerald.accounts.permissions import AU, MED, A, I, M, O, W, extend_policy  # noqa: E741

extend_policy({
    # Incident reports are security records: not for education staff (they report to an officer).
    "incident.view": frozenset({A, W, M, O, MED, I, AU}),
    # Create drafts, edit own drafts, submit, add addenda.
    "incident.create": frozenset({A, W, M, O, MED, I}),
    # Start review, send back with a request, close. M: incidents located in the units they manage.
    "incident.review": frozenset({A, W, M, I}),
    # Accept or reject a proposed keep-apart order (the order itself also needs non_association.create).
    "incident.keep_apart_decide": frozenset({A, W, M, I}),
    # The sexual-abuse response team: the only roles that may know a sexual-abuse report exists.
    # Administrators are deliberately not on it (no need to know); see docs/incidents.md.
    "incident.restricted.view": frozenset({W, MED, I}),
    "incident.export": frozenset({A, W, M, I, AU}),
})
