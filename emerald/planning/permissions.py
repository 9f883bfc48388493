"""Who may create and accept housing plans (declared here, added to the one POLICY table)."""

from emerald.accounts.models import Role
from emerald.accounts.permissions import extend_policy

extend_policy({
    # Unit managers: only plans whose scope is units they manage.
    "plan.create": frozenset({Role.ADMINISTRATOR, Role.WARDEN, Role.UNIT_MANAGER}),
    "plan.accept": frozenset({Role.ADMINISTRATOR, Role.WARDEN, Role.UNIT_MANAGER}),
    "plan.view": frozenset({Role.ADMINISTRATOR, Role.WARDEN, Role.UNIT_MANAGER, Role.AUDITOR}),
})
