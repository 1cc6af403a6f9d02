"""The one settings module. Every value comes from the environment (django-environ).

Development defaults are safe to run on a laptop: SQLite and in-process Celery. Production
secrets have no default: with DEBUG off, SECRET_KEY must be set or start-up fails.
Every variable is documented in README.md.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_bootstrap5",
    "bootstrap",
    # The project's apps, bottom to top: an app imports only from apps listed before it.
    "core",
    "accounts",
    "regions",
    "workdays",
    "factories",
    "assessments",
    "certification",
    "webhooks",
    "exports",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.headers.ContentSecurityPolicyMiddleware",
    "core.headers.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.RejectNullCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.HtmxLoginRedirectMiddleware",
    "core.middleware.DomainErrorMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "accounts.context_processors.notifications",
                "certification.context_processors.worklist",
            ],
        },
    },
]

# Database: SQLite file by default (the embedded demo); PostgreSQL in deployment and tests.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that polls the socket instead of querying
    # (core.db.postgresql.base).
    DATABASES["default"]["ENGINE"] = "core.db.postgresql"
# Persistent connections: a web or worker process keeps its connection for this many seconds
# instead of opening one per request (which costs more than a simple request's own queries), and
# checks it before reuse so that a database restart costs one retry, not errors.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=True)
# Hot-path queries (core.prepared) are prepared on the PostgreSQL server once per connection.
# Off behind a pooler in transaction mode (PgBouncer), where sessions change under a client.
DATABASE_SERVER_PREPARE = env.bool("DATABASE_SERVER_PREPARE", default=True)
if DATABASE_SERVER_PREPARE and DATABASES["default"]["ENGINE"] == "core.db.postgresql":
    # Their plans are made once: by default PostgreSQL plans each EXECUTE anew while a custom
    # plan looks cheaper than the generic one, which for a lookup by key costs more than
    # running it. Only prepared statements are concerned (Django's own queries are not).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c plan_cache_mode=force_generic_plan"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=900)
# Every sign-in (the site, the admin, anything calling authenticate() with a request) goes
# through django-axes first: LOGIN_FAILURE_LIMIT failures for one user name from one address lock
# that pair out for LOGIN_LOCKOUT_SECONDS. Attempts are logged in the database (axes' admin
# pages; `manage.py axes_reset`, `axes_reset_username`, `axes_reset_ip` lift lockouts).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_LOCKOUT_SECONDS)
# Keyed on the pair, so that guesses from one address cannot lock a user out everywhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# The login form's and the admin's user name field (axes would read the model's, "username").
AXES_USERNAME_FORM_FIELD = "username"
# How many reverse proxies in front of the portal append to X-Forwarded-For. 0 (the default):
# the header is ignored and the client is the connection's address; N: the address the outermost
# of N trusted proxies saw. Used by the API throttles and by the sign-in lockout alike.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# API tokens expire this many days after they are created.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: Chinese by default, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Request bodies (other than files) above 2 MB are refused; uploaded files above 2 MB are
# streamed to a temporary file rather than held in memory. Evidence files are limited to
# UPLOAD_MAX_BYTES each, while they stream in (the first upload handler stops keeping a file's
# bytes once it passes the limit) and again by the upload validation.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "assessments.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# An Office document (a zip container) may expand to at most this many bytes in all, and no
# part of it above 100 KB may expand more than UPLOAD_ZIP_MAX_RATIO times (a zip bomb).
UPLOAD_ZIP_MAX_UNCOMPRESSED_BYTES = env.int(
    "UPLOAD_ZIP_MAX_UNCOMPRESSED_BYTES", default=100 * 1024 * 1024
)
UPLOAD_ZIP_MAX_RATIO = env.int("UPLOAD_ZIP_MAX_RATIO", default=100)

# A submitted self-assessment is valid for this many months (DESIGN 2.5).
# The portal's public address, printed in certificates' QR codes (the verification page).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://localhost:8000").rstrip("/")
# Signs the verification links printed on certificates. Kept apart from SECRET_KEY so that
# rotating the session secret does not break certificates already printed; falls back to it.
CERTIFICATE_VERIFY_KEY = env.str("CERTIFICATE_VERIFY_KEY", default="") or SECRET_KEY

ASSESSMENT_VALID_MONTHS = env.int("ASSESSMENT_VALID_MONTHS", default=12)
# Peer benchmarking shows a peer group's distribution only from this many peers (anonymity).
PEER_BENCHMARK_MIN_PEERS = env.int("PEER_BENCHMARK_MIN_PEERS", default=10)
# ... read from distributions counted this often (beat); a view finding a count older than two
# periods (beat down) queues a new one.
PEER_BENCHMARK_REFRESH_SECONDS = env.int("PEER_BENCHMARK_REFRESH_SECONDS", default=3600)

# Email
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.console.EmailBackend"
        if DEBUG
        else "django.core.mail.backends.smtp.EmailBackend"
    ),
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")
# Accounts by email: a sign-up's verification link works for this many days, a password reset
# (or set-password) link for PASSWORD_RESET_TIMEOUT seconds; both are single-use. Pages that
# email an address anyone can type (sign-up, resend, password reset) are limited per address
# (ACCOUNT_EMAIL_RATE) and sign-ups per client address (SIGNUP_CLIENT_RATE).
SIGNUP_VERIFICATION_DAYS = env.int("SIGNUP_VERIFICATION_DAYS", default=3)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
ACCOUNT_EMAIL_RATE = env.str("ACCOUNT_EMAIL_RATE", default="5/hour")
SIGNUP_CLIENT_RATE = env.str("SIGNUP_CLIENT_RATE", default="20/hour")

# Celery: with REDIS_URL set, tasks go to Redis and a worker runs them. Without it (the embedded
# default), tasks run in-process, eagerly, so the demo needs no broker.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    "sweep-unchecked-applications": {
        "task": "certification.sweep_unchecked_applications",
        "schedule": env.int("SWEEP_UNCHECKED_SECONDS", default=60),
    },
    # Tasks that could not be queued (the broker was down) are queued again (core.dispatch).
    "requeue-pending-tasks": {
        "task": "core.requeue_pending_tasks",
        "schedule": env.int("REQUEUE_PENDING_SECONDS", default=60),
    },
    # Side effects written in the outbox with their change (core.outbox): delivered on commit,
    # and by this run whatever the broker could not take then.
    "dispatch-outbox": {
        "task": "core.dispatch_outbox",
        "schedule": env.int("OUTBOX_DISPATCH_SECONDS", default=30),
    },
    # Webhook deliveries (webhooks.services): attempted on commit, and by this run when due
    # again (a retry) or when the broker could not take them then.
    "deliver-webhooks": {
        "task": "webhooks.deliver_due",
        "schedule": env.int("WEBHOOK_DELIVER_SECONDS", default=30),
    },
    # What the dashboards sum (dashboard.services), counted ahead of time:
    # the levels and breakdowns show as of the last run.
    "refresh-dashboard-counts": {
        "task": "dashboard.refresh_counts",
        "schedule": env.int("DASHBOARD_REFRESH_SECONDS", default=3600),
    },
    # The peer groups' score distributions behind peer benchmarking
    # (assessments.services.peer_distributions_refresh), counted ahead of time.
    "refresh-peer-distributions": {
        "task": "assessments.refresh_peer_distributions",
        "schedule": PEER_BENCHMARK_REFRESH_SECONDS,
    },
    # Exports (exports app): the files of exports whose download link expired are deleted.
    "delete-expired-exports": {
        "task": "exports.delete_expired",
        "schedule": env.int("EXPORT_CLEANUP_SECONDS", default=3600),
    },
    # Deadlines (certification.services.deadlines), one sweep per kind. They act on days, and
    # each is safe to run at any time: hourly means a worker that was down at midnight catches
    # up within the hour.
    **{
        f"sweep-deadlines-{kind}": {
            "task": "certification.sweep_deadlines",
            "schedule": env.int("DEADLINE_SWEEP_SECONDS", default=3600),
            "args": [kind],
        }
        for kind in (
            "assessment_lapse",
            "suspension_grace",
            "publicity_end",
            "milestone",
            "review_step",
        )
    },
}
# The deadline sweeps lock and act on this many due rows per transaction.
DEADLINE_SWEEP_BATCH_SIZE = env.int("DEADLINE_SWEEP_BATCH_SIZE", default=500)
# The checks sweep works in batches (one transaction each) for at most this long per run: with
# the defaults a backlog of 2,000 unchecked applications drains in one run (tests/bench).
CHECKS_SWEEP_BATCH_SIZE = env.int("CHECKS_SWEEP_BATCH_SIZE", default=200)
CHECKS_SWEEP_TIME_BUDGET_SECONDS = env.float("CHECKS_SWEEP_TIME_BUDGET_SECONDS", default=50.0)

# Exports of the official lists (exports app, README "Exports"): a download link works for
# EXPORT_LINK_HOURS after the file is written; the task reads and writes EXPORT_CHUNK_ROWS rows
# at a time (one progress update each).
EXPORT_LINK_HOURS = env.int("EXPORT_LINK_HOURS", default=24)
EXPORT_CHUNK_ROWS = env.int("EXPORT_CHUNK_ROWS", default=2000)

# Webhooks (webhooks app, README "Webhooks"): endpoints are https unless WEBHOOK_ALLOW_HTTP, and
# public addresses unless WEBHOOK_ALLOW_PRIVATE_URLS (on-premise receivers, tests). A delivery is
# retried for WEBHOOK_RETRY_HOURS; an endpoint whose delivery fails for good after at least
# WEBHOOK_DISABLE_AFTER_FAILURES failed attempts in a row is disabled and its owner told.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=DEBUG)
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_RETRY_HOURS = env.int("WEBHOOK_RETRY_HOURS", default=24)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=20)

# The cache holds nothing that must survive (sessions and sign-in attempts are in the database):
# with Redis down the throttles let requests through (core.throttling) and reference data is
# read from the database (core.refcache). A short socket timeout keeps an unreachable Redis
# from holding every request.
CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=1.0)
CACHES = {
    "default": (
        {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": CACHE_TIMEOUT_SECONDS,
                "socket_timeout": CACHE_TIMEOUT_SECONDS,
            },
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an unauthenticated client gets 401 with WWW-Authenticate.
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # DRF's IsAuthenticated, with the refused (401) requests counted by the anonymous throttle.
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.IsAuthenticated"],
    # DRF's parsers, with JSON that PostgreSQL could not store or Python not parse refused.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["core.filtering.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # Anonymous use by address (requests refused for a bad token count too), signed-in use by
    # user; with the cache down, requests are let through (core.throttling).
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.AnonRateThrottle",
        "core.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="60/minute"),
        "user": env.str("API_USER_RATE", default="1200/minute"),
        "tokens": env.str("API_TOKEN_CREATE_RATE", default="20/hour"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Smart-factory tier certification portal API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AssessmentStatusEnum": "assessments.models.Assessment.Status",
        "ApplicationStatusEnum": "certification.models.Application.Status",
        "CertificateStatusEnum": "certification.models.Certificate.Status",
        "TierEnum": "certification.models.Tier",
        "ObjectionStatusEnum": "certification.models.Objection.Status",
        "WebhookEventTypeEnum": "webhooks.models.WebhookEventType",
    },
}

BOOTSTRAP5 = {
    "css_url": {"url": "/" + STATIC_URL + "bootstrap/css/bootstrap.min.css"},
    "javascript_url": {"url": "/" + STATIC_URL + "bootstrap/js/bootstrap.bundle.min.js"},
}

# Security: safe by default; relax only through the environment for local HTTP.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
# On in production (check --deploy asks for both); a deployment whose subdomains are not all
# HTTPS turns them off here, since a preload is hard to undo.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Trust X-Forwarded-Proto only when a proxy that sets it sits in front (TLS terminated there).
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
# The load balancer's health probe may speak plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy on every HTML response (core.headers; the shape of Django 6's settings).
# Everything is served from the portal itself: no inline script, no inline style, no eval (htmx
# runs with allowEval off). CSP_REPORT_ONLY=1 has browsers report violations without blocking
# anything (to try a change of policy); CSP_REPORT_URI is where they send the reports.
CONTENT_SECURITY_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
if CSP_REPORT_URI := env.str("CSP_REPORT_URI", default=""):
    CONTENT_SECURITY_POLICY["report-uri"] = [CSP_REPORT_URI]
if env.bool("CSP_REPORT_ONLY", default=False):
    SECURE_CSP: dict[str, list[str]] = {}
    SECURE_CSP_REPORT_ONLY = CONTENT_SECURITY_POLICY
else:
    SECURE_CSP = CONTENT_SECURITY_POLICY
    SECURE_CSP_REPORT_ONLY = {}
# Directives replaced under a path prefix. DRF's browsable API (HTML answers under /api/v1/, for
# a developer's browser) has inline style attributes and a <style> element in templates it owns;
# its scripts are files, so only style-src is relaxed, and only there.
CSP_PATH_OVERRIDES: dict[str, dict[str, list[str]]] = {
    "/api/v1/": {"style-src": ["'self'", "'unsafe-inline'"]},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
