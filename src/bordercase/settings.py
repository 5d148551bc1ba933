"""Django settings, read from the environment.

Development is the default mode: SQLite under ./var, DEBUG on, a secret generated into
./var on first run. BORDERCASE_MODE=production turns on every deployment protection and
refuses to start without a real SECRET_KEY.
"""

from __future__ import annotations

import importlib.util
import re
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from bordercase.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("BORDERCASE_VAR_DIR", "var")).resolve()

MODE = env_str("BORDERCASE_MODE", "development")
if MODE not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"BORDERCASE_MODE must be development or production, not {MODE!r}."
    )
PRODUCTION = MODE == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production mode: unset DEBUG or set it to false.")


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if PRODUCTION:
        # Django's own check (security.W009) asks for 50+ characters with 5+ distinct ones.
        if len(key) < 50 or len(set(key)) < 5:
            raise ImproperlyConfigured(
                "Production mode needs SECRET_KEY: at least 50 random characters, for example "
                "from `python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
            )
        return key
    if key:
        return key
    # Development keeps a random key of its own so that no secret ever lives in the repository.
    key_file = VAR_DIR / "secret-key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(64), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Production mode needs ALLOWED_HOSTS: the host names it serves, comma-separated.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "bordercase.accounts",
    "bordercase.cases",
    "bordercase.immigration",
    "bordercase.reporting",
    "bordercase.transparency",
    "bordercase.privacy",
    "bordercase.retention",
    "bordercase.web",
    "bordercase.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "bordercase.health.HealthMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "bordercase.guard.RefuseNullCharacters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "bordercase.web.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as axes asks: it turns a sign-in that wrong passwords locked into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bordercase.urls"
WSGI_APPLICATION = "bordercase.wsgi.application"

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
                "bordercase.web.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'bordercase.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        # A persistent connection the server dropped is replaced before use instead of failing a request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work during a write; IMMEDIATE takes the write lock at BEGIN so two
    # transitions on one request queue up instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    # The queue's index carries its columns for PostgreSQL (INCLUDE); SQLite keeps the index without them and
    # needs nothing from the operator, so its warning on every command would only teach people to ignore warnings.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:sign-in"
LOGIN_REDIRECT_URL = "web:requests"
LOGOUT_REDIRECT_URL = "web:start"
# Staff, and anyone who turns it on, give a code from an authenticator app after the password (bordercase.web.
# second_factor). The issuer names the entry people see in their app.
OTP_TOTP_ISSUER = "bordercase"

# Password guessing is throttled (django-axes, bordercase.accounts.throttle): wrong passwords are counted in the
# database, so every gunicorn worker sees them, per account and per client address, each against its own limit
# within the cool-off. While locked even the right password is refused (HTTP 429); a password reset lifts an
# account's lock. Axes' backend must come first so it can refuse before a password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
SIGN_IN_ACCOUNT_FAILURE_LIMIT = env_int("BORDERCASE_SIGN_IN_ACCOUNT_LIMIT", 10)
SIGN_IN_ADDRESS_FAILURE_LIMIT = env_int("BORDERCASE_SIGN_IN_ADDRESS_LIMIT", 50)
_SIGN_IN_COOLOFF_MINUTES = env_int("BORDERCASE_SIGN_IN_COOLOFF_MINUTES", 15)
for _name, _value in (("BORDERCASE_SIGN_IN_ACCOUNT_LIMIT", SIGN_IN_ACCOUNT_FAILURE_LIMIT),
                      ("BORDERCASE_SIGN_IN_ADDRESS_LIMIT", SIGN_IN_ADDRESS_FAILURE_LIMIT),
                      ("BORDERCASE_SIGN_IN_COOLOFF_MINUTES", _SIGN_IN_COOLOFF_MINUTES)):
    if _value < 1:
        raise ImproperlyConfigured(f"{_name} must be a whole number above 0, not {_value}.")
AXES_HANDLER = "bordercase.accounts.throttle.SignInThrottle"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The handler counts the limits reached (each counter against its own figure above), so one is enough to lock.
AXES_FAILURE_LIMIT = 1
AXES_COOLOFF_TIME = timedelta(minutes=_SIGN_IN_COOLOFF_MINUTES)
# A try while locked is refused without being counted, so the lock ends when the page said it would.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The form's field is "username" even though accounts sign in by email; matched in lower case like sign-in itself.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "bordercase.accounts.throttle.username_of"
AXES_LOCKOUT_CALLABLE = "bordercase.web.lockout_views.sign_in_locked"
# Every failure is kept in AccessFailureLog, the one that locks with locked_out set, beyond the cool-off.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ENABLE_ADMIN = False
# No banner on every command; failures and locks are still logged as warnings.
AXES_VERBOSE = False
if env_bool("BEHIND_TLS_PROXY", default=False):
    # The proxy appends the address it saw to X-Forwarded-For, so the client is the right-most entry: anything to its
    # left came from the client and could be made up. Non-strict, so made-up entries are skipped, not lumped together
    # under the proxy's own address.
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = 0
    IPWARE_STRICT = False
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("email", "full_name")}},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-nz"
TIME_ZONE = "Pacific/Auckland"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)


