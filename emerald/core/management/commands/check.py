"""``emerald check [--deploy]``: Django's system checks, with the database for the deploy checks.

``--deploy`` adds Django's deployment checks and Emerald's own (emerald/security/checks.py):
debug off, a real secret key, allowed hosts set, two-factor sign-in and rate limits on, and
no account with the demo password or the demo's published two-factor secret. Those last
need the database, so ``--deploy`` checks the default database unless ``--database`` says
otherwise. Exits non-zero on any error.
"""

from __future__ import annotations

from django.core.management.commands.check import Command as DjangoCheck


class Command(DjangoCheck):
    def handle(self, *app_labels, **options):
        if options.get("deploy") and not options.get("databases"):
            options["databases"] = ["default"]
        return super().handle(*app_labels, **options)
