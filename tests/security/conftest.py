"""Scratch databases for the backup drill and the crash test, made from the migrated test database.

Migrating a new database costs more than the tests themselves, so the scratch databases are
copies of the test database pytest-django has just migrated: on SQLite an online backup of
it to a file, on PostgreSQL ``CREATE DATABASE ... TEMPLATE``. Each test run exercises its
own engine (``make test`` runs both).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connection, connections

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
EMERALD = str(Path(sys.executable).with_name("emerald"))


class ScratchDB:
    """One database outside pytest's: a SQLite file or a PostgreSQL database, with the env to reach it."""

    def __init__(self, vendor: str, where: str):
        self.vendor, self.where = vendor, where

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("EMERALD_DATABASE_URL", "EMERALD_SQLITE_PATH", "EMERALD_TEST_DATABASE_URL")}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        if self.vendor == "sqlite":
            env["EMERALD_SQLITE_PATH"] = self.where
        else:
            env["EMERALD_DATABASE_URL"] = self.where
        env.update(extra)
        return env

    def run(self, *args: str, check: bool = True, timeout: int = 600, **extra: str) -> subprocess.CompletedProcess:
        result = subprocess.run(list(args), cwd=ROOT, env=self.env(**extra), capture_output=True, text=True,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def emerald(self, *args: str, **kw) -> subprocess.CompletedProcess:
        return self.run(EMERALD, *args, **kw)

    def drill(self, *args: str, **kw) -> dict:
        out = self.run(PYTHON, "-m", "emerald.security.drill", *args, **kw)
        return json.loads(out.stdout.strip().splitlines()[-1])

    def rows(self, sql: str) -> list[tuple]:
        if self.vendor == "sqlite":
            conn = sqlite3.connect(self.where, timeout=30)
            try:
                return conn.execute(sql).fetchall()
            finally:
                conn.close()
        import psycopg

        with psycopg.connect(self.where, autocommit=True) as conn:
            return conn.execute(sql).fetchall()

    def scalar(self, sql: str) -> int:
        if self.vendor == "sqlite":
            conn = sqlite3.connect(self.where, timeout=30)
            try:
                return int(conn.execute(sql).fetchone()[0])
            finally:
                conn.close()
        import psycopg

        with psycopg.connect(self.where, autocommit=True) as conn:
            return int(conn.execute(sql).fetchone()[0])


def _pg_url(name: str) -> str:
    cfg = connection.settings_dict
    user = cfg.get("USER") or "postgres"
    auth = user + (f":{cfg['PASSWORD']}" if cfg.get("PASSWORD") else "")
    return f"postgres://{auth}@{cfg.get('HOST') or '127.0.0.1'}:{cfg.get('PORT') or 5432}/{name}"


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_pg_url("postgres"), autocommit=True) as conn:
        conn.execute(sql)


class Factory:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.made: list[str] = []

    def template(self) -> ScratchDB:
        """A migrated, empty database (a copy of pytest's test database)."""
        if connection.vendor == "sqlite":
            path = str(self.tmp / "template.sqlite3")
            if not os.path.exists(path):
                connection.ensure_connection()
                dst = sqlite3.connect(path)
                with dst:
                    connection.connection.backup(dst)
                dst.execute("PRAGMA journal_mode=WAL")
                dst.close()
            return ScratchDB("sqlite", path)
        return ScratchDB("postgresql", _pg_url(connection.settings_dict["NAME"]))

    def copy(self, source: ScratchDB, name: str) -> ScratchDB:
        if source.vendor == "sqlite":
            path = str(self.tmp / f"{name}.sqlite3")
            src = sqlite3.connect(source.where)
            dst = sqlite3.connect(path)
            with dst:
                src.backup(dst)
            src.close()
            dst.close()
            return ScratchDB("sqlite", path)
        db = f"{connection.settings_dict['NAME']}_{name}"[:63]
        # A template must have no other connection: close ours (pytest-django reopens it when needed).
        connections.close_all()
        _pg_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        template = urlsplit(source.where).path.lstrip("/")
        # Connections left by earlier tests' threads (a live server's, a race test's) would make PostgreSQL
        # refuse the template ("being accessed by other users"); their threads are gone, so end them.
        _pg_admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                  f"WHERE datname = '{template}' AND pid <> pg_backend_pid()")
        _pg_admin(f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
        self.made.append(db)
        return ScratchDB("postgresql", _pg_url(db))

    def empty(self, name: str) -> ScratchDB:
        if connection.vendor == "sqlite":
            return ScratchDB("sqlite", str(self.tmp / f"{name}.sqlite3"))
        db = f"{connection.settings_dict['NAME']}_{name}"[:63]
        _pg_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{db}"')
        self.made.append(db)
        return ScratchDB("postgresql", _pg_url(db))

    def cleanup(self) -> None:
        for db in self.made:
            try:
                _pg_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            except Exception:  # noqa: BLE001 - best effort; the next run drops it first anyway
                pass


@pytest.fixture(scope="module")
def scratch(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        factory = Factory(tmp_path_factory.mktemp("scratch"))
        yield factory
        factory.cleanup()


@pytest.fixture(scope="module")
def seeded(scratch, django_db_blocker):
    """A scratch database with drill data (staff, 40 cells, 40 people admitted, officer tokens)."""
    with django_db_blocker.unblock():
        db = scratch.copy(scratch.template(), "seeded")
        info = db.drill("seed", "--people", "40", "--staff", "4")
        return db, info


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving Emerald on 127.0.0.1 in its own process group (so SIGKILL takes every worker)."""

    def __init__(self, db: ScratchDB, workers: int = 2, **env: str):
        self.db, self.port = db, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        if not os.path.exists(gunicorn):
            pytest.skip("gunicorn is not installed")
        self.proc = subprocess.Popen(
            [gunicorn, "emerald.wsgi:application", "-b", f"127.0.0.1:{self.port}", "-w", str(workers),
             "--threads", "4", "--graceful-timeout", "2", "--log-level", "warning"],
            cwd=ROOT, env=db.env(EMERALD_RATE_LIMITS="0", **env), stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True)

    def wait(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/api/v1/", timeout=5) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise AssertionError("the server did not answer in time")

    def kill(self) -> None:
        import signal

        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        import signal

        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill()
