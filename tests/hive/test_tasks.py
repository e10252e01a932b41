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
    from hive.celery import app

    app.conf.task_always_eager = True
    try:
        assert ping.delay().get() == {"pong": True, "database": connection.vendor}
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.mark.django_db(transaction=True)
def test_enqueue_waits_for_commit_and_survives_a_dead_broker(monkeypatch, caplog):
    from kombu.exceptions import OperationalError

    sent = []

    def fake_apply_async(args=(), kwargs=None, **options):
        sent.append(args)
        raise OperationalError("broker down")

    monkeypatch.setattr(ping, "apply_async", fake_apply_async)
    with transaction.atomic():
        queue.enqueue(ping)
        assert sent == []  # nothing leaves before the commit
    assert sent == [()]
    assert "Broker unavailable" in caplog.text


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
