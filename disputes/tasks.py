"""Daily mediation follow-up: thin tasks, each calls one idempotent service."""

from celery import shared_task

from disputes import services


@shared_task(name="disputes.remind_due_followups", time_limit=300, soft_time_limit=270)
def remind_due_followups() -> int:
    """Tell the assigned mediators about follow-up visits now due; each visit once."""
    return services.followups_remind_due()


@shared_task(name="disputes.flag_stale_cases", time_limit=300, soft_time_limit=270)
def flag_stale_cases() -> int:
    """Tell staff about open cases quiet for HIVE_DISPUTE_STALE_DAYS; once per quiet spell."""
    return services.cases_flag_stale()
