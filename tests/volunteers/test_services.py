import itertools
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from hive.access.authorization import NotAuthorized
from hive.models import TimelineEntry
from hive.selectors import timeline_for
from hive.workflow import TransitionNotAllowed
from tests.volunteers.factories import MicroWishFactory, walk
from volunteers import services
from volunteers.models import TRACKING_CODE_ALPHABET, MicroWish, new_tracking_code
from volunteers.signals import wish_confirmed

pytestmark = pytest.mark.django_db
S = MicroWish.Status


def submit(world, **overrides):
    data = {
        "community": world.a,
        "category": MicroWish.Category.REPAIRS,
        "title": "厨房水龙头漏水",
        "description": "一直滴水",
        "resident_name": "王秀英",
        "resident_phone": "13812345678",
        "address": "3号楼2单元501",
    }
    return services.wish_submit(**{**data, **overrides})


# --- submission, tracking code, duplicates ------------------------------------------


def test_submit_stores_the_wish_and_a_first_timeline_entry(world):
    wish, created = submit(world)
    assert created
    assert wish.status == S.SUBMITTED
    assert wish.consent_at is not None
    assert [e.to_state for e in timeline_for(wish)] == ["submitted"]


def test_tracking_code_is_long_random_and_from_the_unambiguous_alphabet(world):
    codes = {new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) >= 10
        assert set(code) <= set(TRACKING_CODE_ALPHABET)
    assert not set("01OIL") & set(TRACKING_CODE_ALPHABET)
    first, _ = submit(world)
    second, _ = submit(world, title="另一个心愿")
    assert first.tracking_code != second.tracking_code
    assert first.tracking_code not in (str(first.pk), str(second.pk))


def test_same_wish_twice_within_the_window_is_stored_once(world):
    first, created = submit(world)
    again, created_again = submit(world, title="  厨房水龙头漏水 ", description="一直滴水")
    assert created and not created_again
    assert again.pk == first.pk
    assert MicroWish.objects.count() == 1


def test_same_wish_after_the_window_is_a_new_wish(world, settings):
    settings.HIVE_WISH_DUPLICATE_WINDOW_SECONDS = 60
    first, _ = submit(world, now=timezone.now() - timedelta(minutes=5))
    second, created = submit(world)
    assert created and second.pk != first.pk


def test_a_different_phone_is_a_different_wish(world):
    submit(world)
    _, created = submit(world, resident_phone="13912345678")
    assert created


def test_the_database_refuses_two_copies_in_one_window(world):
    from django.db import IntegrityError, transaction

    wish, _ = submit(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        MicroWishFactory(
            community=world.a, fingerprint=wish.fingerprint, dedup_window=wish.dedup_window
        )


def test_submit_validates_the_phone(world):
    with pytest.raises(ValidationError) as info:
        submit(world, resident_phone="12345")
    assert "resident_phone" in info.value.message_dict
    assert MicroWish.objects.count() == 0


# --- every transition ------------------------------------------------------------------


def put_in(state, world):
    wish = MicroWishFactory(community=world.a)
    if state == S.SUBMITTED:
        return wish
    if state == S.REJECTED:
        return services.wish_reject(wish=wish, actor=world.staff_a, reason="不符合")
    if state == S.WITHDRAWN:
        return services.wish_withdraw(wish=wish)
    return walk(wish, state, world=world)


def move(wish, target, world):
    if target == S.PUBLISHED:
        return services.wish_publish(wish=wish, actor=world.staff_a)
    if target == S.CLAIMED:
        return services.wish_claim(wish=wish, member=world.party_a)
    if target == S.FULFILLED:
        return services.wish_fulfil(wish=wish, member=world.party_a, note="完成")
    if target == S.CONFIRMED:
        return services.wish_confirm(wish=wish, rating=4)
    if target == S.REJECTED:
        return services.wish_reject(wish=wish, actor=world.staff_a, reason="理由")
    if target == S.WITHDRAWN:
        return services.wish_withdraw(wish=wish)
    raise AssertionError(target)


LEGAL = {
    (S.SUBMITTED, S.PUBLISHED),
    (S.SUBMITTED, S.REJECTED),
    (S.SUBMITTED, S.WITHDRAWN),
    (S.PUBLISHED, S.CLAIMED),
    (S.PUBLISHED, S.REJECTED),
    (S.PUBLISHED, S.WITHDRAWN),
    (S.CLAIMED, S.FULFILLED),
    (S.CLAIMED, S.WITHDRAWN),
    (S.FULFILLED, S.CONFIRMED),
}
# Moves with no service (to "submitted") are not reachable at all.
TARGETS = [s for s in S.values if s != S.SUBMITTED]


def test_the_declared_workflow_is_the_one_tested():
    declared = {(a, s.target) for s in MicroWish.workflow.actions.values() for a in s.sources}
    assert declared == LEGAL


@pytest.mark.parametrize(("source", "target"), list(itertools.product(S.values, TARGETS)))
def test_every_transition(world, source, target):
    wish = put_in(source, world)
    entries = TimelineEntry.objects.count()
    if (source, target) in LEGAL:
        moved = move(wish, target, world)
        moved.refresh_from_db()
        assert moved.status == target
        assert TimelineEntry.objects.count() == entries + 1
    else:
        with pytest.raises(ValidationError):
            move(wish, target, world)
        wish.refresh_from_db()
        assert wish.status == source
        assert TimelineEntry.objects.count() == entries


# --- claims and who may do what ---------------------------------------------------------


def test_second_claim_is_refused_with_a_clear_message(world, published, party_a2):
    services.wish_claim(wish=published, member=world.party_a)
    with pytest.raises(ValidationError) as info:
        services.wish_claim(wish=published, member=party_a2)
    assert info.value.code == "already_claimed"
    published.refresh_from_db()
    assert published.claimed_by == world.party_a


def test_only_a_party_member_of_the_community_can_claim(world, published):
    for user in (world.grid_a, world.staff_b):
        with pytest.raises(NotAuthorized):
            services.wish_claim(wish=published, member=user)
    published.refresh_from_db()
    assert published.status == S.PUBLISHED


def test_only_the_claimer_fulfils(world, published, party_a2):
    services.wish_claim(wish=published, member=world.party_a)
    with pytest.raises(NotAuthorized):
        services.wish_fulfil(wish=published, member=party_a2, note="我做的")
    with pytest.raises(ValidationError) as info:
        services.wish_fulfil(wish=published, member=world.party_a, note="  ")
    assert "note" in info.value.message_dict


def test_fulfilment_stores_photos(world, published):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "green").save(buffer, format="PNG")
    services.wish_claim(wish=published, member=world.party_a)
    services.wish_fulfil(
        wish=published,
        member=world.party_a,
        note="送到了",
        photos=[ContentFile(buffer.getvalue(), "a.jpg")],
    )
    assert published.photos.count() == 1
    # Stored under a random name with the extension of what the content is.
    assert published.photos.get().image.name.endswith(".png")


