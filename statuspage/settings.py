"""Settings, all read from the environment (see .env.example for every variable).

Every value has a safe local default (SQLite and a file mail outbox under var/), so
`make run` needs none of them; a bad value fails loudly with ImproperlyConfigured.
"""

import datetime
import hashlib
import re
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.http import int_to_base36

from .environment import BASE_DIR, env, env_bool, is_domain, read_local_env

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
read_local_env(VAR_DIR / "local.env")

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE, a file holding it) "
            "to a long random string; `make run` keeps a generated one in var/secret_key."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"  # noqa: S105
# Rotating the key: move the old one here (comma-separated) until sessions and
# follow links signed with it have been replaced; then drop it.
SECRET_KEY_FALLBACKS = [key for key in env.list("SECRET_KEY_FALLBACKS", default=[]) if key]

PORT = env.int("PORT", default=8000)
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in ("http", "https") or not _site.hostname:
    raise ImproperlyConfigured(f"SITE_URL must be an http:// or https:// URL, not {SITE_URL!r}.")
SITE_IS_HTTPS = _site.scheme == "https"

ALLOWED_HOSTS = [host for host in env.list("ALLOWED_HOSTS", default=[]) if host]
# SITE_URL's host, plus loopback for health checks from inside the container or machine.
for _host in (_site.hostname, "localhost", "127.0.0.1", "[::1]"):
    if _host not in ALLOWED_HOSTS:
        ALLOWED_HOSTS.append(_host)
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

STATUS_PAGE_NAME = env.str("STATUS_PAGE_NAME", default="Example Hosting Status")
# The page's id in the Statuspage-compatible API. Derived from SITE_URL so that it stays
# the same across restarts and machines; set it to keep a former Statuspage page's id.
# (The digits are read lowest first, as the first versions wrote them: the same id.)
_derived_page_id = int_to_base36(int.from_bytes(hashlib.sha256(SITE_URL.encode()).digest()))
STATUS_PAGE_ID = env.str("STATUS_PAGE_ID", default=_derived_page_id[::-1][:12])
if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", STATUS_PAGE_ID):
    raise ImproperlyConfigured(
        f"STATUS_PAGE_ID must be 1 to 64 letters, digits, '-' or '_', not {STATUS_PAGE_ID!r}."
    )

TIME_ZONE = env.str("TIME_ZONE", default="UTC")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not an IANA time zone name.") from error
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = False

INSTALLED_APPS = [
    "staff.apps.AdminConfig",  # django.contrib.admin with a site that knows 2FA
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "staff.app_names.BackgroundTasksConfig",  # django_tasks_db, named for operators
    "anymail",
    "staff.app_names.LogInAttemptsConfig",  # axes
    "django_otp",
    "staff.app_names.TwoFactorDevicesConfig",  # django_otp.plugins.otp_totp
    # Infrastructure first: the apps below register with it in their ready().
    "public_store",
    "worker",
    "staff",
    "incidents",
    "subscribers",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside everything that may answer early (WhiteNoise, the public store), so
    # that every response carries these headers.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "public_store.middleware.PublicStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "statuspage.urls"
WSGI_APPLICATION = "statuspage.wsgi.application"

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
                "incidents.context_processors.site",
                "subscribers.context_processors.followers",
            ],
        },
    },
]

