"""Periodic follow-up (stale wishes flagged to staff, claimers reminded): idempotent;
and two party members claiming at the same moment on PostgreSQL."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from hive.models import Notification
from tests.volunteers.factories import MicroWishFactory, walk
from volunteers import services, tasks
from volunteers.models import MicroWish


def age(wish, **fields):
    MicroWish.objects.filter(pk=wish.pk).update(**fields)
    wish.refresh_from_db()
    return wish


@pytest.mark.django_db
def test_stale_published_wishes_are_flagged_to_staff_once(world, settings):
    settings.HIVE_WISH_STALE_DAYS = 3
    old = walk(MicroWishFactory(community=world.a), "published", world=world)
    age(old, published_at=timezone.now() - timedelta(days=4))
    fresh = walk(MicroWishFactory(community=world.a), "published", world=world)

    assert tasks.flag_stale_wishes.apply().get() == 1
    assert tasks.flag_stale_wishes.apply().get() == 0
    notes = Notification.objects.filter(key=f"wish-stale-{old.pk}")
    assert [n.recipient for n in notes] == [world.staff_a]
    assert not Notification.objects.filter(key=f"wish-stale-{fresh.pk}").exists()
    old.refresh_from_db()
    assert old.stale_flagged_at is not None


@pytest.mark.django_db
def test_claimers_are_reminded_once_per_claim(world, settings):
    settings.HIVE_WISH_CLAIM_REMINDER_HOURS = 48
    wish = walk(MicroWishFactory(community=world.a), "claimed", world=world)
    age(wish, claimed_at=timezone.now() - timedelta(hours=50))
    recent = walk(MicroWishFactory(community=world.a), "claimed", world=world)

    assert services.wishes_remind_claimers() == 1
    assert services.wishes_remind_claimers() == 0
    assert tasks.remind_wish_claimers.apply().get() == 0
    assert world.party_a.notifications.count() == 1
    assert not Notification.objects.filter(key__startswith=f"wish-claim-reminder-{recent.pk}-")


@pytest.mark.django_db
def test_fulfilled_wishes_are_not_reminded(world, settings):
    wish = walk(MicroWishFactory(community=world.a), "fulfilled", world=world)
    age(wish, claimed_at=timezone.now() - timedelta(days=30))
    assert services.wishes_remind_claimers() == 0


@pytest.mark.django_db
def test_periodic_tasks_are_registered():
    from django_celery_beat.models import PeriodicTask

    names = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"volunteers.flag_stale_wishes", "volunteers.remind_wish_claimers"} <= names


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_flags_stale_wishes(world, celery_worker, settings):
    wish = walk(MicroWishFactory(community=world.a), "published", world=world)
    age(wish, published_at=timezone.now() - timedelta(days=30))
    tasks.flag_stale_wishes.apply_async(queue=celery_worker.queue)
    # Results are not stored (CELERY_TASK_IGNORE_RESULT): watch the database instead.
    deadline = time.monotonic() + 60
    while not Notification.objects.filter(key=f"wish-stale-{wish.pk}").exists():
        if time.monotonic() > deadline:
            print(celery_worker.log.read_text())
            pytest.fail("the worker did not flag the wish within 60 s")
        time.sleep(0.2)
    assert Notification.objects.filter(key=f"wish-stale-{wish.pk}").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_claims_leave_one_claimer_and_one_refusal(world, party_a2):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises whole-database writes)")
    wish = walk(MicroWishFactory(community=world.a), "published", world=world)
    barrier = threading.Barrier(2)
    outcomes = {}

    def claim(member):
        try:
            barrier.wait(timeout=10)
            services.wish_claim(wish=MicroWish.objects.get(pk=wish.pk), member=member)
            outcomes[member.username] = "claimed"
        except Exception as exc:
            outcomes[member.username] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(m,)) for m in (world.party_a, party_a2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    values = list(outcomes.values())
    assert values.count("claimed") == 1, outcomes
    refusal = next(v for v in values if v != "claimed")
    assert getattr(refusal, "code", None) == "already_claimed", refusal
    wish.refresh_from_db()
    assert wish.status == "claimed"
    assert wish.claimed_by.username == next(k for k, v in outcomes.items() if v == "claimed")
    from hive.models import TimelineEntry

    assert TimelineEntry.objects.for_object(wish).filter(to_state="claimed").count() == 1