@pytest.mark.parametrize("user_key", ["party_a", "grid_a", "staff_b"])
def test_review_and_assignment_are_for_the_communitys_staff(world, wish, user_key):
    user = world.user(user_key)
    with pytest.raises(NotAuthorized):
        services.wish_publish(wish=wish, actor=user)
    with pytest.raises(NotAuthorized):
        services.wish_reject(wish=wish, actor=user, reason="x")
    wish.refresh_from_db()
    assert wish.status == S.SUBMITTED


@pytest.mark.parametrize("user_key", ["staff_a", "street_admin", "superuser"])
def test_staff_of_the_community_and_above_publish(world, wish, user_key):
    services.wish_publish(wish=wish, actor=world.user(user_key))
    wish.refresh_from_db()
    assert wish.status == S.PUBLISHED and wish.published_at


def test_reject_needs_a_reason(world, wish):
    with pytest.raises(ValidationError) as info:
        services.wish_reject(wish=wish, actor=world.staff_a, reason=" ")
    assert "reason" in info.value.message_dict


def test_staff_assign_to_a_party_member_notifies_them(world, published):
    services.wish_assign(wish=published, member=world.party_a, actor=world.staff_a, note="请跟进")
    published.refresh_from_db()
    assert published.status == S.CLAIMED
    assert published.claimed_by == world.party_a
    assert published.assigned_by == world.staff_a
    assert world.party_a.notifications.count() == 1


def test_assign_refuses_someone_who_is_not_a_party_member_there(world, published):
    with pytest.raises(ValidationError) as info:
        services.wish_assign(wish=published, member=world.grid_a, actor=world.staff_a)
    assert "member" in info.value.message_dict


# --- confirmation and the points hook ---------------------------------------------------


@pytest.mark.parametrize("rating", [0, 6, None, "x"])
def test_confirm_refuses_a_rating_outside_1_to_5(world, published, rating):
    wish = walk(published, "fulfilled", world=world)
    with pytest.raises(ValidationError) as info:
        services.wish_confirm(wish=wish, rating=rating)
    assert "rating" in info.value.message_dict
    wish.refresh_from_db()
    assert wish.status == S.FULFILLED


def test_staff_confirm_on_behalf_needs_a_note_and_records_who(world, published):
    wish = walk(published, "fulfilled", world=world)
    with pytest.raises(ValidationError):
        services.wish_confirm(wish=wish, rating=5, actor=world.staff_a)
    services.wish_confirm(wish=wish, rating=5, actor=world.staff_a, note="电话确认")
    wish.refresh_from_db()
    assert wish.status == S.CONFIRMED
    assert wish.confirmed_by_staff == world.staff_a
    assert wish.rating == 5


def test_confirming_sends_the_points_hook_once(world, published):
    received = []

    def receiver(sender, wish, actor, **kwargs):
        received.append((wish.pk, wish.claimed_by_id, actor))

    wish_confirmed.connect(receiver)
    try:
        wish = walk(published, "fulfilled", world=world)
        services.wish_confirm(wish=wish, rating=4)
        with pytest.raises(TransitionNotAllowed):
            services.wish_confirm(wish=wish, rating=4)
    finally:
        wish_confirmed.disconnect(receiver)
    assert received == [(wish.pk, world.party_a.pk, None)]


def test_withdrawing_a_claimed_wish_tells_the_claimer(world, published):
    services.wish_claim(wish=published, member=world.party_a)
    services.wish_withdraw(wish=published, note="不需要了")
    assert world.party_a.notifications.count() == 1
