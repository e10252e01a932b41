"""Redis stops while the portal is serving: pages that enqueue work still answer, the
message waits in the outbox, and the flush task delivers it exactly once when Redis is
back. Runs against a private redis-server, never the shared one."""

import base64
import json
import time

import pytest
from django.urls import reverse

from grids import services
from hive.models import Notification, OutboxMessage
from hive.queue import outbox_flush
from tests.faults.conftest import on_postgres_with_redis
from tests.grids.factories import GridFactory

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL_TASK = "hive.send_notification_emails"


def queued(redis_client, queue: str) -> list[dict]:
    """The messages waiting in a Celery queue on Redis (kombu keeps a list per queue)."""
    messages = []
    for raw in redis_client.lrange(queue, 0, -1):
        envelope = json.loads(raw)
        args, kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        messages.append({"task": envelope["headers"]["task"], "args": args, "kwargs": kwargs})
    return messages


def test_portal_answers_while_redis_is_down_and_the_email_task_is_delivered_once_after(
    world, client, private_redis, broker_at, settings
):
    on_postgres_with_redis()
    broker_at(private_redis.url)
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    redis_client = private_redis.client()
    grid = GridFactory(community=world.a, member=world.grid_a)
    world.grid_a.email = "grid_a@example.cn"
    world.grid_a.notify_by_email = True
    world.grid_a.save(update_fields=["email", "notify_by_email"])
    incident = services.incident_report(
        reporter=world.grid_a, grid=grid, category="demand", location="3号楼", description="漏水"
    )

    private_redis.stop()
    client.force_login(world.staff_a)
    started = time.monotonic()
    response = client.post(
        reverse("grids:incident_action", args=[incident.pk, "reject"]), {"reason": "重复上报"}
    )
    answered_in = time.monotonic() - started

    # The page answers as usual, in a few seconds at most (one connect timeout).
    assert response.status_code == 302
    assert answered_in < 6
    incident.refresh_from_db()
    assert incident.status == "rejected"
    notification = Notification.objects.get(recipient=world.grid_a, emailed_at__isnull=True)
    kept = OutboxMessage.objects.get()
    assert kept.task_name == EMAIL_TASK
    assert kept.kwargs == {"notification_ids": [notification.pk]}
    assert kept.sent_at is None and kept.last_error

    # A flush while Redis is still down sends nothing and keeps the row.
    assert outbox_flush() == 0
    kept.refresh_from_db()
    assert kept.sent_at is None and kept.attempts == 2

    private_redis.start()
    assert redis_client.llen(queue) == 0  # nothing survived the stop (no persistence)
    assert outbox_flush() == 1
    kept.refresh_from_db()
    assert kept.sent_at is not None
    # Flushing again (the next minute's run) sends nothing more: delivered exactly once.
    assert outbox_flush() == 0
    assert queued(redis_client, queue) == [
        {"task": EMAIL_TASK, "args": [], "kwargs": {"notification_ids": [notification.pk]}}
    ]


def test_enqueue_with_redis_up_keeps_nothing_in_the_outbox(
    world, client, private_redis, broker_at, settings
):
    on_postgres_with_redis()
    broker_at(private_redis.url)
    grid = GridFactory(community=world.a, member=world.grid_a)
    world.grid_a.email = "grid_a@example.cn"
    world.grid_a.save(update_fields=["email"])
    incident = services.incident_report(
        reporter=world.grid_a, grid=grid, category="demand", location="3号楼", description="漏水"
    )
    client.force_login(world.staff_a)
    response = client.post(
        reverse("grids:incident_action", args=[incident.pk, "reject"]), {"reason": "重复上报"}
    )
    assert response.status_code == 302
    assert not OutboxMessage.objects.exists()
    tasks = [m["task"] for m in queued(private_redis.client(), settings.CELERY_TASK_DEFAULT_QUEUE)]
    assert EMAIL_TASK in tasks


def test_token_requests_and_pages_answer_while_the_cache_redis_is_down(
    world, client, private_redis, broker_at, settings
):
    """The cache on the stopped Redis too: token requests (whose user the cache
    remembers), portal pages and the public wish form answer from the database."""
    from rest_framework.test import APIClient

    from config.env import redis_cache_config
    from tests.volunteers.factories import wish_form_data
    from volunteers.models import MicroWish

    on_postgres_with_redis()
    broker_at(private_redis.url)
    settings.CACHES = {"default": redis_cache_config(private_redis.url, key_prefix="fault")}
    from tests.factories import api_token_key

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_key(world.staff_a)}")
    assert api.get("/api/incidents/").status_code == 200  # the token is now cached
    assert private_redis.client().dbsize() > 0

    private_redis.stop()
    started = time.monotonic()
    assert api.get("/api/incidents/").status_code == 200
    client.force_login(world.party_a)
    assert client.get("/portal/wishes/").status_code == 200
    wish = client.post(reverse("volunteers:wish_new"), wish_form_data(world))
    assert wish.status_code == 302 and MicroWish.objects.count() == 1
    assert time.monotonic() - started < 10  # refused connections fail fast

    # A deactivation while the cache is down still takes effect at once.
    world.staff_a.is_active = False
    world.staff_a.save()
    assert api.get("/api/incidents/").status_code in (401, 403)
