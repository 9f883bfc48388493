"""Who may receive people, classify and screen them, and see the results (merged into the one policy table).

The vulnerable FLAG is shown to custody and medical staff so they can house safely; the screening's
answers and reasons (which may include a voluntarily disclosed sexual orientation or gender identity,
victimisation and mental health) only to ``vulnerability.view_details`` and to the staff member who
screened. Administrators, investigators, auditors and educators never see the reasons. See docs/intake.md.
"""

from emerald.accounts.permissions import AU, MED, SCOPE_NOTES, A, I, M, O, W, extend_policy  # noqa: E741

extend_policy({
    "intake.view": frozenset({A, W, M, O, I, AU}),
    # Start an intake, classify, screen, admit or cancel (the admission itself also needs person.admit).
    "intake.conduct": frozenset({A, W, M, O}),
    # Depart from the points-based level, with a reason.
    "classification.override": frozenset({A, W, M}),
    "vulnerability.screen": frozenset({A, W, M, O, MED}),
    "vulnerability.view": frozenset({A, W, M, O, MED, I}),
    "vulnerability.view_details": frozenset({W, M, MED}),
    "reassessment.view": frozenset({A, W, M, O, MED}),
    "reassessment.complete": frozenset({A, W, M, O}),
})

SCOPE_NOTES.update({"intake.conduct": "admission into own units"})
