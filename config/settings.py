"""Settings for Wealth Ratio, read from the environment (see README, "Configuration").

Two ways to run, chosen by ``DJANGO_ENV``:

- ``development`` (the default, nothing configured): a SQLite file, a Celery broker
  in files (kombu's filesystem transport) so a real worker and beat still run, and
  e-mails printed to the console and kept as .eml files under ``LOCAL_DIR``.
- ``production``: ``SECRET_KEY``, ``DATABASE_URL`` (PostgreSQL), ``REDIS_URL``,
  ``ALLOWED_HOSTS`` and SMTP settings are required; the process refuses to start
  without them. HTTPS-only cookies, HSTS and SSL redirect are on.

Setting ``DATABASE_URL`` / ``REDIS_URL`` in development uses those real services
(that is how the test suite runs against PostgreSQL and Redis in CI).
"""

from __future__ import annotations

import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.env import Env

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()

DJANGO_ENV = env.choice("DJANGO_ENV", ("development", "production"), default="development")
PRODUCTION = DJANGO_ENV == "production"

# Where the embedded default keeps its database, broker queue, cache and e-mails.
LOCAL_DIR = Path(env.str("LOCAL_DIR", str(BASE_DIR / ".local")))


def _local_secret_key() -> str:
    """A development key generated once per checkout, never committed."""
    path = LOCAL_DIR / "secret_key"
    if not path.exists():
        LOCAL_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", required=PRODUCTION) or _local_secret_key()
DEBUG = env.bool("DEBUG", default=False)
if DEBUG and PRODUCTION:
    raise ImproperlyConfigured("DEBUG must not be enabled when DJANGO_ENV=production.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("The environment variable ALLOWED_HOSTS is required.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS")
# The public address every e-mail links to (allauth's and the progress e-mails, made
# outside any request). The default is the address `make run` serves (config/devrun.py).
SITE_URL = env.str("SITE_URL", f"http://127.0.0.1:{env.int('PORT', 8000)}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_celery_beat",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "households",
    "portfolio",
    "goals",
    "dashboard",
    "notifications",
    "dataport",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed here, outside everything that writes or reads the body; the
    # static files above come precompressed (gzip and Brotli) from WhiteNoise.
    # Django pads the gzip header at random ("Heal the Breach") against BREACH,
    # and the CSRF token is masked per response. docs/production.md has the figures.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portfolio.middleware.ChartsLaterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PrivateCacheControlMiddleware",
    "config.middleware.DatabaseOutageMiddleware",
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
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", required=PRODUCTION)
if DATABASE_URL:
    DATABASES = {"default": environ.Env.db_url_config(DATABASE_URL)}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": LOCAL_DIR / "db.sqlite3",
            # A file, not memory, so a Celery worker started by a test sees the test data.
            "TEST": {"NAME": LOCAL_DIR / "test.sqlite3"},
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache (rate limits), Celery broker ---------------------------------
REDIS_URL = env.str("REDIS_URL", required=PRODUCTION)
# A dead Redis must cost a request milliseconds, not the kernel's connect timeout.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}
if REDIS_URL:
    # Fails open: with Redis down, log-in works and rate limits stop counting, with
    # a warning logged (config/cache.py, docs/production.md).
    CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
    CELERY_BROKER_URL = REDIS_URL
else:
    # Files are shared by the web process, the worker and beat, unlike local memory.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": LOCAL_DIR / "cache",
        }
    }
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = LOCAL_DIR / "broker"
    for _folder in ("processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }

# Apps that share one Redis (or one broker folder) keep apart by a cache key prefix
# and a queue of their own; the test suite gives each of its processes one.
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", "")

# --- Celery -------------------------------------------------------------------
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", "celery")
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A Redis visibility timeout longer than the longest task: an unacknowledged task
# is redelivered only after this, so a slow task is never run twice by mistake.
if REDIS_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}