def _evidence_storage() -> dict[str, object]:
    """Local files by default; BORDERCASE_STORAGE=s3 keeps evidence private in an S3-compatible store."""
    kind = env_str("BORDERCASE_STORAGE", "local")
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"BORDERCASE_STORAGE must be local or s3, not {kind!r}.")
    try:
        import boto3  # noqa: F401 - only to say clearly what is missing
    except ImportError as exc:
        raise ImproperlyConfigured('BORDERCASE_STORAGE=s3 needs boto3: pip install "bordercase[s3]".') from exc
    # Private objects: no public ACL, and any URL handed out is signed and expires. The keys are boto3's to read
    # (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), so they never pass through settings.
    options: dict[str, object] = {"default_acl": None, "querystring_auth": True, "file_overwrite": False}
    for variable, option, example in (
        ("BORDERCASE_S3_BUCKET", "bucket_name", "the bucket's name"),
        ("BORDERCASE_S3_ENDPOINT_URL", "endpoint_url", "for AWS, https://s3.ap-southeast-2.amazonaws.com"),
        ("BORDERCASE_S3_REGION", "region_name", "for example ap-southeast-2"),
    ):
        value = env_str(variable)
        if not value:
            raise ImproperlyConfigured(f"BORDERCASE_STORAGE=s3 needs {variable} ({example}).")
        options[option] = value
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": _evidence_storage(),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# Evidence uploads: 10 MB each unless configured; larger uploads stream to a temporary file, not memory.
EVIDENCE_MAX_BYTES = env_int("BORDERCASE_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
if EVIDENCE_MAX_BYTES < 1:
    raise ImproperlyConfigured(f"BORDERCASE_EVIDENCE_MAX_BYTES must be a number of bytes above 0, "
                               f"not {EVIDENCE_MAX_BYTES}.")
# Checked from an image's header before anything is decoded. 20 million takes an A4 page scanned at 300 dpi
# (2,480 x 3,508) and a 12-megapixel phone photo (4,032 x 3,024) but not a 7,000 x 7,000 image, which would cost
# about 190 MB to decode.
EVIDENCE_MAX_PIXELS = env_int("BORDERCASE_EVIDENCE_MAX_PIXELS", 20_000_000)
if EVIDENCE_MAX_PIXELS < 1:
    raise ImproperlyConfigured(f"BORDERCASE_EVIDENCE_MAX_PIXELS must be a number of pixels above 0, "
                               f"not {EVIDENCE_MAX_PIXELS}.")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Where the accessibility statement (/accessibility/) tells people to report a problem; empty, it names no address.
ACCESSIBILITY_EMAIL = env_str("BORDERCASE_ACCESSIBILITY_EMAIL", "")
if ACCESSIBILITY_EMAIL and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", ACCESSIBILITY_EMAIL):
    raise ImproperlyConfigured(f"BORDERCASE_ACCESSIBILITY_EMAIL must be an email address, such as "
                               f"accessibility@agency.govt.nz, not {ACCESSIBILITY_EMAIL!r}.")
# ClamAV's daemon that scans every upload (bordercase.lib.scanning): a unix socket's path or host:port; empty, no
# scanning. Once set, an upload it cannot scan is refused, so an address that can never work is refused here.
CLAMAV = env_str("BORDERCASE_CLAMAV", "")
if CLAMAV:
    from bordercase.lib.scanning import daemon_at

    try:
        daemon_at(CLAMAV)
    except ValueError as exc:
        raise ImproperlyConfigured(f"BORDERCASE_CLAMAV: {exc}") from exc

# The TrueType font PDF letters embed (bordercase.immigration.letters); empty: DejaVu Sans or Liberation Sans where
# Debian installs them. A font named but missing would only show when a letter is sent, so it is refused here.
LETTER_FONT = env_str("BORDERCASE_LETTER_FONT", "")
if LETTER_FONT and not Path(LETTER_FONT).is_file():
    raise ImproperlyConfigured(f"BORDERCASE_LETTER_FONT names {LETTER_FONT!r}, which is not a file: give the path of a "
                               "TrueType (.ttf) font, or leave it empty.")
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe health over plain HTTP, behind the proxy that terminates TLS (bordercase.health).
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    if env_bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The API's rate limit: calls per token (per address on the public routes), "N/s", "N/m", "N/h" or "N/d". Counted in
# Django's cache (lib.throttle): exactly across servers with redis, nearly so across one machine's processes with
# file, whose counts two processes can each write at once.
API_RATE = env_str("BORDERCASE_API_RATE", "600/m")
if not re.fullmatch(r"[1-9]\d*/(s|m|h|d)", API_RATE):
    raise ImproperlyConfigured(f"BORDERCASE_API_RATE must be a number of calls over s, m, h or d, such as 600/m, "
                               f"not {API_RATE!r}.")

# Official statistics: how small counts are protected in public outputs (none, suppress or round3), the
# threshold for suppression, and the key that fixes each cell's random rounding (derived from SECRET_KEY unless set).
STATS_DISCLOSURE = env_str("BORDERCASE_STATS_DISCLOSURE") or "none"
if STATS_DISCLOSURE not in ("none", "suppress", "round3"):
    raise ImproperlyConfigured(f"BORDERCASE_STATS_DISCLOSURE must be none, suppress or round3, not "
                               f"{STATS_DISCLOSURE!r}.")
STATS_SUPPRESS_BELOW = env_int("BORDERCASE_STATS_SUPPRESS_BELOW", 6)

# The retention schedule (how long each kind of record is kept): a deployment's own YAML file, or the packaged one
# (bordercase/retention/schedule.yaml) when empty.
RETENTION_FILE = env_str("BORDERCASE_RETENTION_FILE") or ""

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
    }
}

