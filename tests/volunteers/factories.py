import datetime

import factory
from django.utils import timezone

from volunteers import services
from volunteers.models import Activity, MicroWish, PartyMember, PointRule, Team


class MicroWishFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MicroWish

    community = None
    category = MicroWish.Category.REPAIRS
    title = factory.Sequence(lambda n: f"修水龙头{n}")
    description = "厨房漏水"
    resident_name = "王秀英"
    resident_phone = factory.Sequence(lambda n: f"1380000{n % 10000:04d}")
    address = "虎尾沟3号楼2单元501"
    consent_at = factory.LazyFunction(timezone.now)
    fingerprint = factory.Sequence(lambda n: f"fp{n}")
    dedup_window = 0


def walk(wish, target: str, *, world, member=None):
    """Move a submitted wish along the happy path up to `target` with the services."""
    member = member or world.party_a
    steps = ["submitted", "published", "claimed", "fulfilled", "confirmed"]
    for step in steps[steps.index(wish.status) + 1 : steps.index(target) + 1]:
        if step == "published":
            services.wish_publish(wish=wish, actor=world.staff_a)
        elif step == "claimed":
            services.wish_claim(wish=wish, member=member)
        elif step == "fulfilled":
            services.wish_fulfil(wish=wish, member=member, note="已完成")
        elif step == "confirmed":
            services.wish_confirm(wish=wish, rating=5)
    wish.refresh_from_db()
    return wish


# --- Teams, activities, points -----------------------------------------------------------


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    community = None
    name = factory.Sequence(lambda n: f"志愿服务队{n}")
    kind = Team.Kind.VOLUNTEER_SERVICE


class ActivityFactory(factory.django.DjangoModelFactory):
    """By default an open activity tomorrow, two hours long, ten places."""

    class Meta:
        model = Activity

    community = None
    title = factory.Sequence(lambda n: f"志愿活动{n}")
    kind = Activity.Kind.CONVENIENCE
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=2))
    place = "社区广场"
    capacity = 10


class PartyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyMember

    community = None
    user = None
    branch = "第一党支部"


class PointRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PointRule

    community = None
    code = factory.Sequence(lambda n: f"rule-{n}")
    name = factory.Sequence(lambda n: f"规则{n}")
    category = PointRule.Category.VOLUNTEER_SERVICE
    points = 5


def started(activity, *, hours_ago: int = 3):
    """Move an activity into the past (it took place), bypassing the sign-up checks."""
    starts_at = timezone.now() - datetime.timedelta(hours=hours_ago)
    Activity.objects.filter(pk=activity.pk).update(
        starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2)
    )
    activity.refresh_from_db()
    return activity


def wish_form_data(world, **overrides):
    """A valid POST of the public wish form in community A; a None override drops a field."""
    data = {
        "community": world.a.pk,
        "category": "repairs",
        "title": "厨房水龙头漏水",
        "description": "一直滴水，自己修不好。",
        "resident_name": "王秀英",
        "resident_phone": "138 1234 5678",
        "address": "虎尾沟3号楼2单元501",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
