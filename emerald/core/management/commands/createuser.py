"""``emerald createuser USERNAME --role ROLE``: create a staff account from the command line."""

from __future__ import annotations

import getpass
import sys

from django.core.management.base import BaseCommand, CommandError

from emerald.accounts.models import Role
from emerald.core.errors import ServiceError


class Command(BaseCommand):
    help = "Create a staff account (the operator at the command line is the actor). Reads the password from " \
           "stdin with --password-stdin, otherwise asks for it twice."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--password-stdin", action="store_true",
                            help="Read the password from the first line of standard input.")

    def handle(self, *args, **opts):
        from emerald.accounts.services import user_create

        if opts["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
        elif sys.stdin.isatty():
            password = getpass.getpass("Password: ")
            if getpass.getpass("Password (again): ") != password:
                raise CommandError("The two passwords differ; nothing was created.")
        else:
            raise CommandError("No terminal to ask for a password: pass it with --password-stdin.")
        if not password:
            raise CommandError("The password is empty; nothing was created.")
        try:
            user = user_create(actor=None, username=opts["username"], password=password, role=opts["role"],
                               first_name=opts["first_name"], last_name=opts["last_name"], email=opts["email"])
        except ServiceError as exc:
            lines = [str(exc.detail)]
            for name, messages in (getattr(exc, "fields", None) or {}).items():
                lines += [f"  {name}: {m}" for m in messages]
            raise CommandError("\n".join(lines) + "\nNothing was created.") from exc
        self.stdout.write(self.style.SUCCESS(f"Created staff account {user.username} ({user.role})."))
