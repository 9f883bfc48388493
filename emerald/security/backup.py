"""Backups and restores of the whole database, with a manifest to prove a restore complete.

PostgreSQL: ``pg_dump`` custom format (``-Fc``) taken inside an exported snapshot, so the
row counts of the manifest are those of the very same moment; ``pg_restore`` into an
empty database. SQLite: the online backup API (a consistent copy while the server keeps
running); the counts are read from the copy itself.

The manifest (``PATH.manifest.json``) lists every table's row count, the applied
migrations and the audit chain head. ``emerald restore`` checks the restored database
against it, checks that no migration is left unapplied and walks the audit chain.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connections

FORMAT = "emerald-backup-1"


class BackupError(Exception):
    """Something a person must act on (a tool missing, a non-empty target...)."""


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def _pg_env(alias: str = "default") -> dict[str, str]:
    cfg = connections[alias].settings_dict
    env = dict(os.environ)
    env.update({"PGDATABASE": str(cfg["NAME"]), "PGHOST": str(cfg.get("HOST") or ""),
                "PGPORT": str(cfg.get("PORT") or ""), "PGUSER": str(cfg.get("USER") or "")})
    if cfg.get("PASSWORD"):
        env["PGPASSWORD"] = str(cfg["PASSWORD"])
    return {k: v for k, v in env.items() if v != ""}


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return found


def _table_counts_cursor(cursor: Any, tables: list[str], quote: Any) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _migrations_cursor(cursor: Any) -> list[str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


def _audit_head(cursor: Any) -> int:
    cursor.execute("SELECT seq FROM audit_auditchainhead WHERE id = 1")
    row = cursor.fetchone()
    return int(row[0]) if row else 0


@dataclass
class Manifest:
    engine: str
    tables: dict[str, int]
    migrations: list[str]
    audit_head: int
    format: str = FORMAT
    extra: dict[str, Any] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        data = {"format": self.format, "engine": self.engine, "tables": self.tables, "migrations": self.migrations,
                "audit_head": self.audit_head, **self.extra}
        manifest_path(path).write_text(json.dumps(data, indent=1, sort_keys=True))

    @classmethod
    def read(cls, path: Path) -> Manifest | None:
        mp = manifest_path(path)
        if not mp.exists():
            return None
        data = json.loads(mp.read_text())
        return cls(engine=data["engine"], tables=data["tables"], migrations=data["migrations"],
                   audit_head=data["audit_head"], format=data.get("format", FORMAT))


def _sqlite_counts(path: str) -> Manifest:
    conn = sqlite3.connect(path)
    try:
        cur = conn.cursor()
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        tables = [r[0] for r in cur.fetchall()]
        counts = _table_counts_cursor(cur, tables, lambda t: '"' + t.replace('"', '""') + '"')
        return Manifest("sqlite", counts, _migrations_cursor(cur), _audit_head(cur))
    finally:
        conn.close()


def backup(path: Path, alias: str = "default") -> Manifest:
    """Write a backup of the database to ``path`` and its manifest beside it."""
    connection = connections[alias]
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} exists already; give a new file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        source = str(connection.settings_dict["NAME"])
        if source == ":memory:" or "mode=memory" in source:
            raise BackupError("An in-memory database cannot be backed up.")
        # Its own connection: the online backup API copies committed pages while others keep writing.
        src = sqlite3.connect(source, timeout=30)
        dst = sqlite3.connect(str(path))
        try:
            with dst:
                src.backup(dst)
        finally:
            dst.close()
            src.close()
        manifest = _sqlite_counts(str(path))
    elif connection.vendor == "postgresql":
        manifest = _pg_backup(path, alias)
    else:
        raise BackupError(f"Backups of {connection.vendor} are not supported.")
    manifest.write(path)
    return manifest


def _pg_backup(path: Path, alias: str) -> Manifest:
    import psycopg
    from psycopg.conninfo import make_conninfo

    pg_dump = _tool("pg_dump")
    env = _pg_env(alias)
    # One snapshot for the counts and the dump: the manifest describes exactly what is in the file.
    with psycopg.connect(make_conninfo("", **_psycopg_kwargs(env)), autocommit=False) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None  # the function returns one row
        snapshot = row[0]
        cur = conn.cursor()
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [r[0] for r in cur.fetchall()]
        counts = _table_counts_cursor(cur, tables, lambda t: '"' + t.replace('"', '""') + '"')
        migrations = _migrations_cursor(cur)
        head = _audit_head(cur)
        result = subprocess.run([pg_dump, "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                                 "-f", str(path)], env=env, capture_output=True, text=True)
        conn.rollback()
    if result.returncode != 0:
        path.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return Manifest("postgresql", counts, migrations, head)


def _psycopg_kwargs(env: dict[str, str]) -> dict[str, str]:
    mapping = {"PGDATABASE": "dbname", "PGHOST": "host", "PGPORT": "port", "PGUSER": "user", "PGPASSWORD": "password"}
    return {mapping[k]: v for k, v in env.items() if k in mapping}


def database_is_empty(alias: str = "default") -> bool:
    """True when the database has no tables of its own (a fresh database: restore into it)."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def restore(path: Path, alias: str = "default", *, force: bool = False) -> None:
    """Restore ``path`` into the configured database, which must be empty unless ``force``."""
    path = Path(path)
    if not path.exists():
        raise BackupError(f"No backup at {path}.")
    connection = connections[alias]
    if not database_is_empty(alias) and not force:
        raise BackupError("The database is not empty: restore into a new, empty database, or pass --force to "
                          "replace everything in it.")
    if connection.vendor == "sqlite":
        target = str(connection.settings_dict["NAME"])
        connection.close()
        with open(path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{path} is not a SQLite backup.")
        src = sqlite3.connect(str(path))
        dst = sqlite3.connect(target, timeout=30)
        try:
            with dst:
                src.backup(dst)
        finally:
            dst.close()
            src.close()
    elif connection.vendor == "postgresql":
        pg_restore = _tool("pg_restore")
        connection.close()
        args = [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "-d",
                connection.settings_dict["NAME"]]
        if force:
            args += ["--clean", "--if-exists"]
        else:
            args += ["--single-transaction"]
        result = subprocess.run([*args, str(path)], env=_pg_env(alias), capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        # A dump carries no planner statistics: until autovacuum gets to every table, PostgreSQL would plan
        # every page's joins blind (measured: pages about twice as slow). Gather them now.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        raise BackupError(f"Restores of {connection.vendor} are not supported.")


@dataclass
class Check:
    ok: bool
    problems: list[str]
    counts: dict[str, int]
    audit_entries: int


def current_manifest(alias: str = "default") -> Manifest:
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = _table_counts_cursor(cursor, tables, connection.ops.quote_name)
        return Manifest(connection.vendor, counts, _migrations_cursor(cursor), _audit_head(cursor))


def verify(path: Path | None, alias: str = "default") -> Check:
    """After a restore: row counts as in the manifest, no migration left unapplied, the audit chain intact."""
    from django.db.migrations.executor import MigrationExecutor

    from emerald.audit.verify import verify_chain

    problems = []
    now = current_manifest(alias)
    expected = Manifest.read(Path(path)) if path is not None else None
    if expected is not None:
        for table, count in sorted(expected.tables.items()):
            if table == "django_session":
                continue  # sessions expire and are cleaned; not evidence
            got = now.tables.get(table)
            if got != count:
                problems.append(f"table {table}: {got} rows, the backup had {count}")
        if now.audit_head != expected.audit_head:
            problems.append(f"audit chain head at {now.audit_head}, the backup had {expected.audit_head}")
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        problems.append("unapplied migrations: " + ", ".join(f"{m.app_label}.{m.name}" for m, _b in plan[:10])
                        + " (run `emerald migrate`)")
    result = verify_chain()
    if not result.ok:
        problems.append(f"audit chain broken: {result.problem}")
    return Check(not problems, problems, now.tables, result.checked)
