import collections
import os
import uuid

import pytest
from rest_framework.test import APIClient

from hive.access.roles import Role
from tests.factories import CommunityFactory, StreetFactory, UserFactory, user_with_role


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    """Rate-limit counters live in the cache (Redis in CI, which outlives a run): a prefix
    of its own gives each test fresh counters, so one test's (or one earlier run's) wish
    submissions never make another's a 429. (Not cache.clear(): on Redis that is FLUSHDB,
    shared with the broker.)"""
    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex}:"
    # The same for cached public pages (hive.ops.page_cache): URLs repeat across tests.
    settings.HIVE_PUBLIC_PAGE_CACHE_PREFIX = f"page-test-{uuid.uuid4().hex}"


def pytest_configure(config):
    """Under pytest-xdist each process has a test database of its own, whose rows reuse
    the same ids as the other's: give each its own cache key prefix too (the user cache
    is keyed by id), also for the servers and workers its tests start."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        from django.conf import settings

        prefix = f"{os.environ.get('CACHE_KEY_PREFIX', 'hive')}-{worker}"
        os.environ["CACHE_KEY_PREFIX"] = prefix
        for cache in settings.CACHES.values():
            cache["KEY_PREFIX"] = prefix


def pytest_collection_finish(session):
    """pytest-xdist hands tests out by node id: two tests sharing one would run as one."""
    counts = collections.Counter(item.nodeid for item in session.items)
    repeated = [nodeid for nodeid, count in counts.items() if count > 1]
    if repeated:
        raise pytest.UsageError(f"tests share a node id: {sorted(repeated)[:5]}")


def _flushed_the_database(item) -> bool:
    """Whether pytest-django ended this test by flushing every table (its own rule), on a
    test database it set up: a skipped test or one whose setup failed never got one, and
    the connection may still name the real database."""
    if "_django_db_helper" not in (getattr(item, "funcargs", None) or {}):
        return False
    from pytest_django.fixtures import validate_django_db

    marker = item.get_closest_marker("django_db")
    if marker:
        transaction, reset_sequences, *_rest = validate_django_db(marker)
        if transaction or reset_sequences:
            return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends by flushing every table, which also drops the rows the
    data migrations create (the built-in key-person tags; the only such rows). Run
    serially, pytest-django runs those tests after the other database tests; under
    pytest-xdist (`make test` runs one process per core) any test file can follow one on
    the same process and would find them gone: put them back once the test's fixtures
    (and so the flush) are torn down."""
    result = yield
    # After the last test the session's teardown has already dropped the test database.
    if nextitem is not None and _flushed_the_database(item):
        from pytest_django.plugin import blocking_manager_key

        from grids.services import key_person_tags_restore_builtin

        with item.config.stash[blocking_manager_key].unblock():
            key_person_tags_restore_builtin()
    return result


@pytest.fixture
def api_client():
    return APIClient()


class World:
    """Two streets; Saiyu has communities A and B, another street has C.
    One user per role in A, staff in B, a street admin for Saiyu, and a superuser."""

    def __init__(self):
        self.street = StreetFactory(name="赛鱼街道", code="saiyu")
        self.other_street = StreetFactory(name="别的街道", code="other")
        self.a = CommunityFactory(street=self.street, name="虎尾沟社区", code="a")
        self.b = CommunityFactory(street=self.street, name="新泽苑社区", code="b")
        self.c = CommunityFactory(street=self.other_street, name="外街社区", code="c")
        self.street_admin = user_with_role(Role.STREET_ADMIN, street=self.street, username="sa")
        self.staff_a = user_with_role(Role.COMMUNITY_STAFF, community=self.a, username="staff_a")
        self.staff_b = user_with_role(Role.COMMUNITY_STAFF, community=self.b, username="staff_b")
        self.staff_c = user_with_role(Role.COMMUNITY_STAFF, community=self.c, username="staff_c")
        self.unit_rep_a = user_with_role(Role.UNIT_REP, community=self.a, username="unit_a")
        self.grid_a = user_with_role(Role.GRID_MEMBER, community=self.a, username="grid_a")
        self.mediator_a = user_with_role(Role.MEDIATOR, community=self.a, username="mediator_a")
        self.party_a = user_with_role(Role.PARTY_MEMBER, community=self.a, username="party_a")
        self.superuser = UserFactory(username="root", is_superuser=True, is_staff=True)

    def user(self, key):
        return getattr(self, key)


