"""Celery tasks of the bee colony: the three-double evaluation calendar.

Thin: each looks rows up by id and calls one idempotent service (see
partycommittee.evaluations.services). The periodic ones keep their result (the global
default ignores results) because monitoring and the tests read the counts.
"""

from celery import shared_task

from hive.queue import enqueue
from partycommittee.evaluations import services


@shared_task(
    name="partycommittee.open_due_rounds", time_limit=600, soft_time_limit=540, ignore_result=False
)
def open_due_rounds() -> int:
    """Schedule this period's rounds and open those whose time has come."""
    return services.rounds_open_due()


@shared_task(
    name="partycommittee.remind_evaluation_laggards",
    time_limit=600,
    soft_time_limit=540,
    ignore_result=False,
)
def remind_evaluation_laggards() -> int:
    """Remind units (and staff) who still owe a duty report or sheets, once per cadence."""
    return services.rounds_remind()


@shared_task(
    name="partycommittee.close_overdue_rounds",
    time_limit=600,
    soft_time_limit=540,
    ignore_result=False,
)
def close_overdue_rounds() -> list[int]:
    """Close rounds past their deadline, then compute their results."""
    closed = services.rounds_close_overdue()
    for round_id in closed:
        enqueue(compute_round_results, round_id)
    return closed


@shared_task(
    name="partycommittee.compute_due_results",
    time_limit=900,
    soft_time_limit=840,
    ignore_result=False,
)
def compute_due_results() -> list[int]:
    """Compute every closed round without results (catches a compute that was lost)."""
    return services.rounds_compute_due()


@shared_task(
    name="partycommittee.compute_round_results",
    time_limit=900,
    soft_time_limit=840,
    ignore_result=False,
)
def compute_round_results(round_id: int) -> bool:
    return services.round_compute_results(round_id=round_id)
