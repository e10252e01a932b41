"""Fixtures for the fault tests: a private Redis that may be stopped, and worker processes
that may be killed. Never the shared Redis on 6379: other sessions and CI use it."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import _database_url_for_worker

ROOT = Path(__file__).resolve().parents[2]


def needs(condition: bool, reason: str) -> None:
    """Skip where the fault cannot be staged; CI stages every one, so there it fails."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the fault tests: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, *, timeout: float, interval: float = 0.05, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class PrivateRedis:
    """A throwaway `redis-server` on a free port, with no persistence: stopping it loses
    what it held, as a crashed broker would."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_dir = log_dir
        self.process = None

    def start(self) -> None:
        import redis

        log = open(self.log_dir / "redis.log", "a")  # noqa: SIM115 (the server keeps it)
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def answers():
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        wait_for(answers, timeout=10, what="the private Redis")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)


@pytest.fixture
def private_redis(tmp_path):
    needs(shutil.which("redis-server") is not None, "redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker_at(settings):
    """Point this process's Celery producer at another broker for one test."""
    from config.celery import app

    before = app.conf.broker_url

    def reset_pools():
        # Only drop the references: kombu's pools are shared registries keyed by URL, and
        # closing one would leave a closed pool there for the next test on that broker.
        app._pool = None
        app.amqp._producer_pool = None

    def point(url: str) -> None:
        settings.CELERY_BROKER_URL = url
        app.conf.broker_url = url
        reset_pools()

    yield point
    app.conf.broker_url = before
    reset_pools()


def on_postgres_with_redis() -> None:
    from django.db import connection

    needs(connection.vendor == "postgresql", "fault tests need PostgreSQL (CI uses it)")
    needs(bool(os.environ.get("REDIS_URL")), "REDIS_URL is not set: no real broker (CI sets it)")


class Worker:
    """A `celery worker` subprocess (solo pool, like the session fixture in tests/conftest.py)
    on a queue of its own, which a test may SIGKILL."""

    def __init__(self, *, queue: str, log: Path):
        self.queue = queue
        self.log = log
        self.process = None

    def start(self) -> None:
        env = dict(os.environ, CELERY_QUEUE=self.queue, DATABASE_URL=_database_url_for_worker())
        with open(self.log, "a") as log_file:
            self.process = subprocess.Popen(
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
                    "--without-heartbeat",
                    "-Q",
                    self.queue,
                    "-n",
                    f"{self.queue}-{time.monotonic_ns()}@%h",
                    "--loglevel=INFO",
                ],
                cwd=ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL: no shutdown, no ack, the open transaction dropped with the socket."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
