"""The one settings module. Everything that differs between machines comes from the environment.

See README.md, "Configuration", for every variable. ``SHEQU_PRODUCTION=1`` turns on the settings a
deployment needs and refuses to start without real keys; without it, development defaults apply.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("SHEQU_VAR_DIR", BASE_DIR / "var"))


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    """A yes/no variable. Anything but the listed words is refused: a typo must not quietly mean "off"
    (``SHEQU_PRODUCTION=y`` read as off would mean development keys in production)."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: use 1/0, true/false, yes/no or on/off")


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


PRODUCTION = env_bool("SHEQU_PRODUCTION")
DEBUG = env_bool("SHEQU_DEBUG", default=not PRODUCTION)

# Development values, deliberately recognisable; production refuses them.
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-0123456789"
_DEV_ENCRYPTION_KEYS = "1:ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM="  # 32 bytes, dev only
_DEV_INDEX_KEY = "dev-only-blind-index-key"
_DEV_AUDIT_KEY = "dev-only-audit-chain-key"


def _secret(name: str, dev_value: str) -> str:
    value = os.environ.get(name, "")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when SHEQU_PRODUCTION=1")
    return dev_value


SECRET_KEY = _secret("SHEQU_SECRET_KEY", _DEV_SECRET)
# "version:base64key" pairs, comma separated; new values are written with SHEQU_ENCRYPTION_KEY_VERSION
# (default: the highest version), old versions stay readable until `manage.py reencrypt` has run.
SHEQU_ENCRYPTION_KEYS = _secret("SHEQU_ENCRYPTION_KEYS", _DEV_ENCRYPTION_KEYS)
SHEQU_ENCRYPTION_KEY_VERSION = os.environ.get("SHEQU_ENCRYPTION_KEY_VERSION", "")
SHEQU_BLIND_INDEX_KEY = _secret("SHEQU_BLIND_INDEX_KEY", _DEV_INDEX_KEY)
SHEQU_AUDIT_KEY = _secret("SHEQU_AUDIT_KEY", _DEV_AUDIT_KEY)

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("SHEQU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("SHEQU_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "shequ.audit",
    "shequ.privacy",
    "shequ.areas",
    "shequ.outbox",
    "shequ.accounts",
    "shequ.reference",
    "shequ.residents",
    "shequ.entities",
    "shequ.resources",
    "shequ.imports",
    "shequ.casework",
    "shequ.programmes.common",
    "shequ.programmes.homecare",
    "shequ.programmes.eldercare",
    "shequ.programmes.children",
    "shequ.programmes.volunteers",
    "shequ.demo",
    "shequ.web",
    "shequ.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "shequ.web.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shequ.audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shequ.web.middleware.LanguageMiddleware",
    "shequ.web.middleware.RejectUnstorableTextMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shequ.accounts.middleware.SessionLifetimeMiddleware",
    "shequ.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shequ.web.errors.ErrorPagesMiddleware",  # the site's 403/404 pages for a view's refusal, DEBUG or not
]

ROOT_URLCONF = "shequ.urls"
WSGI_APPLICATION = "shequ.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "shequ.web.context.navigation",
            ],
        },
    },
]

