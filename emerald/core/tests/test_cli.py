"""The `emerald` command line: createuser, audit verify, demo load, run, and Django's own commands."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from emerald.accounts.models import User
from emerald.audit.models import AuditEntry

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    """Real password hashing costs a quarter of a second per user; these tests are not about it."""
    settings.PASSWORD_HASHERS = FAST_HASHER


@pytest.fixture
def stdin(monkeypatch):
    def feed(text: str, tty: bool = False):
        stream = io.StringIO(text)
        stream.isatty = lambda: tty  # type: ignore[method-assign]
        monkeypatch.setattr(sys, "stdin", stream)

    return feed


@pytest.mark.django_db
def test_createuser_reads_the_password_from_stdin_and_audits(stdin, capsys):
    stdin("a-long-enough-passphrase\n")
    call_command("createuser", "ewhittlesey", "--role", "officer", "--password-stdin", "--first-name", "Claire")
    user = User.objects.get(username="ewhittlesey")
    assert user.role == "officer" and user.first_name == "Claire"
    assert user.check_password("a-long-enough-passphrase")
    entry = AuditEntry.objects.get(action="user.create", object_id=str(user.pk))
    assert entry.actor_id is None and "ewhittlesey" in entry.summary
    assert "Created staff account ewhittlesey" in capsys.readouterr().out


@pytest.mark.django_db
def test_createuser_refuses_a_weak_password(stdin):
    stdin("password\n")
    with pytest.raises(CommandError) as exc:
        call_command("createuser", "weak", "--role", "officer", "--password-stdin")
    assert "password" in str(exc.value) and "Nothing was created" in str(exc.value)
    assert not User.objects.filter(username="weak").exists()


@pytest.mark.django_db
def test_createuser_refuses_a_taken_username_and_an_unknown_role(stdin, users):
    stdin("a-long-enough-passphrase\n")
    with pytest.raises(CommandError, match="taken"):
        call_command("createuser", "officer", "--role", "officer", "--password-stdin")
    with pytest.raises(CommandError):
        call_command("createuser", "someone", "--role", "janitor", "--password-stdin")


@pytest.mark.django_db
def test_createuser_without_a_terminal_needs_password_stdin(stdin):
    stdin("", tty=False)
    with pytest.raises(CommandError, match="--password-stdin"):
        call_command("createuser", "nobody", "--role", "auditor")


@pytest.mark.django_db
def test_createuser_prompts_twice_on_a_terminal(stdin, monkeypatch):
    stdin("", tty=True)
    answers = iter(["first-passphrase-x", "second-passphrase-y"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="differ"):
        call_command("createuser", "typo", "--role", "auditor")
    answers = iter(["same-passphrase-z", "same-passphrase-z"])
    call_command("createuser", "careful", "--role", "auditor")
    assert User.objects.filter(username="careful", role="auditor").exists()


@pytest.mark.django_db
def test_audit_verify_ok(users, place, capsys):
    call_command("audit", "verify", "--no-progress")
    out = capsys.readouterr().out
    assert out.startswith("OK") and f"({AuditEntry.objects.count()} entries)" in out


@pytest.mark.django_db
def test_audit_verify_names_the_first_changed_entry_and_exits_1(users, place, capsys):
    from emerald.audit.keys import current_key
    from emerald.audit.services import entry_hash

    kid, key = current_key()
    last = AuditEntry.objects.order_by("-seq").first()
    # Forge an entry by hand (the triggers refuse UPDATE and DELETE, not INSERT): its hash is wrong.
    forged = AuditEntry(seq=last.seq + 1, at=last.at, actor_username="mallory", action="user.create",
                        object_type="user", object_id="999", outcome="success", changes={}, summary="forged",
                        ip="", prev_hash=last.hash, key_id=kid)
    forged.hash = entry_hash(seq=forged.seq, at=forged.at, actor_username="someone else", action=forged.action,
                             object_type=forged.object_type, object_id=forged.object_id, outcome=forged.outcome,
                             changes={}, summary=forged.summary, ip="", prev_hash=last.hash, key_id=kid,
                             key=key)
    forged.save()
    with pytest.raises(SystemExit) as exc:
        call_command("audit", "verify", "--no-progress")
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert f"entry {forged.seq} was changed" in err


def test_audit_needs_a_subcommand():
    with pytest.raises(CommandError):
        call_command("audit")


@pytest.mark.django_db
def test_demo_load_leaves_a_database_with_people_alone(users, person_factory, capsys):
    person_factory("Beecher", "Tobias")
    call_command("demo", "load")
    assert "already holds 1 people" in capsys.readouterr().out
    assert not User.objects.filter(username="glynn").exists()


@pytest.mark.django_db
def test_demo_load_then_run_without_serving(capsys):
    call_command("demo", "load")
    assert "Loaded the Oz demo" in capsys.readouterr().out
    call_command("run", "--no-serve")
    out = capsys.readouterr().out
    assert "Database schema is up to date." in out and "loading the Oz demo" not in out
    assert "Demo logins (password for all: emerald-demo)" in out
    assert "mcmanus" in out and "unit_manager" in out


@pytest.mark.django_db
def test_run_rejects_a_bad_port(monkeypatch):
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(CommandError, match="PORT must be a number"):
        call_command("run", "--no-serve", "--no-demo")
    with pytest.raises(CommandError, match="out of range"):
        call_command("run", "--no-serve", "--no-demo", "--port", "70000")


def _emerald() -> list[str]:
    script = Path(sys.executable).with_name("emerald")
    if script.exists():
        return [str(script)]
    found = shutil.which("emerald")
    return [found] if found else [sys.executable, "-c", "import sys; from emerald.cli import main; main()"]


def test_console_script_end_to_end(tmp_path):
    """The installed `emerald` command, on a database file of its own: Django passthrough, our commands."""
    db = tmp_path / "cli.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in ("EMERALD_DATABASE_URL", "EMERALD_TEST_DATABASE_URL")}
    env.update(EMERALD_SQLITE_PATH=str(db), EMERALD_DATA_DIR=str(tmp_path))

    def emerald(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run([*_emerald(), *args], input=stdin, capture_output=True, text=True, env=env,
                              timeout=300)

    migrate = emerald("migrate", "-v", "0")
    assert migrate.returncode == 0, migrate.stderr
    made = emerald("createuser", "tmcmanus", "--role", "unit_manager", "--password-stdin",
                   stdin="a-long-enough-passphrase\n")
    assert made.returncode == 0, made.stderr
    ok = emerald("audit", "verify")
    assert ok.returncode == 0 and ok.stdout.startswith("OK"), ok.stderr

    # Change the first entry behind the application's back (dropping the trigger, as an intruder with
    # schema rights would): verify names entry 1 and exits 1.
    with sqlite3.connect(db) as con:
        con.execute("DROP TRIGGER audit_entry_no_update")
        con.execute("UPDATE audit_auditentry SET summary = 'nothing happened' WHERE seq = 1")
    broken = emerald("audit", "verify")
    assert broken.returncode == 1
    assert "entry 1 was changed" in broken.stderr

    unknown = emerald("no-such-command")
    assert unknown.returncode != 0 and "Unknown command" in unknown.stderr