# --- Auth and accounts (django-allauth) -----------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "landing"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Wealth Ratio] "
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# A private instance can close sign-ups once its household has joined.
SIGNUPS_OPEN = env.bool("SIGNUPS_OPEN", default=True)
# allauth keeps its counters in the cache (Redis in production), so limits hold
# across every web process.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "10/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
# Which address a rate limit counts: behind a reverse proxy every request comes from
# the proxy, so without these one person's failures would lock everybody out. Count
# only the proxies you run (each appends to X-Forwarded-For), or name the header your
# proxy sets to the client's address (e.g. X-Real-IP); never trust what a client sends.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("TRUSTED_CLIENT_IP_HEADER")
if ALLAUTH_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Wealth Ratio"

# --- The JSON API (docs/api.md) -------------------------------------------------
REST_FRAMEWORK = {
    # Scripts send a personal access token; the browser's session works too, and
    # DRF's SessionAuthentication enforces CSRF on it.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenScope",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StableCursorPagination",
    "EXCEPTION_HANDLER": "api.problems.handle",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# Requests per token (or per signed-in browser), as DRF's "number/period".
API_RATE_LIMIT = env.str("API_RATE_LIMIT", "600/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Wealth Ratio API",
    "DESCRIPTION": "Portfolios, holdings, streams, entries, goals and figures (docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The description holds no data; tools read it before they have a token.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.problem_responses",
    ],
}

# --- E-mail -------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "Wealth Ratio <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_URL = env.str("EMAIL_URL")
EMAIL_HOST = env.str("EMAIL_HOST")
# Django's SMTP backend, pipelining where the server offers it (notifications.smtp).
SMTP_BACKEND = "notifications.smtp.EmailBackend"
if EMAIL_URL:
    email_config = environ.Env.email_url_config(EMAIL_URL)
    if email_config["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
        email_config["EMAIL_BACKEND"] = SMTP_BACKEND  # smtp://, smtps://, smtp+tls://
    vars().update(email_config)
elif EMAIL_HOST:
    EMAIL_BACKEND = SMTP_BACKEND
    EMAIL_PORT = env.int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
elif PRODUCTION:
    raise ImproperlyConfigured("Set EMAIL_URL or EMAIL_HOST (with EMAIL_PORT, ...) for SMTP.")
else:
    EMAIL_BACKEND = "config.mail.ConsoleOutboxBackend"
    EMAIL_OUTBOX_DIR = LOCAL_DIR / "outbox"
EMAIL_TIMEOUT = 20
# Progress e-mails the SMTP server did not take (away, or 4xx) are retried after
# this many seconds, doubling each time (goals.tasks).
EMAIL_RETRY_SECONDS = env.int("EMAIL_RETRY_SECONDS", 60)

# --- Security -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # allauth draws the TOTP QR code as a data: URI.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# A monitor sending "Authorization: Bearer <HEALTH_TOKEN>" sees /health/'s details
# (so do staff users); everyone else gets a bare 200 or 503.
HEALTH_TOKEN = env.str("HEALTH_TOKEN")

# --- Static files, i18n -------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
if not PRODUCTION:
    # WhiteNoise warns about a missing root; production fills it with collectstatic.
    STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
LANGUAGE_CODE = "en-us"
# How amounts and figures are written (Babel locale): separators, currency signs.
NUMBER_LOCALE = env.str("NUMBER_LOCALE", "en_US")
# A "passive" stream taking more of your time than this each month is flagged.
PASSIVE_HOURS_LIMIT = env.int("PASSIVE_HOURS_LIMIT", 20)

# Where the daily job fetches the ECB's reference rates (docs/production.md): the
# whole history (a zipped CSV), which also fills any day missed while offline. Set
# it empty to turn the job off; the rates shipped with the app are used then.
FX_RATES_URL = env.str(
    "FX_RATES_URL", "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    # The OFX reader logs a line per tag it reads: 100,000 lines for one statement.
    "loggers": {"ofxtools": {"level": "WARNING"}},
}
