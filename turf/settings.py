"""Turf settings: one module, every value read from the environment.

With nothing set it runs on a laptop: SQLite file, eager Celery, locmem cache,
console e-mail. ``DATABASE_URL`` switches to PostgreSQL, ``REDIS_URL`` to Redis for
the cache and the Celery broker.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

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


DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off Turf refuses to start without it: "
            "export SECRET_KEY to a long random string."
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
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
    "django_celery_beat",
    "turf",  # the audit trail (turf/models.py)
    "accounts",
    "billing",
    "courses",
    "predictions",
    "wagering",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The static files (admin, Swagger UI) are served by the web process itself, ahead of sessions and the rest.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ],
        },
    },
]

WSGI_APPLICATION = "turf.wsgi.application"
ASGI_APPLICATION = "turf.asgi.application"

# Database: PostgreSQL when DATABASE_URL is set, else an SQLite file beside manage.py.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH") or str(BASE_DIR / "db.sqlite3"),
            "OPTIONS": {"timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and Celery broker: Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
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
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "turf"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without a broker the tasks run in-process, so `make run` needs nothing but Python.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = env_str("TIME_ZONE", "Europe/Paris")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 2)

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
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "dashboard:login"

LANGUAGE_CODE = "en"
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

# Request limits of visitors without a token, per address: every endpoint open to them (health, the schema),
# and, counted apart, the log-in, sign-up and token refresh of the API and of the dashboard (password guessing).
# Subscribers' limits are their plan's (rows staff edit).
API_RATE_ANON = env_rate("API_RATE_ANON", "30/minute,2000/day")
API_RATE_AUTH = env_rate("API_RATE_AUTH", "30/minute,2000/day")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, the user read from its cached snapshot (accounts.snapshot) instead of the database.
        "accounts.authentication.SnapshotJWTAuthentication",
        # X-API-Key: a script's key, for a request without an Authorization header.
        "accounts.authentication.ApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["turf.renderers.VersionedJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
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
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    # Swagger UI is served from our own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several answers have a "status" of their own choices: each set gets its own name.
    "ENUM_NAME_OVERRIDES": {
        "BacktestStatusEnum": ["queued", "running", "done", "failed"],
        "HealthStatusEnum": ["ok", "degraded"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

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
