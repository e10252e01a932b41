import factory
from django.utils import timezone

from volunteers import services
from volunteers.models import MicroWish


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
