"""``emerald roll verify``: replay every placement and stay from the start and check the rolls against it."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "The roll. `roll verify` replays the whole housing history and checks the live roll, the roll as of " \
           "sampled past moments and every person's status against it; exit 1 at the first difference."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
        sub.required = True
        verify = sub.add_parser("verify", help="replay the history and check the rolls (exit 1 on a difference)")
        verify.add_argument("--samples", type=int, default=50, help="placement boundaries and random moments each")
        verify.add_argument("--seed", type=int, default=1)
        verify.add_argument("--user", default="", help="account the reads are made as (an administrator or "
                                                       "auditor; default: the first active one)")

    def handle(self, *args, **opts):
        if opts["subcommand"] != "verify":
            raise CommandError(f"Unknown subcommand {opts['subcommand']!r}.")
        from emerald.accounts.models import User
        from emerald.accounts.permissions import allowed
        from emerald.movements.verify import verify_roll

        if opts["user"]:
            actor = User.objects.filter(username=opts["user"], is_active=True).first()
        else:
            actor = next((u for u in User.objects.filter(is_active=True, role__in=["auditor", "administrator"])
                          .order_by("id") if allowed(u, "roll.verify")), None)
        if actor is None or not allowed(actor, "roll.verify"):
            raise CommandError("Give --user: an active administrator or auditor account.")
        verbose = opts["verbosity"] > 1
        result = verify_roll(actor=actor, samples=opts["samples"], seed=opts["seed"],
                             progress=(lambda m: self.stdout.write(f"  {m}")) if verbose else None)
        checked = ", ".join(f"{v} {k}" for k, v in result.checked.items())
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"OK: the rolls agree with the replayed history ({checked})."))
            return
        self.stderr.write(f"DIFFERENCE: {result.problem}. Checked before it: {checked or 'nothing'}.")
        sys.exit(1)
