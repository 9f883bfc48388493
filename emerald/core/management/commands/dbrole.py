"""``emerald dbrole grant ROLE``: give the application's PostgreSQL role what it needs, and not the audit trail.

A facility runs two roles (docs/deployment.md): the owner, which runs the migrations and owns every table,
and the application's role, which serves requests. Run this as the owner after every ``emerald migrate``.
The application's role may then read and write the tables, but on the audit table only INSERT and SELECT:
no UPDATE, DELETE or TRUNCATE, and, not owning it, it cannot ALTER it or switch its triggers off.
``emerald check --deploy``, run as the application's role, confirms it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

#: The statements, as templates: ``{0}`` is the role, ``{1}`` the database.
GRANT_STATEMENTS = [
    "GRANT CONNECT ON DATABASE {1} TO {0}",
    "GRANT USAGE ON SCHEMA public TO {0}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {0}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {0}",
    # The trail: appended to and read, never changed. The head row is moved forward by every append.
    "REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_auditentry FROM {0}",
    "REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_auditchainhead FROM {0}",
    # Which migrations ran is the owner's to say.
    "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON django_migrations FROM {0}",
]


def grant_app_role(role: str) -> list[str]:
    """Run the grants for ``role`` on the current database; returns the SQL as run."""
    from psycopg import sql

    done = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            raise CommandError(f"No PostgreSQL role {role!r}: create it first (createuser --pwprompt {role}).")
        cursor.execute("SELECT current_user, current_database()")
        owner, database = cursor.fetchone()
        if owner == role:
            raise CommandError(f"{role} is the role running this command: run it as the owner, for the "
                               "application's own role.")
        for template in GRANT_STATEMENTS:
            statement = sql.SQL(template).format(sql.Identifier(role), sql.Identifier(database))
            cursor.execute(statement)
            done.append(statement.as_string(cursor.connection))
    return done


class Command(BaseCommand):
    help = ("PostgreSQL: `dbrole grant ROLE` gives the application's role read and write on every table but "
            "only INSERT and SELECT on the audit trail. Run it as the owner after every migrate.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
        sub.required = True
        grant = sub.add_parser("grant", help="Grant the application's role its privileges (run as the owner).")
        grant.add_argument("role", help="the application's PostgreSQL role, e.g. emerald_app")

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql":
            raise CommandError("dbrole is for PostgreSQL: SQLite has no roles (a facility runs PostgreSQL, "
                               "docs/deployment.md).")
        for statement in grant_app_role(opts["role"]):
            self.stdout.write(statement + ";")
        self.stdout.write(self.style.SUCCESS(f"OK: {opts['role']} may use Emerald's tables and only append to the "
                                             "audit trail."))
