"""Django settings for argmap, driven by environment variables.

Development and production differ by environment only:

- ``DJANGO_DEBUG`` (default ``1``; set ``0`` in production)
- ``DJANGO_SECRET_KEY`` (required when ``DJANGO_DEBUG=0``)
- ``DJANGO_ALLOWED_HOSTS`` (comma-separated; default ``localhost,127.0.0.1,[::1]``)
- ``DATABASE_URL`` (default: SQLite file ``db.sqlite3`` beside ``manage.py``)
- ``REDIS_URL`` (optional: Django's caches on Redis, shared by every process; the service
  goes on without it while it is unreachable, ``ARGMAP_REDIS_RETRY_AFTER``)
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from api.graph.validate import COLUMN_LENGTHS, DEFAULT_MAX_LENGTHS

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Trigram index for statement search on PostgreSQL (does nothing on SQLite).
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "api",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "api.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "api.middleware.RequestSizeLimitMiddleware",
    "api.middleware.DatabaseUnavailableMiddleware",
    "api.throttling.LoginThrottleMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "argmap.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "argmap.wsgi.application"
ASGI_APPLICATION = "argmap.asgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# QuerySet.iterator() reads through the driver's client-side cursor, a chunk of rows at a
# time, instead of a server-side cursor (which PostgreSQL materialises WITH HOLD outside a
# transaction, and pgbouncer's transaction pooling cannot carry): api.selectors streams a
# whole map this way (docs/performance.md). SQLite ignores the setting.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

REDIS_URL = os.environ.get("REDIS_URL", "")
# Two caches: "default" for computed results (diagrams, graph JSON, evaluations) and
# "counters" for rate limits. On Redis both survive its loss (argmap/cache.py): results
# are then computed afresh, counters kept per process, until Redis is back.
CACHE_TIMEOUT = env_int("ARGMAP_CACHE_TIMEOUT", 24 * 3600)
REDIS_RETRY_AFTER = env_int("ARGMAP_REDIS_RETRY_AFTER", 5)
if REDIS_URL:
    CACHES = {
        alias: {
            "BACKEND": "argmap.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"argmap:{alias}" if alias != "default" else "argmap",
            "TIMEOUT": CACHE_TIMEOUT,
            "OPTIONS": {"FALLBACK": fallback, "RETRY_AFTER": REDIS_RETRY_AFTER},
        }
        for alias, fallback in (("default", "bypass"), ("counters", "local"))
    }
else:
    CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"argmap-{alias}",
            "TIMEOUT": CACHE_TIMEOUT,
        }
        for alias in ("default", "counters")
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Largest request body, imports included (413 past it).
ARGMAP_MAX_REQUEST_BYTES = env_int("ARGMAP_MAX_REQUEST_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = ARGMAP_MAX_REQUEST_BYTES
# Work one import (or one JSON body) may take, in the importers' steps (a token, a node,
# a character scanned; a 10 000-statement file takes 0.1 to 1.5 million), and the deepest
# nesting of JSON or YAML in it. Past either: a 400 naming the limit. See
# docs/performance.md, "Hostile input".
ARGMAP_IMPORT_MAX_STEPS = env_int("ARGMAP_IMPORT_MAX_STEPS", 3_000_000)
ARGMAP_MAX_NESTING = env_int("ARGMAP_MAX_NESTING", 100)

# Longest text per field, in characters (400 past it): ARGMAP_MAX_STATEMENT_TEXT,
# ARGMAP_MAX_STATEMENT_QUOTE, ARGMAP_MAX_LINK_NOTE, ARGMAP_MAX_MAP_SUMMARY, ... (the key
# upper-cased, dot as underscore). A field stored in a sized column cannot exceed it.
ARGMAP_MAX_LENGTHS = {
    key: min(
        env_int("ARGMAP_MAX_" + key.upper().replace(".", "_"), default),
        COLUMN_LENGTHS.get(key, 2**31 - 1),
    )
    for key, default in DEFAULT_MAX_LENGTHS.items()
}

# Requests a client may make, per period (second, minute, hour, day).
ARGMAP_THROTTLE_RATES = {
    "anon": os.environ.get("ARGMAP_THROTTLE_ANON", "120/min"),
    "user": os.environ.get("ARGMAP_THROTTLE_USER", "1200/min"),
    # Attempts at /admin/login/ and /api/auth/login/, per client address and per username.
    "login": os.environ.get("ARGMAP_THROTTLE_LOGIN", "10/min"),
    # Diagram renders (a cached diagram is not one), far tighter than reads: per
    # anonymous client, for all anonymous clients together, and per signed-in user.
    "render_anon": os.environ.get("ARGMAP_THROTTLE_RENDER_ANON", "20/min"),
    "render_all_anon": os.environ.get("ARGMAP_THROTTLE_RENDER_ALL_ANON", "60/min"),
    "render_user": os.environ.get("ARGMAP_THROTTLE_RENDER_USER", "60/min"),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous write then gets 401 with WWW-Authenticate, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.MapOwnerOrStaffOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonRateThrottle",
        "api.throttling.UserRateThrottle",
    ],
    # JSON bodies only (nesting checked before decoding, ARGMAP_MAX_NESTING): a form's
    # strings cannot carry JSON's types ("0" for false), so the schema could not say what a
    # form body means. The import takes a file: multipart there (api/views.py).
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("ARGMAP_PAGE_SIZE", 50),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    # Proxies in front of the app that append the client's address to X-Forwarded-For;
    # 0 ignores the header (anyone can send one). Behind one load balancer: 1.
    "NUM_PROXIES": env_int("ARGMAP_NUM_PROXIES", 0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

ARGMAP_MAX_PAGE_SIZE = env_int("ARGMAP_MAX_PAGE_SIZE", 500)

# What one coaches' page of a map shows (web/views.py): statements per part of a long
# argument (?part=2 ...), reasons, objections and uses listed per statement, and the
# longest source text shown beside it.
ARGMAP_PAGE_STATEMENTS = env_int("ARGMAP_PAGE_STATEMENTS", 200)
ARGMAP_PAGE_LINKS_PER_STATEMENT = env_int("ARGMAP_PAGE_LINKS_PER_STATEMENT", 50)
ARGMAP_PAGE_MAX_ESSAY_CHARS = env_int("ARGMAP_PAGE_MAX_ESSAY_CHARS", 200_000)
# A map with more statements than this offers "Centre on" as a number, not a list.
ARGMAP_PAGE_MAX_FOCUS_CHOICES = env_int("ARGMAP_PAGE_MAX_FOCUS_CHOICES", 300)

# Statement search (?search=): at most this many words and characters (400 past either).
# Each word is one LIKE, through a trigram index on PostgreSQL (api/migrations/0004).
ARGMAP_SEARCH_MAX_WORDS = env_int("ARGMAP_SEARCH_MAX_WORDS", 10)
ARGMAP_SEARCH_MAX_LENGTH = env_int("ARGMAP_SEARCH_MAX_LENGTH", 200)

# Evaluation: steps one preferred or stable evaluation may take (about 1 s of CPU at the
# default) before it is refused with 422; the refusal is cached like a result.
ARGMAP_EVALUATION_BUDGET = env_int("ARGMAP_EVALUATION_BUDGET", 10_000_000)

# What computed results (diagrams, evaluations) may take of the cache (api/cache.py):
# no entry above MAX_ENTRY; entries above SMALL_ENTRY only once asked twice within
# REPEAT_WINDOW seconds; at most MAX_MAP bytes per map version.
ARGMAP_CACHE_MAX_ENTRY_BYTES = env_int("ARGMAP_CACHE_MAX_ENTRY_BYTES", 5_000_000)
ARGMAP_CACHE_SMALL_ENTRY_BYTES = env_int("ARGMAP_CACHE_SMALL_ENTRY_BYTES", 256_000)
ARGMAP_CACHE_REPEAT_WINDOW = env_int("ARGMAP_CACHE_REPEAT_WINDOW", 3600)
ARGMAP_CACHE_MAX_MAP_BYTES = env_int("ARGMAP_CACHE_MAX_MAP_BYTES", 25_000_000)

# Diagrams: at most this many renders at once across every worker (api/render_slots.py;
# by default one less than the cores, so a core is left for reads); a render finding no
# slot waits QUEUE_TIMEOUT seconds (by default none: a waiting request holds a worker
# thread), then 503. Each Graphviz run within a time and an output limit; maps from
# ARGMAP_SFDP_THRESHOLD statements on are laid out by sfdp.
ARGMAP_MAX_CONCURRENT_RENDERS = env_int(
    "ARGMAP_MAX_CONCURRENT_RENDERS", max(1, (os.cpu_count() or 2) - 1)
)
ARGMAP_RENDER_QUEUE_TIMEOUT = env_int("ARGMAP_RENDER_QUEUE_TIMEOUT", 0)
ARGMAP_RENDER_TIMEOUT = env_int("ARGMAP_RENDER_TIMEOUT", 20)
# What one request may spend on Graphviz in all (a paged diagram makes dozens of runs: the
# essay's deck 55, a 300-statement deck about 300): past either, a 422 that names them,
# the running process killed, and the refusal cached for the map version and options.
ARGMAP_RENDER_REQUEST_SECONDS = env_int("ARGMAP_RENDER_REQUEST_SECONDS", 30)
ARGMAP_RENDER_REQUEST_RUNS = env_int("ARGMAP_RENDER_REQUEST_RUNS", 500)
ARGMAP_RENDER_MAX_BYTES = env_int("ARGMAP_RENDER_MAX_BYTES", 50_000_000)
ARGMAP_SFDP_THRESHOLD = env_int("ARGMAP_SFDP_THRESHOLD", 300)
# Paged diagrams (?page=a4|a3|letter|slides): a map needing more pages than this is refused
# with a 422 that says so (docs/diagrams.md). 300: a 1 000-statement map's deck (218
# slides) is drawn, by a job (its maps are big enough for one), in about 12 s of CPU.
ARGMAP_DIAGRAM_MAX_PAGES = env_int("ARGMAP_DIAGRAM_MAX_PAGES", 300)

# Jobs (docs/jobs.md): a handout or slide deck (?page=...) of a map of at least
# ARGMAP_JOB_MIN_STATEMENTS statements is drawn off the request by a worker of the task
# queue: the request answers 202 with the job (GET /api/jobs/{id}/). A job may spend
# ARGMAP_JOB_RENDER_SECONDS and _RUNS on Graphviz, waits up to ARGMAP_JOB_SLOT_WAIT s for
# a render slot, and is given up after ARGMAP_JOB_TIMEOUT s or ARGMAP_JOB_ATTEMPTS tries
# (a worker lost mid-job hands it to another). Unfinished jobs at once: at most
# ARGMAP_JOBS_PER_USER per user (or address, for anyone signed out) and ARGMAP_JOBS_TOTAL
# in all; past either, a 429 that names it.
ARGMAP_JOB_MIN_STATEMENTS = env_int("ARGMAP_JOB_MIN_STATEMENTS", 100)
ARGMAP_JOB_RENDER_SECONDS = env_int("ARGMAP_JOB_RENDER_SECONDS", 300)
ARGMAP_JOB_RENDER_RUNS = env_int("ARGMAP_JOB_RENDER_RUNS", 5000)
ARGMAP_JOB_SLOT_WAIT = env_int("ARGMAP_JOB_SLOT_WAIT", 60)
ARGMAP_JOB_TIMEOUT = env_int("ARGMAP_JOB_TIMEOUT", 600)
ARGMAP_JOB_ATTEMPTS = env_int("ARGMAP_JOB_ATTEMPTS", 2)
ARGMAP_JOBS_PER_USER = env_int("ARGMAP_JOBS_PER_USER", 2)
ARGMAP_JOBS_TOTAL = env_int("ARGMAP_JOBS_TOTAL", 20)
# An import (POST /api/maps/import/) of a file of at least this many statements is a job
# too: the file is read and checked, and its map made, in the request (202); a worker
# writes its rows. 2 500 statements and their links took 2.5 s (docs/jobs.md).
ARGMAP_IMPORT_JOB_MIN_STATEMENTS = env_int("ARGMAP_IMPORT_JOB_MIN_STATEMENTS", 2000)

# Quotas (docs/quotas.md): what one user may store, counted against a map's owner; staff
# are exempt. Past one, a write is a 403 whose `quota` names the setting, and writes
# nothing.
ARGMAP_QUOTA_MAPS = env_int("ARGMAP_QUOTA_MAPS", 200)
ARGMAP_QUOTA_STATEMENTS_PER_MAP = env_int("ARGMAP_QUOTA_STATEMENTS_PER_MAP", 5000)
ARGMAP_QUOTA_STATEMENTS = env_int("ARGMAP_QUOTA_STATEMENTS", 20000)

# The task queue: Celery (argmap/celery.py). With CELERY_BROKER_URL set (production:
# Redis), jobs go to workers started apart (`celery -A argmap worker`, docs/deploy.md).
# Without it (`make run`), a job runs in the process that asked for it, as it is created.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    CELERY_BROKER_URL = "memory://"  # never used: tasks run as they are sent
CELERY_TASK_EAGER_PROPAGATES = False
# Job state and results are in the database (api.models.Job), not in Celery's backend.
CELERY_TASK_IGNORE_RESULT = True
# A job's message is acknowledged when it ends, not when it starts: a worker killed
# mid-job leaves it to be delivered again (to be retried, or failed past its attempts).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = ARGMAP_JOB_TIMEOUT
CELERY_TASK_TIME_LIMIT = ARGMAP_JOB_TIMEOUT + 30
# Redis hands an unacknowledged message to another worker after this long.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": ARGMAP_JOB_TIMEOUT + 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

SPECTACULAR_SETTINGS = {
    "TITLE": "argmap API",
    "DESCRIPTION": (
        "Argument maps as JSON: statements (premises and conclusions) joined by supporting "
        "and opposing links, whole maps in one call, diagrams and interchange formats."
    ),
    "VERSION": "1.5.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
        "api.schema.add_links",
        "api.schema.add_workflow_links",
        "api.schema.add_job_links",
        "api.schema.state_query_rules",
    ],
    "ENUM_NAME_OVERRIDES": {
        "LinkKindEnum": "api.models.LinkKind",
        "RoleEnum": "api.graph.model.Role",
    },
}

# HTTPS and cookies: strict in production (DJANGO_DEBUG=0), each switch overridable.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Sent with every HTML page (api.middleware.ContentSecurityPolicyMiddleware): scripts,
# styles and images from this site only (diagrams may be data: URLs), no plugins, no
# <base>, forms posting here only, no framing.
ARGMAP_CONTENT_SECURITY_POLICY = os.environ.get(
    "ARGMAP_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
