"""Periodic micro-wish follow-up: thin tasks, each calls one idempotent service."""

from celery import shared_task

from volunteers import services


# Periodic (beat) tasks keep their result: the count is what monitoring and tests read.
@shared_task(
    name="volunteers.flag_stale_wishes", time_limit=300, soft_time_limit=270, ignore_result=False
)
def flag_stale_wishes() -> int:
    """Tell staff about wishes published and unclaimed for HIVE_WISH_STALE_DAYS."""
    return services.wishes_flag_stale()


@shared_task(
    name="volunteers.remind_wish_claimers", time_limit=300, soft_time_limit=270, ignore_result=False
)
def remind_wish_claimers() -> int:
    """Remind claimers of wishes not fulfilled within HIVE_WISH_CLAIM_REMINDER_HOURS."""
    return services.wishes_remind_claimers()
