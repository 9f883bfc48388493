"""Who may do what with health records (merged into the one policy table); see docs/health.md.

- Encounters (diagnoses, treatment) are for medical staff only. Administrators are deliberately NOT
  included: running the system is no need to know a diagnosis. For everyone else an encounter does not
  exist (404, absent from every list, count and page).
- Custody notes (what keeps a person safe: bottom bunk, no lifting, isolation) are written by medical
  staff and read by custody staff (administrators, wardens, unit managers, officers).
- Break-glass: wardens, unit managers and officers (the staff at a person's side in an emergency) may open
  one person's medical record for an hour, with a written reason; audited and notified to medical staff.
"""

from emerald.accounts.permissions import MED, A, M, O, W, extend_policy  # noqa: E741

extend_policy({
    "health.view": frozenset({MED}),
    "health.record": frozenset({MED}),
    "health.custody_note.view": frozenset({A, W, M, O, MED}),
    "health.custody_note.write": frozenset({MED}),
    "health.break_glass": frozenset({W, M, O}),
})
