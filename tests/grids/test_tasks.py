"""The overdue check: flags each breach once and notifies the assignee and staff once."""

import datetime

import pytest
from django.utils import timezone

from grids import services
from grids.models import Incident, IncidentOverdueFlag
from grids.tasks import flag_overdue_incidents
from hive.models import Notification
from tests.grids.factories import GridFactory


def _overdue_incident(gw, **extra):
    incident = services.incident_report(
        reporter=gw.grid_a, grid=gw.a1, category="sign", location="x", description="y"
    )
    Incident.objects.filter(pk=incident.pk).update(
        deadline=timezone.now() - datetime.timedelta(hours=2), **extra
    )
    incident.refresh_from_db()
    return incident


@pytest.mark.django_db
def test_overdue_task_run_twice_notifies_once(gw):
    incident = _overdue_incident(gw, status="assigned", assignee=gw.grid_a)
    done = _overdue_incident(gw, status="closed")
    services.incident_report(
        reporter=gw.grid_a, grid=gw.a1, category="sign", location="x", description="not due"
    )
    assert flag_overdue_incidents.apply().get() == 1
    assert flag_overdue_incidents.apply().get() == 0
    notified = set(Notification.objects.values_list("recipient__username", flat=True))
    assert notified == {"grid_a", "staff_a"}
    assert Notification.objects.count() == 2
    assert not IncidentOverdueFlag.objects.filter(incident=done).exists()
    # A reopened report with a new deadline that passes again is a new breach.
    Incident.objects.filter(pk=incident.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert services.incident_flag_overdue() == 1
    assert Notification.objects.count() == 4


@pytest.mark.django_db
def test_overdue_filter_matches_the_flagged_incidents(gw):
    incident = _overdue_incident(gw)
    assert list(Incident.objects.overdue()) == [incident]
    assert incident.is_overdue


@pytest.mark.django_db
def test_the_periodic_task_is_registered_after_migrate():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="grids.flag_overdue_incidents")
    assert task.enabled and task.crontab.minute == "*/15"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_flags_overdue_incidents(celery_worker, world):
    grid = GridFactory(community=world.a, member=world.grid_a)
    incident = services.incident_report(
        reporter=world.grid_a, grid=grid, category="sign", location="x", description="y"
    )
    Incident.objects.filter(pk=incident.pk).update(
        deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    result = flag_overdue_incidents.apply_async(queue=celery_worker.queue)
    try:
        assert result.get(timeout=60) == 1
    except Exception:
        print(celery_worker.log.read_text())
        raise
    assert IncidentOverdueFlag.objects.filter(incident=incident).count() == 1
    assert Notification.objects.filter(recipient=world.staff_a).count() == 1
