"""Party members in the portal: the wall, claiming, contact shown to the claimer only
(and logged), recording fulfilment with photos."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from hive.models import PersonalDataAccess
from tests.volunteers.factories import MicroWishFactory, walk

pytestmark = pytest.mark.django_db


def photo(name="p.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_portal_home_links_party_members_to_the_wall(client, world):
    client.force_login(world.party_a)
    html = client.get(reverse("portal:home")).content.decode()
    assert reverse("volunteers:portal_wall") in html
    assert reverse("volunteers:portal_mine") in html


def test_wall_lists_published_wishes_of_my_community_without_contact(client, world, published):
    other = walk(MicroWishFactory(community=world.b), "submitted", world=world)
    client.force_login(world.party_a)
    html = client.get(reverse("volunteers:portal_wall")).content.decode()
    assert published.title in html and other.title not in html
    assert published.resident_phone not in html and published.resident_name not in html


def test_claim_then_contact_is_shown_to_the_claimer_and_logged(client, world, published):
    client.force_login(world.party_a)
    detail = reverse("volunteers:portal_wish_detail", args=[published.pk])
    before = client.get(detail).content.decode()
    assert published.resident_phone not in before
    assert PersonalDataAccess.objects.count() == 0

    response = client.post(reverse("volunteers:portal_wish_claim", args=[published.pk]))
    assert response["Location"] == detail
    published.refresh_from_db()
    assert published.claimed_by == world.party_a

    html = client.get(detail).content.decode()
    assert published.resident_phone in html and published.address in html
    access = PersonalDataAccess.objects.get()
    assert access.viewer == world.party_a and access.object_id == published.pk
    assert "resident_phone" in access.fields


def test_second_claimer_is_refused_and_sees_no_contact(client, world, published, party_a2):
    client.force_login(world.party_a)
    client.post(reverse("volunteers:portal_wish_claim", args=[published.pk]))
    client.force_login(party_a2)
    response = client.post(
        reverse("volunteers:portal_wish_claim", args=[published.pk]), follow=True
    )
    assert "alert-danger" in response.content.decode()
    # Claimed by someone else: no longer on this member's wall nor reachable.
    detail = client.get(reverse("volunteers:portal_wish_detail", args=[published.pk]))
    assert detail.status_code == 404
    published.refresh_from_db()
    assert published.claimed_by == world.party_a


def test_member_of_another_community_gets_404(client, world, published):
    from hive.access.roles import Role
    from tests.factories import user_with_role

    outsider = user_with_role(Role.PARTY_MEMBER, community=world.b)
    client.force_login(outsider)
    assert (
        client.get(reverse("volunteers:portal_wish_detail", args=[published.pk])).status_code == 404
    )
    client.post(reverse("volunteers:portal_wish_claim", args=[published.pk]))
    published.refresh_from_db()
    assert published.status == "published"


def test_claimer_records_fulfilment_with_photos(client, world, published):
    wish = walk(published, "claimed", world=world)
    client.force_login(world.party_a)
    url = reverse("volunteers:portal_wish_detail", args=[wish.pk])
    client.post(url, {"note": "已经修好了", "photos": [photo("a.jpg"), photo("b.jpg")]})
    wish.refresh_from_db()
    assert wish.status == "fulfilled" and wish.fulfilment_note == "已经修好了"
    assert wish.photos.count() == 2
    mine = client.get(reverse("volunteers:portal_mine")).content.decode()
    assert wish.title in mine


def test_fulfilment_with_a_bad_photo_or_no_note_is_refused(client, world, published):
    wish = walk(published, "claimed", world=world)
    client.force_login(world.party_a)
    url = reverse("volunteers:portal_wish_detail", args=[wish.pk])
    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(url, {"note": "好了", "photos": [fake]})
    assert response.status_code == 200 and "photos" in response.context["form"].errors
    response = client.post(url, {"note": ""})
    assert "note" in response.context["form"].errors
    wish.refresh_from_db()
    assert wish.status == "claimed" and wish.photos.count() == 0


def test_anonymous_is_sent_to_login(client, world, published):
    response = client.get(reverse("volunteers:portal_wall"))
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]
