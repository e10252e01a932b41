"""Staff in the admin and everyone in the API: scope (permission matrix), workflow
actions, the funnel, the .xlsx ledger, constant query counts."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from hive.models import PersonalDataAccess
from tests.volunteers.factories import MicroWishFactory, walk
from volunteers.models import MicroWish

pytestmark = pytest.mark.django_db


@pytest.fixture
def wishes(world):
    """In A: submitted, published, claimed by party_a; in B and C one published each."""
    return {
        "a_submitted": MicroWishFactory(community=world.a, title="a_submitted"),
        "a_published": walk(
            MicroWishFactory(community=world.a, title="a_published"), "published", world=world
        ),
        "a_claimed": walk(
            MicroWishFactory(community=world.a, title="a_claimed"), "claimed", world=world
        ),
        "b_submitted": MicroWishFactory(community=world.b, title="b_submitted"),
        "c_submitted": MicroWishFactory(community=world.c, title="c_submitted"),
    }


ALL = {"a_submitted", "a_published", "a_claimed", "b_submitted", "c_submitted"}
MATRIX = {
    "superuser": ALL,
    "street_admin": ALL - {"c_submitted"},
    "staff_a": {"a_submitted", "a_published", "a_claimed"},
    "staff_b": {"b_submitted"},
    "unit_rep_a": set(),
    "grid_a": set(),
    "mediator_a": set(),
    "party_a": {"a_published", "a_claimed"},
}


@pytest.mark.parametrize("key", MATRIX)
def test_permission_matrix_queryset_and_api(world, wishes, api_client, key):
    user = world.user(key)
    visible = set(MicroWish.objects.visible_to(user).values_list("title", flat=True))
    assert visible == MATRIX[key]
    api_client.force_login(user)
    rows = api_client.get("/api/wishes/?page_size=100").json()["results"]
    assert {row["title"] for row in rows} == MATRIX[key]
    for name, wish in wishes.items():
        status = api_client.get(f"/api/wishes/{wish.pk}/").status_code
        assert status == (200 if name in MATRIX[key] else 404), name


@pytest.mark.parametrize("key", ["street_admin", "staff_a", "staff_b"])
def test_permission_matrix_admin(world, wishes, client, key):
    client.force_login(world.user(key))
    html = client.get(reverse("admin:volunteers_microwish_changelist")).content.decode()
    for name in ALL:
        assert (f">{name}<" in html) == (name in MATRIX[key]), name
    for name, wish in wishes.items():
        status = client.get(
            reverse("admin:volunteers_microwish_workflow", args=[wish.pk])
        ).status_code
        assert status == (200 if name in MATRIX[key] else 404), name


def test_api_shows_masked_contact_only(world, wishes, api_client):
    api_client.force_login(world.staff_a)
    row = api_client.get(f"/api/wishes/{wishes['a_submitted'].pk}/").json()
    assert row["resident_phone"] != wishes["a_submitted"].resident_phone
    assert "****" in row["resident_phone"]


def test_api_workflow_actions_and_illegal_move_is_400(world, wishes, api_client):
    wish = wishes["a_submitted"]
    api_client.force_login(world.party_a)
    # Not on the party member's list, so not theirs to touch.
    assert api_client.post(f"/api/wishes/{wish.pk}/publish/").status_code == 404
    api_client.force_login(world.staff_a)
    published_now = api_client.post(f"/api/wishes/{wish.pk}/publish/").json()
    assert published_now["status"] == "published"
    # The action answers what GET answers staff: the tracking code included.
    assert published_now["tracking_code"] == wish.tracking_code
    again = api_client.post(f"/api/wishes/{wish.pk}/publish/")
    assert again.status_code == 400 and again.json()["detail"]
    assert api_client.post(f"/api/wishes/{wish.pk}/reject/", {}).status_code == 400
    api_client.force_login(world.party_a)
    published = wishes["a_published"]
    # Publishing is staff work: for a party member the action does not reach the wish.
    assert api_client.post(f"/api/wishes/{published.pk}/publish/").status_code == 404
    claimed = api_client.post(f"/api/wishes/{published.pk}/claim/")
    assert claimed.status_code == 200 and claimed.json()["claimed_by"] == world.party_a.pk
    # The claimer now sees the (masked) contact, never the tracking code.
    assert claimed.json()["tracking_code"] is None
    assert "*" in claimed.json()["resident_phone"]
    assert api_client.post(f"/api/wishes/{published.pk}/fulfil/", {"note": ""}).status_code == 400
    done = api_client.post(f"/api/wishes/{published.pk}/fulfil/", {"note": "送到了"})
    assert done.json()["status"] == "fulfilled"
    api_client.force_login(world.staff_a)
    bad = api_client.post(f"/api/wishes/{published.pk}/confirm/", {"rating": 9, "note": "电话"})
    assert bad.status_code == 400 and "rating" in bad.json()
    ok = api_client.post(f"/api/wishes/{published.pk}/confirm/", {"rating": 5, "note": "电话"})
    assert ok.json()["status"] == "confirmed"


def test_api_assign_and_funnel(world, wishes, api_client):
    api_client.force_login(world.staff_a)
    wish = wishes["a_published"]
    refused = api_client.post(f"/api/wishes/{wish.pk}/assign/", {"member": world.grid_a.pk})
    assert refused.status_code == 400 and "member" in refused.json()
    ok = api_client.post(f"/api/wishes/{wish.pk}/assign/", {"member": world.party_a.pk})
    assert ok.json()["status"] == "claimed"
    funnel = {
        step["status"]: step["count"] for step in api_client.get("/api/wishes/funnel/").json()
    }
    assert funnel["submitted"] == 1 and funnel["claimed"] == 2 and funnel["published"] == 0


def test_api_filters_by_status_and_category(world, wishes, api_client):
    api_client.force_login(world.staff_a)
    rows = api_client.get("/api/wishes/?status=published&status=claimed").json()["results"]
    assert {row["title"] for row in rows} == {"a_published", "a_claimed"}


def _count(fetch):
    with CaptureQueriesContext(connection) as context:
        assert fetch().status_code == 200
    return len(context)


@pytest.mark.parametrize("url", ["/api/wishes/", "admin"])
def test_list_query_counts_do_not_grow(world, client, api_client, url):
    user = world.staff_a
    if url == "admin":
        client.force_login(user)
        fetch = lambda: client.get(reverse("admin:volunteers_microwish_changelist"))  # noqa: E731
    else:
        api_client.force_login(user)
        fetch = lambda: api_client.get(url)  # noqa: E731
    walk(MicroWishFactory(community=world.a), "claimed", world=world)
    small = _count(fetch)
    for _ in range(8):
        walk(MicroWishFactory(community=world.a), "claimed", world=world)
        MicroWishFactory(community=world.a)
    assert _count(fetch) == small


# --- admin ------------------------------------------------------------------------------


def test_admin_changelist_shows_the_funnel_and_filters(world, wishes, client):
    client.force_login(world.staff_a)
    url = reverse("admin:volunteers_microwish_changelist")
    html = client.get(url).content.decode()
    assert 'data-status="submitted">1<' in html and 'data-status="claimed">1<' in html
    for query in (
        "status=published",
        "category=repairs",
        f"community__id__exact={world.a.pk}",
        "age=1d",
    ):
        assert client.get(f"{url}?{query}").status_code == 200
    assert ">a_published<" in client.get(f"{url}?status=published").content.decode()
    old = client.get(f"{url}?age=older").content.decode()
    assert ">a_submitted<" not in old


def test_admin_bulk_publish_and_reject_with_reason(world, wishes, client):
    client.force_login(world.staff_a)
    url = reverse("admin:volunteers_microwish_changelist")
    wish = wishes["a_submitted"]
    client.post(
        url, {"action": "publish_selected", "_selected_action": [wish.pk, wishes["a_claimed"].pk]}
    )
    wish.refresh_from_db()
    assert wish.status == "published"
    asked = client.post(url, {"action": "reject_selected", "_selected_action": [wish.pk]})
    assert asked.status_code == 200 and 'name="reason"' in asked.content.decode()
    client.post(
        url,
        {
            "action": "reject_selected",
            "_selected_action": [wish.pk],
            "apply": "1",
            "reason": "重复",
        },
    )
    wish.refresh_from_db()
    assert wish.status == "rejected" and wish.rejection_reason == "重复"


def test_admin_exports_the_ledger_as_xlsx_with_masked_phones(world, wishes, client):
    client.force_login(world.staff_a)
    url = reverse("admin:volunteers_microwish_export")
    response = client.post(
        url,
        {
            "format": "0",
            "resource": "0",
            **{
                f"wishledgerresource_{f}": "on"
                for f in ["tracking_code", "title", "status", "phone", "community"]
            },
        },
    )
    assert response.status_code == 200, response.content[:500]
    assert "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    flat = " ".join(str(v) for row in values for v in row)
    assert "a_submitted" in flat and "b_submitted" not in flat
    assert wishes["a_submitted"].resident_phone not in flat


def test_admin_workflow_page_assigns_confirms_and_logs_contact_reveal(world, wishes, client):
    client.force_login(world.staff_a)
    wish = wishes["a_published"]
    url = reverse("admin:volunteers_microwish_workflow", args=[wish.pk])
    page = client.get(url).content.decode()
    assert wish.resident_phone not in page
    client.post(url, {"action": "reveal"})
    assert PersonalDataAccess.objects.filter(viewer=world.staff_a, object_id=wish.pk).count() == 1
    bad = client.post(url, {"action": "assign", "member": world.grid_a.pk})
    assert bad.status_code == 200
    client.post(url, {"action": "assign", "member": world.party_a.pk, "note": "请跟进"})
    wish.refresh_from_db()
    assert wish.claimed_by == world.party_a and wish.assigned_by == world.staff_a
    walk(wish, "fulfilled", world=world)
    client.post(url, {"action": "confirm", "rating": "5", "note": ""})
    wish.refresh_from_db()
    assert wish.status == "fulfilled"
    client.post(url, {"action": "confirm", "rating": "5", "note": "电话回访确认"})
    wish.refresh_from_db()
    assert wish.status == "confirmed" and wish.confirmed_by_staff == world.staff_a


def test_admin_cannot_add_wishes(world, client):
    client.force_login(world.staff_a)
    assert client.get(reverse("admin:volunteers_microwish_add")).status_code == 403
