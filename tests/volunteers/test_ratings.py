"""Star ratings: a hand-computed example, idempotence, the task, constant query count."""

import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hive.access.roles import Role
from tests.factories import user_with_role
from tests.volunteers.factories import PartyMemberFactory, PointRuleFactory
from volunteers import services, tasks
from volunteers.models import PointEntry, PointRule, PointsScheme, StarRating

pytestmark = pytest.mark.django_db


def at(year, month, day, hour=10):
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


def _member(world, community=None):
    community = community or world.a
    return PartyMemberFactory(
        community=community, user=user_with_role(Role.PARTY_MEMBER, community=community)
    )


def _give(member, rule, points, when):
    return PointEntry.objects.create(
        community=member.community,
        member=member,
        rule=rule,
        points=points,
        reason="测试",
        awarded_at=when,
    )


@pytest.fixture
def example(world):
    """Quarterly scheme, initial 60, stars at 70 / 80 / 90 / 100.

    | member | Q1 2026 entries            | score          | stars |
    | ann    | +20 +15 -5 (+50 in Q4 '25) | 60+30   = 90   | 4     |
    | bob    | none                       | 60             | 1     |
    | cai    | +10 +20 +10                | 60+40   = 100  | 5     |
    | dan    | +15 (31 Mar 23:30 local)   | 60+15   = 75   | 2     |
    | eve    | +10 (1 Apr 00:10: Q2)      | 60             | 1     |
    | fay    | inactive                   | not rated      |       |
    """
    PointsScheme.objects.create(
        community=world.a,
        initial_score=60,
        period="quarter",
        star2_from=70,
        star3_from=80,
        star4_from=90,
        star5_from=100,
    )
    award = PointRuleFactory(community=world.a, points=5)
    deduction = PointRuleFactory(
        community=world.a, category=PointRule.Category.DEDUCTION, points=-5
    )
    members = {name: _member(world) for name in ["ann", "bob", "cai", "dan", "eve", "fay"]}
    _give(members["ann"], award, 20, at(2026, 1, 5))
    _give(members["ann"], award, 15, at(2026, 2, 5))
    _give(members["ann"], deduction, -5, at(2026, 3, 5))
    _give(members["ann"], award, 50, at(2025, 12, 30))
    for points in (10, 20, 10):
        _give(members["cai"], award, points, at(2026, 2, 1))
    _give(members["dan"], award, 15, at(2026, 3, 31, 23) + datetime.timedelta(minutes=30))
    _give(members["eve"], award, 10, at(2026, 4, 1, 0) + datetime.timedelta(minutes=10))
    members["fay"].is_active = False
    members["fay"].save()
    # Another community's member with points in the same period is not touched.
    _give(_member(world, world.b), PointRuleFactory(community=world.b), 99, at(2026, 2, 1))
    return members


def test_ratings_match_the_hand_computed_example(world, example):
    changed = services.ratings_compute(community_id=world.a.pk, day=datetime.date(2026, 2, 14))
    assert changed == 5
    rows = {
        r.member_id: (r.score, r.stars, r.period_label, r.period_start, r.period_end)
        for r in StarRating.objects.filter(community=world.a)
    }
    q1 = ("2026-Q1", datetime.date(2026, 1, 1), datetime.date(2026, 4, 1))
    assert rows == {
        example["ann"].pk: (90, 4, *q1),
        example["bob"].pk: (60, 1, *q1),
        example["cai"].pk: (100, 5, *q1),
        example["dan"].pk: (75, 2, *q1),
        example["eve"].pk: (60, 1, *q1),
    }
    assert not StarRating.objects.filter(community=world.b).exists()


def test_computing_twice_changes_nothing_and_a_new_entry_updates_one_row(world, example):
    day = datetime.date(2026, 2, 14)
    services.ratings_compute(community_id=world.a.pk, day=day)
    before = {r.pk: (r.score, r.stars, r.updated_at) for r in StarRating.objects.all()}
    assert services.ratings_compute(community_id=world.a.pk, day=day) == 0
    assert tasks.compute_star_ratings.apply(args=[world.a.pk, "2026-02-14"]).get() == 0
    assert {r.pk: (r.score, r.stars, r.updated_at) for r in StarRating.objects.all()} == before

    _give(example["bob"], PointRule.objects.filter(points=5).first(), 12, at(2026, 3, 1))
    assert services.ratings_compute(community_id=world.a.pk, day=day) == 1
    bob = StarRating.objects.get(member=example["bob"])
    assert (bob.score, bob.stars) == (72, 2)
    assert StarRating.objects.filter(community=world.a).count() == 5


def test_each_period_keeps_its_own_rating(world, example):
    services.ratings_compute(community_id=world.a.pk, day=datetime.date(2025, 12, 1))
    services.ratings_compute(community_id=world.a.pk, day=datetime.date(2026, 2, 1))
    history = list(
        StarRating.objects.filter(member=example["ann"])
        .order_by("period_start")
        .values_list("period_label", "score", "stars")
    )
    assert history == [("2025-Q4", 110, 5), ("2026-Q1", 90, 4)]


def test_default_scheme_when_staff_set_none(world):
    member = _member(world)
    services.ratings_compute(community_id=world.a.pk, day=datetime.date(2026, 5, 1))
    rating = StarRating.objects.get(member=member)
    assert (rating.score, rating.stars, rating.period_label) == (100, 3, "2026-Q2")


def test_the_query_count_does_not_grow_with_members(world, example):
    with CaptureQueriesContext(connection) as few:
        services.ratings_compute(community_id=world.a.pk, day=datetime.date(2026, 1, 1))
    for _ in range(15):
        _member(world)
    with CaptureQueriesContext(connection) as many:
        services.ratings_compute(community_id=world.a.pk, day=datetime.date(2026, 1, 2))
    assert len(many) == len(few) <= 4


def test_the_task_rates_every_community(world, example):
    _member(world, world.b)
    assert (
        tasks.compute_star_ratings.apply(kwargs={"day": "2026-02-20"}).get() == 7
    )  # 5 in A, 2 in B
    assert tasks.compute_star_ratings.apply(kwargs={"day": "2026-02-20"}).get() == 0
    assert StarRating.objects.filter(community=world.b).count() == 2


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_computes_the_ratings(world, celery_worker):
    # No ledger entries here: a transactional test's teardown empties the tables, and
    # on SQLite the ledger's trigger refuses DELETE (PostgreSQL truncates instead).
    member = _member(world)
    tasks.compute_star_ratings.apply_async(
        args=[world.a.pk, "2026-02-14"], queue=celery_worker.queue
    )
    # Results are not stored (CELERY_TASK_IGNORE_RESULT): watch the database instead.
    deadline = time.monotonic() + 60
    while not StarRating.objects.filter(member=member).exists():
        if time.monotonic() > deadline:
            print(celery_worker.log.read_text())
            pytest.fail("the worker did not compute the ratings within 60 s")
        time.sleep(0.2)
    rating = StarRating.objects.get(member=member)
    assert (rating.score, rating.stars, rating.period_label) == (100, 3, "2026-Q1")
