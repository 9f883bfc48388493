"""Emerald's own deployment checks, run by ``emerald check --deploy`` next to Django's.

Each failure is an Error, so the command exits non-zero. The demo-account check
needs the database; ``emerald check --deploy`` passes it (emerald/core/management/commands/check.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

DEV_HOSTS = {"127.0.0.1", "localhost", "testserver"}
#: Checking a password costs a key stretch (~0.3 s); beyond this many accounts only demo names are tried.
MAX_PASSWORD_PROBES = 200


@register(Tags.security, deploy=True)
def emerald_deploy_checks(app_configs=None, databases=None, **kwargs):
    errors = []
    if settings.DEBUG:
        errors.append(Error("EMERALD_DEBUG is on: set EMERALD_DEBUG=0 in production.", id="emerald.E001"))
    from emerald.settings import DEV_SECRET

    key = settings.SECRET_KEY or ""
    if key == DEV_SECRET or len(key) < 50 or len(set(key)) < 5:
        errors.append(Error("EMERALD_SECRET_KEY is unset, the development key, or too short (50+ random characters).",
                            hint="python -c 'import secrets; print(secrets.token_urlsafe(64))'", id="emerald.E002"))
    if DEV_SECRET in (settings.SECRET_KEY_FALLBACKS or []):
        errors.append(Error("The development key is among EMERALD_SECRET_KEY_FALLBACKS.", id="emerald.E002"))
    hosts = set(settings.ALLOWED_HOSTS)
    if not hosts or "*" in hosts or hosts <= DEV_HOSTS:
        errors.append(Error("EMERALD_ALLOWED_HOSTS is not set to the server's own host names.",
                            hint="e.g. EMERALD_ALLOWED_HOSTS=emerald.prison.example", id="emerald.E003"))
    if not getattr(settings, "EMERALD_2FA_REQUIRED", True):
        errors.append(Error("Two-factor sign-in is switched off (EMERALD_2FA_REQUIRED=0).", id="emerald.E005"))
    if not getattr(settings, "EMERALD_RATE_LIMITS_ENABLED", True):
        errors.append(Error("Rate limits are switched off (EMERALD_RATE_LIMITS=0).", id="emerald.E006"))
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        errors.append(Warning(
            "The cache is per process (EMERALD_CACHE=locmem): with several app processes each counts rate limits "
            "on its own.", hint="EMERALD_CACHE=database (then `emerald createcachetable`) or redis://...",
            id="emerald.W007"))
    from emerald.settings import DEV_AUDIT_KEY

    audit_key = getattr(settings, "EMERALD_AUDIT_KEY", "") or ""
    if audit_key == DEV_AUDIT_KEY or len(audit_key) < 32 or audit_key == settings.SECRET_KEY:
        errors.append(Error("EMERALD_AUDIT_KEY is unset, the development key, too short (32+ random characters) or "
                            "the same as EMERALD_SECRET_KEY.",
                            hint="python -c 'import secrets; print(secrets.token_urlsafe(48))' (docs/audit.md)",
                            id="emerald.E010"))
    if DEV_AUDIT_KEY in (getattr(settings, "EMERALD_AUDIT_KEY_FALLBACKS", None) or []):
        errors.append(Error("The development audit key is among EMERALD_AUDIT_KEY_FALLBACKS.", id="emerald.E010"))
    if databases:
        errors.extend(audit_table_problems())
        errors.extend(_demo_accounts())
        errors.extend(_cache_works())
    return errors


def _cache_works() -> list:
    from django.core.cache import cache

    try:
        cache.set("emerald:check", 1, 5)
        ok = cache.get("emerald:check") == 1
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        return [Error(f"The cache does not work ({exc}): rate limits are not counted.",
                      hint="EMERALD_CACHE=database needs `emerald createcachetable`.", id="emerald.E008")]
    if not ok:
        return [Error("The cache does not keep values: rate limits are not counted.", id="emerald.E008")]
    return []


def _demo_accounts() -> list:
    from django.db import DatabaseError

    from emerald.accounts.models import User
    from emerald.demo.oz import DEMO_PASSWORD, STAFF
    from emerald.security.demo import DEMO_TOTP_SECRET
    from emerald.security.otp import hex_key

    try:
        demo_names = {s[0] for s in STAFF}
        active = User.objects.filter(is_active=True)
        probe = list(active.order_by("id")[: MAX_PASSWORD_PROBES + 1])
        if len(probe) > MAX_PASSWORD_PROBES:
            probe = list(active.filter(username__in=demo_names))
        found = sorted(u.username for u in probe if u.has_usable_password() and u.check_password(DEMO_PASSWORD))
        from django_otp.plugins.otp_totp.models import TOTPDevice

        demo_secret = sorted(TOTPDevice.objects.filter(key=hex_key(DEMO_TOTP_SECRET), user__is_active=True)
                             .values_list("user__username", flat=True))
    except DatabaseError as exc:
        return [Error(f"Could not look for demo accounts: {exc}", id="emerald.E004")]
    errors = []
    if found:
        errors.append(Error(f"Accounts with the demo password: {', '.join(found)}.",
                            hint="Disable them or set real passwords; never run the demo on real data.",
                            id="emerald.E004"))
    if demo_secret:
        errors.append(Error(f"Accounts with the published demo two-factor secret: {', '.join(demo_secret)}.",
                            hint="Reset their two-factor sign-in (Account security → Staff accounts).",
                            id="emerald.E004"))
    return errors


AUDIT_TRIGGERS = ("audit_entry_no_update", "audit_entry_no_truncate")


def audit_table_problems() -> list:
    """Whether the application's database role could rewrite the audit trail (emerald.E009).

    It must not own the table (an owner can ALTER it and switch its triggers off), be a superuser (who can
    also set ``session_replication_role``), or hold UPDATE, DELETE, TRUNCATE or TRIGGER on it; and the
    append-only triggers must be there and enabled. SQLite cannot separate the two: the process that writes
    the file owns it.
    """
    from django.db import DatabaseError, connection

    hint = "Run the application as its own role: docs/deployment.md, 'Two database roles'."
    if connection.vendor != "postgresql":
        return [Error("The database is SQLite: the application owns the file and can alter the audit table.",
                      hint="A facility runs PostgreSQL with two roles (docs/deployment.md).", id="emerald.E009")]
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.rolsuper, pg_has_role(current_user, c.relowner, 'MEMBER'), "
                "has_table_privilege(current_user, c.oid, 'UPDATE'), has_table_privilege(current_user, c.oid, "
                "'DELETE'), has_table_privilege(current_user, c.oid, 'TRUNCATE'), "
                "has_table_privilege(current_user, c.oid, 'TRIGGER'), current_user "
                "FROM pg_class c JOIN pg_roles r ON r.rolname = current_user "
                "WHERE c.oid = 'audit_auditentry'::regclass")
            superuser, owner, *privileges, role = cursor.fetchone()
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditentry'::regclass "
                           "AND tgenabled <> 'D' AND NOT tgisinternal")
            triggers = {name for (name,) in cursor.fetchall()}
    except DatabaseError as exc:
        return [Error(f"Could not check the audit table's privileges: {exc}", id="emerald.E009")]
    errors = []
    if superuser:
        errors.append(Error(f"The application connects as {role}, a PostgreSQL superuser: it can alter the audit "
                            "table and switch its triggers off.", hint=hint, id="emerald.E009"))
    elif owner:
        errors.append(Error(f"The application's role {role} owns the audit table: it can alter it and switch its "
                            "triggers off.", hint=hint, id="emerald.E009"))
    held = [name for name, has in zip(("UPDATE", "DELETE", "TRUNCATE", "TRIGGER"), privileges, strict=True) if has]
    if held and not (superuser or owner):
        errors.append(Error(f"The application's role {role} holds {', '.join(held)} on the audit table.",
                            hint="emerald dbrole grant " + role + " (as the owner)", id="emerald.E009"))
    missing = [t for t in AUDIT_TRIGGERS if t not in triggers]
    if missing:
        errors.append(Error(f"The audit table's append-only triggers are missing or disabled: {', '.join(missing)}.",
                            hint="emerald migrate audit (as the owner) reinstalls them.", id="emerald.E009"))
    return errors
