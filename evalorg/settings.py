"""EvalOrg settings, read from the environment (see .env.example)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("EVALORG_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
if not DEBUG and SECRET_KEY.startswith("dev-only") and env_bool("EVALORG_PRODUCTION", False):
    raise RuntimeError("DJANGO_SECRET_KEY must be set in production")
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "evalorg.core.thirdparty.AxesConfig",
    "django_tasks",
    "evalorg.core.thirdparty.TasksDatabaseConfig",
    "captcha",
    "django_ratelimit",
    "evalorg.core",
    "evalorg.catalog",
    "evalorg.accounts",
    "evalorg.institutions",
    "evalorg.rounds",
    "evalorg.applications",
    "evalorg.review",
    "evalorg.publicity",
    "evalorg.cultivation",
    "evalorg.filing",
    "evalorg.notify",
    "evalorg.documents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "evalorg.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "evalorg.urls"
WSGI_APPLICATION = "evalorg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "evalorg" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "evalorg.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'evalorg.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "evalorg.accounts.validators.UserAttributeSimilarityValidator"},
    {
        "NAME": "evalorg.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "evalorg.accounts.validators.CharacterClassValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Idle timeout: 30 minutes without a request ends the session (SESSION_SAVE_EVERY_REQUEST
# slides the expiry forward on each request).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# django-axes: 5 failures lock the account (by username) for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_MINUTES = int(os.environ.get("AXES_COOLOFF_MINUTES", "30"))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "evalorg.accounts.views.lockout_response"
AXES_VERBOSE = False


AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "evalorg" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "evalorg" / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "private")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded files live outside the web root and have no public URL: they are served only by
# views that check access (core.files).
MEDIA_ROOT = VAR_DIR / "private"
MEDIA_URL = "/_private-not-served/"  # no URL pattern serves it

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "evalorg@hrss.gd.gov.cn")

# Background work (django-tasks): tasks are rows in the database, run by `manage.py db_worker`
# (see docs/operations.md). Tests switch to the immediate backend (tests/conftest.py).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# An e-mail claimed by a worker ("sending") for longer than this is released by the outbox sweep.
OUTBOX_CLAIM_TIMEOUT = timedelta(minutes=int(os.environ.get("OUTBOX_CLAIM_TIMEOUT_MINUTES", "10")))

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
    if os.environ.get("REDIS_URL")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

EVALORG_REFERENCE_DATA_DIR = BASE_DIR / "evalorg" / "catalog" / "data"

# Lockout is per account (username), not per IP: staff of a city agency share one NAT address,
# and one person's typos must not lock the whole office out.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# django-ratelimit (the public objection form, 5 POSTs per IP per hour) counts in the default
# cache. Django's own RedisCache increments atomically but is not on the package's list (W001);
# without REDIS_URL the local-memory cache counts per process, which is enough for development,
# tests and a single-process server (E003). See docs/decisions.md.
SILENCED_SYSTEM_CHECKS += ["django_ratelimit.W001"]
if not os.environ.get("REDIS_URL"):
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003"]

# django-simple-captcha draws its images locally (Pillow and the font it ships); no network.
CAPTCHA_IMAGE_SIZE = (120, 40)
CAPTCHA_LENGTH = 4
CAPTCHA_TIMEOUT = 10  # minutes
