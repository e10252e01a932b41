"""Portal pages: activity sign-up and cancel, the member's own points page, the staff's
leaderboard; scoping (404 out of scope) and constant query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from hive.access.roles import Role
from tests.factories import PASSWORD, user_with_role
from tests.volunteers.factories import ActivityFactory, PartyMemberFactory, PointRuleFactory
from volunteers import services
from volunteers.models import PointEntry, SignUp, StarRating

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_a_party_member_signs_up_and_cancels_in_the_portal(client, world):
    activity = ActivityFactory(community=world.a, capacity=1, title="义诊服务")
    login(client, world.party_a)
    page = client.get(reverse("volunteers:activity_list"))
    assert "义诊服务" in page.content.decode()

    response = client.post(reverse("volunteers:activity_sign_up", args=[activity.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "volunteers:activity_detail", args=[activity.pk]
    )
    assert SignUp.objects.active().filter(activity=activity, user=world.party_a).exists()
    assert 'id="places-left">0 / 1' in response.content.decode()

    client.post(reverse("volunteers:activity_cancel_sign_up", args=[activity.pk]))
    assert not SignUp.objects.active().filter(activity=activity).exists()


def test_a_full_activity_shows_a_message_not_an_error(client, world):
    activity = ActivityFactory(community=world.a, capacity=1)
    other = user_with_role(Role.PARTY_MEMBER, community=world.a)
    services.activity_sign_up(activity=activity, user=other)
    login(client, world.party_a)
    response = client.post(reverse("volunteers:activity_sign_up", args=[activity.pk]), follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1
    assert SignUp.objects.filter(activity=activity).count() == 1


@pytest.mark.parametrize("who", ["staff_b", "grid_a", "unit_rep_a"])
def test_activities_out_of_scope_are_404(client, world, who):
    activity = ActivityFactory(community=world.a)
    login(client, world.user(who))
    assert client.get(reverse("volunteers:activity_detail", args=[activity.pk])).status_code == 404
    response = client.post(reverse("volunteers:activity_sign_up", args=[activity.pk]))
    assert response.status_code == 404
    assert not SignUp.objects.exists()


def test_the_activity_list_has_a_constant_query_count(client, world, django_assert_max_num_queries):
    login(client, world.party_a)
    ActivityFactory(community=world.a)
    client.get(reverse("volunteers:activity_list"))
    for _ in range(15):
        ActivityFactory(community=world.a)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("volunteers:activity_list"))
    assert response.content.decode().count("data-activity=") == 16


def test_my_points_page_shows_score_ledger_stars_and_hours(client, world):
    member = PartyMemberFactory(community=world.a, user=world.party_a)
    rule = PointRuleFactory(community=world.a, name="志愿服务", points=5)
    services.points_award(rule=rule, member=member, reason="清扫楼道", awarded_at=timezone.now())
    services.ratings_compute(community_id=world.a.pk)
    login(client, world.party_a)
    body = client.get(reverse("volunteers:my_points")).content.decode()
    assert 'id="current-score">105<' in body
    assert "清扫楼道" in body
    assert "+5" in body
    assert StarRating.objects.get(member=member).period_label in body
    assert 'id="service-hours">0<' in body


def test_a_member_never_sees_another_members_ledger(client, world):
    other = user_with_role(Role.PARTY_MEMBER, community=world.a)
    other_member = PartyMemberFactory(community=world.a, user=other)
    rule = PointRuleFactory(community=world.a)
    services.points_award(
        rule=rule, member=other_member, reason="别人的积分", awarded_at=timezone.now()
    )
    login(client, world.party_a)
    body = client.get(reverse("volunteers:my_points")).content.decode()
    assert "别人的积分" not in body


def test_the_leaderboard_is_for_staff_and_ranks_by_score(client, world):
    low = PartyMemberFactory(community=world.a, user=world.party_a)
    high = PartyMemberFactory(
        community=world.a, user=user_with_role(Role.PARTY_MEMBER, community=world.a)
    )
    rule = PointRuleFactory(community=world.a, points=20)
    services.points_award(rule=rule, member=high, reason="x", awarded_at=timezone.now())
    services.ratings_compute(community_id=world.a.pk)

    login(client, world.party_a)
    assert client.get(reverse("volunteers:leaderboard")).status_code == 404
    client.logout()

    login(client, world.staff_a)
    body = client.get(reverse("volunteers:leaderboard")).content.decode()
    assert body.index(f'data-member="{high.pk}"') < body.index(f'data-member="{low.pk}"')
    # Staff of B see B, not A's members.
    client.logout()
    login(client, world.staff_b)
    body = client.get(reverse("volunteers:leaderboard")).content.decode()
    assert f'data-member="{high.pk}"' not in body
    body = client.get(reverse("volunteers:leaderboard"), {"community": world.a.pk})
    assert f'data-member="{high.pk}"' not in body.content.decode()


def test_recompute_now_enqueues_the_rating_task_after_commit(
    client, world, monkeypatch, django_capture_on_commit_callbacks
):
    from volunteers import tasks

    member = PartyMemberFactory(community=world.a, user=world.party_a)
    sent = []
    # Whatever the broker (eager locally, Redis in CI): run the task as a worker would.
    monkeypatch.setattr(
        tasks.compute_star_ratings,
        "apply_async",
        lambda args=(), kwargs=None, **options: (
            sent.append(args) or tasks.compute_star_ratings.run(*args)
        ),
    )
    login(client, world.staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("volunteers:leaderboard"), {"community": world.a.pk})
    assert response.status_code == 302
    assert sent == [(world.a.pk,)]
    assert StarRating.objects.filter(member=member).exists()


def test_no_profile_means_no_points_but_a_clear_page(client, world):
    login(client, world.party_a)
    response = client.get(reverse("volunteers:my_points"))
    assert response.status_code == 200
    assert not PointEntry.objects.exists()


def test_past_activities_are_not_listed_for_sign_up(client, world):
    past = ActivityFactory(community=world.a, title="去年的活动")
    past.starts_at = timezone.now() - datetime.timedelta(days=3)
    past.ends_at = past.starts_at + datetime.timedelta(hours=1)
    past.save()
    login(client, world.party_a)
    assert "去年的活动" not in client.get(reverse("volunteers:activity_list")).content.decode()


def test_only_a_party_member_is_offered_the_sign_up(client, world):
    """Staff may open an activity of their community, but signing up is for party members:
    no button they could only be refused by."""
    activity = ActivityFactory(community=world.a, capacity=5)
    url = reverse("volunteers:activity_detail", args=[activity.pk])
    sign_up = reverse("volunteers:activity_sign_up", args=[activity.pk])
    assert sign_up in login(client, world.party_a).get(url).content.decode()
    client.logout()
    page = login(client, world.staff_a).get(url)
    assert page.status_code == 200
    assert sign_up not in page.content.decode()
