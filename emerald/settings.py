"""Django settings for Emerald.

Everything that differs between a laptop demo and a facility's server comes from
the environment, so the same code runs both. Production refuses to start with the
development secret (see ``emerald check --deploy``).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("EMERALD_DATA_DIR", BASE_DIR.parent / "var"))

def _env_list(name: str) -> list[str]:
    """A comma-separated environment variable as a list, each item stripped, empty items dropped."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEV_SECRET = "emerald-development-only-not-a-secret"
SECRET_KEY = os.environ.get("EMERALD_SECRET_KEY", DEV_SECRET)
# Rotation: put the old key here while sessions and signed values made with it expire (docs/security.md).
SECRET_KEY_FALLBACKS = [k for k in os.environ.get("EMERALD_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()]
DEBUG = os.environ.get("EMERALD_DEBUG", "1") == "1"
# The audit chain's HMAC key. It lives in the environment, never in the database, so whoever can
# write the database cannot recompute the chain (docs/audit.md). Rotation: the old key goes into
# EMERALD_AUDIT_KEY_FALLBACKS for good, because the entries it signed are verified with it.
DEV_AUDIT_KEY = "emerald-development-audit-key-not-a-secret"
EMERALD_AUDIT_KEY = os.environ.get("EMERALD_AUDIT_KEY", DEV_AUDIT_KEY)
EMERALD_AUDIT_KEY_FALLBACKS = _env_list("EMERALD_AUDIT_KEY_FALLBACKS")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("EMERALD_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "axes",
    "simple_history",
    # Two-factor sign-in (TOTP) and its recovery codes; see emerald/security.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "emerald.core",
    "emerald.audit",
    "emerald.accounts",
    "emerald.facilities",
    "emerald.people",
    "emerald.housing",
]


def _discover_areas() -> list[str]:
    """Every other ``emerald/<area>/apps.py`` is an installed app: adding an area never edits this file."""
    found = []
    for apps_py in sorted(BASE_DIR.glob("*/apps.py")):
        name = f"emerald.{apps_py.parent.name}"
        if name not in INSTALLED_APPS:
            found.append(name)
    return found


INSTALLED_APPS += _discover_areas()

MIDDLEWARE = [
    # 413 for a body over the limit, 400 for a malformed Content-Type: before anything reads the body.
    "emerald.core.middleware.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Ends sessions of disabled users, after a role change or by an administrator; asks 2FA roles for a code.
    "emerald.security.middleware.SessionGuardMiddleware",
    # Names the reader of the request for the one visibility layer (emerald/core/visibility.py).
    "emerald.core.middleware.ReaderMiddleware",
    # 429 for too many API calls, sign-in tokens or exports (uses the cache below).
    "emerald.security.middleware.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "emerald.core.middleware.SecurityHeadersMiddleware",
    "emerald.core.middleware.LanguagePreferenceMiddleware",
    # Axes must come last: it inspects the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "emerald.urls"
WSGI_APPLICATION = "emerald.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "emerald.core.context_processors.emerald",
            ],
        },
    },
]


def _database() -> dj_database_url.DBConfig:
    url = os.environ.get("EMERALD_DATABASE_URL")
    if url:
        cfg = dj_database_url.parse(url, conn_max_age=60)
        if cfg["ENGINE"].endswith("postgresql"):
            test_url = os.environ.get("EMERALD_TEST_DATABASE_URL")
            if test_url:
                cfg["TEST"] = {"NAME": dj_database_url.parse(test_url)["NAME"]}
        return cfg
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("EMERALD_SQLITE_PATH", str(DATA_DIR / "emerald.sqlite3")),
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of
            # one failing with "database is locked" when it upgrades a read lock.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after 30 idle minutes. The expiry is pushed forward by SessionGuardMiddleware at most once a
# minute, not on every request: saving the session on every click was a database write (and a disk flush)
# per page view.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False

# Sign-in throttling counts failures per username *from one client address* and per client address:
# five failures lock that username from that address, or that address altogether, for ten minutes.
# Per username and address, so that nobody elsewhere can keep a known account locked by typing wrong
# passwords for it; per address, so that nobody can spray passwords across many usernames. An unknown
# username gets exactly the same answer as a known one. The address is the client's behind the trusted
# proxies (emerald/core/network.py), never a header a client can forge.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=10)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_CLIENT_IP_CALLABLE = "emerald.core.network.client_address"
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated); see
# docs/deployment.md. Empty: the header is ignored and the connection's address is the client's.
EMERALD_TRUSTED_PROXIES = _env_list("EMERALD_TRUSTED_PROXIES")
# The largest request body read into memory (Django's default, 2.5 MB); larger answers 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("EMERALD_MAX_BODY_BYTES", str(2_621_440)))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "emerald.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

API_TOKEN_TTL = timedelta(hours=12)
# Tokens made for a client program (POST /api/v1/tokens): default and longest life.
API_TOKEN_PERSONAL_TTL = timedelta(days=90)
API_TOKEN_PERSONAL_MAX_TTL = timedelta(days=365)

# Two-factor sign-in: these roles must enter a TOTP (or recovery) code after their password.
EMERALD_2FA_REQUIRED = os.environ.get("EMERALD_2FA_REQUIRED", "1") == "1"
EMERALD_2FA_ROLES = frozenset({"administrator", "warden", "investigator", "medical"})
OTP_TOTP_ISSUER = "Emerald"

# Rate limits: (requests, seconds) per window. Counters live in the cache, so several app
# processes need a shared cache (EMERALD_CACHE=database or redis://...) for the limits to hold.
EMERALD_RATE_LIMITS_ENABLED = os.environ.get("EMERALD_RATE_LIMITS", "1") == "1"
EMERALD_RATE_LIMITS = {
    "api_token": (600, 60),  # per token (or per user of a session)
    "api_ip": (1200, 60),  # per client address, all API calls
    "auth_token": (10, 60),  # POST /api/v1/auth/token per client address
    "export": (10, 3600),  # bulk exports (CSV...) per user
}


def _cache() -> dict:
    spec = os.environ.get("EMERALD_CACHE", "locmem").strip()
    if spec == "database":
        # `emerald createcachetable` once, like migrations.
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "emerald_cache"}
    if spec.startswith(("redis://", "rediss://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": spec}
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "emerald"}


CACHES = {"default": _cache()}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("EMERALD_TIME_ZONE", "America/New_York")

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS = _env_list("EMERALD_CSRF_TRUSTED_ORIGINS")
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("EMERALD_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("EMERALD_HSTS_INCLUDE_SUBDOMAINS", "1") == "1"
    # The reverse proxy terminates TLS and says so in this header (docs/deployment.md); it must
    # overwrite any X-Forwarded-Proto a client sends.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = os.environ.get("EMERALD_SSL_REDIRECT", "1") == "1"

NINJA_PAGINATION_MAX_LIMIT = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "axes": {"handlers": ["console"], "level": "WARNING"},
        "django.request": {"handlers": ["console"], "level": "ERROR"},
    },
}