@pytest.fixture
def world(db):
    return World()


@pytest.fixture(scope="session")
def _logins_confirm_the_second_factor():
    """`Client.force_login` and `Client.login` of staff also confirm the second factor,
    for the whole session: module-scoped fixtures log clients in before any
    function-scoped fixture runs (tests/audit's `people`)."""
    from django.contrib.auth import get_user_model
    from django.http import HttpRequest
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    original_force_login = Client.force_login
    original_login = Client.login

    def verify(client, user):
        device, _created = TOTPDevice.objects.get_or_create(
            user=user, name="test device", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    def force_login(self, user, backend=None, *, otp=True):
        original_force_login(self, user, backend)
        if otp and user.is_staff:
            verify(self, user)

    def login(self, *, otp=True, **credentials):
        # django-axes needs the request authenticate() is called for; Client.login has none.
        credentials.setdefault("request", HttpRequest())
        logged_in = original_login(self, **credentials)
        if logged_in and otp:
            user = get_user_model().objects.get(pk=self.session["_auth_user_id"])
            if user.is_staff:
                verify(self, user)
        return logged_in

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", force_login)
        patch.setattr(Client, "login", login)
        yield


@pytest.fixture(autouse=True)
def admin_second_factor(settings, _logins_confirm_the_second_factor):
    """Tests run with production's rule: staff need a verified TOTP device for every
    door to staff power (the admin, portal sessions, the API; hive.access.two_factor).

    `client.force_login(staff_user)` then does what a staff member does at the door: it
    confirms a TOTP device for them and marks the session verified (django_otp.login's
    session key), so tests stay about what they test; the same for `APIClient`. For
    tokens, tests.factories.api_token_key issues one as if with the code, and
    tests.factories.otp_code gives the current code for the token endpoint.
    `force_login(user, otp=False)` logs in with the password alone, for the tests of the
    second factor itself.
    """
    settings.HIVE_ADMIN_OTP_REQUIRED = True


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # PBKDF2 at production strength costs ~0.3 s per user; tests create dozens.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def celery_eager():
    """Run tasks in-process for this test, whether or not REDIS_URL points at a broker."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def _database_url_for_worker() -> str | None:
    """The test database as a URL, so a worker process reads what the tests wrote."""
    from django.db import connection

    config = connection.settings_dict
    if connection.vendor != "postgresql":
        return None
    user = config.get("USER") or ""
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = config.get("HOST") or "127.0.0.1"
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{config['NAME']}"


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `celery worker` process on Redis, consuming a queue of its own.

    Skipped only where REDIS_URL is not set (embedded mode has no broker); CI sets it.
    Tasks must be sent with `queue=celery_worker.queue`. Tests that need the worker to
    see their rows use `transactional_db` (the worker has its own connection).
    """
    import os
    import subprocess
    import sys
    import uuid
    from pathlib import Path

    redis = os.environ.get("REDIS_URL")
    if not redis:
        if os.environ.get("CI"):
            pytest.fail("CI must set REDIS_URL: the real-worker tests may not be skipped there")
        pytest.skip("REDIS_URL is not set: a real worker needs Redis (CI sets it)")
    queue = f"hive-test-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, REDIS_URL=redis, CELERY_QUEUE=queue)
    with django_db_blocker.unblock():
        database_url = _database_url_for_worker()
    if not database_url:
        # A worker process cannot see the in-memory SQLite test database.
        pytest.skip("a real worker shares the test database only on PostgreSQL (CI uses it)")
    env["DATABASE_URL"] = database_url
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    root = Path(__file__).resolve().parents[1]
    with open(log, "w") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "--loglevel=INFO",
            ],
            cwd=root,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )

    class Worker:
        pass

    worker = Worker()
    worker.queue = queue
    worker.process = process
    worker.log = log
    yield worker
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture
def cache_down(settings):
    """The cache as production configures it (config.env.redis_cache_config), at an address
    where no Redis answers: every call fails as in an outage, at once (connection refused)."""
    import socket

    from config.env import redis_cache_config

    with socket.socket() as sock:  # a port that was free: nothing listens there now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "default": redis_cache_config(f"redis://127.0.0.1:{port}/0", key_prefix="down")
    }
