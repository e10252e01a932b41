"""A Celery worker is SIGKILLed in the middle of a periodic task. With acks_late (set in
settings) the message stays unacknowledged in Redis and is delivered again; the rerun
finishes the work, and the unique constraints keep anything from being done twice."""

import datetime
import json
import uuid

import pytest
from django.db.models import Count
from django.utils import timezone

from config.celery import app
from grids.models import Incident, IncidentOverdueFlag
from grids.tasks import flag_overdue_incidents
from hive.models import Notification, User
from tests.faults.conftest import Worker, on_postgres_with_redis, wait_for
from tests.grids.factories import GridFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

# Enough incidents that the task runs for a few seconds: long enough to be killed mid-way.
INCIDENTS = 200


def unacked_tag(redis_client, task_id: str) -> str | None:
    """The delivery tag under which Redis holds our message as taken but not acknowledged."""
    for tag, raw in redis_client.hgetall("unacked").items():
        payload, _exchange, _routing_key = json.loads(raw)
        if payload["headers"]["id"] == task_id:
            return tag.decode()
    return None


def test_killed_worker_leaves_the_overdue_run_for_the_rerun_which_flags_each_incident_once(
    world, tmp_path
):
    import redis

    on_postgres_with_redis()
    # In-portal notifications only: an email task per incident would only add noise here.
    User.objects.update(notify_by_email=False)
    grid = GridFactory(community=world.a, member=world.grid_a)
    past = timezone.now() - datetime.timedelta(days=2)
    Incident.objects.bulk_create(
        Incident(
            community=world.a,
            grid=grid,
            category="demand",
            status="assigned",
            location=f"{n}号楼",
            description="楼道堆物",
            reporter=world.grid_a,
            assignee=world.grid_a,
            deadline=past,
        )
        for n in range(INCIDENTS)
    )
    queue = f"hive-fault-{uuid.uuid4().hex[:8]}"
    first = Worker(queue=queue, log=tmp_path / "worker-1.log")
    second = Worker(queue=queue, log=tmp_path / "worker-2.log")
    broker = redis.Redis.from_url(app.conf.broker_url)
    try:
        first.start()
        result = flag_overdue_incidents.apply_async(queue=queue)
        wait_for(
            lambda: IncidentOverdueFlag.objects.exists(),
            timeout=60,
            what="the first worker to start flagging",
        )
        first.kill()
        flagged_before = IncidentOverdueFlag.objects.count()
        assert 0 < flagged_before < INCIDENTS, "the worker was not killed mid-run"

        # The message was never acknowledged: Redis still holds it for redelivery. Redis
        # gives it back after the visibility timeout (an hour); do now what that would do.
        tag = unacked_tag(broker, result.id)
        assert tag is not None
        with app.connection_for_write() as connection:
            connection.default_channel.qos.restore_by_tag(tag)
        assert broker.llen(queue) == 1

        second.start()
        wait_for(
            lambda: (
                IncidentOverdueFlag.objects.count() == INCIDENTS
                and broker.llen(queue) == 0
                and unacked_tag(broker, result.id) is None
            ),
            timeout=60,
            interval=0.2,
            what="the second worker to finish the redelivered run",
        )
    finally:
        first.kill()
        second.stop()
        broker.delete(queue)

    # Every incident flagged once, and each recipient told once per incident.
    assert IncidentOverdueFlag.objects.values("incident").distinct().count() == INCIDENTS
    recipients = {world.staff_a.pk, world.grid_a.pk}
    overdue = Notification.objects.filter(key__startswith="grids:incident-overdue:")
    assert set(overdue.values_list("recipient", flat=True).distinct()) == recipients
    assert overdue.count() == INCIDENTS * len(recipients)
    assert not overdue.values("recipient", "key").annotate(n=Count("id")).filter(n__gt=1)