# Database: SQLite (WAL) by default, PostgreSQL in production: SHEQU_DATABASE_URL=postgres://...
DATABASE_URL = os.environ.get("SHEQU_DATABASE_URL", f"sqlite:///{VAR_DIR / 'shequ.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
        # writers queue instead of failing with "database is locked" half-way through.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PostgreSQL: the owner of the tables, used by `manage.py migrate` and `manage.py db_roles`, while the
# application runs as SHEQU_DATABASE_URL's role, which may only INSERT and SELECT audit events
# (docs/deploy.md, "Database roles"). Empty: migrations run as SHEQU_DATABASE_URL's role.
SHEQU_MIGRATE_DATABASE_URL = os.environ.get("SHEQU_MIGRATE_DATABASE_URL", "")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "shequ.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language: Simplified Chinese first, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("SHEQU_TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("SHEQU_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG

# Sessions: idle timeout (renewed when used, at most once a minute: accounts.middleware) and an absolute
# lifetime since login.
SESSION_COOKIE_AGE = env_int("SHEQU_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SHEQU_SESSION_RENEW_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SHEQU_SESSION_ABSOLUTE_SECONDS = env_int("SHEQU_SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Login lockout: failures counted over a sliding window. One account from one address is locked after
# MAX_PER_ACCOUNT; an account failing that often from many addresses, or an address failing MAX_PER_ADDRESS
# times across accounts, is throttled (one try per THROTTLE seconds), never locked
# (accounts.services.sign_in_gate).
SHEQU_LOCKOUT_WINDOW_SECONDS = env_int("SHEQU_LOCKOUT_WINDOW_SECONDS", 15 * 60)
SHEQU_LOCKOUT_MAX_PER_ACCOUNT = env_int("SHEQU_LOCKOUT_MAX_PER_ACCOUNT", 5)
SHEQU_LOCKOUT_MAX_PER_ADDRESS = env_int("SHEQU_LOCKOUT_MAX_PER_ADDRESS", 20)
SHEQU_LOCKOUT_THROTTLE_SECONDS = env_int("SHEQU_LOCKOUT_THROTTLE_SECONDS", 10)

# Client addresses: REMOTE_ADDR, unless the request comes from one of these proxies (comma-separated
# addresses or networks), whose X-Forwarded-For then names the client.
SHEQU_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("SHEQU_TRUSTED_PROXIES", "").split(",") if p.strip()]
for _proxy in SHEQU_TRUSTED_PROXIES:  # refused at start, not on the first request
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"SHEQU_TRUSTED_PROXIES: {_proxy!r} is not an address or a network") from None

# Exact lookups by identity number or phone, per account per hour (past it: refused and alerted).
SHEQU_LOOKUP_LIMIT_PER_HOUR = env_int("SHEQU_LOOKUP_LIMIT_PER_HOUR", 60)
# Lookups by one account within an hour that find nobody it may read, which alert the auditors (someone
# trying the candidates of a masked value).
SHEQU_LOOKUP_MISS_ALERT = env_int("SHEQU_LOOKUP_MISS_ALERT", 10)
# Reveals by one account within the window that alert the auditors.
SHEQU_REVEAL_ALERT_COUNT = env_int("SHEQU_REVEAL_ALERT_COUNT", 20)
SHEQU_REVEAL_ALERT_WINDOW_SECONDS = env_int("SHEQU_REVEAL_ALERT_WINDOW_SECONDS", 10 * 60)
# Audit checkpoints: every this many minutes the scheduler verifies the trail and appends the signed end
# of every chain to this file (outside the database), against which verification finds deleted events.
SHEQU_AUDIT_CHECKPOINT_MINUTES = env_int("SHEQU_AUDIT_CHECKPOINT_MINUTES", 10)
SHEQU_AUDIT_CHECKPOINT_FILE = Path(
    os.environ.get("SHEQU_AUDIT_CHECKPOINT_FILE", VAR_DIR / "audit" / "checkpoints.jsonl")
)

# Imports: a roster naming more people registered elsewhere than this is refused and alerted; rows and
# unpacked size are bounded before parsing; files and error reports are purged after the retention.
SHEQU_IMPORT_ELSEWHERE_MAX = env_int("SHEQU_IMPORT_ELSEWHERE_MAX", 5)
SHEQU_IMPORT_MAX_ROWS = env_int("SHEQU_IMPORT_MAX_ROWS", 1_048_576)
SHEQU_IMPORT_MAX_UPLOAD_BYTES = env_int("SHEQU_IMPORT_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
SHEQU_IMPORT_MAX_UNPACKED_BYTES = env_int("SHEQU_IMPORT_MAX_UNPACKED_BYTES", 2 * 1024 * 1024 * 1024)
SHEQU_IMPORT_RETENTION_DAYS = env_int("SHEQU_IMPORT_RETENTION_DAYS", 30)
# How far outside its district's (coarse) outline a facility's point may lie, in metres.
SHEQU_FACILITY_TOLERANCE_M = env_int("SHEQU_FACILITY_TOLERANCE_M", 1000)

# Casework (一网通办). Attachments are sealed (encrypted) files outside the static root.
SHEQU_CASE_FILES_DIR = Path(os.environ.get("SHEQU_CASE_FILES_DIR", str(VAR_DIR / "case-files")))
SHEQU_CASE_ATTACHMENT_MAX_BYTES = env_int("SHEQU_CASE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# Programmes. Home care: a visit is on time when the provider checked in within this many minutes of the
# scheduled start. Retrofits: where their encrypted photos go, the largest one, how many per project.
SHEQU_HOMECARE_ON_TIME_MINUTES = env_int("SHEQU_HOMECARE_ON_TIME_MINUTES", 30)
SHEQU_ELDERCARE_FILES_DIR = Path(os.environ.get("SHEQU_ELDERCARE_FILES_DIR", str(VAR_DIR / "eldercare-files")))
SHEQU_ELDERCARE_PHOTO_MAX_BYTES = env_int("SHEQU_ELDERCARE_PHOTO_MAX_BYTES", 8 * 1024 * 1024)
SHEQU_ELDERCARE_PHOTOS_PER_PROJECT = env_int("SHEQU_ELDERCARE_PHOTOS_PER_PROJECT", 40)
SHEQU_CASE_ATTACHMENTS_PER_CASE = env_int("SHEQU_CASE_ATTACHMENTS_PER_CASE", 30)
# The deadline job warns this many hours before a case's deadline, and escalates once it has passed.
SHEQU_CASE_WARN_HOURS = env_int("SHEQU_CASE_WARN_HOURS", 24)
SHEQU_CASE_ESCALATION_MINUTES = env_int("SHEQU_CASE_ESCALATION_MINUTES", 15)

# Notifications: the SMS sender (a dotted path to a class of shequ.outbox.senders' protocol). The
# development sender writes messages to the console and shows them on /outbox/dev/ (and only it does).
SHEQU_SMS_BACKEND = os.environ.get("SHEQU_SMS_BACKEND", "shequ.outbox.senders.ConsoleSms")
# Residents sign in to the portal with their phone and a one-time code.
SHEQU_OTP_TTL_SECONDS = env_int("SHEQU_OTP_TTL_SECONDS", 5 * 60)
SHEQU_OTP_MAX_ATTEMPTS = env_int("SHEQU_OTP_MAX_ATTEMPTS", 5)
SHEQU_OTP_MAX_PER_PHONE_PER_HOUR = env_int("SHEQU_OTP_MAX_PER_PHONE_PER_HOUR", 5)
SHEQU_OTP_MAX_PER_ADDRESS_PER_HOUR = env_int("SHEQU_OTP_MAX_PER_ADDRESS_PER_HOUR", 30)

# Security headers. The CSP allows our own origin only: every asset is served locally.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SHEQU_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SHEQU_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SHEQU_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("SHEQU_BEHIND_TLS_PROXY"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SHEQU_SECRET_KEY must be a random value of 50 characters or more")

# Logs carry no personal data: request logs name the path and request id, never bodies or parameters.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHEQU_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
NINJA_PAGINATION_CLASS = "shequ.lib.pagination.BoundedLimitOffsetPagination"

SHEQU_SITE_NAME = _("Shequ community services")

# Background work goes through Celery, never in a web process. SHEQU_CELERY_BROKER_URL (e.g.
# redis://127.0.0.1:6379/0) names the broker of a deployment; empty means the embedded queue: files under
# var/queue, which needs no server and is served by the one worker process that scripts/serve.sh (and so
# ./run.sh) starts beside the web processes. SHEQU_TASKS_EAGER=1 runs tasks inline (tests, one-off
# commands); scripts/serve.sh always turns it off.
SHEQU_CELERY_BROKER_URL = os.environ.get("SHEQU_CELERY_BROKER_URL", "")
SHEQU_QUEUE_DIR = VAR_DIR / "queue"
SHEQU_TASKS_EAGER = env_bool("SHEQU_TASKS_EAGER")
if SHEQU_CELERY_BROKER_URL:
    CELERY_BROKER_URL = SHEQU_CELERY_BROKER_URL
    # Redis hands a job that was not acknowledged within this time to another worker (jobs are
    # acknowledged when they end): longer than the longest import, or a big import would run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 6 * 60 * 60}
else:
    CELERY_BROKER_URL = "filesystem://localhost/"  # the host is a formality: the queue is files
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(SHEQU_QUEUE_DIR / "messages"),
        "data_folder_out": str(SHEQU_QUEUE_DIR / "messages"),
        "control_folder": str(SHEQU_QUEUE_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = SHEQU_TASKS_EAGER
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a job whose worker dies is delivered again; import_run finishes it
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# The periodic tasks (shequ.tasks) are sent by exactly one scheduler, which keeps its state and its lock
# (a second scheduler on the same file refuses to start) under var/.
CELERY_BEAT_SCHEDULER = "shequ.tasks:SingleScheduler"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The cache carries job progress between the worker and every web process: Redis when configured,
# else files under var/cache (shared by the processes of one machine).
SHEQU_REDIS_URL = os.environ.get("SHEQU_REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": SHEQU_REDIS_URL}
        if SHEQU_REDIS_URL
        else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}
    )
}
