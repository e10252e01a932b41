from celery import shared_task
from django.core.management import call_command
from django.db import connection


@shared_task(name="hive.ping", time_limit=30, soft_time_limit=25, ignore_result=False)
def ping() -> dict:
    """Answer with the worker's view of the database: proves a worker is alive and wired."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"pong": True, "database": connection.vendor}


@shared_task(name="hive.clear_expired_sessions", time_limit=600, soft_time_limit=540)
def clear_expired_sessions() -> None:
    """Delete expired portal and admin sessions (idempotent by nature)."""
    call_command("clearsessions")


@shared_task(
    name="hive.send_notification_emails",
    bind=True,
    time_limit=120,
    soft_time_limit=100,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=5,
)
def send_notification_emails(self, notification_ids: list[int]) -> int:
    """Email notifications to those who chose email; each at most once (see the service)."""
    from hive.notifications import notification_emails_send

    return notification_emails_send(notification_ids=notification_ids)


@shared_task(
    name="hive.apply_retention", time_limit=1800, soft_time_limit=1740, ignore_result=False
)
def apply_retention() -> int:
    """Anonymise or delete personal data past its retention period (every registered
    rule); idempotent. Returns the number of rows changed."""
    from hive.personal_data.retention import retention_apply

    return retention_apply().total


@shared_task(name="hive.warm_dashboard", time_limit=600, soft_time_limit=540)
def warm_dashboard(community_ids: list[int] | None = None) -> int:
    """Recompute the dashboard's cached figures (after writes, and every few minutes)."""
    from hive.dashboard import dashboard_warm

    return dashboard_warm(community_ids=community_ids)


@shared_task(name="hive.flush_outbox", time_limit=120, soft_time_limit=100)
def flush_outbox() -> int:
    """Send the messages the broker refused while it was down (see hive.queue)."""
    from hive.queue import outbox_flush

    return outbox_flush()
