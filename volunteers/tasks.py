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


@shared_task(name="volunteers.compute_star_ratings", time_limit=600, soft_time_limit=570)
def compute_star_ratings(community_id: int | None = None, day: str | None = None) -> int:
    """Scores and stars per member for the current period (one community, or all).
    Idempotent: the ratings are unique per member and period, and unchanged rows are
    left alone. `day` (ISO date) picks another period."""
    import datetime

    parsed = datetime.date.fromisoformat(day) if day else None
    if community_id is None:
        return services.ratings_compute_all(day=parsed)
    return services.ratings_compute(community_id=community_id, day=parsed)


@shared_task(name="volunteers.award_meeting_points", time_limit=300, soft_time_limit=270)
def award_meeting_points() -> int:
    """Joint-meeting attendance points for meetings held in the last 30 days."""
    return services.meetings_award_recent(days=30)
