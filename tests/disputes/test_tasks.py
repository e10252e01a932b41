"""Daily follow-up: due follow-up visits reminded to the mediators once; quiet cases
flagged to staff once per quiet spell. Both idempotent; one run on a real worker."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from disputes import services, tasks
from disputes.models import DisputeCase, FollowUp
from hive.models import Notification
from tests.disputes.factories import mediator_for, walk

pytestmark = pytest.mark.django_db


def test_due_follow_ups_are_reminded_to_the_mediators_once(world, case, settings, med_a):
    settings.HIVE_DISPUTE_FOLLOWUP_DAYS = 10
    second = mediator_for(community=world.a)
    case.mediators.add(second)
    case = walk(case, "agreement_reached", actor=world.staff_a)
    followup = case.followups.get()
    today = timezone.localdate()
    assert services.followups_remind_due(today=today) == 0  # due in ten days
    assert services.followups_remind_due(today=today + timedelta(days=10)) == 1
    assert services.followups_remind_due(today=today + timedelta(days=11)) == 0
    notes = Notification.objects.filter(key=f"followup-due-{followup.pk}")
    assert {n.recipient for n in notes} == {world.mediator_a, second.user}
    followup.refresh_from_db()
    assert followup.reminded_at is not None


def test_recorded_or_finished_follow_ups_are_not_reminded(world, case, settings):
    settings.HIVE_DISPUTE_FOLLOWUP_DAYS = 0
    case = walk(case, "followed_up", actor=world.staff_a)
    assert tasks.remind_due_followups.apply().get() == 0


def test_quiet_cases_are_flagged_to_staff_once_per_quiet_spell(world, case, settings):
    settings.HIVE_DISPUTE_STALE_DAYS = 14
    long_ago = timezone.now() - timedelta(days=20)
    DisputeCase.objects.filter(pk=case.pk).update(last_activity_at=long_ago)
    assert tasks.flag_stale_cases.apply().get() == 1
    assert tasks.flag_stale_cases.apply().get() == 0
    assert [n.recipient for n in Notification.objects.filter(key__startswith="case-stale-")] == [
        world.staff_a
    ]
    # Activity clears the flag; a new quiet spell is flagged again.
    case = walk(case, "accepted", actor=world.staff_a)
    assert case.stale_flagged_at is None
    DisputeCase.objects.filter(pk=case.pk).update(
        last_activity_at=timezone.now() - timedelta(days=15)
    )
    assert services.cases_flag_stale() == 1
    assert Notification.objects.filter(key__startswith="case-stale-").count() == 2


def test_finished_and_fresh_cases_are_not_flagged(world, case, room_a, settings):
    settings.HIVE_DISPUTE_STALE_DAYS = 14
    services.case_withdraw(case=case, actor=world.staff_a, reason="撤回")
    DisputeCase.objects.filter(pk=case.pk).update(
        last_activity_at=timezone.now() - timedelta(days=40)
    )
    assert services.cases_flag_stale() == 0


def test_periodic_tasks_are_registered():
    from django_celery_beat.models import PeriodicTask

    names = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"disputes.remind_due_followups", "disputes.flag_stale_cases"} <= names


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_reminds_due_follow_ups(world, celery_worker, room_a):
    from tests.disputes.factories import register

    med = mediator_for(world.mediator_a, community=world.a)
    case = register(community=world.a, room=room_a, actor=world.staff_a, mediators=[med])
    case = walk(case, "agreement_reached", actor=world.staff_a)
    FollowUp.objects.filter(case=case).update(due_on=timezone.localdate())
    # Tasks ignore results (CELERY_TASK_IGNORE_RESULT): watch the database instead.
    tasks.remind_due_followups.apply_async(queue=celery_worker.queue)
    reminded = Notification.objects.filter(recipient=world.mediator_a, key__startswith="followup-")
    deadline = time.monotonic() + 60
    while not reminded.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert reminded.count() == 1, celery_worker.log.read_text()
    assert FollowUp.objects.get(case=case).reminded_at is not None
