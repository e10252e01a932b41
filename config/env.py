"""Small helpers that read configuration from the environment (12-factor).

Each helper raises ImproperlyConfigured with the variable's name, so a typo in a
deployment's environment stops start-up with a message that says what to fix.
"""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_config(url: str) -> dj_database_url.DBConfig:
    """Turn DATABASE_URL into Django's DATABASES["default"], or say clearly why not."""
    if not url.strip():
        raise ImproperlyConfigured("DATABASE_URL is set but empty.")
    if "://" not in url:
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r} is not a URL. Examples: "
            "postgres://user:password@127.0.0.1:5432/hive or sqlite:///db.sqlite3"
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL={url!r} cannot be used: {exc}") from None
    engine = config.get("ENGINE", "")
    if engine.endswith("sqlite3"):
        # Persistent connections buy nothing on SQLite and keep the file locked.
        config["CONN_MAX_AGE"] = 0
    elif not config.get("NAME"):
        raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no database (add /dbname).")
    return config


def redis_url(raw: str) -> str:
    """Check REDIS_URL's scheme; an empty value means 'no Redis' (embedded mode)."""
    raw = raw.strip()
    if raw and not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"REDIS_URL={raw!r} must start with redis://, rediss:// or unix://"
        )
    return raw


def redis_cache_config(url: str, *, key_prefix: str) -> dict:
    """Django's CACHES["default"] on Redis. The cache is a speed-up, never a dependency:
    with Redis unreachable every call answers as a miss (django-redis's IGNORE_EXCEPTIONS,
    each logged on "hive.cache") and the caller reads the database, so no caller guards
    its own calls. The timeouts bound what one call costs while Redis does not answer."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": key_prefix,
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 2,
            "SOCKET_TIMEOUT": 2,
        },
    }