# Email: printed to the console in development, sent over SMTP in production (BORDERCASE_EMAIL chooses).
EMAIL_KIND = env_str("BORDERCASE_EMAIL", "smtp" if PRODUCTION else "console")
if EMAIL_KIND not in {"console", "smtp"}:
    raise ImproperlyConfigured(f"BORDERCASE_EMAIL must be console or smtp, not {EMAIL_KIND!r}.")
EMAIL_BACKEND = f"django.core.mail.backends.{EMAIL_KIND}.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")  # or EMAIL_HOST_PASSWORD_FILE, as every env_str
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "bordercase <no-reply@bordercase.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Unset, `bordercase serve` makes it the address it serves on (PORT, --port), so a demo's links work on any port.
BORDERCASE_BASE_URL = env_str("BORDERCASE_BASE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}")
# The transparency log's checkpoints: signed with this Ed25519 key (the text Go's note package writes,
# PRIVATE+KEY+<origin>+<id>+<base64>; `bordercase transparency key` makes one), as this origin. Development makes a key
# of its own under the var directory; production signs nothing until it is given one.
TRANSPARENCY_KEY_FILE = env_str("BORDERCASE_LOG_KEY_FILE")
TRANSPARENCY_ORIGIN = env_str("BORDERCASE_LOG_ORIGIN") or (
    f"{BORDERCASE_BASE_URL.split('://', 1)[-1].split('/', 1)[0].split(':', 1)[0]}/bordercase-log")
# Encryption at rest of passport numbers (bordercase.lib.sealed): the Fernet keys that seal them, newest first
# (comma-separated: the first seals, every one opens), and the separate key of the keyed worker identity. `bordercase
# keys new` makes either. Development makes its own under the var directory; production refuses to start without
# them (a deploy check), and read here, not refused here, so that `bordercase keys new` runs before there are any.
DATA_KEYS = [key.strip() for key in env_str("BORDERCASE_DATA_KEYS").split(",") if key.strip()]
INDEX_KEY = env_str("BORDERCASE_INDEX_KEY").strip()

# What every server process must share: the API's call counts and the version of the schemes each process holds
# (cases.services.scheme_cache). `file` shares them between the processes of one machine; `redis` between machines.
CACHE_KIND = env_str("BORDERCASE_CACHE", "file")
# The Redis server that a redis cache and a redis task queue use.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
if CACHE_KIND == "file":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(VAR_DIR / "cache")}}
elif CACHE_KIND == "redis":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
elif CACHE_KIND == "local":
    # One process only: a window changed by one worker would not be seen by another.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(f"BORDERCASE_CACHE must be file, redis or local, not {CACHE_KIND!r}.")
if CACHE_KIND == "redis":
    try:
        import redis  # noqa: F401
    except ImportError as exc:
        raise ImproperlyConfigured('BORDERCASE_CACHE=redis needs the redis client: pip install "bordercase[redis]".'
                                   ) from exc

# Background work (email delivery): in-process after each commit by default; BORDERCASE_TASKS=database queues
# it in the database, and BORDERCASE_TASKS=redis in Redis (REDIS_URL, through django-tasks-rq), for
# `bordercase worker`, so the web tier never waits on a mail server.
TASKS_KIND = env_str("BORDERCASE_TASKS", "immediate")
TASK_BACKENDS = {"immediate": "django_tasks.backends.immediate.ImmediateBackend",
                 "database": "django_tasks_db.DatabaseBackend", "redis": "django_tasks_rq.RQBackend"}
if TASKS_KIND not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"BORDERCASE_TASKS must be immediate, database or redis, not {TASKS_KIND!r}.")
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASKS_KIND]}}
# django-rq reads its queues from here whichever backend runs, so a test can switch to Redis with the settings alone.
RQ_QUEUES = {"default": {"URL": REDIS_URL}}
if TASKS_KIND == "redis":
    # Looked for, not imported: importing it reads these settings, which are not ready yet.
    if importlib.util.find_spec("django_tasks_rq") is None:
        raise ImproperlyConfigured('BORDERCASE_TASKS=redis needs django-tasks-rq: pip install "bordercase[redis]".')
    INSTALLED_APPS.append("django_rq")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # A line for every task run would drown the log; failures are still logged as errors. fpdf2's font subsetting
    # (fontTools) writes dozens of lines for every PDF letter.
    "loggers": {"django_tasks": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}
