import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

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


# --- Personal numbers in free text (one normaliser for every public text and log) ------

# (text as typed, text as shown): mainland mobiles in every spelling, landlines with their
# area code, 18-character ID numbers.
SPELLINGS = [
    ("13812345678", "138****5678"),
    ("请联系13812345678处理", "请联系138****5678处理"),
    ("+86 138 1234 5678", "138****5678"),
    ("+8613812345678", "138****5678"),
    ("86 13812345678", "138****5678"),
    ("0086 13812345678", "138****5678"),
    ("008613812345678", "138****5678"),
    ("138-1234-5678", "138****5678"),
    ("138.1234.5678", "138****5678"),
    ("138 1234 5678", "138****5678"),
    ("1 3 8 1 2 3 4 5 6 7 8", "138****5678"),
    ("13 81-23 45-678", "138****5678"),
    ("１３８１２３４５６７８", "138****5678"),
    ("＋８６ １３８－１２３４－５６７８", "138****5678"),
    ("电话：138\u30001234\u30005678。", "电话：138****5678。"),
    ("座机0353-1234567", "座机035****4567"),
    ("(010) 6512 3456", "010****3456"),
    ("（0755）8765-4321", "075*****4321"),
    ("+86 10 6512 3456", "010****3456"),
    ("身份证11010119900307123X", "身份证1101**********123X"),
    ("11010119900307123x", "1101**********123X"),
    ("110101199003071234", "1101**********1234"),
    ("110101 19900307 123X", "1101**********123X"),
    ("1101-0119-9003-0712-34", "1101**********1234"),
    ("１１０１０１１９９００３０７１２３Ｘ", "1101**********123X"),
    # Next to a date, an amount or another number, still found.
    ("2026-11-28 13812345678", "2026-11-28 138****5678"),
    ("13812345678 13912345678", "138****5678 139****5678"),
    ("138 1234 5678 139 1234 5678", "138****5678 139****5678"),
    ("110101199003071234 13812345678", "1101**********1234 138****5678"),
    ("13812345678-1", "138****5678-1"),
]

# Numbers that are not personal: left as they are, and not refused.
NOT_PERSONAL = [
    "希望 2026-11-28 前修好",
    "2026年11月28日 下午3点",
    "2026/11/28 14:30",
    "2026-11-28 13:12:45,123",
    "3-2-501 的楼道灯坏了",
    "虎尾沟3号楼2单元501室",
    "金额 1,380.50 元",
    "共计 13812345.67 元",
    "共计 138123456.78 元",
    "¥13,812,345,678",
    "订单号 2026112812345678901",
    "订单号 202611281234567890",
    "订单 DD 2026 1128 1234 5678 901",
    "工单 20261128-0001",
    "10.0.0.138 192.168.1.100",
    "电话 62345678",  # no area code: cannot tell it from any eight digits
    "138****5678",  # already masked
    "1101**********123X",
    "",
]


@pytest.mark.parametrize(("text", "shown"), SPELLINGS)
def test_personal_numbers_are_masked_in_every_spelling(text, shown):
    from hive.personal_data import contains_personal_number, mask_personal_text

    assert mask_personal_text(text) == shown
    assert contains_personal_number(text)
    # Masking twice changes nothing.
    assert mask_personal_text(shown) == shown
    assert not contains_personal_number(shown)


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_dates_times_rooms_amounts_and_order_numbers_are_left_alone(text):
    from hive.personal_data import contains_personal_number, mask_personal_text

    assert mask_personal_text(text) == text
    assert not contains_personal_number(text)


def test_masking_accepts_none():
    from hive.personal_data import contains_personal_number, mask_personal_text

    assert mask_personal_text(None) == ""
    assert not contains_personal_number(None)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    st.text(alphabet=st.sampled_from(list("0123456789１３８ -.()+Xx年")), max_size=40) | st.text()
)
def test_masked_text_holds_no_personal_number(text):
    from hive.personal_data import contains_personal_number, mask_personal_text

    assert not contains_personal_number(mask_personal_text(text))
