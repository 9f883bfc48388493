"""``emerald audit verify``: check that no audit entry was changed or removed."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm


class Command(BaseCommand):
    help = "Audit trail tools. `audit verify` walks the hash chain and names the first broken entry."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
        sub.required = True
        verify = sub.add_parser("verify", help="Check the audit chain; exit 1 at the first changed or removed entry.")
        verify.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")

    def handle(self, *args, **opts):
        if opts["subcommand"] != "verify":
            raise CommandError(f"Unknown subcommand {opts['subcommand']!r}.")
        from emerald.audit.models import AuditEntry
        from emerald.audit.verify import verify_chain

        total = AuditEntry.objects.count()
        # tqdm shows itself only on a terminal (disable=None), so logs and CI stay clean.
        with tqdm(total=total, unit="entries", disable=True if opts["no_progress"] else None,
                  file=sys.stderr, leave=False) as bar:
            last = {"n": 0}

            def progress(checked: int) -> None:
                if checked - last["n"] >= 500 or checked == total:
                    bar.update(checked - last["n"])
                    last["n"] = checked

            result = verify_chain(progress=progress)
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"OK: the audit chain is intact ({result.checked} entries)."))
            return
        self.stderr.write(f"BROKEN: {result.problem}. {result.checked} entries before it are intact.")
        sys.exit(1)
