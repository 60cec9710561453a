"""Turf settings: one module, every value read from the environment.

With nothing set it runs on a laptop: SQLite file, eager Celery, locmem cache,
console e-mail. ``DATABASE_URL`` switches to PostgreSQL, ``REDIS_URL`` to Redis for
the cache and the Celery broker.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as cors_default_headers
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from turf.sentry import sentry_init

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean, refusing anything that is not clearly yes or no."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false, 1/0, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


ATTEMPTS = re.compile(r"^\s*(?P<count>\d+)\s*/\s*(?P<n>\d*)\s*(?P<unit>s|second|min|minute|h|hour|d|day)s?\s*$")
UNIT_SECONDS = {"s": 1, "second": 1, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def env_attempts(name: str, default: str) -> tuple[int, int]:
    """Read an attempt limit written ``3/hour`` or ``5/15min`` as (attempts, window in seconds), refusing anything
    else (a typo must not lift a limit)."""
    raw = os.environ.get(name)
    text = default if raw is None or raw.strip() == "" else raw
    match = ATTEMPTS.match(text)
    if match is None or int(match["count"]) < 1 or match["n"] == "0":
        raise ImproperlyConfigured(f"{name}={text!r} is not an attempt limit: write it N/period (e.g. {default})")
    return int(match["count"]), int(match["n"] or 1) * UNIT_SECONDS[match["unit"]]


RATE_PART = re.compile(r"^\s*(?P<count>\d+)\s*/\s*(?P<period>minute|day)\s*$")


def env_rate(name: str, default: str) -> dict[str, int]:
    """Read request limits written ``30/minute,2000/day`` (both periods, each once, at least 1), refusing
    anything else: a typo must not leave an endpoint without a limit."""
    raw = os.environ.get(name)
    text = default if raw is None or raw.strip() == "" else raw
    limits: dict[str, int] = {}
    for part in text.split(","):
        match = RATE_PART.match(part)
        if match is None or match["period"] in limits or int(match["count"]) < 1:
            limits = {}
            break
        limits[match["period"]] = int(match["count"])
    if set(limits) != {"minute", "day"}:
        raise ImproperlyConfigured(
            f"{name}={text!r} is not a request limit: write it N/minute,N/day (e.g. {default}), each at least 1"
        )
    return limits


def secret_key_from_file(path: Path) -> str:
    """The local secret key kept in ``path``, generated there once (mode 0600) when the file does not exist.

    Created beside and linked into place, so that processes starting together (gunicorn's workers, beat) all
    read the one key whichever of them wrote it first.
    """
    if not path.exists():
        import secrets
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # mkstemp: mode 0600
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(64) + "\n")
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process wrote it first: read theirs
        finally:
            os.unlink(tmp)
    key = path.read_text().strip()
    if len(key) < 50:
        raise ImproperlyConfigured(f"{path} holds no usable secret key: delete it to have a new one generated")
    return key


# Off unless asked for: `make dev` asks (turf/serve.py --dev), `make run` and production do not, so that an
# unknown page or an error never shows Django's debug pages (URL patterns, tracebacks, settings).
DEBUG = env_bool("DEBUG", default=False)

# An explicit SECRET_KEY wins; without one, the key generated once into TURF_SECRET_KEY_FILE (git-ignored) and
# read again at every start, so sessions and tokens survive a restart. The test suite sets its own
# (turf/pytest_env.py) and writes nothing.
TURF_SECRET_KEY_FILE = Path(env_str("TURF_SECRET_KEY_FILE") or (BASE_DIR / ".secret_key"))
SECRET_KEY = env_str("SECRET_KEY") or secret_key_from_file(TURF_SECRET_KEY_FILE)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: `make dev`'s runserver leaves the static files to WhiteNoise too, as gunicorn does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "corsheaders",
    "django_celery_beat",
    "django_prometheus",
    "turf",  # the audit trail (turf/models.py)
    "accounts",
    "billing",
    "courses",
    "predictions",
    "wagering",
    "alerts",
    "dashboard",
]

MIDDLEWARE = [
    # First and last: django-prometheus times every request and counts its answer (GET /metrics).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Every request's id (X-Request-ID), for the logs, the error envelope and Sentry: before anything may answer.
    "turf.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything that answers (CommonMiddleware's redirects): a preflight is answered here.
    "corsheaders.middleware.CorsMiddleware",
    # A body over MAX_REQUEST_BYTES is refused (413) before anything below reads it.
    "turf.middleware.RequestSizeLimitMiddleware",
    # The static files (admin, Swagger UI) are served by the web process itself, ahead of sessions and the rest.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The pages' language (the session's choice, else Accept-Language, else French); the API stays English
    # (turf/locale.py). After the sessions, before CommonMiddleware.
    "turf.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A page whose view finds the database down answers 503, not 500 (turf/outages.py).
    "turf.outages.DatabaseUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "turf.urls"

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
                "csp.context_processors.nonce",
                "dashboard.pages.alerts.unread_alerts",
            ],
        },
    },
]

WSGI_APPLICATION = "turf.wsgi.application"
ASGI_APPLICATION = "turf.asgi.application"

# Database: PostgreSQL when DATABASE_URL is set, else an SQLite file beside manage.py.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # Connections are kept DB_CONN_MAX_AGE seconds and checked before each request reuses one
    # (conn_health_checks): after a restart of PostgreSQL, the first request reconnects instead of failing.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
    # A server that does not answer fails the request (503) after this long instead of hanging a worker.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH") or str(BASE_DIR / "db.sqlite3"),
            "OPTIONS": {"timeout": 20},
            # The tests' database in memory, as Django's default for SQLite (named, since the engine below is
            # django-prometheus' wrapper, which pytest-xdist's per-worker naming does not take for SQLite).
            "TEST": {"NAME": ":memory:"},
        }
    }
# django-prometheus' wrapper of the same backend (psycopg 3 included): it counts queries, their time and errors.
DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
    "django.db.backends.", "django_prometheus.db.backends.", 1
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and Celery broker: Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis, counted by django-prometheus (gets, hits, misses, failures).
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "turf",
            # Seconds: a Redis that does not answer costs a request this much per cache call, not a hang
            # (README, "When Redis does not answer": what each use of the cache does then).
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": float(env_str("REDIS_SOCKET_CONNECT_TIMEOUT", "0.5")),
                "SOCKET_TIMEOUT": float(env_str("REDIS_SOCKET_TIMEOUT", "0.5")),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache", "LOCATION": "turf"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker the tasks run in-process, so `make run` needs nothing but Python.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = env_str("TIME_ZONE", "Europe/Paris")
# django-celery-beat's, without its celery.backend_cleanup row where results expire themselves (turf/beat.py).
CELERY_BEAT_SCHEDULER = "turf.beat:Scheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 2)
# A task sent while the broker (Redis) is away is not lost: the send is retried CELERY_PUBLISH_RETRIES times over
# about CELERY_PUBLISH_RETRIES seconds (0 s, then 1 s, then at most 2 s apart) before it fails; what must not be
# lost then is kept in the database and sent again (a backtest job "unqueued", re-sent by beat every minute).
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": env_int("CELERY_PUBLISH_RETRIES", 3),
    "interval_start": 0,
    "interval_step": 1,
    "interval_max": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 2)

# Serving (`make run`, `make dev`: turf/serve.py, the Procfile and turf/gunicorn_conf.py read these).
# The defaults suit the 2-core development machine: 2 gunicorn workers beside 2 Celery processes.
HOST = env_str("HOST", "127.0.0.1")
PORT = env_int("PORT", 8792)
WEB_CONCURRENCY = env_int("WEB_CONCURRENCY", 2)
WEB_TIMEOUT = env_int("WEB_TIMEOUT", 30)

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The subscriber dashboard logs in with a session (the API uses Bearer tokens).
LOGIN_URL = "dashboard:login"
LOGIN_REDIRECT_URL = "dashboard:programme"
LOGOUT_REDIRECT_URL = "dashboard:login"

# The pages in French first, English on request (the switch in base.html posts to /i18n/setlang/); the API's
# messages are a contract and stay in English whatever the request asks (turf/locale.py, API_LANGUAGE_CODE).
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
API_LANGUAGE_CODE = "en"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or (BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic writes a gzipped copy beside each file, which WhiteNoise sends to clients that accept it.
    # No manifest of hashed names: a page renders whether collectstatic ran or not (the test suite, DEBUG on),
    # at the price of a short cache lifetime (WhiteNoise's 60 s) instead of a far-future one.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Mail: the console (the terminal of `make run`) unless EMAIL_URL names an SMTP server
# (smtp://user:password@host:587/?tls=True, parsed by dj-email-url); EMAIL_BACKEND overrides both.
EMAIL_URL = env_str("EMAIL_URL")
if EMAIL_URL:
    import dj_email_url

    _email = dj_email_url.parse(EMAIL_URL)
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"]
    EMAIL_PORT = _email["EMAIL_PORT"]
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
    EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
    EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_BACKEND = env_str("EMAIL_BACKEND", EMAIL_BACKEND)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Turf <no-reply@turf.localhost>")

NUM_PROXIES = env_int("NUM_PROXIES", 0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured(f"NUM_PROXIES={NUM_PROXIES} is negative: give the number of proxies in front of Turf")

# HTTPS (TURF_HTTPS=true: the site is served over HTTPS only, as in production). Then plain HTTP is redirected
# (but health and readiness, for a load balancer's probe), browsers are told to come back over HTTPS only
# (HSTS) and the session and CSRF cookies travel over HTTPS only. Behind NUM_PROXIES trusted proxies, the
# request counts as HTTPS when they say so (X-Forwarded-Proto: https; they must overwrite a client's own).
TURF_HTTPS = env_bool("TURF_HTTPS", default=False)
SECURE_SSL_REDIRECT = TURF_HTTPS
SECURE_REDIRECT_EXEMPT = [r"^api/v1/(health|ready)$"]
if TURF_HTTPS and NUM_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if TURF_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=TURF_HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=TURF_HTTPS)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = TURF_HTTPS
# Whatever the scheme: cookies out of scripts' reach, no framing, no MIME sniffing, no address sent to
# other sites (a race or account page's URL stays here).
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp) on every response: scripts and styles from our own origin, or inline with
# the request's nonce ({{ request.csp_nonce }}), never other inline code; nothing else loaded from elsewhere, no
# framing. The pages' forms post here, and the billing ones are redirected on to Stripe's checkout and portal.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],  # Swagger UI's icons are data: URLs in its stylesheet
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF, "https://checkout.stripe.com", "https://billing.stripe.com"],
    },
}

# CORS (django-cors-headers): closed unless CORS_ALLOWED_ORIGINS lists the origins (scheme://host[:port]) whose
# scripts may call the API from a browser; only the API (/api/), never the pages. No cookies cross: the API
# authenticates with Bearer tokens and X-API-Key, which a preflight may ask to send; a script may read the
# rate-limit headers.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = (*cors_default_headers, "x-api-key")
CORS_EXPOSE_HEADERS = [
    "Retry-After",
    *(f"X-RateLimit-{name}" for name in ("Limit", "Remaining", "Reset", "Limit-Day", "Remaining-Day")),
]

# The largest request body accepted, in bytes; a bigger one answers 413 `payload_too_large` unread. The largest
# legitimate bodies are Stripe's webhook events (tens of KiB, a few hundred for a long invoice); the API's
# own bodies (a bet, a sign-up) are under 1 KiB.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 1_048_576)
if MAX_REQUEST_BYTES < 1024:
    raise ImproperlyConfigured(f"MAX_REQUEST_BYTES={MAX_REQUEST_BYTES}: give at least 1024 bytes")
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES

# Request limits of visitors without a token, per address: every endpoint open to them (health, the schema),
# and, counted apart, the log-in, sign-up and token refresh of the API and of the dashboard (password guessing).
# Subscribers' limits are their plan's (rows staff edit).
API_RATE_ANON = env_rate("API_RATE_ANON", "30/minute,2000/day")
API_RATE_AUTH = env_rate("API_RATE_AUTH", "30/minute,2000/day")
# The server-rendered pages' own limits, per person (the user logged in, else the address), apart from the API's:
# generous for someone browsing; what a plan opens stays the plan gate's.
TURF_PAGE_RATE = env_rate("TURF_PAGE_RATE", "120/minute,5000/day")

# Webhooks (alerts/services/webhooks.py). Endpoints must be https unless TURF_WEBHOOK_ALLOW_HTTP (dev only); an
# address that resolves to a private, loopback, link-local, metadata... address is refused at registration and at
# each delivery, except the hosts TURF_WEBHOOK_ALLOWED_HOSTS lists (tests and development only: a local receiver).
TURF_WEBHOOK_ALLOW_HTTP = env_bool("TURF_WEBHOOK_ALLOW_HTTP", default=False)
TURF_WEBHOOK_ALLOWED_HOSTS = env_list("TURF_WEBHOOK_ALLOWED_HOSTS", [])
TURF_WEBHOOK_MAX_ENDPOINTS = env_int("TURF_WEBHOOK_MAX_ENDPOINTS", 10)
TURF_WEBHOOK_TIMEOUT = env_int("TURF_WEBHOOK_TIMEOUT", 5)  # seconds per attempt, connecting and reading
TURF_WEBHOOK_RETRY_HOURS = env_int("TURF_WEBHOOK_RETRY_HOURS", 24)  # retries of a delivery; failing this long disables
TURF_WEBHOOK_BACKOFF = env_int("TURF_WEBHOOK_BACKOFF", 30)  # seconds before the first retry, doubling each time
TURF_WEBHOOK_BACKOFF_MAX = env_int("TURF_WEBHOOK_BACKOFF_MAX", 3600)  # the longest wait between two attempts
for _name in ("TURF_WEBHOOK_MAX_ENDPOINTS", "TURF_WEBHOOK_TIMEOUT", "TURF_WEBHOOK_RETRY_HOURS", "TURF_WEBHOOK_BACKOFF"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name}={globals()[_name]}: give at least 1")
if TURF_WEBHOOK_BACKOFF_MAX < TURF_WEBHOOK_BACKOFF:
    raise ImproperlyConfigured("TURF_WEBHOOK_BACKOFF_MAX is shorter than TURF_WEBHOOK_BACKOFF")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, the user read from its cached snapshot (accounts.snapshot) instead of the database.
        "accounts.authentication.SnapshotJWTAuthentication",
        # X-API-Key: a script's key, for a request without an Authorization header.
        "accounts.authentication.ApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["turf.renderers.VersionedJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["turf.parsers.TurfJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "turf.schema.TurfAutoSchema",
    "EXCEPTION_HANDLER": "turf.api.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": False,
    # The client's address is the one the last NUM_PROXIES trusted proxies saw (X-Forwarded-For, read from
    # the right); with none (the default) X-Forwarded-For is ignored, since anyone can set it.
    "NUM_PROXIES": NUM_PROXIES,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Turf API",
    "DESCRIPTION": "Horse-racing programmes, calibrated win probabilities, value bets and backtests.",
    "VERSION": "v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "turf.schema.add_error_envelope",
    ],
    # No validator badge: it would load an image from validator.swagger.io, which the CSP does not allow.
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "validatorUrl": None},
    # Swagger UI is served from our own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several answers have a "status" of their own choices: each set gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "BacktestStatusEnum": ["unqueued", "queued", "running", "done", "failed"],
        "HealthStatusEnum": ["ok", "degraded"],
        # whose probabilities a combinations answer prices: the race card's basis (live too, unlike the history's)
        "CardBasisEnum": ["live", "published", "walk_forward"],
        # the alerts' event types: a preference's event_type and a webhook's events
        "EventTypeEnum": "alerts.models.EventType.choices",
    },
}

# The console's lines: one JSON object each (LOG_FORMAT=json, the default with DEBUG off: `make run`, production)
# or plain text (the default with DEBUG on: `make dev`); each carries the request id, or the Celery task's id.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json").lower()
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "turf.logs.ContextFilter"}},
    "formatters": {
        "plain": {"()": "turf.logs.PlainFormatter", "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# GET /metrics (Prometheus): from the addresses or networks METRICS_ALLOWED_IPS lists (the client's address as the
# rate limits read it, NUM_PROXIES), and with "Authorization: Bearer <METRICS_TOKEN>" when that is set; anything
# else is a bare 404. The apps' scrape-time metrics come from the callables TURF_METRICS_COLLECTORS names.
METRICS_TOKEN = env_str("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {_network!r} is not an address or a network") from None
TURF_METRICS_COLLECTORS = ["predictions.metrics.active_model", "courses.metrics.feed_freshness"]

# Errors to Sentry (or a compatible receiver) when SENTRY_DSN is set (turf/sentry.py); performance traces for
# this share of requests (0: none).
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production")
SENTRY_RELEASE = env_str("SENTRY_RELEASE")
try:
    SENTRY_TRACES_SAMPLE_RATE = float(env_str("SENTRY_TRACES_SAMPLE_RATE", "0"))
except ValueError:
    SENTRY_TRACES_SAMPLE_RATE = -1.0
if not 0 <= SENTRY_TRACES_SAMPLE_RATE <= 1:
    raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1")
sentry_init(
    dsn=SENTRY_DSN,
    environment=SENTRY_ENVIRONMENT,
    release=SENTRY_RELEASE,
    traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
)

# Where the real public data sets live (read in place, never copied into the repository).
TURF_DATA_DIR = Path(env_str("TURF_DATA_DIR") or (BASE_DIR.parent / "shared" / "data" / "raw"))

TURF_VERSION = "v1"

# The live racing day (courses/feeds, courses/schedule.py). TURF_FEED picks the feed the schedule reads:
# "demo" (the embedded default: the synthetic programme lives its day offline), "pmu" (PMU's JSON API), "off".
TURF_FEED = env_str("TURF_FEED", "demo").lower()
if TURF_FEED not in {"demo", "pmu", "off"}:
    raise ImproperlyConfigured(f"TURF_FEED={TURF_FEED!r}: use demo, pmu or off")
PMU_API_URL = env_str("PMU_API_URL", "https://online.turfinfo.api.pmu.fr/rest/client").rstrip("/")
PMU_CLIENT_PROGRAMME = env_int("PMU_CLIENT_PROGRAMME", 1)
PMU_CLIENT_PARTICIPANTS = env_int("PMU_CLIENT_PARTICIPANTS", 61)
PMU_CLIENT_PERFORMANCES = env_int("PMU_CLIENT_PERFORMANCES", 61)
PMU_CLIENT_RAPPORTS = env_int("PMU_CLIENT_RAPPORTS", 1)
PMU_FEED_TIMEOUT = env_int("PMU_FEED_TIMEOUT", 10)  # seconds per request (connect and read)
PMU_FEED_RETRIES = env_int("PMU_FEED_RETRIES", 4)  # on connection errors, 5xx and 429
PMU_FEED_BACKOFF = float(env_str("PMU_FEED_BACKOFF", "0.5"))  # seconds; doubles at each retry
PMU_FEED_RPS = float(env_str("PMU_FEED_RPS", "2"))  # requests per second at most, per process
PMU_FEED_USER_AGENT = env_str("PMU_FEED_USER_AGENT", "Turf/1.0 (horse-racing predictions; +https://turf.localhost)")
# The schedule: odds every FEED_ODDS_EVERY_MINUTES from FEED_ODDS_WINDOW_MINUTES before each off; after the
# off, the results every FEED_RESULTS_EVERY_MINUTES until published or FEED_RESULTS_GIVE_UP_HOURS have passed.
FEED_ODDS_WINDOW_MINUTES = env_int("FEED_ODDS_WINDOW_MINUTES", 60)
FEED_ODDS_EVERY_MINUTES = env_int("FEED_ODDS_EVERY_MINUTES", 5)
FEED_RESULTS_EVERY_MINUTES = env_int("FEED_RESULTS_EVERY_MINUTES", 5)
FEED_RESULTS_GIVE_UP_HOURS = env_int("FEED_RESULTS_GIVE_UP_HOURS", 6)
# A source is stale when no fetch succeeded for this long while the schedule had checks due.
FEED_STALE_MINUTES = env_int("FEED_STALE_MINUTES", 20)
# The demo's past days `manage.py warm_up` publishes at their offs (as their live day would have) and closes into
# the demo chain of the public track record; 0: none.
TRACK_RECORD_DEMO_DAYS = env_int("TRACK_RECORD_DEMO_DAYS", 30)

# The site's own address, for links in mails and Stripe's return URLs.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8792").rstrip("/")
# The version of the privacy policy (/privacy) a new account consents to; bump it when the text changes.
PRIVACY_POLICY_VERSION = env_str("PRIVACY_POLICY_VERSION", "2026-12-04")
# Where /privacy tells people to write about their data (the controller's contact, GDPR Art. 13(1)(a)).
PRIVACY_CONTACT_EMAIL = env_str("PRIVACY_CONTACT_EMAIL", "privacy@turf.localhost")
# What GET /api/v1/auth/account/data exports (GDPR Art. 15): each callable (user) -> {section: rows}, by dotted
# path so that accounts imports none of the apps that hold the user's data.
TURF_ACCOUNT_DATA = [
    "accounts.gdpr.account_data",
    "billing.gdpr.account_data",
    "wagering.gdpr.account_data",
    "alerts.gdpr.account_data",
    "turf.audit.account_data",
]

# The API's pure reads of shared data (courses/today, a race's predictions, predictions/all and top3, valuebets,
# metrics) are cached per query and plan for at most this many seconds (0: not cached); a rescore, an import, the
# feed or a model's activation makes them stale at once, a race's off (the callables below: (now) -> the next
# moment an answer may change by the clock alone) and midnight end them.
ANSWER_CACHE_SECONDS = env_int("ANSWER_CACHE_SECONDS", 60)
TURF_ANSWER_EXPIRY = ["courses.clock.next_off"]

# What a signed-in user's cached snapshot holds besides the user (accounts.snapshot; by dotted path: accounts
# imports no billing): each callable (user) -> {part: value}.
TURF_USER_SNAPSHOT = ["billing.selectors.plan_snapshot_part"]

# Stripe (billing): without the secret key checkout, portal, cancel and the webhook answer 503; the rest works.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
# Where the SDK sends its calls: Stripe's own API unless set (the tests point it at a local stub).
STRIPE_API_BASE = env_str("STRIPE_API_BASE")
STRIPE_TIMEOUT = env_int("STRIPE_TIMEOUT", 10)
# A subscription whose payment failed keeps its plan this long, then falls to the free plan.
BILLING_PAST_DUE_GRACE_DAYS = env_int("BILLING_PAST_DUE_GRACE_DAYS", 7)

# The account's life cycle: abuse limits (N/period), answered 429 `too_many_attempts` past them.
AUTH_RATE_REGISTER = env_attempts("AUTH_RATE_REGISTER", "3/hour")  # sign-ups per address
AUTH_RATE_VERIFY = env_attempts("AUTH_RATE_VERIFY", "5/15min")  # verification codes tried per e-mail
AUTH_RATE_RESEND = env_attempts("AUTH_RATE_RESEND", "3/hour")  # codes (re)sent per e-mail
AUTH_RATE_PASSWORD_RESET = env_attempts("AUTH_RATE_PASSWORD_RESET", "3/hour")  # reset mails per e-mail
AUTH_RATE_LOGIN_ACCOUNT = env_attempts("AUTH_RATE_LOGIN_ACCOUNT", "5/15min")  # failed log-ins per account: lockout
AUTH_RATE_LOGIN_ADDRESS = env_attempts("AUTH_RATE_LOGIN_ADDRESS", "20/15min")  # failed log-ins per address
# A verification code's lifetime; a password-reset link's (Django's PASSWORD_RESET_TIMEOUT, in seconds).
EMAIL_CODE_TTL_HOURS = env_int("EMAIL_CODE_TTL_HOURS", 24)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600)

# Responsible gambling: a raised (or lifted) betting limit takes effect this many hours after it is asked for.
RG_LIMIT_RAISE_DELAY_HOURS = env_int("RG_LIMIT_RAISE_DELAY_HOURS", 48)

# /api/v1/health pings the Celery workers (when tasks are not eager): how long it waits for an answer, and how long
# the answer is kept (a poller every second sends a ping every HEALTH_WORKER_CACHE_SECONDS at most).
HEALTH_WORKER_PING_MS = env_int("HEALTH_WORKER_PING_MS", 500)
HEALTH_WORKER_CACHE_SECONDS = env_int("HEALTH_WORKER_CACHE_SECONDS", 10)

# The apps' checks /api/v1/health adds (by dotted path: turf imports no app); a problem makes it "degraded".
TURF_HEALTH_CHECKS = ["courses.health.feed_health"]

# XGBoost's threads for training and scoring. One by default: on a shared 2-core box, OpenMP's spinning
# threads made training 4× slower with 2 threads than with 1 whenever the other core was busy.
XGB_THREADS = env_int("TURF_XGB_THREADS", 1)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": dt.timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": dt.timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": SECRET_KEY,
}

# Alerts (alerts/services/fanout.py): a user's e-mail alerts of a race wait TURF_ALERT_MAIL_DELAY seconds for the
# race's other events, then go as one mail; an odds move counts from TURF_ALERT_ODDS_MOVE_PERCENT percent of the
# previous price for a user who has not set their own threshold.
TURF_ALERT_MAIL_DELAY = env_int("TURF_ALERT_MAIL_DELAY", 120)
TURF_ALERT_ODDS_MOVE_PERCENT = env_int("TURF_ALERT_ODDS_MOVE_PERCENT", 20)
