"""EvalOrg settings, read from the environment (see .env.example)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("EVALORG_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", False)
DEV_SECRET_KEY = "dev-only-insecure-key-change-me"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or DEV_SECRET_KEY
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
PRODUCTION = env_bool("EVALORG_PRODUCTION", False)


def refuse_unsafe_production(debug: bool, secret_key: str) -> None:
    """With EVALORG_PRODUCTION=1 the server does not start in debug mode or on the public
    development key (issue 11): either would hand out tracebacks or forgeable sessions."""
    if debug:
        raise ImproperlyConfigured("EVALORG_PRODUCTION=1: DJANGO_DEBUG must be off in production.")
    if secret_key == DEV_SECRET_KEY or secret_key.startswith(("dev-only", "django-insecure")):
        raise ImproperlyConfigured(
            "EVALORG_PRODUCTION=1: set DJANGO_SECRET_KEY to a random secret "
            "(not the development key)."
        )
    if len(secret_key) < 50 or len(set(secret_key)) < 5:
        raise ImproperlyConfigured(
            "EVALORG_PRODUCTION=1: DJANGO_SECRET_KEY is too short (>= 50 characters)."
        )


if PRODUCTION:
    refuse_unsafe_production(DEBUG, SECRET_KEY)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "evalorg.core.thirdparty.AxesConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "evalorg.core.thirdparty.TasksDatabaseConfig",
    "captcha",
    "django_ratelimit",
    "ninja",  # its Swagger UI files are served from our static files, not a CDN
    "csp",
    "evalorg.core",
    "evalorg.catalog",
    "evalorg.accounts",
    "evalorg.institutions",
    "evalorg.rounds",
    "evalorg.applications",
    "evalorg.review",
    "evalorg.selection",
    "evalorg.publicity",
    "evalorg.cultivation",
    "evalorg.filing",
    "evalorg.supervision",
    "evalorg.sanctions",
    "evalorg.complaints",
    "evalorg.annual",
    "evalorg.renewal",
    "evalorg.notify",
    "evalorg.documents",
    "evalorg.simulation",
    "evalorg.api",
    "evalorg.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "evalorg.core.uploads.UploadLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "evalorg.accounts.sessions.SessionExpiryMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "evalorg.accounts.middleware.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "evalorg.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Issue 21 item 8 (core/request_guards.py): control characters in the query → 400, small
    # anonymous bodies, Cache-Control: no-store for signed-in users and files.
    "evalorg.core.request_guards.ControlCharacterMiddleware",
    "evalorg.core.request_guards.AnonymousBodyLimitMiddleware",
    "evalorg.core.request_guards.NoStoreMiddleware",
    # Empty 405/503 answers get the Chinese error page (issue 22).
    "evalorg.core.errors.ErrorPageMiddleware",
]
EVALORG_ANONYMOUS_MAX_BODY_BYTES = 64 * 1024
# Anonymous routes that take a file: the public objection form's evidence (N-4.1.3) and the
# filing letter compared on the public verify page (hashed, never kept; 20 MB cap there).
EVALORG_ANONYMOUS_UPLOAD_ROUTES = frozenset(
    {"public:objection_new", "verify:letter", "complaints_public:new"}
)
# A CSRF failure is the Chinese "page expired" page with a way back, not Django's English 403.
CSRF_FAILURE_VIEW = "evalorg.core.errors.csrf_failure"

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

# Connections are kept for DB_CONN_MAX_AGE seconds (default 60; 0 closes each at the end of
# its request): a new PostgreSQL connection per request halved a cheap page's rate (issue 24).
CONN_MAX_AGE = int(os.environ.get("DB_CONN_MAX_AGE", "60"))
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'evalorg.sqlite3'}",
        conn_max_age=CONN_MAX_AGE,
        # A kept connection is checked before reuse, so a restarted or failed-over PostgreSQL
        # costs no request an error.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A PostgreSQL that does not answer fails fast (docs/deployment.md): connecting gives up
    # after DB_CONNECT_TIMEOUT seconds, and DB_STATEMENT_TIMEOUT_MS (0 = none, the default for
    # migrate and the commands) ends a statement that runs longer, instead of gunicorn's timeout.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DB_CONNECT_TIMEOUT", "5")
    )
    if int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "0")):
        DATABASES["default"]["OPTIONS"]["options"] = (
            f"-c statement_timeout={int(os.environ['DB_STATEMENT_TIMEOUT_MS'])}"
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait for each other instead of failing with "database is locked":
    # WAL lets readers run beside the one writer, IMMEDIATE takes the write lock when a
    # transaction begins (a deferred one that reads first cannot wait for it later), and
    # `timeout` is how long to wait. Past it, core.middleware answers 503 with a message.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": int(os.environ.get("SQLITE_BUSY_TIMEOUT", "20")),
        }
    )
# A streaming replica of PostgreSQL (docs/deployment.md): DATABASE_REPLICA_URL adds the
# read-only connection alias "replica" for reporting queries (`.using("replica")`, `dbshell
# --database replica`). Nothing writes through it; without the variable there is no such alias.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=CONN_MAX_AGE,
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# Reports and the public registry read from the replica when it exists (evalorg/core/replica.py).
DATABASE_ROUTERS = ["evalorg.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Argon2id first; PBKDF2 stays to verify (and upgrade at login) hashes made before it.
PASSWORD_HASHERS = [
    "evalorg.accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
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
    {"NAME": "evalorg.accounts.validators.CommonChinesePasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "evalorg.accounts.validators.CharacterClassValidator"},
    # Issue 21 item 5: zxcvbn's guess estimate, the account's and the site's own words, 12
    # characters for staff (docs/security.md, "Password policy").
    {"NAME": "evalorg.accounts.validators.OwnWordsValidator"},
    {"NAME": "evalorg.accounts.validators.GuessabilityValidator"},
    {"NAME": "evalorg.accounts.validators.StaffMinimumLengthValidator"},
]
LOGIN_URL = "accounts:login"
# Second factor (django-otp, accounts/second_factor.py): the name shown in authenticator apps.
OTP_TOTP_ISSUER = "EvalOrg 广东评价组织遴选"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Idle timeout: 30 minutes without a request ends the session. The expiry slides forward with
# the requests, written at most once a minute (accounts/sessions.py: not an UPDATE per request).
SESSION_COOKIE_AGE = 30 * 60
# Sessions are rows in the database, so every app server behind the load balancer sees every
# session (docs/deployment.md); `manage.py clearsessions` removes the expired ones.
SESSION_ENGINE = "evalorg.accounts.sessions"
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# HTTPS (docs/security.md, "Production settings"). In production the application runs behind
# a reverse proxy that terminates TLS and sets X-Forwarded-Proto: https (and overwrites any
# value the client sent); SECURE_PROXY_SSL_HEADER trusts that header, so the server must not
# be reachable except through the proxy. EVALORG_BEHIND_PROXY=0 for a server that terminates
# TLS itself.
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # The load balancer probes the app servers over plain HTTP (docs/deployment.md).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    if env_bool("EVALORG_BEHIND_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    CSRF_TRUSTED_ORIGINS = [
        origin for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if origin
    ]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# django-axes: 5 failures (wrong passwords or wrong second-factor codes) for one username from
# one client address lock that pair for AXES_COOLOFF_MINUTES. By the pair, not the username
# alone, so nobody can lock another person out from elsewhere; a sweep over many accounts from
# one address is slowed by the per-IP failure rate (accounts/ratelimits.py).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_MINUTES = int(os.environ.get("AXES_COOLOFF_MINUTES", "30"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "evalorg.accounts.ratelimits.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "evalorg.accounts.views.lockout_response"
AXES_VERBOSE = False


AXES_COOLOFF_TIME = timedelta(minutes=AXES_COOLOFF_MINUTES)

# Content Security Policy (django-csp 4): only our own scripts, styles, fonts and frames; no
# inline code, no eval, never framed. Bootstrap's CSS draws select arrows and checkboxes as
# data: SVG images, hence data: for images only. See docs/security.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "evalorg" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "evalorg" / "static"]
# Uploaded files live outside the web root and have no public URL: they are served only by
# views that check access (core.files). EVALORG_STORAGE chooses where: "filesystem" (default)
# under EVALORG_MEDIA_ROOT, which several app servers share (NFS), or "s3", a private bucket of
# any S3-compatible object store through django-storages (docs/deployment.md).
MEDIA_ROOT = Path(os.environ.get("EVALORG_MEDIA_ROOT", VAR_DIR / "private"))


def default_storage_from_env(kind: str) -> dict:
    if kind == "filesystem":
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(MEDIA_ROOT)},
        }
    if kind == "s3":
        if not os.environ.get("AWS_STORAGE_BUCKET_NAME"):
            raise ImproperlyConfigured("EVALORG_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
        # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, read by django-storages and
        # boto3 from the environment (or an instance role), never from this file.
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
                "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
                "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
                "location": os.environ.get("AWS_LOCATION", ""),
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
    raise ImproperlyConfigured(f"EVALORG_STORAGE must be 'filesystem' or 's3', not {kind!r}.")


STORAGES = {
    "default": default_storage_from_env(os.environ.get("EVALORG_STORAGE", "filesystem")),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "/_private-not-served/"  # no URL pattern serves it

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
# SMTP (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend): the relay every task worker
# sends through (docs/deployment.md); Django's defaults (localhost:25, no TLS) when unset.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "evalorg@hrss.gd.gov.cn")
# The address the public reaches the system at: printed (as a QR code and a short URL) on every
# filing letter so that anyone shown one can check it (/v/<code>, issue 25).
# Key of the assessment rosters' identity numbers (Fernet, issue 25): a Fernet key in the
# environment, else derived from SECRET_KEY (supervision/roster.py).
EVALORG_ROSTER_KEY = os.environ.get("EVALORG_ROSTER_KEY", "")
EVALORG_PUBLIC_URL = os.environ.get("EVALORG_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# An acceptance batch with more letters to issue than this is issued by the task worker, case
# by case, instead of in the center's POST (a hundred would outlast the request timeout).
EVALORG_LETTERS_IN_REQUEST = int(os.environ.get("EVALORG_LETTERS_IN_REQUEST", "10"))

# Background work (django-tasks): tasks are rows in the database, run by `manage.py run_worker`,
# one worker per queue: "default" (e-mail and the rest) and "banks" (question-bank checks, so an
# e-mail never waits behind one; docs/operations.md). Tests switch to the immediate backend
# (tests/conftest.py).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "banks"],
    }
}
# A task a worker claimed (RUNNING) longer ago than this is put back in the queue by the
# task_claims sweep (the worker died; evalorg/core/task_worker.py).
EVALORG_TASK_CLAIM_TIMEOUT = timedelta(
    minutes=int(os.environ.get("EVALORG_TASK_CLAIM_TIMEOUT_MINUTES", "30"))
)
# An e-mail claimed by a worker ("sending") for longer than this is released by the outbox sweep.
OUTBOX_CLAIM_TIMEOUT = timedelta(minutes=int(os.environ.get("OUTBOX_CLAIM_TIMEOUT_MINUTES", "10")))
# Question banks (issue 9): a specification table or theory bank with more data rows than this,
# or a larger file, is checked by a background task with progress shown; smaller ones at once.
BANK_CHECK_ASYNC_ROWS = int(os.environ.get("BANK_CHECK_ASYNC_ROWS", "2000"))
BANK_CHECK_ASYNC_BYTES = int(os.environ.get("BANK_CHECK_ASYNC_BYTES", str(1024 * 1024)))
# A bank check's stored report keeps this many problems of each kind (all are counted), the
# page shows the first BANK_REPORT_SHOWN_PER_KIND of each, the annotated workbook comments at
# most BANK_ANNOTATION_MAX_COMMENTS cells (issue 20 item 3, issue 21 item 2).
BANK_REPORT_KEEP_PER_KIND = int(os.environ.get("BANK_REPORT_KEEP_PER_KIND", "200"))
BANK_REPORT_SHOWN_PER_KIND = 50
# Work units the near-duplicate search of one theory bank may spend before it stops and says so
# (banks/similarity.py; issue 21 item 2: near-identical stems give quadratically many pairs).
BANK_NEAR_DUPLICATE_BUDGET = int(os.environ.get("BANK_NEAR_DUPLICATE_BUDGET", "10000000"))
# In the upload's request a smaller budget: past it the check moves to the background task.
BANK_NEAR_DUPLICATE_BUDGET_IN_REQUEST = int(
    os.environ.get("BANK_NEAR_DUPLICATE_BUDGET_IN_REQUEST", "1000000")
)
BANK_ANNOTATION_MAX_COMMENTS = int(os.environ.get("BANK_ANNOTATION_MAX_COMMENTS", "500"))
# A background check running longer than this is taken as lost (its worker died): failed.
BANK_CHECK_STALE = timedelta(minutes=int(os.environ.get("BANK_CHECK_STALE_MINUTES", "30")))
# A background check runs in a child process of the worker that is killed, and the check failed,
# after this many seconds or when it maps this many MB beyond the loaded program (issue 21 item 2,
# cultivation/bank_isolation.py). Both stay well below BANK_CHECK_STALE and the task claim
# timeout. Tests run checks in their own process (BANK_CHECK_ISOLATED = False).
BANK_CHECK_TIME_LIMIT_SECONDS = int(os.environ.get("BANK_CHECK_TIME_LIMIT_SECONDS", "300"))
BANK_CHECK_MEMORY_LIMIT_MB = int(os.environ.get("BANK_CHECK_MEMORY_LIMIT_MB", "1024"))
BANK_CHECK_ISOLATED = True

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        # Keeps two deployments (or a test run) on one Redis apart.
        "KEY_PREFIX": os.environ.get("EVALORG_CACHE_KEY_PREFIX", ""),
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

SILENCED_SYSTEM_CHECKS: list[str] = []
# Uploads (core.files, core.content_checks, core.uploads; docs/security.md "Uploads"): a request
# body above EVALORG_MAX_REQUEST_BYTES is refused before it is read (413), and an upload that
# passes it while streaming is cut off; OOXML files are refused above a decompressed size, or
# above a compression ratio once they unpack to more than EVALORG_OOXML_RATIO_FROM_BYTES.
MB = 1024 * 1024
EVALORG_MAX_REQUEST_BYTES = int(os.environ.get("EVALORG_MAX_REQUEST_MB", "100")) * MB
EVALORG_OOXML_MAX_UNPACKED_BYTES = 200 * MB
EVALORG_OOXML_MAX_RATIO = 100
EVALORG_OOXML_RATIO_FROM_BYTES = 10 * MB
# Time budget of one file's content check (issue 21 item 7): a crafted PDF is refused past it.
EVALORG_UPLOAD_CHECK_SECONDS = float(os.environ.get("EVALORG_UPLOAD_CHECK_SECONDS", "5"))
FILE_UPLOAD_HANDLERS = [
    "evalorg.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "evalorg.core.uploads.CleanTemporaryFileUploadHandler",
]
# Parts above 2.5 MB stream here; removed when their request ends, and by the
# upload_temp_files sweep once older than EVALORG_UPLOAD_TEMP_MAX_HOURS (a killed worker).
FILE_UPLOAD_TEMP_DIR = str(Path(os.environ.get("EVALORG_UPLOAD_TEMP_DIR", VAR_DIR / "upload-tmp")))
# Created here: Django's check files.E001 refuses every command (migrate included) while it is
# missing, and a fresh clone or a new server has no such folder yet.
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
EVALORG_UPLOAD_TEMP_MAX_HOURS = int(os.environ.get("EVALORG_UPLOAD_TEMP_MAX_HOURS", "6"))

# Audit chain (core.audit, docs/security.md "Audit chain"): each link is HMAC-SHA256 under
# EVALORG_AUDIT_KEY, a secret kept out of the database; events store only the key's id.
# Rotation: give the new key a new EVALORG_AUDIT_KEY_ID and move the old one to
# EVALORG_AUDIT_OLD_KEYS ("id=secret;id=secret"), which only verifies.
_DEV_AUDIT_KEY = "dev-only-audit-key"
# core.audit refuses to sign with it on a database whose chain another key signed (production).
EVALORG_DEV_AUDIT_KEY = _DEV_AUDIT_KEY
EVALORG_AUDIT_KEY_ID = os.environ.get("EVALORG_AUDIT_KEY_ID", "dev")
EVALORG_AUDIT_KEYS = {
    key_id.strip(): secret
    for key_id, _, secret in (
        pair.partition("=") for pair in os.environ.get("EVALORG_AUDIT_OLD_KEYS", "").split(";")
    )
    if key_id.strip() and secret
}
EVALORG_AUDIT_KEYS[EVALORG_AUDIT_KEY_ID] = os.environ.get("EVALORG_AUDIT_KEY", _DEV_AUDIT_KEY)


def refuse_development_audit_key(keys: dict[str, str], key_id: str) -> None:
    """Outside production, events are signed with the public development key. In production
    every process (the web, the worker, any ``manage.py`` command) stops here instead: events
    signed with the development key would later fail production's ``verify_audit``."""
    if _DEV_AUDIT_KEY in keys.values() or len(keys[key_id]) < 32:
        raise ImproperlyConfigured(
            "生产环境（EVALORG_PRODUCTION=1）必须设置审计密钥 EVALORG_AUDIT_KEY（至少 32 个字符），"
            "不得使用开发密钥签署审计事件；请先载入生产环境变量（set -a; . /srv/evalorg/.env）。"
            " / EVALORG_PRODUCTION=1: set EVALORG_AUDIT_KEY (at least 32 characters); audit "
            "events are never signed with the development key in production."
        )


