"""``emerald run``: migrate, load the Oz demo into an empty database, print the logins, serve."""

from __future__ import annotations

import errno
import os
import sys

from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import WSGIServer, run
from django.core.wsgi import get_wsgi_application


class Command(BaseCommand):
    help = "Migrate the database, load the Oz demo if it holds no people, print the demo logins and serve."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=None,
                            help="Port to serve on (default: $PORT, else 8000).")
        parser.add_argument("--host", default=os.environ.get("EMERALD_HOST", "127.0.0.1"),
                            help="Address to bind (default 127.0.0.1: this machine only).")
        parser.add_argument("--no-demo", action="store_true", help="Never load the demo data.")
        parser.add_argument("--no-serve", action="store_true", help="Prepare the database, then stop.")

    def handle(self, *args, **opts):
        port = opts["port"]
        if port is None:
            raw = os.environ.get("PORT", "8000")
            try:
                port = int(raw)
            except ValueError:
                raise CommandError(f"PORT must be a number, not {raw!r}.") from None
        if not 0 < port < 65536:
            raise CommandError(f"Port {port} is out of range.")
        self.check(display_num_errors=False)

        db = settings.DATABASES["default"]
        where = db["NAME"] if db["ENGINE"].endswith("sqlite3") else f"{db.get('HOST') or 'local'}/{db['NAME']}"
        self.stdout.write(f"Database: {where}")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database schema is up to date.")

        from emerald.demo import oz
        from emerald.people.models import Person

        if not opts["no_demo"] and not Person.objects.exists():
            self.stdout.write("The database holds no people: loading the Oz demo (a few seconds)...")
            result = oz.load(progress=lambda msg: self.stdout.write(f"  {msg}"))
            self.stdout.write(result.message)
        if oz.is_loaded():
            self.print_logins(oz)

        if opts["no_serve"]:
            return
        self.serve(opts["host"], port)

    def print_logins(self, oz) -> None:
        rows = oz.logins()
        width = max(len(u) for u, _r, _w in rows)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {oz.DEMO_PASSWORD})")
        for username, role, who in rows:
            self.stdout.write(f"  {username.ljust(width)}  {role.ljust(13)} {who}")
        from emerald.security.demo import hint

        self.stdout.write(hint())
        self.stdout.write("")

    def serve(self, host: str, port: int) -> None:
        # Django's own threaded WSGI server, as runserver uses, without the autoreloader.
        # Static files come from the apps (no collectstatic needed for the demo).
        handler = StaticFilesHandler(get_wsgi_application())
        url_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        self.stdout.write(self.style.SUCCESS(f"Emerald is running at http://{url_host}:{port}/  (Ctrl-C to stop)"))
        if not settings.DEBUG:
            self.stdout.write("EMERALD_DEBUG is off: put Emerald behind a production WSGI server and HTTPS.")
        sys.stdout.flush()
        try:
            run(host, port, handler, ipv6=":" in host, threading=True, server_cls=WSGIServer)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(f"Port {port} is already in use: try `emerald run --port {port + 1}` "
                                   f"or PORT={port + 1} make run.") from exc
            raise
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
