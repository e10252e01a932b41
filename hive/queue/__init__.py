"""Enqueueing Celery work from web requests and services, and the outbox behind it.

`enqueue` sends after commit. When the broker (Redis) is down the request still succeeds:
the message is stored in the outbox table (`hive.OutboxMessage`), and the periodic task
`hive.flush_outbox` sends it once the broker is back. Delivery is at least once: a flush
that dies between the broker taking a message and the row being marked sent sends it
again, so the tasks enqueued this way are idempotent (they claim their rows).

Written by hand rather than with django-celery-outbox: that library routes every task
through the table and needs a relay daemon of its own (one more process to run and watch),
while Hive only needs the table for the rare send that fails, flushed by the beat it
already runs.
"""

import logging
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from celery import Task
from django.db import DatabaseError, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

# Sent rows are kept this long, for staff looking back at an outage in the admin.
OUTBOX_KEEP_SENT = timedelta(days=30)
OUTBOX_BATCH = 100


def enqueue(task: Task[..., Any], *args: Any, **kwargs: Any) -> None:
    """Send `task` once the current transaction commits.

    After commit, so a worker never looks for rows that are not there yet. A broker that
    is down does not fail the request: the message goes to the outbox instead.
    """

    def send() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception as exc:
            if task.app.conf.task_always_eager:
                # Embedded mode has no broker: the task itself ran here and failed. The
                # request has committed and must still succeed; periodic tasks catch up.
                logger.exception("Task %s failed", task.name)
                return
            outbox_store(task_name=task.name, args=args, kwargs=kwargs, error=exc)

    transaction.on_commit(send, robust=True)


def outbox_store(
    *, task_name: str, args: Iterable[Any], kwargs: Mapping[str, Any], error: BaseException
) -> None:
    """Keep a message the broker refused. In a transaction of its own: the request's has
    committed already, and a failure here must not fail the response either."""
    from hive.models import OutboxMessage

    logger.warning("Broker refused task %s (%s); kept in the outbox", task_name, error)
    try:
        with transaction.atomic():
            OutboxMessage.objects.create(
                task_name=task_name,
                args=list(args),
                kwargs=dict(kwargs),
                last_error=_describe(error),
            )
    except (DatabaseError, TypeError, ValueError):
        logger.exception("Task %s could not be kept in the outbox: it is lost", task_name)


def outbox_flush(*, batch: int = OUTBOX_BATCH) -> int:
    """Send the outbox's unsent messages again, oldest first; return how many went.

    Rows are locked with SKIP LOCKED, so two flushes at once (a slow run overlapping the
    next minute's) never send the same row twice. A row is marked sent only after the
    broker took it; the first refusal stops the run (the broker is still down, and every
    further row would wait for the same timeout).
    """
    from celery import current_app

    from hive.models import OutboxMessage

    sent = 0
    with transaction.atomic():
        rows = list(OutboxMessage.objects.unsent().select_for_update(skip_locked=True)[:batch])
        for row in rows:
            task = current_app.tasks.get(row.task_name)
            if task is None:
                # Renamed or removed since: no broker will take it; staff see it in the admin.
                row.attempts += 1
                row.last_error = "unknown task"
                row.save(update_fields=["attempts", "last_error"])
                continue
            try:
                task.apply_async(args=row.args, kwargs=row.kwargs)
            except Exception as exc:
                row.attempts += 1
                row.last_error = _describe(exc)
                row.save(update_fields=["attempts", "last_error"])
                logger.warning("Outbox: task %s still cannot be sent (%s)", row.task_name, exc)
                break
            row.sent_at = timezone.now()
            row.save(update_fields=["sent_at"])
            sent += 1
    OutboxMessage.objects.filter(sent_at__lt=timezone.now() - OUTBOX_KEEP_SENT).delete()
    return sent


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]
