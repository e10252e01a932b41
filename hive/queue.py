"""Enqueueing Celery work from web requests and services."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs) -> None:
    """Send `task` once the current transaction commits.

    After commit, so a worker never looks for rows that are not there yet. A broker that
    is down does not fail the request: the failure is logged, and periodic tasks pick the
    work up again on their next run.
    """

    def send():
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:
            # The broker is down (or, in eager mode, the task itself failed): the request
            # has already committed and must still succeed.
            logger.exception("Task %s could not be sent or run", task.name)

    transaction.on_commit(send, robust=True)
