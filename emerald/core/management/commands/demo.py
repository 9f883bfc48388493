"""``emerald demo load [--force]``: load the Oz demo (see emerald/demo/oz.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "The Oz demo data. `demo load` loads it into a database that holds no people yet."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
        sub.required = True
        load = sub.add_parser("load", help="Load the Oz demo (does nothing if the database already has people).")
        load.add_argument("--force", action="store_true",
                          help="Load even if the database holds other people (never twice: the audit trail "
                               "is append-only, so start from an empty database to reload).")

    def handle(self, *args, **opts):
        if opts["subcommand"] != "load":
            raise CommandError(f"Unknown subcommand {opts['subcommand']!r}.")
        from emerald.demo import oz

        result = oz.load(force=opts["force"], progress=lambda msg: self.stdout.write(f"  {msg}")
                         if opts["verbosity"] > 1 else None)
        if result.loaded:
            self.stdout.write(self.style.SUCCESS(
                f"{result.message} {result.audit_entries} audit entries. Password for every demo login: "
                f"{oz.DEMO_PASSWORD}"))
        else:
            self.stdout.write(result.message)
