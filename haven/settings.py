"""The one settings module. Everything that differs between installs comes from the environment.

HAVEN_ENV picks the mode: `development` (the default: SQLite under var/, secrets made on first
run), `production` (every secret must be given; secure cookies; HTTPS or onion only) or `test`
(chosen automatically under pytest).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from haven.core.config import env_bool, env_int, env_list, env_str, secret

BASE_DIR = Path(__file__).resolve().parent.parent
HAVEN_ENV = env_str("HAVEN_ENV", "test" if "PYTEST_VERSION" in os.environ else "development")
if HAVEN_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"HAVEN_ENV must be development, production or test, not {HAVEN_ENV!r}."
    )
PRODUCTION = HAVEN_ENV == "production"
TESTING = HAVEN_ENV == "test"

DATA_DIR = Path(env_str("HAVEN_DATA_DIR", str(BASE_DIR / "var"))).resolve()

SECRET_KEY = secret("HAVEN_SECRET_KEY", production=PRODUCTION, dev_store=DATA_DIR / "secrets")
# Keys the codename look-up hash, so that the database alone cannot test guesses.
HAVEN_PEPPER = secret("HAVEN_PEPPER", production=PRODUCTION, dev_store=DATA_DIR / "secrets")

DEBUG = env_bool("HAVEN_DEBUG", default=False)
ALLOWED_HOSTS = env_list(
    "HAVEN_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "HAVEN_ALLOWED_HOSTS is not set. Set it to the host names Haven is served on, "
        "comma-separated (for example: haven.example.org,abcdef….onion)."
    )

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "haven.core",
    "haven.crypto",
    "haven.audit",
    "haven.accounts",
    "haven.cases",
    "haven.intake",
    "haven.messaging",
    "haven.knowledge",
    "haven.volunteers",
    "haven.matching",
    "haven.situation",
    "haven.reports",
    "haven.referrals",
    "haven.api",
    "haven.notifications",
    "haven.bot",
    "haven.ops",
    "haven.bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "haven.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "haven.api.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "haven.accounts.middleware.UnlockMiddleware",
    "haven.accounts.api_middleware.ApiTokenMiddleware",
    "haven.core.middleware.AuthorizationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "haven.urls"
WSGI_APPLICATION = "haven.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "haven" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    default_sqlite = f"sqlite:///{DATA_DIR / 'haven.sqlite3'}"
    url = env_str("HAVEN_DATABASE_URL", default_sqlite)
    try:
        config: dict[str, object] = dict(
            dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        )
    except ValueError as error:
        raise ImproperlyConfigured(f"HAVEN_DATABASE_URL is not a database URL: {error}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # WAL lets the desk read while intake writes; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue instead of failing on a lock upgrade.
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # The test database is a real file, so the canary test can read its bytes.
        test_file = DATA_DIR / "test" / "haven-test.sqlite3"
        config["TEST"] = {"NAME": str(test_file)}
        if TESTING:
            test_file.parent.mkdir(parents=True, exist_ok=True)
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # Django's own, with a health check that needs no round trip (see its docstring).
        config["ENGINE"] = "haven.core.postgresql"
    elif PRODUCTION:
        raise ImproperlyConfigured("In production HAVEN_DATABASE_URL must name PostgreSQL.")
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.Member"
AUTHENTICATION_BACKENDS = ["haven.accounts.backends.PassphraseBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "desk:list"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "haven" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Production serves hashed, compressed copies made by `haven collectstatic`; elsewhere WhiteNoise
# serves the files where they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Sessions: the database holds them, but an unlocked member key is kept there only sealed under a
# key that lives in the member's cookie (see haven.accounts.unlock). Each row names its member, so
# logout, a passphrase change or a suspension deletes every session of that member at once.
SESSION_ENGINE = "haven.accounts.sessions"
SESSION_COOKIE_AGE = env_int("HAVEN_SESSION_SECONDS", 8 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
SECURE_COOKIES = env_bool("HAVEN_SECURE_COOKIES", default=PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
# The __Host- prefix pins a cookie to this exact origin; browsers accept it only when Secure.
SESSION_COOKIE_NAME = "__Host-haven-session" if SECURE_COOKIES else "haven-session"
CSRF_COOKIE_NAME = "__Host-haven-csrf" if SECURE_COOKIES else "haven-csrf"
HAVEN_UNLOCK_COOKIE = "__Host-haven-unlock" if SECURE_COOKIES else "haven-unlock"
HAVEN_DEVICE_COOKIE = "__Host-haven-device" if SECURE_COOKIES else "haven-device"
HAVEN_DEVICE_DAYS = env_int("HAVEN_DEVICE_DAYS", 90, minimum=1)
CSRF_TRUSTED_ORIGINS = env_list("HAVEN_CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "haven.ops.errors.csrf_failure"

SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on form posts, which
# CSRF protection must refuse. Other sites still get no referrer at all.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# An onion service has no TLS certificate to redirect to; the proxy in front of a clearnet install
# terminates TLS and says so with X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env_bool("HAVEN_SSL_REDIRECT", default=PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("HAVEN_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = env_bool("HAVEN_HSTS_PRELOAD", default=False)
# Preloading binds a domain to HTTPS in browsers for good: the admin's choice, not a default.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# The desk's indexes carry extra columns (INCLUDE) for PostgreSQL's index-only scans; SQLite
# builds the same indexes without them, which is all it needs at its scale.
SILENCED_SYSTEM_CHECKS += ["models.W040"]

# No page loads anything from another origin, and no page runs script: a staff page that needs
# script widens script-src to 'self' for that view alone (csp_override with HAVEN_SCRIPT_CSP).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.NONE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
# The volunteer pages that use a security key (login and the member's keys) run one script, from
# Haven's own static files; still no inline script, and requester pages none at all.
HAVEN_SCRIPT_CSP = {**SECURE_CSP, "script-src": [CSP.SELF]}

DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
# A requester's photo is read in memory and never written to a temporary file: plaintext on disk
# would outlive the request. A file larger than this is dropped, and the form says so.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024 + 64 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {
        "not_429": {"()": "haven.core.logs.WithoutStatus", "status": 429},
        "no_matrix_ids": {"()": "haven.core.logs.WithoutMatrixIds"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_matrix_ids"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("HAVEN_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger prints paths only; Haven's paths carry no personal data.
        # Refusals beyond a budget are logged once per window by the budget, not once each.
        "django.request": {"level": "WARNING", "filters": ["not_429"]},
        "django.db.backends": {"level": "WARNING"},
        # Pillow logs a photo's metadata (camera, GPS position) at DEBUG while reading it.
        "PIL": {"level": "WARNING"},
        # matrix-nio tells of every event it handles; the bot logs what matters itself, and the
        # console handler blanks the Matrix ids out of what nio still says.
        "nio": {"level": "WARNING"},
    },
}

# Haven's own knobs.
HAVEN_MEMBER_KDF = env_str("HAVEN_MEMBER_KDF", "min" if TESTING else "interactive")
HAVEN_QUICK_EXIT_URL = env_str("HAVEN_QUICK_EXIT_URL", "https://www.wikipedia.org/")
HAVEN_CODENAME_BUDGET_PER_HOUR = env_int("HAVEN_CODENAME_BUDGET_PER_HOUR", 30, minimum=1)
HAVEN_CODENAME_GLOBAL_FAILURES_PER_MINUTE = env_int(
    "HAVEN_CODENAME_GLOBAL_FAILURES_PER_MINUTE", 300, minimum=1
)
# Requests for help the whole install takes per minute; beyond it the form answers 429 ("wait a
# minute") without sealing anything, so a flood cannot starve the desk or the database.
HAVEN_INTAKE_PER_MINUTE = env_int("HAVEN_INTAKE_PER_MINUTE", 6000, minimum=1)
HAVEN_LOGIN_FAILURES_PER_HOUR = env_int("HAVEN_LOGIN_FAILURES_PER_HOUR", 20, minimum=1)
# The longest an API token lives; a member may ask for less.
HAVEN_API_TOKEN_MAX_DAYS = env_int("HAVEN_API_TOKEN_MAX_DAYS", 30, minimum=1)
# This install's address as its referral partners reach it (https://…, or http:// on loopback or
# an onion service); empty when it refers only within itself.
HAVEN_ADDRESS = env_str("HAVEN_ADDRESS", "").rstrip("/")
# The largest referral delivery accepted over the API (a package with its documents).
HAVEN_REFERRAL_MAX_BYTES = env_int("HAVEN_REFERRAL_MAX_BYTES", 16 * 1024 * 1024, minimum=65_536)
# Refused referral deliveries recorded in the audit chain per minute, for the whole install;
# beyond it a delivery that would be refused gets 429 and no audit row, so a flood of bad
# deliveries cannot grow the chain without end (a confirmed partner's good delivery is still taken).
HAVEN_REFERRAL_REFUSALS_PER_MINUTE = env_int("HAVEN_REFERRAL_REFUSALS_PER_MINUTE", 60, minimum=1)
# Seconds a key rotation waits, after switching the organisation's public key, before its last
# sweep: web processes keep an organisation for up to ten seconds (haven.intake.queries), so a
# request may still be sealed to the old key that long.
HAVEN_ROTATION_SETTLE_SECONDS = env_int("HAVEN_ROTATION_SETTLE_SECONDS", 12, minimum=0)
HAVEN_DESK_PAGE_SIZE = env_int("HAVEN_DESK_PAGE_SIZE", 50, minimum=5)
HAVEN_KNOWLEDGE_STALE_DAYS = env_int("HAVEN_KNOWLEDGE_STALE_DAYS", 90, minimum=1)
# Past this many days since its last check (or its newest source) a fact is "old", not "ageing".
HAVEN_KNOWLEDGE_OLD_DAYS = env_int("HAVEN_KNOWLEDGE_OLD_DAYS", 365, minimum=2)
# The organisation whose knowledge editors keep the facts every organisation here shows (its
# slug); empty means the organisation made first on this install.
HAVEN_KNOWLEDGE_PUBLISHER = env_str("HAVEN_KNOWLEDGE_PUBLISHER", "")
# Notifications by e-mail (counts only), sent by `haven worker`. With no HAVEN_SMTP_HOST nothing is
# sent and the notifications page says so.
HAVEN_SMTP_HOST = env_str("HAVEN_SMTP_HOST", "")
HAVEN_NOTIFY_FROM = env_str("HAVEN_NOTIFY_FROM", "haven@localhost")
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": HAVEN_SMTP_HOST or "localhost",
            "port": env_int("HAVEN_SMTP_PORT", 25, minimum=1),
            "username": env_str("HAVEN_SMTP_USER", ""),
            "password": (
                secret("HAVEN_SMTP_PASSWORD", production=PRODUCTION, dev_store=DATA_DIR / "secrets")
                if env_str("HAVEN_SMTP_USER", "")
                else ""
            ),
            "use_tls": env_bool("HAVEN_SMTP_STARTTLS", PRODUCTION),
            "timeout": env_int("HAVEN_SMTP_TIMEOUT", 20, minimum=1),
        },
    }
}
# Requesters' pings ("there is an answer for you"): the addresses are sealed to a key pair made
# from this secret, which the worker opens with nobody logged in; kept apart from the pepper so
# that it can be kept out of backups and replaced on its own (docs/security.md).
HAVEN_PING_KEY = secret("HAVEN_PING_KEY", production=PRODUCTION, dev_store=DATA_DIR / "secrets")
# Where a ping tells the requester to log in (the requester pages' address, an onion one say).
HAVEN_STATUS_ADDRESS = env_str("HAVEN_STATUS_ADDRESS", HAVEN_ADDRESS).rstrip("/")
# The Matrix front door, `haven bot` (docs/bot.md). The bot's password is read by the command
# itself (HAVEN_BOT_PASSWORD_FILE or HAVEN_BOT_PASSWORD), so the web processes never hold it.
HAVEN_BOT_HOMESERVER = env_str("HAVEN_BOT_HOMESERVER", "").rstrip("/")
HAVEN_BOT_USER = env_str("HAVEN_BOT_USER", "")
# The organisation the bot's requests go to (its slug); empty when only one takes requests.
HAVEN_BOT_ORGANISATION = env_str("HAVEN_BOT_ORGANISATION", "")
# Messages one Matrix account may send the bot per minute; beyond it the bot says so once and
# takes nothing more until the minute is over.
HAVEN_BOT_MESSAGES_PER_MINUTE = env_int("HAVEN_BOT_MESSAGES_PER_MINUTE", 20, minimum=1)
# How often the bot looks for the volunteers' new answers to pass on.
HAVEN_BOT_POLL_SECONDS = env_int("HAVEN_BOT_POLL_SECONDS", 10, minimum=1)
# A conversation untouched this long is deleted (a request it linked stays, with its codename).
HAVEN_BOT_FORGET_DAYS = env_int("HAVEN_BOT_FORGET_DAYS", 90, minimum=1)
# Crossing reports: all reporters together per minute; anonymous reports of one crossing per hour
# (the board caps their weight anyway; this caps the rows); reports per codename login per hour.
HAVEN_SITUATION_PER_MINUTE = env_int("HAVEN_SITUATION_PER_MINUTE", 600, minimum=1)
HAVEN_SITUATION_ANONYMOUS_PER_CROSSING_PER_HOUR = env_int(
    "HAVEN_SITUATION_ANONYMOUS_PER_CROSSING_PER_HOUR", 120, minimum=1
)
HAVEN_SITUATION_PER_REQUESTER_PER_HOUR = env_int(
    "HAVEN_SITUATION_PER_REQUESTER_PER_HOUR", 4, minimum=1
)