# Database: a SQLite file under var/ unless DATABASE_URL says otherwise.
_default_database_url = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
# An empty but set DATABASE_URL would parse to {} (django-environ), so fall back explicitly.
DATABASES = {
    "default": env.db_url_config(env.str("DATABASE_URL", default="") or _default_database_url)
}
_database = DATABASES["default"]
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["OPTIONS"] = {
        # Workers and web processes write concurrently: take the write lock up front
        # and wait for it instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not :memory:, so that worker subprocesses in tests see the same data.
    _database["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif _database["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections: several times the throughput of reconnecting per request.
    _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    _database["CONN_HEALTH_CHECKS"] = True
    _database.setdefault("OPTIONS", {})["connect_timeout"] = 3

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Seconds a CDN may reuse a public page before asking again (browsers always ask: 304).
PUBLIC_MAX_AGE = env.int("PUBLIC_MAX_AGE", default=2)
# Seconds a stored public page is served before it is rendered again even without a
# change: what depends on the time (today's uptime, a window starting) stays this fresh.
PUBLIC_REFRESH_SECONDS = env.int("PUBLIC_REFRESH_SECONDS", default=60)

# Static mirrors of the public site, published after every change (see the README, "When
# everything is down"): comma-separated file:///absolute/dir and s3://bucket/prefix targets.
MIRROR_URLS = [url.strip() for url in env.list("MIRROR_URL", default=[]) if url.strip()]
for _url in MIRROR_URLS:
    if not re.match(r"(file:///|s3://[^/?#]+)", _url):
        raise ImproperlyConfigured(
            f"MIRROR_URL: {_url!r} is neither file:///absolute/dir nor s3://bucket[/prefix]."
        )
# Posts made with `post_update` while the database is unreachable (synced to disk).
JOURNAL_PATH = VAR_DIR / "journal.jsonl"

# Cache: shared by web processes and the worker (rendered public pages, rate limits).
# A directory under var/ is shared by all processes of one machine; use Redis
# (CACHE_URL=redis://host:6379/0) when several machines serve the page.
_cache = env.cache_url_config(
    env.str("CACHE_URL", default="") or f"filecache://{VAR_DIR / 'cache'}"
)
if "key_prefix" in _cache:  # ?key_prefix=… (django-environ keeps it lower-case)
    _cache["KEY_PREFIX"] = _cache.pop("key_prefix")
if _cache["BACKEND"].endswith("FileBasedCache"):
    _cache.setdefault("OPTIONS", {})["MAX_ENTRIES"] = 100_000
# "public" holds the rendered public pages (the public store); "default" the rest
# (rate limits, locks). The same store, apart by key prefix.
CACHES = {
    "default": _cache,
    "public": _cache | {"KEY_PREFIX": f"{_cache.get('KEY_PREFIX', '')}public"},
}
if _cache["BACKEND"].endswith("FileBasedCache"):
    CACHES["public"]["LOCATION"] = str(Path(_cache["LOCATION"]) / "public")

# Mail: EMAIL_URL (smtp://user:pass@host:587, smtp+tls://…, consolemail://) mapped onto
# Django 6.1's MAILERS; by default messages are written as files to var/mail/.
_email = env.email_url_config(env.str("EMAIL_URL", default="") or f"filemail:///{VAR_DIR / 'mail'}")
_email_backend = _email["EMAIL_BACKEND"]
if _email_backend.endswith("smtp.EmailBackend"):
    _mailer_options = {
        "host": _email["EMAIL_HOST"] or "localhost",
        "port": _email["EMAIL_PORT"],
        "username": _email["EMAIL_HOST_USER"] or None,
        "password": _email["EMAIL_HOST_PASSWORD"] or None,
        "use_tls": _email.get("EMAIL_USE_TLS", False),
        "use_ssl": _email.get("EMAIL_USE_SSL", False),
        "timeout": env.int("EMAIL_TIMEOUT", default=10),
    }
elif _email_backend.endswith("filebased.EmailBackend"):
    _mailer_options = {"file_path": "/" + _email["EMAIL_FILE_PATH"].lstrip("/")}
else:
    _mailer_options = {}
# An email service provider instead (django-anymail): EMAIL_PROVIDER=postmark,
# amazon_ses, mailgun, sendgrid, … with its settings as ANYMAIL_<NAME> (ANYMAIL_
# POSTMARK_SERVER_TOKEN, ANYMAIL_MAILGUN_API_KEY, …). Its bounce and complaint webhook
# is /anymail/<provider>/tracking/, with ANYMAIL_WEBHOOK_SECRET=user:password in the URL.
EMAIL_PROVIDER = env.str("EMAIL_PROVIDER", default="")
if EMAIL_PROVIDER:
    if not re.fullmatch(r"[a-z_]{2,40}", EMAIL_PROVIDER):
        raise ImproperlyConfigured(f"EMAIL_PROVIDER {EMAIL_PROVIDER!r} is not a provider name.")
    _email_backend, _mailer_options = f"anymail.backends.{EMAIL_PROVIDER}.EmailBackend", {}
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): env.str(name)
    for name in sorted(set(env.ENVIRON) | {n.removesuffix("_FILE") for n in env.ENVIRON})
    if name.startswith("ANYMAIL_") and name != "ANYMAIL_"
}
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _mailer_options}}
# status@<SITE_URL's host> when that is a domain; an address (127.0.0.1) or a bare name
# (localhost) makes no sender mail servers accept, so then a placeholder, and the system
# check subscribers.W001 asks for DEFAULT_FROM_EMAIL once mail goes to a real server.
DEFAULT_FROM_EMAIL_IS_PLACEHOLDER = "DEFAULT_FROM_EMAIL" not in env and not is_domain(
    _site.hostname
)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL",
    default="status@localhost" if DEFAULT_FROM_EMAIL_IS_PLACEHOLDER else f"status@{_site.hostname}",
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# DKIM: followers' mail is signed when a private key is given (PEM, RSA); the public key
# goes in DNS at <selector>._domainkey.<domain>.
DKIM_PRIVATE_KEY_FILE = env.str("DKIM_PRIVATE_KEY_FILE", default="")
DKIM_SELECTOR = env.str("DKIM_SELECTOR", default="statuspage")
DKIM_DOMAIN = env.str("DKIM_DOMAIN", default=DEFAULT_FROM_EMAIL.rpartition("@")[2])
if DKIM_PRIVATE_KEY_FILE and not Path(DKIM_PRIVATE_KEY_FILE).is_file():
    raise ImproperlyConfigured(f"DKIM_PRIVATE_KEY_FILE={DKIM_PRIVATE_KEY_FILE!r} is not a file.")

