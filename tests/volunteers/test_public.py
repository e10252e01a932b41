"""The public pages: the wish form (validation, honeypot, rate limits, duplicates), the
tracking page and the wall — through the HTTP layer a resident uses."""

import re

import pytest
from django.urls import reverse

from hive.models import TimelineEntry
from tests.volunteers.factories import MicroWishFactory, walk
from tests.volunteers.factories import wish_form_data as form_data
from volunteers import services
from volunteers.models import MicroWish

pytestmark = pytest.mark.django_db
URL = "/wishes/new/"


def without_csrf(response) -> str:
    """The page's main part: the header's language switch holds a per-request CSRF token
    and the address typed; what the page says must be identical."""
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)


def post(client, data, addr="10.1.2.3"):
    return client.post(URL, data, REMOTE_ADDR=addr)


def test_form_is_a_plain_html_form_in_chinese_with_the_privacy_notice(client, world):
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert 'method="post"' in html and "<script" not in html.split("</form>")[0].split("<form")[1]
    assert 'id="privacy-notice"' in html
    assert world.a.name in html


def test_valid_submission_stores_the_wish_and_shows_the_tracking_page(client, world):
    response = post(client, form_data(world))
    wish = MicroWish.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:wish_track", args=[wish.tracking_code])
    assert wish.resident_phone == "13812345678"  # spaces removed
    assert wish.status == "submitted" and wish.consent_at
    page = client.get(response["Location"])
    assert wish.tracking_code in page.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("community", None),
        ("community", "999999"),
        ("category", None),
        ("category", "money"),
        ("title", None),
        ("title", "修"),
        ("title", "长" * 61),
        ("description", "长" * 501),
        ("resident_name", None),
        ("resident_name", "名" * 31),
        ("resident_phone", None),
        ("resident_phone", "12345678901"),
        ("resident_phone", "1381234567"),
        ("resident_phone", "abc"),
        ("address", None),
        ("address", "址" * 121),
        ("consent", None),
    ],
)
def test_each_field_is_validated_with_a_message_and_nothing_is_stored(client, world, field, value):
    response = post(client, form_data(world, **{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'class="invalid-feedback d-block"' in response.content.decode()
    assert MicroWish.objects.count() == 0


def test_plus86_prefix_is_accepted(client, world):
    post(client, form_data(world, resident_phone="+86 138-1234-5678"))
    assert MicroWish.objects.get().resident_phone == "13812345678"


def test_honeypot_filled_is_refused_and_nothing_is_stored(client, world):
    response = post(client, form_data(world, website="http://spam.example"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert MicroWish.objects.count() == 0
    # The refusal says to phone the office: its number is there when it has one.
    assert "data-office-phone" not in response.content.decode()
    world.a.phone = "0571-88886666"
    world.a.save(update_fields=["phone"])
    response = post(client, form_data(world, website="http://spam.example"))
    assert 'href="tel:0571-88886666"' in response.content.decode()


def test_rate_limit_per_address_refuses_kindly(client, world, settings):
    settings.HIVE_WISH_RATE_PER_ADDRESS = "2/h"
    for n in range(2):
        assert post(client, form_data(world, title=f"心愿第{n}个")).status_code == 302
    refused = post(client, form_data(world, title="第三个心愿"))
    assert refused.status_code == 429
    assert "data-rate-limited" in refused.content.decode()
    assert MicroWish.objects.count() == 2
    # Another address is not affected.
    assert post(client, form_data(world, title="别人的心愿"), addr="10.9.9.9").status_code == 302


def test_rate_limit_per_phone_across_addresses(client, world, settings):
    settings.HIVE_WISH_RATE_PER_PHONE = "1/h"
    assert post(client, form_data(world), addr="10.0.0.1").status_code == 302
    refused = post(client, form_data(world, title="换个地址再来"), addr="10.0.0.2")
    assert refused.status_code == 429
    assert MicroWish.objects.count() == 1
    other_phone = form_data(world, title="换个号码", resident_phone="13900001111")
    assert post(client, other_phone, addr="10.0.0.3").status_code == 302


def test_same_wish_twice_is_stored_once_and_gets_the_same_code(client, world):
    first = post(client, form_data(world))
    second = post(client, form_data(world))
    assert MicroWish.objects.count() == 1
    assert first["Location"] == second["Location"]


# --- tracking page ------------------------------------------------------------------


def test_tracking_page_shows_status_and_timeline_but_no_contact(client, world, published):
    html = client.get(published.get_absolute_url()).content.decode()
    assert published.title in html
    assert 'data-status="published"' in html
    entries = TimelineEntry.objects.for_object(published).count()
    assert entries >= 1 and html.count('class="list-group-item"') == entries
    for secret in (published.resident_name, published.resident_phone, published.address):
        assert secret not in html
    assert world.staff_a.username not in html and world.staff_a.name not in html


@pytest.mark.parametrize("code", ["ABCDEFGHJKMN", "short", "x" * 40, "'; DROP TABLE"])
def test_a_wrong_code_answers_exactly_like_a_missing_one(client, world, wish, code):
    wrong = client.get(f"/wishes/track/{code}/")
    missing = client.get("/wishes/track/ZZZZZZZZZZZZ/")
    assert wrong.status_code == missing.status_code == 404
    assert without_csrf(wrong) == without_csrf(missing)
    assert wish.title not in wrong.content.decode()
    looked_up = client.get("/wishes/track/", {"code": code})
    assert looked_up.status_code == 404 and without_csrf(looked_up) == without_csrf(missing)


def test_lookup_form_takes_a_lowercase_code(client, world, wish):
    response = client.get("/wishes/track/", {"code": wish.tracking_code.lower()})
    assert response.status_code == 302
    assert response["Location"] == wish.get_absolute_url()


def test_lookup_takes_a_code_typed_with_dashes_and_spaces(client, world, wish):
    code = wish.tracking_code.lower()
    typed = f" {code[:2]}-{code[2:4]} {code[4:8]}\u3000{code[8:]} "  # "ab-cd 12…"
    response = client.get("/wishes/track/", {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == wish.get_absolute_url()
    assert client.get(f"/wishes/track/{code[:4]}-{code[4:]}/").status_code == 200
    # Dashes and spaces around a wrong code still find nothing.
    assert client.get("/wishes/track/", {"code": "zz-zz zzzz-zzzz"}).status_code == 404
    assert client.get("/wishes/track/", {"code": "- -"}).status_code == 404


def test_resident_withdraws_with_the_code(client, world, wish):
    page = client.get(wish.get_absolute_url()).content.decode()
    assert 'data-confirm="此操作无法撤销，确定继续吗？"' in page and "hive/confirm.js" in page
    url = reverse("volunteers:wish_withdraw", args=[wish.tracking_code])
    client.post(url, {"note": "不需要了"})
    wish.refresh_from_db()
    assert wish.status == "withdrawn"
    entry = TimelineEntry.objects.for_object(wish).last()
    assert entry.actor is None and entry.note == "不需要了"


def test_withdraw_after_fulfilment_is_refused_with_a_message(client, world, published):
    wish = walk(published, "fulfilled", world=world)
    url = reverse("volunteers:wish_withdraw", args=[wish.tracking_code])
    response = client.post(url, follow=True)
    wish.refresh_from_db()
    assert wish.status == "fulfilled"
    assert "alert-danger" in response.content.decode()


def test_resident_confirms_and_rates_from_the_tracking_page(client, world, published):
    wish = walk(published, "fulfilled", world=world)
    page = client.get(wish.get_absolute_url()).content.decode()
    assert reverse("volunteers:wish_confirm", args=[wish.tracking_code]) in page
    url = reverse("volunteers:wish_confirm", args=[wish.tracking_code])
    client.post(url, {"rating": "7"})
    wish.refresh_from_db()
    assert wish.status == "fulfilled"
    client.post(url, {"rating": "4", "note": "谢谢"})
    wish.refresh_from_db()
    assert (wish.status, wish.rating, wish.confirmed_by_staff) == ("confirmed", 4, None)


# --- the wall -----------------------------------------------------------------------


def test_wall_shows_published_and_claimed_wishes_without_personal_data(client, world):
    shown = [
        walk(MicroWishFactory(community=world.a, title="想要电暖器"), "published", world=world),
        walk(MicroWishFactory(community=world.a, title="辅导数学"), "claimed", world=world),
    ]
    hidden = [
        MicroWishFactory(community=world.a, title="还没审核的心愿"),
        walk(MicroWishFactory(community=world.a, title="已经完成的心愿"), "fulfilled", world=world),
        MicroWishFactory(community=world.b, title="别的社区的心愿"),
    ]
    services.wish_publish(wish=hidden[2], actor=world.staff_b)
    html = client.get(f"/wishes/wall/{world.a.code}/").content.decode()
    for wish in shown:
        assert wish.title in html
        assert wish.get_category_display() in html
    for wish in hidden:
        assert wish.title not in html
    for wish in shown:
        for secret in (
            wish.resident_name,
            wish.resident_phone,
            wish.resident_phone[-4:],
            wish.address,
            wish.tracking_code,
        ):
            assert secret not in html
    assert world.party_a.username not in html


def test_numbers_that_reached_a_wish_another_way_are_masked_for_readers(client, world):
    """The form refuses them; a staff edit or an older row can still hold one. The public
    wall and the party members' wall show it masked, by the same reader."""
    wish = MicroWishFactory(
        community=world.a, title="修水管 +86 139-1234-5678", description="身份证 11010519900307123X"
    )
    walk(wish, "published", world=world)
    public = client.get(f"/wishes/wall/{world.a.code}/").content.decode()
    client.force_login(world.party_a)
    portal = client.get(reverse("volunteers:portal_wall")).content.decode()
    detail = client.get(reverse("volunteers:portal_wish_detail", args=[wish.pk])).content.decode()
    api = client.get(f"/api/wishes/{wish.pk}/").json()
    for html in (public, portal, detail, f"{api['title']} {api['description']}"):
        assert "修水管 139****5678" in html
        assert "1234" not in html
        assert "19900307" not in html
    # Staff, who administer the wish, read it as it was sent.
    client.force_login(world.staff_a)
    assert client.get(f"/api/wishes/{wish.pk}/").json()["title"] == wish.title


def test_wall_index_lists_communities_and_unknown_community_is_404(client, world):
    assert world.b.name in client.get("/wishes/wall/").content.decode()
    assert client.get("/wishes/wall/nope/").status_code == 404


def test_wall_query_count_does_not_grow(client, world, settings):
    settings.HIVE_PUBLIC_PAGE_CACHE_SECONDS = 0  # measure the rendering, not the cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/wishes/wall/{world.a.code}/").status_code == 200
        return len(ctx)

    walk(MicroWishFactory(community=world.a), "published", world=world)
    count()  # the community is read once, then comes from the cache
    small = count()
    for _ in range(10):
        walk(MicroWishFactory(community=world.a), "published", world=world)
    assert count() == small


def test_bench_ping_exists_only_when_benchmarking(client, settings):
    settings.HIVE_BENCH = False
    assert client.get("/bench/ping").status_code == 404
    settings.HIVE_BENCH = True
    assert client.get("/bench/ping").json() == {"pong": True}


@pytest.mark.parametrize(
    "text",
    [
        "请打 +86 138 1234 5678",
        "电话138-1234-5678",
        "电话138.1234.5678",
        "0086 13812345678 找我",
        "１３８１２３４５６７８",
        "座机 (0353) 123 4567",
        "身份证 110101 19900307 123X",
        "2026-11-28 13812345678",
    ],
)
@pytest.mark.parametrize("field", ["title", "description"])
def test_phone_and_id_numbers_in_any_spelling_are_refused_in_the_public_text(
    client, world, field, text
):
    response = post(client, form_data(world, **{field: f"修水管 {text}"}))
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()[field]] == ["contact_in_text"]
    assert MicroWish.objects.count() == 0


@pytest.mark.parametrize(
    "text",
    [
        "希望 2026-11-28 前修好",
        "2026年11月28日 下午3点",
        "周六 14:30 以后在家",
        "3-2-501 的楼道灯坏了",
        "预算 1,380.50 元",
        "订单号 2026112812345678901 的快递",
    ],
)
def test_dates_times_rooms_amounts_and_order_numbers_are_accepted_in_the_wish(client, world, text):
    response = post(client, form_data(world, description=text))
    assert response.status_code == 302, response.context["form"].errors
    assert MicroWish.objects.get().description == text


def test_a_number_staff_typed_into_a_refusal_is_masked_on_the_tracking_page(client, world, wish):
    """Whoever holds the tracking code reads the page: the staff's reason is shown with
    any phone or ID number in it masked, as on every public page."""
    from volunteers import services

    services.wish_reject(wish=wish, actor=world.staff_a, reason="请致电社区 13912345678 说明")
    html = client.get(wish.get_absolute_url()).content.decode()
    assert "请致电社区" in html
    assert "13912345678" not in html and "139****5678" in html
