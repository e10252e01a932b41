import pytest
from django.urls import reverse

from tests.volunteers.factories import wish_form_data
from volunteers.models import MicroWish

pytestmark = pytest.mark.django_db


def test_a_phone_number_in_the_wish_text_is_a_field_error(world, client):
    response = client.post(
        reverse("volunteers:wish_new"),
        wish_form_data(world, description="请打 139 1234 5678 联系我"),
    )
    assert response.status_code == 200
    assert "description" in response.context["form"].errors
    assert not MicroWish.objects.exists()


def test_the_api_never_gives_tracking_codes_or_contacts_to_party_members(world, api_client):
    from tests.volunteers.factories import MicroWishFactory, walk

    published = walk(MicroWishFactory(community=world.a), "published", world=world)
    api_client.force_authenticate(world.party_a)
    rows = api_client.get("/api/wishes/").json()["results"]
    row = next(r for r in rows if r["id"] == published.pk)
    # Present and null: the same shape for every caller, the value hidden.
    assert row["tracking_code"] is None
    assert row["resident_name"] is row["resident_phone"] is row["address"] is None
    api_client.force_authenticate(world.staff_a)
    staff_row = api_client.get(f"/api/wishes/{published.pk}/").json()
    assert staff_row["tracking_code"] == published.tracking_code
    assert staff_row["resident_phone"].count("*") == 4


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("请打 139 1234 5678 联系我", True),
        ("座机 0353-1234567", True),
        ("希望 2026-11-28 前修好", False),
        ("3-2-101 的楼道灯坏了", False),
    ],
)
def test_phone_numbers_are_told_apart_from_dates_and_rooms(world, client, text, refused):
    response = client.post(reverse("volunteers:wish_new"), wish_form_data(world, description=text))
    assert MicroWish.objects.exists() is not refused
    if refused:
        assert "description" in response.context["form"].errors