if PRODUCTION:
    refuse_development_audit_key(EVALORG_AUDIT_KEYS, EVALORG_AUDIT_KEY_ID)

# PAdES signatures of filing letters (filing/signing.py, issue 25 item 5): the department's
# signing key (PEM, optionally encrypted with the passphrase), its certificate, and the
# department's CA certificate, the trust root the public verify page checks uploads against.
# Outside production, when unset, a test CA is generated on first use under
# EVALORG_SIGNING_DEV_DIR (`manage.py make_test_signing_ca`); production refuses to start
# without the three files.
EVALORG_SIGNING_KEY_FILE = os.environ.get("EVALORG_SIGNING_KEY_FILE", "")
EVALORG_SIGNING_CERT_FILE = os.environ.get("EVALORG_SIGNING_CERT_FILE", "")
EVALORG_SIGNING_CA_FILE = os.environ.get("EVALORG_SIGNING_CA_FILE", "")
EVALORG_SIGNING_KEY_PASSPHRASE = os.environ.get("EVALORG_SIGNING_KEY_PASSPHRASE", "")
EVALORG_SIGNING_DEV_DIR = VAR_DIR / "signing-test-ca"


def refuse_missing_signing(key_file: str, cert_file: str, ca_file: str) -> None:
    """In production every process stops unless the department's signing key, certificate and
    CA certificate are configured and readable: a letter signed by a test CA, or none, would be
    reported as not trusted by the verify page."""
    given = {"EVALORG_SIGNING_KEY_FILE": key_file, "EVALORG_SIGNING_CERT_FILE": cert_file}
    given["EVALORG_SIGNING_CA_FILE"] = ca_file
    missing = [name for name, path in given.items() if not path or not Path(path).is_file()]
    if missing:
        names = "、".join(missing)
        raise ImproperlyConfigured(
            f"生产环境（EVALORG_PRODUCTION=1）必须配置备案函签名证书：{names} 未设置或文件不存在"
            f"（docs/deployment.md）。 / EVALORG_PRODUCTION=1: set {', '.join(missing)} to "
            "the department's signing key, certificate and CA certificate files."
        )


