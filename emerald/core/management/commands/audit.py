"""``emerald audit verify [--checkpoint FILE]`` and ``emerald audit checkpoint [--output FILE]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm


class Command(BaseCommand):
    help = ("Audit trail tools. `audit verify` walks the keyed hash chain and names the first broken entry; "
            "`audit checkpoint` prints a signed checkpoint of the chain's head to keep elsewhere.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
        sub.required = True
        verify = sub.add_parser("verify", help="Check the audit chain; exit 1 at the first changed or removed entry.")
        verify.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")
        verify.add_argument("--checkpoint", action="append", default=[], metavar="FILE",
                            help="A file of checkpoints (one JSON object per line, as `audit checkpoint` writes "
                                 "them): prove that nothing up to each has changed. May be given more than once.")
        checkpoint = sub.add_parser("checkpoint", help="Print a signed checkpoint of the chain's head as one JSON "
                                                       "line (or append it to --output FILE).")
        checkpoint.add_argument("--output", metavar="FILE", help="Append the checkpoint to this file.")

    def handle(self, *args, **opts):
        if opts["subcommand"] == "checkpoint":
            return self._checkpoint(opts["output"])
        if opts["subcommand"] != "verify":
            raise CommandError(f"Unknown subcommand {opts['subcommand']!r}.")
        from emerald.audit.models import AuditEntry
        from emerald.audit.verify import verify_chain

        checkpoints = [c for name in opts["checkpoint"] for c in _read_checkpoints(name)]
        total = AuditEntry.objects.count()
        # tqdm shows itself only on a terminal (disable=None), so logs and CI stay clean.
        with tqdm(total=total, unit="entries", disable=True if opts["no_progress"] else None,
                  file=sys.stderr, leave=False) as bar:
            last = {"n": 0}

            def progress(checked: int) -> None:
                if checked - last["n"] >= 500 or checked == total:
                    bar.update(checked - last["n"])
                    last["n"] = checked

            result = verify_chain(progress=progress, checkpoints=checkpoints)
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"OK: the audit chain is intact ({result.checked} entries)."))
            if result.checkpoints:
                listed = ", ".join(str(s) for s in result.checkpoints)
                self.stdout.write(f"OK: it matches {len(result.checkpoints)} signed checkpoint(s), at entry {listed}.")
            if result.unkeyed:
                self.stdout.write(f"Note: entries 1-{result.unkeyed} were written before the chain was keyed "
                                  "(plain SHA-256); a checkpoint taken since is what protects them.")
            return
        self.stderr.write(f"BROKEN: {result.problem}. {result.checked} entries before it are intact.")
        sys.exit(1)

    def _checkpoint(self, output: str | None) -> None:
        from emerald.audit.selectors import chain_checkpoint

        line = json.dumps(chain_checkpoint(actor=None), sort_keys=True)
        if output:
            with Path(output).open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
            self.stderr.write(f"Checkpoint appended to {output}.")
        else:
            self.stdout.write(line)


def _read_checkpoints(name: str) -> list[dict]:
    try:
        text = Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"Cannot read the checkpoint file {name}: {exc.strerror}.") from exc
    checkpoints = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            checkpoints.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise CommandError(f"{name}, line {number}: not a checkpoint ({exc.msg}).") from exc
    if not checkpoints:
        raise CommandError(f"{name} holds no checkpoint.")
    return checkpoints
