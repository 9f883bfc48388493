"""``emerald rehouse UNIT --to SOL,GYM --as USER [--execute]``: empty a unit from the command line."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm


class Command(BaseCommand):
    help = ("Preview (and with --execute, make) the emergency re-housing of a whole unit into target units, "
            "filled in the order given. Nothing moves without --execute; then all planned moves are made "
            "together or none.")

    def add_arguments(self, parser):
        parser.add_argument("unit", help="code of the unit to empty, e.g. EC")
        parser.add_argument("--to", required=True, help="target unit codes in order, comma-separated: SOL,GYM")
        parser.add_argument("--as", dest="username", required=True,
                            help="the staff member acting (warden, administrator or the unit's manager)")
        parser.add_argument("--reason", default="Emergency re-housing ordered at the command line")
        parser.add_argument("--facility", default=None, help="facility code, if unit codes repeat")
        parser.add_argument("--execute", action="store_true", help="make the moves after the preview")
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")

    def handle(self, *args, **opts):
        from emerald.accounts.models import User
        from emerald.core.errors import ServiceError
        from emerald.facilities.models import Unit
        from emerald.lockdowns.selectors import run_items
        from emerald.lockdowns.services import rehousing_execute, rehousing_preview

        user = User.objects.filter(username=opts["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {opts['username']!r}.")
        units = Unit.objects.all()
        if opts["facility"]:
            units = units.filter(facility__code__iexact=opts["facility"])

        def unit(code: str) -> Unit:
            found = list(units.filter(code=code.strip()))
            if len(found) != 1:
                raise CommandError(f"No single unit with code {code!r}" + (" (use --facility)" if found else "."))
            return found[0]

        source = unit(opts["unit"])
        targets = [unit(c) for c in opts["to"].split(",") if c.strip()]
        try:
            run = rehousing_preview(actor=user, reason=opts["reason"], source_unit=source, targets=targets)
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc.detail} {getattr(exc, 'fields', '') or ''}".strip()) from exc
        items = run_items(run)
        planned = [i for i in items if i.to_cell_id]
        self.stdout.write(f"Re-housing run #{run.pk}: {source.code} -> {', '.join(t.code for t in targets)}")
        for i in items:
            target = i.to_cell.code if i.to_cell else "CANNOT BE PLACED"
            line = f"{i.position:4d}  {i.person.inmate_number:<12} {i.person.full_name:<28} " \
                   f"{i.from_cell.code if i.from_cell else '-':<10} -> {target}"
            if i.problem:
                line += f"  ({i.problem})"
            self.stdout.write(line)
        self.stdout.write(f"{len(planned)} placed, {len(items) - len(planned)} cannot be placed.")
        if not opts["execute"]:
            self.stdout.write("Preview only: nothing moved. Run again with --execute to make the moves.")
            return
        with tqdm(total=len(planned), unit="people", disable=True if opts["no_progress"] else None,
                  file=sys.stderr, leave=False) as bar:
            last = {"n": 0}

            def progress(done: int, total: int) -> None:
                bar.update(done - last["n"])
                last["n"] = done

            try:
                rehousing_execute(actor=user, run=run, progress_callback=progress)
            except ServiceError as exc:
                raise CommandError(f"{exc.code}: {exc.detail}") from exc
        self.stdout.write(self.style.SUCCESS(f"Executed: {len(planned)} people moved."))
