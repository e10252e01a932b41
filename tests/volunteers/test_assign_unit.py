"""组织派单 to a resident unit: the unit's representative carries the wish."""

import pytest
from django.core.exceptions import ValidationError

from hive.access.authorization import NotAuthorized
from hive.models import Notification
from partycommittee.models import ResidentUnit
from volunteers import services
from volunteers.models import MicroWish

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(world):
    unit = ResidentUnit.objects.create(community=world.a, name="矿区法院")
    unit.representatives.add(world.unit_rep_a)
    return unit


def test_staff_assign_a_wish_to_a_unit_whose_representative_fulfils_it(world, published, unit):
    wish = services.wish_assign_unit(wish=published, unit=unit, actor=world.staff_a, note="请协助")
    wish.refresh_from_db()
    assert wish.status == MicroWish.Status.CLAIMED
    assert (wish.assigned_unit, wish.claimed_by, wish.assigned_by) == (
        unit,
        world.unit_rep_a,
        world.staff_a,
    )
    assert Notification.objects.filter(recipient=world.unit_rep_a).exists()
    services.wish_fulfil(wish=wish, member=world.unit_rep_a, note="已送到")
    assert MicroWish.objects.get(pk=wish.pk).status == MicroWish.Status.FULFILLED


def test_a_unit_without_a_representative_or_of_another_community_is_refused(world, published):
    lonely = ResidentUnit.objects.create(community=world.a, name="无人单位")
    elsewhere = ResidentUnit.objects.create(community=world.b, name="别处单位")
    for unit in (lonely, elsewhere):
        with pytest.raises(ValidationError) as excinfo:
            services.wish_assign_unit(wish=published, unit=unit, actor=world.staff_a)
        assert "unit" in excinfo.value.message_dict
    assert MicroWish.objects.get(pk=published.pk).status == MicroWish.Status.PUBLISHED


def test_only_staff_assign(world, published, unit):
    with pytest.raises(NotAuthorized):
        services.wish_assign_unit(wish=published, unit=unit, actor=world.party_a)


def test_admin_follow_up_page_assigns_to_a_unit_and_needs_exactly_one_target(
    world, published, unit, client
):
    client.force_login(world.staff_a)
    url = f"/admin/volunteers/microwish/{published.pk}/workflow/"
    neither = client.post(url, {"action": "assign", "note": ""})
    assert neither.status_code == 200
    assert MicroWish.objects.get(pk=published.pk).status == MicroWish.Status.PUBLISHED
    done = client.post(url, {"action": "assign", "unit": unit.pk, "note": "派单"})
    assert done.status_code in (200, 302)
    assert MicroWish.objects.get(pk=published.pk).assigned_unit == unit


def test_contact_details_of_long_closed_wishes_are_erased_once(world, published, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.HIVE_WISH_RETENTION_DAYS = 730
    services.wish_reject(wish=published, actor=world.staff_a, reason="重复")
    MicroWish.objects.filter(pk=published.pk).update(
        updated_at=timezone.now() - timedelta(days=731)
    )
    assert services.wishes_erase_personal_data() == 1
    wish = MicroWish.objects.get(pk=published.pk)
    assert (wish.resident_phone, wish.resident_name) == ("", "（已删除）")
    assert services.wishes_erase_personal_data() == 0


def test_recent_or_open_wishes_keep_their_contact_details(world, published, settings):
    assert services.wishes_erase_personal_data() == 0
    assert MicroWish.objects.get(pk=published.pk).resident_phone
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="hive.apply_retention").exists()
