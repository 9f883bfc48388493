"""Two-factor sign-in for the Oz demo.

The demo's administrator, warden, investigator and medical logins must give a
second factor like real ones. So that anyone can try the demo, they share one
*published* TOTP secret: add it to any authenticator app, or print the current
code with ``emerald democode``. A published secret protects nothing:
``emerald check --deploy`` fails while any account has it.
"""

from __future__ import annotations

from typing import Any

#: Base32, as authenticator apps take it (20 bytes).
DEMO_TOTP_SECRET = "EMERALDDEMO2FAOZEMERALDDEMO2FAOZ"


def enrol_demo_staff(staff: dict[str, Any], actor: Any = None) -> list[str]:
    """Give every demo login whose role needs two-factor sign-in the published demo secret."""
    from emerald.security.otp import required_roles
    from emerald.security.services import otp_enrol_known_secret

    enrolled = []
    for username, user in staff.items():
        if user.role in required_roles():
            otp_enrol_known_secret(actor=actor, user=user, secret_b32=DEMO_TOTP_SECRET)
            enrolled.append(username)
    return enrolled


def hint() -> str:
    """One line for ``emerald run``: how to get past the demo's two-factor step."""
    from emerald.security.otp import totp_now

    return (f"Two-factor code (admin, glynn, nathan, investigator): any TOTP app with the secret {DEMO_TOTP_SECRET}, "
            f"or `emerald democode` (now: {totp_now(DEMO_TOTP_SECRET)})")
