"""Settings for Hive, read from the environment only.

The defaults make `make run` work on a fresh machine (SQLite, eager Celery, local-memory
cache, DEBUG on). Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and
REDIS_URL; see README.md.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import CSV, XLSX

from config.env import (
    database_config,
    env_bool,
    env_int,
    env_list,
    env_str,
    redis_cache_config,
    redis_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=True)

_DEV_SECRET = "django-insecure-hive-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY") or _DEV_SECRET
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# In dependency order: seed_demo seeds them in this order (grids escalates demo disputes to
# the mediation rooms disputes creates, and assigns work to partycommittee's units).
PROJECT_APPS = ["hive", "partycommittee", "disputes", "grids", "volunteers", "open311", "voice"]

INSTALLED_APPS = [
    "hive.ui.admin_site.HiveAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "import_export",
    "hive.access.lockout_app.LockoutConfig",  # django-axes, its name translated
    "django_otp",
    "django_otp.plugins.otp_totp",
    "auditlog",
    *PROJECT_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hive.ops.middleware.LanguageMiddleware",
    # Refuses NUL characters and JSON nested too deep before anything reads them (400).
    "hive.ops.middleware.MalformedInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The audit trail of personal data records the request's user as the actor.
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hive.access.security.SessionTimeoutMiddleware",
    # After the time-outs: staff sessions confirm a second factor before anything else.
    "hive.access.two_factor.SecondFactorMiddleware",
    # A reveal refused by the per-person limit becomes a message, not an error page.
    "hive.personal_data.RevealLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: turns a lock-out noticed during authentication into the lock-out page.
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hive.ui.context_processors.portal",
            ],
        },
    },
]

# Django's renderer, remembering each <select>'s HTML per context and language.
FORM_RENDERER = "hive.ui.form_renderer.MemoizingRenderer"

# --- Database ----------------------------------------------------------------------
DATABASES = {
    "default": database_config(env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users and roles -----------------------------------------------------------------
AUTH_USER_MODEL = "hive.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with the session's user read from the cache
    # (hive.access.authentication).
    "hive.access.authentication.CachedModelBackend",
    # Staff roles (street admin, community staff) carry their admin permissions.
    "hive.access.backends.RolePermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "public:landing"

# --- Language and time ---------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media files ----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Uploaded files go through hive.uploads.media (who may fetch which). Empty: Django streams them
# (`make run`, tests). Behind nginx (docker-compose.yml) the `internal` location that
# serves MEDIA_ROOT, e.g. /protected-media/: Django answers with X-Accel-Redirect only.
HIVE_MEDIA_ACCEL_REDIRECT = env_str("HIVE_MEDIA_ACCEL_REDIRECT", "")
# Hashed, compressed files need `collectstatic`; development serves the sources as they are.
_STATIC_BACKEND = (
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
    if env_bool("STATIC_MANIFEST", default=not DEBUG)
    else "django.contrib.staticfiles.storage.StaticFilesStorage"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": _STATIC_BACKEND},
}

# --- Redis: Celery broker, cache -----------------------------------------------------
REDIS_URL = redis_url(env_str("REDIS_URL", ""))

# django-redis logs each cache call it answers as a miss while Redis is down.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "hive.cache"
if REDIS_URL:
    CACHES = {
        "default": redis_cache_config(REDIS_URL, key_prefix=env_str("CACHE_KEY_PREFIX", "hive"))
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Embedded mode: no broker, tasks run in the calling process.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Tasks report through the database; a result store would also be one more thing a web
# request waits on when Redis is down. Tasks whose caller waits set ignore_result=False.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "hive")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request must not hang when the broker is down: publishing fails fast and is logged.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Workers keep settings.LOGGING (and its personal-data mask) instead of Celery's handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- REST API ------------------------------------------------------------------------
# django-filter's empty choice in filter forms (portal lists, the browsable API).
FILTERS_EMPTY_CHOICE_LABEL = _("Any")
REST_FRAMEWORK = {
    # The token first: DRF answers a refused request with the first class's challenge,
    # so a bad, expired or revoked token is a 401 (WWW-Authenticate: Token), not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hive.access.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        # django-filter, with foreign-key filters narrowed to the user's scope.
        "hive.ui.filters.ScopedDjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON bodies must be objects (hive.ui.parsers); form bodies as DRF reads them.
    "DEFAULT_PARSER_CLASSES": [
        "hive.ui.parsers.JSONObjectParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 50),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hive.api.exception_handler",
}
SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "Hive API",
    "DESCRIPTION": "Party-building-led grassroots governance: communities, roles, workflows.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the deployment itself (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status" or "kind" field; name their enums after the model.
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "partycommittee.models.Project.Status",
        "ResponsibilityStatusEnum": "partycommittee.models.Responsibility.Status",
        "AttendanceStatusEnum": "partycommittee.models.MeetingAttendance.Status",
        "UnitKindEnum": "partycommittee.models.ResidentUnit.Kind",
        "ResourceKindEnum": "partycommittee.models.ResourceItem.Kind",
        "CampaignKindEnum": "partycommittee.models.Campaign.Kind",
        "DemandCategoryEnum": "partycommittee.models.DemandItem.Category",
        "WishCategoryEnum": "volunteers.models.MicroWish.Category",
        "WishStatusEnum": "volunteers.models.MicroWish.Status",
        "IncidentCategoryEnum": "grids.models.Category",
        "IncidentStatusEnum": "grids.models.Incident.Status",
        "IncidentPriorityEnum": "grids.models.Incident.Priority",
    },
}

# --- Security ------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The container health check calls /healthz over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp): everything from this deployment, no inline or
# evaluated script. Styles allow 'unsafe-inline' for the style="" attributes in the
# templates and in Django's admin widgets; styles cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Sessions live in the database with the user's id beside them (hive.access.session_store), so
# disabling a user ends every session they have. Idle and absolute limits are enforced by
# hive.access.security.SessionTimeoutMiddleware; the cookie itself lasts the absolute limit.
SESSION_ENGINE = "hive.access.session_store"
HIVE_SESSION_IDLE_MINUTES = env_int("HIVE_SESSION_IDLE_MINUTES", 60)
HIVE_SESSION_ABSOLUTE_HOURS = env_int("HIVE_SESSION_ABSOLUTE_HOURS", 12)
SESSION_COOKIE_AGE = max(HIVE_SESSION_ABSOLUTE_HOURS, 1) * 3600

# Public pages anonymous visitors read most (landing, wish walls) are cached per language
# (hive.ops.page_cache); a change to what they show refreshes them at once. 0: no cache.
HIVE_PUBLIC_PAGE_CACHE_SECONDS = env_int("HIVE_PUBLIC_PAGE_CACHE_SECONDS", 300)

# Second factor for staff: a TOTP code (django-otp) before any staff power, at every
# door: the admin, portal sessions, the API with a session or a token (hive.access.two_factor).
# On whenever DEBUG is off; `make run` (DEBUG on) leaves it off unless set.
HIVE_ADMIN_OTP_REQUIRED = env_bool("HIVE_ADMIN_OTP_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Hive")
# The admin never shows a device's secret or its QR code: whoever reads them holds the
# second factor. (django-otp's views for them also answered 500 for a missing device.)
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# API tokens (hive.models.ApiToken) end this many days after they are issued or rotated;
# one person keeps at most HIVE_API_TOKENS_PER_USER (a new one ends the oldest).
HIVE_API_TOKEN_DAYS = env_int("HIVE_API_TOKEN_DAYS", 30)
HIVE_API_TOKENS_PER_USER = env_int("HIVE_API_TOKENS_PER_USER", 10)

# Reveals of personal data (hive.personal_data): at most HIVE_REVEAL_LIMIT records per
# person in HIVE_REVEAL_WINDOW_MINUTES (0: no limit); from HIVE_REVEAL_ALERT_AT on, the
# street's administrators are told, once per window.
HIVE_REVEAL_WINDOW_MINUTES = env_int("HIVE_REVEAL_WINDOW_MINUTES", 60)
HIVE_REVEAL_LIMIT = env_int("HIVE_REVEAL_LIMIT", 100)
HIVE_REVEAL_ALERT_AT = env_int("HIVE_REVEAL_ALERT_AT", 40)

# Lock-out after repeated failed logins (django-axes), counted per account name and,
# separately, per client address; a lock lifts after HIVE_LOGIN_LOCKOUT_MINUTES or when
# staff unlock it in the admin (登录失败记录). 0 minutes: locked until unlocked.
AXES_FAILURE_LIMIT = env_int("HIVE_LOGIN_FAILURE_LIMIT", 5)
_LOCKOUT_MINUTES = env_int("HIVE_LOGIN_LOCKOUT_MINUTES", 30)
AXES_COOLOFF_TIME = timedelta(minutes=_LOCKOUT_MINUTES) if _LOCKOUT_MINUTES > 0 else None
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "hive.access.security.client_ip"
# Axes' choice of account name, cut to the length of the column it is stored in.
AXES_USERNAME_CALLABLE = "hive.access.security.login_username"
AXES_LOCKOUT_CALLABLE = "hive.access.security.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# A successful login is not an "attempt" worth a row each; failures are what staff review.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# --- Email and logging ---------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "hive@localhost")
# Where the portal is reached from outside: turns notification links into full addresses
# in emails. Empty: emails carry the path only.
HIVE_SITE_URL = env_str("HIVE_SITE_URL", "")

# Every handler masks mobile and ID numbers (hive.personal_data.log_filters): logs leave the
# application's care (files, collectors), personal data must not go with them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_personal_data": {"()": "hive.personal_data.log_filters.MaskPersonalData"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_personal_data"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Django's own loggers otherwise keep their default handlers, which have no mask (no
    # mail to ADMINS either: its traceback would carry the request's data unmasked).
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "propagate": False},
    },
}

# --- Personal data (PIPL): audit trail, retention, consent ------------------------------
# django-auditlog records changes to personal data
# (hive/personal_data/audit.py registers the models).
# No client address: it would come from X-Forwarded-For, which clients can forge.
AUDITLOG_DISABLE_REMOTE_ADDR = True
AUDITLOG_STORE_JSON_CHANGES = True
# How long each kind of personal data is kept after it stopped being needed, in days;
# then the daily task hive.apply_retention anonymises or deletes it
# (hive/personal_data/retention.py).
HIVE_RESIDENT_RETENTION_DAYS = env_int("HIVE_RESIDENT_RETENTION_DAYS", 3 * 365)
HIVE_DISPUTE_PARTY_RETENTION_DAYS = env_int("HIVE_DISPUTE_PARTY_RETENTION_DAYS", 5 * 365)
HIVE_UNIT_CONTACT_RETENTION_DAYS = env_int("HIVE_UNIT_CONTACT_RETENTION_DAYS", 2 * 365)
HIVE_USER_PHONE_RETENTION_DAYS = env_int("HIVE_USER_PHONE_RETENTION_DAYS", 365)
HIVE_ACCESS_LOG_RETENTION_DAYS = env_int("HIVE_ACCESS_LOG_RETENTION_DAYS", 3 * 365)
# The phone, email, device and account id a partner sends with an Open311 report: kept
# while the report is handled, then this long after it was closed.
HIVE_OPEN311_CONTACT_RETENTION_DAYS = env_int("HIVE_OPEN311_CONTACT_RETENTION_DAYS", 2 * 365)
# The name and phone of a resident who nominated through the public form: kept this long
# after the campaign's voting closed (the office follows up during the objection period).
HIVE_NOMINATOR_RETENTION_DAYS = env_int("HIVE_NOMINATOR_RETENTION_DAYS", 365)
# The version of the personal-data notice on the public wish form, stored with each
# consent. Raise it whenever the notice's text changes.
HIVE_WISH_NOTICE_VERSION = env_str("HIVE_WISH_NOTICE_VERSION", "2026.1")

# --- Product -------------------------------------------------------------------------
HIVE_PRODUCT_NAME = _("Hive grassroots governance")
HIVE_MAX_IMAGE_BYTES = env_int("HIVE_MAX_IMAGE_BYTES", 8 * 1024 * 1024)
# Image bombs (hive.uploads): pixels one photo may declare (PNG/WebP, decoded in full; a
# JPEG, decoded at half size or less, up to a 50-megapixel phone photo), pixels the photos
# of one form may declare together, and the longer side a photo is stored at.
HIVE_MAX_IMAGE_PIXELS = env_int("HIVE_MAX_IMAGE_PIXELS", 24_000_000)
HIVE_MAX_JPEG_PIXELS = env_int("HIVE_MAX_JPEG_PIXELS", 64_000_000)
HIVE_MAX_UPLOAD_PIXELS = env_int("HIVE_MAX_UPLOAD_PIXELS", 150_000_000)
HIVE_IMAGE_MAX_EDGE = env_int("HIVE_IMAGE_MAX_EDGE", 2560)
HIVE_MAX_DOCUMENT_BYTES = env_int("HIVE_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024)

# --- Spreadsheets (django-import-export) ------------------------------------------------
# Staff exchange .xlsx (and .csv) with the ledgers; nothing else to choose from.
IMPORT_EXPORT_FORMATS = [XLSX, CSV]

# --- volunteers: micro-wishes ---------------------------------------------------------
# Public wish form limits, counted in the cache (Redis in production, local memory in
# embedded mode) per client address and per phone number; "count/period", period s/m/h/d.
# The client address is REMOTE_ADDR. Behind a reverse proxy every request has the proxy's
# address: set CLIENT_IP_META_KEY to the header the proxy overwrites (e.g. HTTP_X_REAL_IP
# with nginx's `proxy_set_header X-Real-IP $remote_addr`). Never a header clients can send.
RATELIMIT_IP_META_KEY = env_str("CLIENT_IP_META_KEY", "") or None
# The login lock-out (hive.access.security.client_ip) reads the same key.
CLIENT_IP_META_KEY = RATELIMIT_IP_META_KEY
# Counters that cannot be read (Redis down) let the request through: the public forms
# keep working in an outage, and the duplicate window still stops double submissions.
RATELIMIT_FAIL_OPEN = True
HIVE_WISH_RATE_PER_ADDRESS = env_str("HIVE_WISH_RATE_PER_ADDRESS", "20/h")
HIVE_WISH_RATE_PER_PHONE = env_str("HIVE_WISH_RATE_PER_PHONE", "5/d")
# The public nomination form of selection campaigns (评先选优), counted the same way.
HIVE_NOMINATION_RATE_PER_ADDRESS = env_str("HIVE_NOMINATION_RATE_PER_ADDRESS", "20/h")
HIVE_NOMINATION_RATE_PER_PHONE = env_str("HIVE_NOMINATION_RATE_PER_PHONE", "5/d")
HIVE_WISH_DUPLICATE_WINDOW_SECONDS = env_int("HIVE_WISH_DUPLICATE_WINDOW_SECONDS", 600)
HIVE_WISH_STALE_DAYS = env_int("HIVE_WISH_STALE_DAYS", 3)
HIVE_WISH_CLAIM_REMINDER_HOURS = env_int("HIVE_WISH_CLAIM_REMINDER_HOURS", 72)
# The personal-data notice promises: kept until the wish is closed, then two years.
HIVE_WISH_RETENTION_DAYS = env_int("HIVE_WISH_RETENTION_DAYS", 730)
# --- voice: suggestion box and demand solicitation ------------------------------------
# The same protections as the wish form: per address, per phone, and a duplicate window.
HIVE_VOICE_RATE_PER_ADDRESS = env_str("HIVE_VOICE_RATE_PER_ADDRESS", "20/h")
HIVE_VOICE_RATE_PER_PHONE = env_str("HIVE_VOICE_RATE_PER_PHONE", "5/d")
HIVE_VOICE_DUPLICATE_WINDOW_SECONDS = env_int("HIVE_VOICE_DUPLICATE_WINDOW_SECONDS", 600)
# The version of the personal-data notice on the suggestion and demand forms.
HIVE_VOICE_NOTICE_VERSION = env_str("HIVE_VOICE_NOTICE_VERSION", "2026.1")
# The notice promises: a name and phone left for a reply are kept until the suggestion is
# answered (or the demand accepted or declined), then one year.
HIVE_VOICE_RETENTION_DAYS = env_int("HIVE_VOICE_RETENTION_DAYS", 365)

# --- grids: residents' own reports (随手拍) ---------------------------------------------
# The public report form's limits, counted like the wish form's (per address, per phone).
HIVE_REPORT_RATE_PER_ADDRESS = env_str("HIVE_REPORT_RATE_PER_ADDRESS", "20/h")
HIVE_REPORT_RATE_PER_PHONE = env_str("HIVE_REPORT_RATE_PER_PHONE", "5/d")
# The version of the personal-data notice on the report form, stored with each consent.
HIVE_REPORT_NOTICE_VERSION = env_str("HIVE_REPORT_NOTICE_VERSION", "2026.1")
# The notice promises: contact details kept until the report is finished, then two years.
HIVE_REPORT_RETENTION_DAYS = env_int("HIVE_REPORT_RETENTION_DAYS", 730)

# --- the map (一张图) ----------------------------------------------------------------------
# Tiles: a URL template ({z}/{x}/{y}; {s} for subdomains) and its attribution, e.g.
# 天地图 "https://t{s}.tianditu.gov.cn/vec_w/wmts?...&tk=KEY", OpenStreetMap, or an
# intranet tile server. Empty (the default): boundaries and points on a plain background
# with a scale bar, no network needed; tests never fetch tiles.
HIVE_MAP_TILE_URL = env_str("HIVE_MAP_TILE_URL", "")
HIVE_MAP_TILE_ATTRIBUTION = env_str("HIVE_MAP_TILE_ATTRIBUTION", "")
HIVE_MAP_TILE_SUBDOMAINS = env_str("HIVE_MAP_TILE_SUBDOMAINS", "")
HIVE_MAP_TILE_MAX_ZOOM = env_int("HIVE_MAP_TILE_MAX_ZOOM", 18)
# The datum of the tiles: "wgs84" (天地图's CGCS2000, OpenStreetMap) or "gcj02" (tiles of
# Chinese commercial maps). Hive stores WGS-84 and shifts points for GCJ-02 tiles.
HIVE_MAP_TILE_DATUM = env_str("HIVE_MAP_TILE_DATUM", "wgs84")
# Bad input caps: vertices in one boundary, bytes of an imported GeoJSON/KML file.
HIVE_MAP_MAX_VERTICES = env_int("HIVE_MAP_MAX_VERTICES", 5000)
HIVE_MAP_MAX_IMPORT_BYTES = env_int("HIVE_MAP_MAX_IMPORT_BYTES", 5 * 1024 * 1024)

# Only for scripts/bench_wishes.py: adds /bench/ping, a bare JSON view to compare against.
HIVE_BENCH = env_bool("HIVE_BENCH", default=False)

# --- disputes: mediation ----------------------------------------------------------------
# The first follow-up visit (回访) falls due this many days after an agreement is signed;
# open cases with no activity for HIVE_DISPUTE_STALE_DAYS are flagged to staff once.
HIVE_DISPUTE_FOLLOWUP_DAYS = env_int("HIVE_DISPUTE_FOLLOWUP_DAYS", 30)
HIVE_DISPUTE_STALE_DAYS = env_int("HIVE_DISPUTE_STALE_DAYS", 14)
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "DisputeKindEnum": "disputes.models.DisputeCase.Kind",
        "DisputeStatusEnum": "disputes.models.DisputeCase.Status",
        "PartnerKindEnum": "disputes.models.PartnerInstitution.Kind",
        "PartyRoleEnum": "disputes.models.CaseParty.Role",
    }
)

# --- partycommittee: three-double evaluations ------------------------------------------
# Their "status" and "kind" choices get their own enum names in the OpenAPI schema.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "EvaluationRoundStatusEnum": "partycommittee.evaluations.models.EvaluationRound.Status",
        "SubmissionStatusEnum": "partycommittee.evaluations.models.SubmissionStatus",
        "EvaluationSheetKindEnum": "partycommittee.evaluations.models.EvaluationSheet.Kind",
        "EvaluationPeriodKindEnum": "partycommittee.evaluations.models.PeriodKind",
    }
)

# --- open311: GeoReport v2 for six-small reports ---------------------------------------
# Requests bearing a partner's api_key count against the key; requests without one count
# against the client address (same counters and CLIENT_IP_META_KEY as the wish form).
HIVE_OPEN311_RATE_PER_KEY = env_str("HIVE_OPEN311_RATE_PER_KEY", "600/h")
HIVE_OPEN311_RATE_PER_ADDRESS = env_str("HIVE_OPEN311_RATE_PER_ADDRESS", "300/h")
