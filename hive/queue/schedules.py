"""Periodic tasks each app declares; created in django-celery-beat after migrate.

Created once and never overwritten: after that the admin is where staff change the
time or switch a task off.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PeriodicTaskSpec:
    # Lazily translated; the name staff see in the admin.
    name: object
    task: str
    minute: str = "0"
    hour: str = "*"
    day_of_week: str = "*"
    day_of_month: str = "*"
    month_of_year: str = "*"


PERIODIC_TASKS: list[PeriodicTaskSpec] = [
    PeriodicTaskSpec(
        name=_("Clear expired sessions"),
        task="hive.clear_expired_sessions",
        minute="30",
        hour="3",
    ),
]


def register(spec: PeriodicTaskSpec) -> None:
    if spec not in PERIODIC_TASKS:
        PERIODIC_TASKS.append(spec)


def ensure_periodic_tasks(**kwargs: object) -> None:
    from django.conf import settings
    from django.utils import translation
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    for spec in PERIODIC_TASKS:
        if PeriodicTask.objects.filter(task=spec.task).exists():
            continue
        schedule, _created = CrontabSchedule.objects.get_or_create(
            minute=spec.minute,
            hour=spec.hour,
            day_of_week=spec.day_of_week,
            day_of_month=spec.day_of_month,
            month_of_year=spec.month_of_year,
            timezone=settings.TIME_ZONE,
        )
        with translation.override(settings.LANGUAGE_CODE):
            name = str(spec.name)
        PeriodicTask.objects.create(name=name, task=spec.task, crontab=schedule)
