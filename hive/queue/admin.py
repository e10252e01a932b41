"""The beat schedules' admin (django-celery-beat), with the crontab checked by the parser
that runs it: django-celery-beat's own validators let through values Celery refuses (a
minute of "-1"), and the add page then failed with a 500 rendering the schedule's
description. Here such a value is a form error on its field."""

from typing import Any

from celery.schedules import ParseException, crontab
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import CrontabScheduleAdmin as BeatCrontabScheduleAdmin
from django_celery_beat.models import CrontabSchedule

CRONTAB_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")


class CrontabScheduleForm(forms.ModelForm):  # type: ignore[type-arg]  # not generic at run time
    class Meta:
        model = CrontabSchedule
        fields = [*CRONTAB_FIELDS, "timezone"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in CRONTAB_FIELDS:
            value = data.get(name)
            if value is None:
                continue  # already refused by the field's own validators
            try:
                crontab(**{name: value})
            except (ParseException, ValueError):
                self.add_error(
                    name,
                    _("“%(value)s” is not a value the scheduler understands here.")
                    % {"value": value},
                )
        return data


admin.site.unregister(CrontabSchedule)


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(BeatCrontabScheduleAdmin):  # type: ignore[misc]  # untyped
    form = CrontabScheduleForm
