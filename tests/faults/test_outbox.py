"""The outbox itself: who sees it in the admin, and the flush's rules (no broker needed:
the tasks' apply_async is replaced)."""

import pytest
from django.urls import reverse

from hive.models import OutboxMessage
from hive.queue import outbox_flush
from hive.tasks import ping

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("who", "status"), [("superuser", 200), ("street_admin", 200)])
def test_street_level_staff_read_the_outbox_in_the_admin(world, client, who, status):
    OutboxMessage.objects.create(task_name="hive.ping", last_error="OperationalError: down")
    client.force_login(world.user(who))
    response = client.get(reverse("admin:hive_outboxmessage_changelist"))
    assert response.status_code == status
    assert "hive.ping" in response.content.decode()
    assert client.get(reverse("admin:hive_outboxmessage_add")).status_code == 403


def test_community_staff_do_not_see_the_outbox(world, client):
    client.force_login(world.staff_a)
    assert client.get(reverse("admin:hive_outboxmessage_changelist")).status_code == 403


def test_flush_marks_sent_only_what_the_broker_took_and_stops_at_the_first_refusal(
    world, monkeypatch
):
    first = OutboxMessage.objects.create(task_name="hive.ping")
    second = OutboxMessage.objects.create(task_name="hive.ping")
    unknown = OutboxMessage.objects.create(task_name="hive.gone")
    calls = []

    def refuse_the_second(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise ConnectionRefusedError("Redis went away again")

    monkeypatch.setattr(ping, "apply_async", refuse_the_second)
    assert outbox_flush() == 1
    first.refresh_from_db()
    second.refresh_from_db()
    unknown.refresh_from_db()
    assert first.sent_at is not None
    assert second.sent_at is None and second.attempts == 2
    assert "Redis went away again" in second.last_error
    # Never reached in this run: the broker had refused already.
    assert unknown.attempts == 1

    monkeypatch.setattr(ping, "apply_async", lambda *a, **k: None)
    assert outbox_flush() == 1
    unknown.refresh_from_db()
    assert unknown.sent_at is None and unknown.last_error == "unknown task"
    assert OutboxMessage.objects.unsent().count() == 1
