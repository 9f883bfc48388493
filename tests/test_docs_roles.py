"""docs/roles.md must show the permissions table the code enforces.

To regenerate the table after changing a policy: ``.venv/bin/python tests/test_docs_roles.py``.
"""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "roles.md"
START, END = "<!-- roles-table:start -->", "<!-- roles-table:end -->"


def committed_table() -> str:
    text = DOC.read_text(encoding="utf-8")
    assert START in text and END in text, f"{DOC} lost its table markers"
    return text.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"


def test_roles_doc_has_the_current_table():
    from emerald.accounts.permissions import render_roles_table

    assert committed_table() == render_roles_table(), (
        "docs/roles.md is out of date: run `.venv/bin/python tests/test_docs_roles.py` to regenerate its table")


def test_table_lists_every_action_and_role():
    from emerald.accounts.models import Role
    from emerald.accounts.permissions import POLICY, render_roles_table

    table = render_roles_table()
    header = table.splitlines()[0]
    assert all(role.value.replace("_", " ") in header for role in Role)
    assert all(f"| `{action}` |" in table for action in POLICY)
    assert "| `audit.view` | ✓ |  |  |  |  |  |  | ✓ |" in table


def regenerate() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emerald.settings")
    django.setup()
    from emerald.accounts.permissions import render_roles_table

    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{START}\n{render_roles_table()}{END}{tail}", encoding="utf-8")
    print(f"rewrote the table in {DOC}")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(DOC.parent.parent))
    regenerate()
