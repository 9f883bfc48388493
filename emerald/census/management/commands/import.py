"""``emerald import census PATH... --facility CODE`` and ``emerald import verify PATH...``."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from emerald.census.importer import import_actor, parse_housing_map, run_import, run_verify
from emerald.census.reader import DEFAULT_DATE_PATTERN
from emerald.core.errors import ServiceError


class Command(BaseCommand):
    help = "Import daily census files from another system (census), or prove an import against them (verify)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        census = sub.add_parser("census", help="import daily census files (files or folders, plain or gzipped)")
        census.add_argument("paths", nargs="+", metavar="PATH")
        census.add_argument("--facility", required=True, help="facility code; created if it does not exist")
        census.add_argument("--timezone", default="America/New_York",
                            help="the facility's time zone: each file is the population at 23:59:59 local time")
        census.add_argument("--id-prefix", default="", help="prefix for inmate numbers made from the source ids")
        census.add_argument("--date-pattern", default=DEFAULT_DATE_PATTERN,
                            help="regular expression finding the day in a file name (groups y, m, d)")
        census.add_argument("--housing-map", default="",
                            help="custody level to unit code, e.g. MIN=A,MED=B,MAX=C (default MIN=MIN,MED=MED,"
                                 "MAX=MAX); 'none' puts everyone in UNASSIGNED")
        census.add_argument("--user", default="", help="staff account running the import (default: census-import)")
        census.add_argument("--no-progress", action="store_true", help="no progress bar")
        census.add_argument("--json", action="store_true", help="print the report as JSON")
        verify = sub.add_parser("verify", help="check that the roll at each imported census lists exactly its people")
        verify.add_argument("paths", nargs="+", metavar="PATH")
        verify.add_argument("--facility", default="", help="only this facility")
        verify.add_argument("--id-prefix", default=None, help="only this prefix")
        verify.add_argument("--date-pattern", default=DEFAULT_DATE_PATTERN)
        verify.add_argument("--api", action="store_true", help="also ask GET /api/v1/roll?at= the same question")
        verify.add_argument("--user", default="", help="staff account running the check (default: census-import)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            actor = import_actor(options["user"] or None)
            if options["subcommand"] == "census":
                self._census(actor, options)
            else:
                self._verify(actor, options)
        except ServiceError as exc:
            raise CommandError(exc.detail) from exc

    def _census(self, actor: Any, options: dict[str, Any]) -> None:
        report = run_import(
            actor=actor, paths=options["paths"], facility_code=options["facility"], timezone=options["timezone"],
            id_prefix=options["id_prefix"], date_pattern=options["date_pattern"],
            housing_map=parse_housing_map(options["housing_map"]),
            progress=not options["no_progress"] and sys.stderr.isatty(),
        )
        if options["json"]:
            out = report.as_dict()
            out["bad_rows_list"] = [f"{b.file_name}:{b.line}: {b.reason}" for b in report.bad_rows]
            self.stdout.write(json.dumps(out, indent=2, default=str))
        else:
            self.stdout.write("\n".join(report.lines()))
        if report.stopped:
            raise CommandError(report.stopped)

    def _verify(self, actor: Any, options: dict[str, Any]) -> None:
        checks = run_verify(actor=actor, paths=options["paths"], facility_code=options["facility"] or None,
                            id_prefix=options["id_prefix"], date_pattern=options["date_pattern"],
                            use_api=options["api"])
        failures = 0
        for c in checks:
            if c.ok:
                self.stdout.write(f"ok    {c.day} {c.facility}: {c.listed} on the roll = {c.expected} in {c.file_name}"
                                  + (" (API agrees)" if c.api_ok else ""))
                continue
            failures += 1
            if c.problem:
                self.stdout.write(f"FAIL  {c.file_name}: {c.problem}")
                continue
            self.stdout.write(f"FAIL  {c.day} {c.facility}: {c.listed} on the roll, {c.expected} in {c.file_name}; "
                              f"missing {len(c.missing)} {c.missing[:10]}, not in the file {len(c.unexpected)} "
                              f"{c.unexpected[:10]}" + (" API disagrees" if c.api_ok is False else ""))
        self.stdout.write(f"{len(checks) - failures} of {len(checks)} days verified")
        if failures:
            raise CommandError(f"{failures} day(s) failed verification")
