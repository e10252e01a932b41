import pytest
from django.db import connection, transaction

from hive import queue
from hive.tasks import ping


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_runs_a_task_and_returns_its_result(celery_worker):
    result = ping.apply_async(queue=celery_worker.queue)
    try:
        answer = result.get(timeout=60)
    except Exception:
        print(celery_worker.log.read_text())
        raise
    assert answer == {"pong": True, "database": connection.vendor}


@pytest.mark.django_db
def test_eager_mode_runs_tasks_in_process(settings):
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        assert ping.delay().get() == {"pong": True, "database": connection.vendor}
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.mark.django_db(transaction=True)
def test_enqueue_waits_for_commit(monkeypatch):
    sent = []
    monkeypatch.setattr(ping, "apply_async", lambda **kw: sent.append(kw))
    with transaction.atomic():
        queue.enqueue(ping)
        assert sent == []  # nothing leaves before the commit
    assert len(sent) == 1


def test_enqueue_with_redis_down_returns_quickly_and_logs():
    """A real, unreachable broker: the request's work must not hang or raise."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    script = (
        "import django, time; django.setup();"
        "from django.db import transaction; from hive import queue;"
        "from hive.tasks import clear_expired_sessions as task;"
        "start = time.monotonic();"
        "transaction.atomic()(lambda: queue.enqueue(task))();"
        "print('elapsed', round(time.monotonic() - start, 2))"
    )
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings",
        REDIS_URL="redis://127.0.0.1:1/0",
        DATABASE_URL="sqlite:///:memory:",
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Broker refused task hive.clear_expired_sessions" in result.stderr
    # This in-memory database has no tables: the outbox cannot keep it either, and says so
    # (tests/faults covers the outbox on a real database).
    assert "could not be kept in the outbox" in result.stderr
    elapsed = float(result.stdout.split()[-1])
    assert elapsed < 5, elapsed
    assert time.monotonic() - started < 30


@pytest.mark.django_db(transaction=True)
def test_enqueue_inside_a_rolled_back_transaction_sends_nothing(monkeypatch):
    sent = []
    monkeypatch.setattr(ping, "apply_async", lambda **kw: sent.append(kw))
    with pytest.raises(RuntimeError), transaction.atomic():
        queue.enqueue(ping)
        raise RuntimeError("rollback")
    assert sent == []


@pytest.mark.django_db
def test_periodic_tasks_exist_after_migrate():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="hive.clear_expired_sessions")
    assert task.enabled
    assert task.crontab.hour == "3"
