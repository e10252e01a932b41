from celery import shared_task

from grids.services import incident_flag_overdue


# A periodic (beat) task keeps its result: the count is what monitoring and tests read.
@shared_task(
    name="grids.flag_overdue_incidents", time_limit=600, soft_time_limit=540, ignore_result=False
)
def flag_overdue_incidents() -> int:
    """Flag incidents past their deadline and notify, once per incident per breach."""
    return incident_flag_overdue()
