"""Backup and restore drill: restore into a fresh database; row counts, migrations and the audit chain check out.

Runs on the engine of the test run (SQLite, and PostgreSQL in the PostgreSQL run of ``make test``).
"""

from __future__ import annotations

import json

# No pytest-django transaction: these tests work on scratch databases of their own (conftest.py).


def counts(db) -> dict[str, int]:
    out = db.emerald("restore", "unused", "--verify-only", "--json", check=False)
    return json.loads(out.stdout)["counts"]


def test_backup_restore_drill(seeded, scratch, tmp_path):
    source, _info = seeded
    backup = tmp_path / "emerald.backup"
    made = json.loads(source.emerald("backup", str(backup), "--json").stdout)
    assert made["rows"] > 0 and made["audit_head"] > 0
    assert (tmp_path / "emerald.backup.manifest.json").exists()

    target = scratch.empty("restored")
    result = target.emerald("restore", str(backup), "--json", check=False)
    body = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.returncode == 0 and body["ok"], body["problems"]

    # Independently of the manifest: the same rows as the source, table by table.
    source_counts = counts(source)
    restored = body["counts"]
    source_counts.pop("django_session", None)
    restored.pop("django_session", None)
    assert restored == source_counts
    assert restored["audit_auditentry"] == made["audit_head"]
    # Migrations current, audit chain intact, by the commands an operator would run.
    target.emerald("migrate", "--check")
    assert "OK" in target.emerald("audit", "verify", "--no-progress").stdout

    # Never over a database that holds data, unless asked.
    again = target.emerald("restore", str(backup), check=False)
    assert again.returncode != 0 and "not empty" in again.stderr


def test_backup_refuses_to_overwrite(seeded, tmp_path):
    source, _info = seeded
    path = tmp_path / "x.backup"
    path.write_text("keep me")
    out = source.emerald("backup", str(path), check=False)
    assert out.returncode != 0 and path.read_text() == "keep me"


def test_restore_reports_a_tampered_backup(seeded, scratch, tmp_path):
    source, _info = seeded
    backup = tmp_path / "b.backup"
    source.emerald("backup", str(backup))
    manifest = tmp_path / "b.backup.manifest.json"
    data = json.loads(manifest.read_text())
    data["tables"]["people_person"] += 1  # the manifest says a row more than the file holds
    manifest.write_text(json.dumps(data))
    target = scratch.empty("tampered")
    out = target.emerald("restore", str(backup), check=False)
    assert out.returncode == 1 and "people_person" in out.stderr