if PRODUCTION:
    refuse_missing_signing(
        EVALORG_SIGNING_KEY_FILE, EVALORG_SIGNING_CERT_FILE, EVALORG_SIGNING_CA_FILE
    )
# Signed checkpoints of the chain's head, appended (never rewritten) by the sweep every
# EVALORG_AUDIT_CHECKPOINT_MINUTES, by sealing every EVALORG_AUDIT_CHECKPOINT_EVENTS events and
# by `manage.py audit_checkpoint`; the file append-only on a disk the database host cannot
# rewrite, each line also logged to "evalorg.audit.checkpoint" for a remote syslog (security.md).
EVALORG_AUDIT_CHECKPOINT_FILE = Path(
    os.environ.get("EVALORG_AUDIT_CHECKPOINT_FILE", VAR_DIR / "audit-checkpoints.jsonl")
)
EVALORG_AUDIT_CHECKPOINT_MINUTES = int(os.environ.get("EVALORG_AUDIT_CHECKPOINT_MINUTES", "15"))
EVALORG_AUDIT_CHECKPOINT_EVENTS = int(os.environ.get("EVALORG_AUDIT_CHECKPOINT_EVENTS", "500"))


# django-ratelimit (the public objection form, 5 POSTs per IP per hour) counts in the default
# cache. Django's own RedisCache increments atomically but is not on the package's list (W001);
# without REDIS_URL the local-memory cache counts per process, which is enough for development,
# tests and a single-process server (E003). See docs/decisions.md.
SILENCED_SYSTEM_CHECKS += ["django_ratelimit.W001"]
RATELIMIT_IP_META_KEY = "evalorg.accounts.ratelimits.client_ip"
RATELIMIT_VIEW = "evalorg.accounts.ratelimits.too_many_requests"
if not os.environ.get("REDIS_URL"):
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003"]

# django-simple-captcha draws its images locally (Pillow and the font it ships); no network.
CAPTCHA_IMAGE_SIZE = (120, 40)
CAPTCHA_LENGTH = 4
CAPTCHA_TIMEOUT = 10  # minutes

# `load_demo` (make run) adds a simulated round of 40 institutions (evalorg/simulation/demo.py);
# tests that load the demo switch it off (tests/conftest.py): it takes most of a minute.
EVALORG_DEMO_SIMULATION = os.environ.get("EVALORG_DEMO_SIMULATION", "1") != "0"
# `load_demo` also adds small live rounds with work open at every stage for the demo logins
# (evalorg/simulation/live.py, issue 22); tests switch them off but tests/simulation/test_live.py.
EVALORG_DEMO_LIVE = os.environ.get("EVALORG_DEMO_LIVE", "1") != "0"

# Submitted expert review sheets a question-bank decision needs (issue 20 item 4, N-4.2).
BANK_REVIEW_SHEETS_REQUIRED = int(os.environ.get("EVALORG_BANK_REVIEW_SHEETS", "2"))
