"""Who may see and run education (merged into the one policy table).

Educators manage, decide and record only for the courses they teach (checked by the services). Education
data carries no security data, so officers may read it; educators in turn see no security data anywhere.
"""

from emerald.accounts.permissions import AU, A, E, I, M, O, W, extend_policy  # noqa: E741

extend_policy({
    "education.view": frozenset({A, W, M, O, E, I, AU}),
    # Create courses (an educator: courses they teach).
    "course.manage": frozenset({A, W, E}),
    # Put a person on a course's waiting list.
    "enrolment.request": frozenset({A, W, M, O, E}),
    # Approve or decline, enrol, suspend, resume, withdraw, complete with a credential.
    "enrolment.decide": frozenset({A, W, E}),
    # Sessions, attendance and assessment scores.
    "education.record": frozenset({A, W, E}),
})
