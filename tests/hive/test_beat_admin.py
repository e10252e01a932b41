"""The beat schedules' admin refuses a crontab Celery cannot parse with a form error on
the field (django-celery-beat's own validators let "-1" through, then the page failed)."""

import pytest
from django.urls import reverse
from django_celery_beat.models import CrontabSchedule

pytestmark = pytest.mark.django_db

VALID = {
    "minute": "15",
    "hour": "4",
    "day_of_week": "*",
    "day_of_month": "*",
    "month_of_year": "*",
    "timezone": "Asia/Shanghai",
    # The inline of the tasks on this schedule (none).
    "periodictask_set-TOTAL_FORMS": "0",
    "periodictask_set-INITIAL_FORMS": "0",
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("minute", "-1"),
        ("hour", "-3"),
        ("minute", "75"),
        ("day_of_week", "-2"),
        ("month_of_year", "13"),
    ],
)
def test_a_crontab_the_scheduler_refuses_is_a_form_error_and_nothing_is_stored(
    world, client, field, value
):
    client.force_login(world.street_admin)
    before = CrontabSchedule.objects.count()
    response = client.post(
        reverse("admin:django_celery_beat_crontabschedule_add"), {**VALID, field: value}
    )
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert CrontabSchedule.objects.count() == before


def test_a_valid_crontab_is_saved(world, client):
    client.force_login(world.street_admin)
    response = client.post(reverse("admin:django_celery_beat_crontabschedule_add"), VALID)
    assert response.status_code == 302
    assert CrontabSchedule.objects.filter(minute="15", hour="4").exists()
