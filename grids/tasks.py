from celery import shared_task

from grids.services import incident_flag_overdue


@shared_task(name="grids.flag_overdue_incidents", time_limit=600, soft_time_limit=540)
def flag_overdue_incidents() -> int:
    """Flag incidents past their deadline and notify, once per incident per breach."""
    return incident_flag_overdue()
