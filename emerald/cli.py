"""The ``emerald`` command: Django's management commands under Emerald's settings.

``emerald run``, ``emerald createuser``, ``emerald audit verify`` and
``emerald demo load`` are Emerald's own commands (emerald/core/management);
anything else (``emerald migrate``, ``emerald check --deploy``...) is Django's.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emerald.settings")
    from django.core.management import execute_from_command_line

    from emerald.core.visibility import OPERATOR, set_reader

    # The command line is the operator's: it reads every record (a served request names its own reader).
    set_reader(OPERATOR)
    args = list(sys.argv if argv is None else argv)
    # Django names the program after argv[0]; keep "emerald" in help and errors.
    args[0] = "emerald"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
