"""``emerald restore PATH [--force]``: restore a backup into an empty database, then prove it complete."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Restore a backup made by `emerald backup` into the configured database, which must be empty (a new "
            "database) unless --force. Then checks row counts against the backup's manifest, that no migration is "
            "left unapplied, and the audit chain; exits 1 if any check fails.")
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--database", default="default")
        parser.add_argument("--force", action="store_true", help="replace whatever the database holds")
        parser.add_argument("--no-verify", action="store_true", help="skip the checks after restoring")
        parser.add_argument("--verify-only", action="store_true", help="only check the database against PATH")
        parser.add_argument("--json", action="store_true", help="print the result of the checks as JSON")

    def handle(self, *args, **opts):
        from emerald.security.backup import BackupError, restore, verify

        path = Path(opts["path"])
        if not opts["verify_only"]:
            try:
                restore(path, opts["database"], force=opts["force"])
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
            if not opts["json"]:
                self.stdout.write(f"Restored {path}.")
        if opts["no_verify"]:
            return
        check = verify(path, opts["database"])
        if opts["json"]:
            self.stdout.write(json.dumps({"ok": check.ok, "problems": check.problems, "counts": check.counts,
                                          "audit_entries": check.audit_entries}))
        elif check.ok:
            self.stdout.write(self.style.SUCCESS(
                f"OK: row counts match the backup, migrations are current, the audit chain is intact "
                f"({check.audit_entries} entries)."))
        else:
            for problem in check.problems:
                self.stderr.write(f"PROBLEM: {problem}")
        if not check.ok:
            sys.exit(1)
