"""Easel settings: every value comes from the environment (see .env.example).

The defaults are the embedded ones: SQLite, local file storage, tasks run
in-process and the bundled model, with all state under EASEL_DATA_DIR.
"""

from __future__ import annotations

from pathlib import Path

from webapp.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_secret,
    env_str,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("EASEL_DATA_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY", "")
if not SECRET_KEY:
    # The embedded default keeps a generated key beside its data, so sessions and
    # signed URLs survive restarts without anyone having to invent a secret.
    _key_file = DATA_DIR / "secret_key"
    if _key_file.exists():
        SECRET_KEY = _key_file.read_text().strip()
    else:
        import secrets

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = secrets.token_urlsafe(50)
        _key_file.write_text(SECRET_KEY)
        _key_file.chmod(0o600)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "Easel"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "accounts",
    "billing",
    "moderation",
    "generation",
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
]

ROOT_URLCONF = "webapp.urls"
WSGI_APPLICATION = "webapp.wsgi.application"
ASGI_APPLICATION = "webapp.asgi.application"

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
                "billing.context_processors.credits",
            ],
        },
    },
]

DATABASES = {
    "default": parse_database_url(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'easel.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "generation:studio"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True

# --- E-mail: written to files under the data directory unless SMTP is configured.
# The operator's backend: how mail is delivered (see the tasks block for who delivers it).
EMAIL_DELIVERY_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_BACKEND = EMAIL_DELIVERY_BACKEND
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Easel <noreply@easel.localhost>")

# --- Storage: local files (served through signed Easel URLs) or a private S3 bucket.
EASEL_STORAGE = env_str("EASEL_STORAGE", "local")
if EASEL_STORAGE not in ("local", "s3"):
    raise RuntimeError("EASEL_STORAGE must be local or s3")
MEDIA_ROOT = DATA_DIR / "media"
SIGNED_URL_TTL = env_int("SIGNED_URL_TTL", 3600)
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL", "") or None
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", "easel")
AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID", "")
AWS_SECRET_ACCESS_KEY = env_secret("AWS_SECRET_ACCESS_KEY", "")
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME", "us-east-1")
if EASEL_STORAGE == "s3":
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "access_key": AWS_ACCESS_KEY_ID,
            "secret_key": AWS_SECRET_ACCESS_KEY,
            "region_name": AWS_S3_REGION_NAME,
            "signature_version": "s3v4",
            "addressing_style": "path",
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": SIGNED_URL_TTL,
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": "/media/"},
    }
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Provenance: the keys that sign every stored PNG's C2PA manifest. Empty =
# a key set generated under EASEL_DATA_DIR/provenance (embedded default).
PROVENANCE_CERT_FILE = env_str("PROVENANCE_CERT_FILE", "")
PROVENANCE_KEY_FILE = env_str("PROVENANCE_KEY_FILE", "")
PROVENANCE_CA_FILE = env_str("PROVENANCE_CA_FILE", "")

# --- Tasks: a real broker, or in-process (a background thread of the web process).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", "") or None
EASEL_TASKS_INPROCESS = env_bool("EASEL_TASKS_INPROCESS", not CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
if not EASEL_TASKS_INPROCESS:
    # With a broker, mail goes out from a CPU worker, never from inside a web request.
    EMAIL_BACKEND = "accounts.mail.QueuedEmailBackend"
CELERY_TASK_ROUTES = {
    "generation.tasks.run_generation": {"queue": "gpu"},
    "accounts.tasks.send_queued_email": {"queue": "cpu"},
    # Output checks, signing and uploads: CPU workers, so a GPU never waits on them.
    "generation.tasks.finish_generation": {"queue": "cpu"},
}
CELERY_TASK_DEFAULT_QUEUE = "default"
# A worker keeps its database connection between tasks this long (webapp/celery.py),
# instead of Celery's default of closing it around every task.
WORKER_DB_CONN_MAX_AGE = env_int("WORKER_DB_CONN_MAX_AGE", 300)
CELERY_DB_REUSE_MAX = 2**62
CELERY_TIMEZONE = "UTC"
# A worker's claim on a generation is a lease it renews while it works. When the
# lease runs out (the worker died), the reaper puts the request back on the queue;
# after GENERATION_MAX_ATTEMPTS claims it fails and is refunded instead.
GENERATION_LEASE_S = env_float("GENERATION_LEASE_S", 60.0)
GENERATION_MAX_ATTEMPTS = env_int("GENERATION_MAX_ATTEMPTS", 3)
REDIS_URL = env_str("REDIS_URL", "")

# --- The model the GPU worker runs.
EASEL_MODEL_PRESET = env_str("EASEL_MODEL_PRESET", "bundled")
EASEL_MODELS_DIR = env_str("EASEL_MODELS_DIR", "")
EASEL_DEVICE = env_str("EASEL_DEVICE", "auto")
EASEL_MODEL_NAME = env_str("EASEL_MODEL_NAME", "dall-e-2")

# --- Sign-in, sign-up and password-reset attempts (per client address; sign-in also per account).
LOGIN_RATE_LIMIT = env_int("LOGIN_RATE_LIMIT", 10)  # attempts per 5 minutes
SIGNUP_RATE_LIMIT = env_int("SIGNUP_RATE_LIMIT", 10)  # sign-ups and reset requests per hour

# --- Generation limits.
STUDIO_PROMPT_MAX = env_int("STUDIO_PROMPT_MAX", 400)
GENERATION_TIMEOUT_S = env_float("GENERATION_TIMEOUT_S", 600.0)
# Cross-request batching (generation/batching.py): a GPU worker runs queued text-to-image
# requests of one size together, up to this many images (at most 16; 0 or 1 turns it off).
GENERATION_BATCH_MAX_IMAGES = env_int("GENERATION_BATCH_MAX_IMAGES", 8)

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

REST_FRAMEWORK = {
    "UNAUTHENTICATED_USER": None,
}

# --- Security for production (tests/ops/test_check_deploy.py runs `manage.py check --deploy`).
# The public URL decides: a site whose SITE_URL is https:// gets secure cookies,
# an HTTP→HTTPS redirect and a year of HSTS unless a variable says otherwise;
# `make run` serves http://127.0.0.1:8000, where all of these would lock the
# browser out, so there they stay off. DEBUG plays no part: make run is not DEBUG.
SERVED_OVER_HTTPS = SITE_URL.startswith("https://")
SECURE_COOKIES = env_bool("SECURE_COOKIES", SERVED_OVER_HTTPS)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SERVED_OVER_HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if SERVED_OVER_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SERVED_OVER_HTTPS)
# `preload` in the header only takes effect once someone submits the domain to
# the browsers' list (hstspreload.org); set false if the domain must keep HTTP subdomains.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SERVED_OVER_HTTPS)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Operations: /metrics answers staff sessions, and a scraper sending this bearer token.
METRICS_TOKEN = env_secret("METRICS_TOKEN", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Images API (issue 7): OpenAI-compatible /v1/. Variables in .env.example.
# Under ASGI, one sync-only middleware would pin a thread per request for its
# whole life, and API calls wait for GPUs: the API's middleware comes first and
# WhiteNoise is swapped for an async-capable subclass.
MIDDLEWARE = ["generation.api.middleware.ApiMiddleware"] + [
    "generation.api.middleware.AsyncWhiteNoiseMiddleware" if m == "whitenoise.middleware.WhiteNoiseMiddleware" else m
    for m in MIDDLEWARE
]
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "drf_spectacular.openapi.AutoSchema"
SPECTACULAR_SETTINGS = {"SERVE_INCLUDE_SCHEMA": False}  # the rest is in generation/api/urls.py
EASEL_API_MODELS = env_list("EASEL_API_MODELS", [])
EASEL_API_MODELS_CREATED = env_int("EASEL_API_MODELS_CREATED", 1650000000)
EASEL_API_RATE_LIMIT = env_int("EASEL_API_RATE_LIMIT", 60)
EASEL_API_RATE_WINDOW_S = env_int("EASEL_API_RATE_WINDOW_S", 60)
EASEL_API_WAIT_TIMEOUT_S = env_float("EASEL_API_WAIT_TIMEOUT_S", 540.0)
EASEL_API_WAIT_RECHECK_S = env_float("EASEL_API_WAIT_RECHECK_S", 5.0)
EASEL_API_WAIT_POLL_S = env_float("EASEL_API_WAIT_POLL_S", 0.25)
EASEL_API_SYNC_CONCURRENCY = env_int("EASEL_API_SYNC_CONCURRENCY", 16)
# --- end of Images API settings.

# --- Billing (issue 5): Stripe, credit packs, the beat schedule. Variables in .env.example.
STRIPE_SECRET_KEY = env_secret("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = env_secret("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "").rstrip("/")
# The "Pay" step confirms server-side with Stripe's test cards; never with a live key.
STRIPE_TEST_PAYMENTS = env_bool("STRIPE_TEST_PAYMENTS", not STRIPE_SECRET_KEY.startswith("sk_live_"))
if STRIPE_TEST_PAYMENTS and STRIPE_SECRET_KEY.startswith("sk_live_"):
    raise RuntimeError("STRIPE_TEST_PAYMENTS=true cannot be used with a live Stripe key")


def _credit_packs(entries: list[str]) -> list[dict]:
    """CREDIT_PACKS is `id:credits:price:currency,...`, e.g. `standard:115:15.00:usd`."""
    from decimal import Decimal, InvalidOperation

    packs = []
    for entry in entries:
        try:
            pack_id, credits, price, currency = entry.split(":")
            pack = {"id": pack_id, "credits": int(credits), "price": Decimal(price), "currency": currency.lower()}
        except (ValueError, InvalidOperation) as e:
            raise RuntimeError(f"CREDIT_PACKS entry {entry!r} is not id:credits:price:currency") from e
        if pack["credits"] <= 0 or pack["price"] <= 0 or len(pack["currency"]) != 3:
            raise RuntimeError(f"CREDIT_PACKS entry {entry!r} needs positive credits and price and a currency code")
        packs.append(pack)
    return packs


CREDIT_PACKS = _credit_packs(env_list("CREDIT_PACKS", ["standard:115:15.00:usd"]))

from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    # Both tasks are idempotent: running them hourly makes a late or missed run harmless.
    "billing-grant-monthly-credits": {
        "task": "billing.tasks.grant_monthly_credits",
        "schedule": crontab(minute=5),
    },
    "billing-expire-credit-lots": {
        "task": "billing.tasks.expire_credit_lots",
        "schedule": crontab(minute=10),
    },
}
# --- end of billing settings.

# The reaper fails and refunds generations stuck past GENERATION_TIMEOUT_S.
CELERY_BEAT_SCHEDULE["reap-stale-generations"] = {
    "task": "generation.tasks.reap_stale_generations",
    "schedule": 60.0,
}

# --- Moderation (issue 6): strikes and the studio upload limit. Variables in .env.example.
MODERATION_STRIKES_WARN_AT = env_int("MODERATION_STRIKES_WARN_AT", 3)
MODERATION_STRIKES_SUSPEND_AT = env_int("MODERATION_STRIKES_SUSPEND_AT", 5)
MODERATION_STRIKES_WINDOW_HOURS = env_int("MODERATION_STRIKES_WINDOW_HOURS", 24 * 30)
MODERATION_STUDIO_UPLOAD_MAX_BYTES = env_int("MODERATION_STUDIO_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# --- end of moderation settings.
