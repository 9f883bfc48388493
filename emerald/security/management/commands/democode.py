"""``emerald democode``: the current two-factor code of the Oz demo's published secret."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the current TOTP code of the demo's published secret (demo logins admin, glynn, nathan, investigator)."
    requires_system_checks: list[str] = []

    def handle(self, *args, **opts):
        from emerald.security.demo import DEMO_TOTP_SECRET
        from emerald.security.otp import totp_now

        self.stdout.write(totp_now(DEMO_TOTP_SECRET))
