"""Who may record absences, transfers, counts and escapes (merged into the one policy table).

Scoped rules, checked in the services with ``manages_unit``:

- ``transfer.approve``: a unit manager approves transfers out of the units they manage; wardens and
  administrators approve any transfer. A transfer out of a unit approved by anyone but that unit's
  manager lands in the manager's queue (``transfer.contest``).
- ``transfer.emergency``: a unit manager only out of or into the units they manage.
- ``transfer.contest``: only the manager of the unit the person was taken out of.
- ``transfer.decide``: wardens and administrators decide contested transfers.

Emerald has no "shift supervisor" role: the count alert is shown to everyone allowed ``count.alerts``
(administrators, wardens, unit managers and officers); see docs/movements.md.
"""

from emerald.accounts.permissions import AU, MED, SCOPE_NOTES, A, I, M, O, W, extend_policy  # noqa: E741

CUSTODY = frozenset({A, W, M, O})

extend_policy({
    # Temporary absences: medical staff must know who is at the hospital or the infirmary.
    "absence.view": frozenset({A, W, M, O, MED, I, AU}),
    "absence.manage": CUSTODY,
    # Transfers between units and facilities.
    "transfer.view": frozenset({A, W, M, O, I, AU}),
    "transfer.request": CUSTODY,  # an officer may ask (chapter 8: Metzger); approval is someone else's
    "transfer.approve": frozenset({A, W, M}),  # M: out of own units
    "transfer.execute": CUSTODY,  # only an approved transfer
    "transfer.emergency": frozenset({A, W, M}),  # M: out of or into own units
    "transfer.contest": frozenset({M}),  # the manager of the unit left
    "transfer.decide": frozenset({A, W}),
    "transfer.review_emergency": frozenset({A, W}),
    # Counts.
    "count.view": frozenset({A, W, M, O, I, AU}),
    "count.start": CUSTODY,
    "count.enter": CUSTODY,
    "count.reconcile": frozenset({A, W, M}),
    "count.schedule": frozenset({A, W}),
    "count.escalate": frozenset({A, W}),
    "count.alerts": CUSTODY,
    # Escapes and escape attempts.
    "escape.view": frozenset({A, W, M, O, I, AU}),
    "escape.record": frozenset({A, W, M}),  # M: from own units (the release service checks)
    "escape.recapture": frozenset({A, W, M}),  # M: into own units (the admission service checks)
    "escape.attempt": CUSTODY,
    # Proving the roll against the history.
    "roll.verify": frozenset({A, AU}),
})

SCOPE_NOTES.update({
    "transfer.approve": "out of own units",
    "transfer.emergency": "out of or into own units",
    "transfer.contest": "transfers out of own units",
    "escape.record": "from own units",
    "escape.recapture": "into own units",
})
