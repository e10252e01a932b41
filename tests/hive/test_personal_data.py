import pytest
from django.urls import reverse

from hive.models import PersonalDataAccess
from hive.personal_data import (
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
    personal_data_reveal,
)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0353-12345678", "035******5678"),
        ("12345", "***45"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


def test_mask_id_number_hides_region_details_and_birth_date():
    assert mask_id_number("110101199003071234") == "1101**********1234"
    assert mask_id_number("1234") == "****"


def test_mask_name_and_address():
    assert mask_name("张三丰") == "张**"
    assert mask_address("阳泉市矿区赛鱼街道虎尾沟3号楼2单元") == "阳泉市矿区赛****"


@pytest.mark.django_db
def test_reveal_returns_full_values_and_logs_who_saw_what(world):
    world.grid_a.phone = "13812345678"
    world.grid_a.save()

    values = personal_data_reveal(
        viewer=world.staff_a, obj=world.grid_a, fields=["phone"], purpose="回访"
    )

    assert values == {"phone": "13812345678"}
    entry = PersonalDataAccess.objects.get()
    assert entry.viewer == world.staff_a
    assert entry.object_id == world.grid_a.pk
    assert entry.fields == "phone"
    assert entry.purpose == "回访"


@pytest.mark.django_db
def test_access_log_is_readable_by_staff_in_scope_and_read_only(world, client):
    personal_data_reveal(viewer=world.staff_a, obj=world.grid_a, fields=["phone"])
    client.force_login(world.staff_a)
    response = client.get(reverse("admin:hive_personaldataaccess_changelist"))
    assert response.status_code == 200
    entry = PersonalDataAccess.objects.get()
    assert (
        client.post(
            reverse("admin:hive_personaldataaccess_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert PersonalDataAccess.objects.count() == 1