# Background work: Django's tasks framework. The database backend needs no other
# service; TASK_BACKEND can name another backend (e.g. a Redis-backed one).
TASKS = {
    "default": {
        "BACKEND": env.str("TASK_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
if TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
    # Redis-backed tasks for large installs (pip install django-tasks-rq); tasks then
    # run in `manage.py rqworker --job-class django_tasks_rq.Job default`.
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")}}

# Followers' mail. A refused mail is retried after these delays (seconds, the last one
# repeating) until DELIVERY_RETRY_HOURS have passed, then marked failed.
DELIVERY_RETRY_DELAYS = env.list(
    "DELIVERY_RETRY_DELAYS", cast=int, default=[30, 60, 120, 300, 600, 1800, 3600]
)
DELIVERY_RETRY_FOR = datetime.timedelta(hours=env.float("DELIVERY_RETRY_HOURS", default=24))
# A claimed mail not sent within this time is handed to another worker.
DELIVERY_LEASE = datetime.timedelta(seconds=env.int("DELIVERY_LEASE_SECONDS", default=60))
# Seconds between the worker's looks for mail due (retries, work of a crashed worker).
DELIVERY_KICK_SECONDS = env.int("DELIVERY_KICK_SECONDS", default=10)
DELIVERY_BATCH_SIZE = 50
# Webhooks and chat: calls at once per worker, and to any one host.
WEBHOOK_CONCURRENCY = env.int("WEBHOOK_CONCURRENCY", default=100)
WEBHOOK_PER_HOST = env.int("WEBHOOK_PER_HOST", default=20)
# Loopback and private addresses may be called (tests, an intranet); link-local and
# cloud metadata addresses never are.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
# A follower's URL failing every call for this long is no longer called (its contact
# address is told).
WEBHOOK_DISABLE_AFTER = datetime.timedelta(hours=env.float("WEBHOOK_DISABLE_HOURS", default=24))
# Soft bounces in a row (no delivery between) that suppress an address like a hard one.
SOFT_BOUNCE_LIMIT = env.int("SOFT_BOUNCE_LIMIT", default=3)
# Followers are reminded of a scheduled maintenance this many seconds before it starts;
# 0 sends no reminders.
_reminder_before = env.str("MAINTENANCE_REMINDER_BEFORE", default="3600").strip()
if not _reminder_before.isdecimal():
    raise ImproperlyConfigured(
        "MAINTENANCE_REMINDER_BEFORE is a number of seconds (3600: an hour; 0: no "
        f"reminders), not {_reminder_before!r}."
    )
MAINTENANCE_REMINDER_BEFORE = int(_reminder_before)
DELIVERY_TASK_SECONDS = 60
DELIVERY_PARALLEL_TASKS = 2
# Sign-up limits: per client address and per email address, per hour.
SUBSCRIBE_LIMIT_PER_CLIENT = env.int("SUBSCRIBE_LIMIT_PER_CLIENT", default=10)
SUBSCRIBE_LIMIT_PER_EMAIL = env.int("SUBSCRIBE_LIMIT_PER_EMAIL", default=3)
# Reverse proxies in front of the app whose X-Forwarded-For can be trusted.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
WORKER_POLL_INTERVAL = env.float("WORKER_POLL_INTERVAL", default=0.5)
# /healthz reports an error when no worker checked in for this long, or when a mail has
# been due for this long.
WORKER_STALE_AFTER = datetime.timedelta(seconds=60)
MAIL_BACKLOG_ALERT = datetime.timedelta(minutes=15)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files served at the site's root, such as /favicon.ico.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# django-axes first: it refuses a locked-out client before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Security: HTTPS hardening follows from an https:// SITE_URL; a plain http:// SITE_URL
# (local use) serves plain HTTP without redirecting.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if SITE_IS_HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probed over plain HTTP from inside
    # The TLS-terminating proxy says whether the client used HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    # Covers only names under SITE_URL's host (e.g. *.status.example.org), not its siblings.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Opt-in: the preload list is hard to leave and only takes a registrable domain, which
    # a status page on a subdomain is not (see the README).
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# check --deploy asks for HSTS preload; that is the operator's decision (above).
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content Security Policy (Django's own): scripts, styles, images and fonts only from this
# site, nothing inline, no nonce. Public pages have no inline script or style, so their
# header is the same for everyone and they stay cacheable; the admin works under the
# same policy (tests/browser/test_admin_csp.py checks it in Chromium).
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
}

# Admin log-in: locked for LOGIN_LOCKOUT_MINUTES after LOGIN_FAILURE_LIMIT failures from one
# client address, and separately for one username (django-axes). Unlock early with
# `manage.py axes_reset_username NAME` or `axes_reset_ip ADDRESS`.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
_lockout_minutes = env.float("LOGIN_LOCKOUT_MINUTES", default=15)
if AXES_FAILURE_LIMIT < 1 or _lockout_minutes <= 0:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be above 0.")
AXES_COOLOFF_TIME = datetime.timedelta(minutes=_lockout_minutes)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "throttling.clients.client_address"  # behind NUM_PROXIES
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Never stored with a failed attempt (the password never is).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token", "csrfmiddlewaretoken"]
# Two-factor log-in for staff who enrolled an authenticator app (django-otp, TOTP).
OTP_TOTP_ISSUER = STATUS_PAGE_NAME
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # no admin may read another user's TOTP secret

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        name: {"level": env.str("LOG_LEVEL", default="INFO")}
        for name in (
            *("incidents", "subscribers", "integrations", "public_store", "worker", "staff"),
            "health",
            *("django.tasks", "django_tasks_db"),
        )
    },
}
