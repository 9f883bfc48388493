"""Who may manage other people's sessions, tokens and two-factor devices."""

from emerald.accounts.models import Role
from emerald.accounts.permissions import extend_policy

A = Role.ADMINISTRATOR

# Everyone manages their own sessions and tokens; these are for acting on someone else's.
extend_policy({
    "session.manage": frozenset({A}),
    "token.manage": frozenset({A}),
    "otp.reset": frozenset({A}),
})
