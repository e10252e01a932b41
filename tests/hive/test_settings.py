import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import database_config, env_bool, env_int, env_list, redis_url

ROOT = Path(__file__).resolve().parents[2]


def test_postgres_url_is_parsed():
    config = database_config("postgres://hive:secret@db.example:5433/hive")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["HOST"], config["PORT"]) == (
        "hive",
        "hive",
        "db.example",
        5433,
    )


def test_sqlite_url_is_parsed_without_persistent_connections(tmp_path):
    config = database_config(f"sqlite:///{tmp_path}/x.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["CONN_MAX_AGE"] == 0


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("not a url", "is not a URL"),
        ("mongodb://localhost/hive", "cannot be used"),
        ("postgres://localhost:5432", "names no database"),
        ("   ", "empty"),
    ],
)
def test_bad_database_url_gives_a_clear_message(url, fragment):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        database_config(url)
    assert "DATABASE_URL" in str(excinfo.value)
    assert fragment in str(excinfo.value)


def test_booleans_ints_and_lists(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    monkeypatch.setenv("NUMBER", "42")
    monkeypatch.setenv("HOSTS", "a.example, b.example ,")
    assert env_bool("FLAG", default=False) is True
    assert env_bool("MISSING_FLAG", default=True) is True
    assert env_int("NUMBER", 1) == 42
    assert env_list("HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG", default=False)
    monkeypatch.setenv("NUMBER", "many")
    with pytest.raises(ImproperlyConfigured, match="NUMBER"):
        env_int("NUMBER", 1)


def test_redis_url_scheme_is_checked():
    assert redis_url("") == ""
    assert redis_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        redis_url("http://127.0.0.1:6379")


def _manage(*args, **env):
    # Not the test process's own switches: the database, the broker, and the browser
    # tests' DJANGO_ALLOW_ASYNC_UNSAFE (a deployment must not set it; check --deploy says so).
    dropped = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env = {k: v for k, v in os.environ.items() if k not in dropped}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_start_up_with_a_bad_database_url_stops_with_the_variable_named():
    result = _manage("check", DATABASE_URL="mysqlx://nowhere")
    assert result.returncode != 0
    assert "DATABASE_URL='mysqlx://nowhere' cannot be used" in result.stderr


def test_production_without_a_secret_key_refuses_to_start():
    result = _manage("check", DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x7%Gq2!vL9#pR4@wZ1&nK8^tB3*eY6(uJ0)hM5-sD2+fC9=aQ4",
        ALLOWED_HOSTS="hive.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_defaults_are_chinese_shanghai_and_aware(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert ("en", "English") in settings.LANGUAGES
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
