"""Who sees which communities, users and timeline entries — through the queryset, the
admin, the portal and the API. One row per role (the permission matrix)."""

import pytest
from django.urls import reverse

from hive.models import Community, TimelineEntry, User
from hive.workflow import transition
from tests.factories import PASSWORD
from tests.hive.workflow_models import Ticket

pytestmark = pytest.mark.django_db

# role key -> communities visible (codes)
COMMUNITY_MATRIX = {
    "superuser": {"a", "b", "c"},
    "street_admin": {"a", "b"},
    "staff_a": {"a"},
    "staff_b": {"b"},
    "unit_rep_a": {"a"},
    "grid_a": {"a"},
    "mediator_a": {"a"},
    "party_a": {"a"},
}

# role key -> usernames visible
USER_MATRIX = {
    "street_admin": {
        "sa",
        "staff_a",
        "staff_b",
        "unit_a",
        "grid_a",
        "mediator_a",
        "party_a",
    },
    "staff_a": {"staff_a", "unit_a", "grid_a", "mediator_a", "party_a"},
    "staff_b": {"staff_b"},
    "unit_rep_a": {"unit_a"},
    "grid_a": {"grid_a"},
    "mediator_a": {"mediator_a"},
    "party_a": {"party_a"},
}

# role key -> usernames the admin lets them edit (everyone whose roles all lie in
# communities the key administers; never a street admin or superuser)
USER_ADMIN_MATRIX = {
    "street_admin": {"staff_a", "staff_b", "unit_a", "grid_a", "mediator_a", "party_a"},
    "staff_a": {"staff_a", "unit_a", "grid_a", "mediator_a", "party_a"},
    "staff_b": {"staff_b"},
}

STAFF_KEYS = {"superuser", "street_admin", "staff_a", "staff_b"}


@pytest.fixture
def tickets(world):
    in_a = Ticket.objects.create(community=world.a)
    in_b = Ticket.objects.create(community=world.b)
    in_c = Ticket.objects.create(community=world.c)
    for ticket in (in_a, in_b, in_c):
        transition(ticket, action="accept", actor=world.superuser)
    return {"a": in_a, "b": in_b, "c": in_c}


# role key -> communities whose timeline entries are visible
TIMELINE_MATRIX = {
    "superuser": {"a", "b", "c"},
    "street_admin": {"a", "b"},
    "staff_a": {"a"},
    "staff_b": {"b"},
    "unit_rep_a": set(),
    "grid_a": set(),
    "mediator_a": set(),
    "party_a": set(),
}


@pytest.mark.parametrize("key", COMMUNITY_MATRIX)
def test_queryset_communities(world, key):
    visible = Community.objects.visible_to(world.user(key))
    assert set(visible.values_list("code", flat=True)) == COMMUNITY_MATRIX[key]


@pytest.mark.parametrize("key", USER_MATRIX)
def test_queryset_users(world, key):
    visible = User.objects.visible_to(world.user(key))
    assert set(visible.values_list("username", flat=True)) == USER_MATRIX[key]


@pytest.mark.parametrize("key", TIMELINE_MATRIX)
def test_queryset_timeline(world, tickets, key):
    visible = TimelineEntry.objects.visible_to(world.user(key))
    assert set(visible.values_list("community__code", flat=True)) == TIMELINE_MATRIX[key]


def test_anonymous_and_inactive_users_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Community.objects.visible_to(AnonymousUser()).exists()
    assert not User.objects.visible_to(AnonymousUser()).exists()
    world.staff_a.is_active = False
    world.staff_a.save()
    assert not Community.objects.visible_to(world.staff_a).exists()


# --- API -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", COMMUNITY_MATRIX)
def test_api_lists_only_visible_communities_and_hides_others_as_404(world, api_client, key):
    api_client.force_authenticate(world.user(key))
    response = api_client.get("/api/communities/")
    assert response.status_code == 200
    assert {row["code"] for row in response.json()["results"]} == COMMUNITY_MATRIX[key]
    for code in {"a", "b", "c"} - COMMUNITY_MATRIX[key]:
        other = Community.objects.get(code=code)
        assert api_client.get(f"/api/communities/{other.pk}/").status_code == 404


@pytest.mark.parametrize("key", USER_MATRIX)
def test_api_users(world, api_client, key):
    api_client.force_authenticate(world.user(key))
    response = api_client.get("/api/users/")
    assert {row["username"] for row in response.json()["results"]} == USER_MATRIX[key]


@pytest.mark.parametrize("key", TIMELINE_MATRIX)
def test_api_timeline(world, tickets, api_client, key):
    api_client.force_authenticate(world.user(key))
    response = api_client.get("/api/timeline/")
    codes = {Community.objects.get(pk=row["community"]).code for row in response.json()["results"]}
    assert codes == TIMELINE_MATRIX[key]


def test_api_refuses_anonymous(world, api_client):
    for url in ["/api/communities/", "/api/users/", "/api/timeline/", "/api/users/me/"]:
        assert api_client.get(url).status_code in (401, 403)


def test_api_token_authentication(world, api_client):
    response = api_client.post(
        "/api/auth/token/", {"username": "grid_a", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = api_client.get("/api/users/me/").json()
    assert me["username"] == "grid_a"
    assert [r["role"] for r in me["roles"]] == ["grid_member"]


def test_api_token_with_a_wrong_password_is_a_400_with_a_message(world, api_client):
    response = api_client.post(
        "/api/auth/token/", {"username": "grid_a", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"]


# --- Admin -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(STAFF_KEYS))
def test_admin_community_list_shows_only_visible_rows(world, client, key):
    client.force_login(world.user(key))
    response = client.get(reverse("admin:hive_community_changelist"))
    assert response.status_code == 200
    shown = {c.code for c in response.context["cl"].result_list}
    assert shown == COMMUNITY_MATRIX[key]


@pytest.mark.parametrize("key", ["staff_a", "street_admin"])
def test_admin_other_community_cannot_be_opened(world, client, key):
    client.force_login(world.user(key))
    response = client.get(reverse("admin:hive_community_change", args=[world.c.pk]))
    # The admin treats an object outside the queryset as missing.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_admin_staff_edits_own_community_but_not_its_street_or_code(world, client):
    client.force_login(world.staff_a)
    url = reverse("admin:hive_community_change", args=[world.a.pk])
    response = client.post(
        url,
        {
            "name": "虎尾沟社区（新）",
            "address": "新地址",
            "phone": "0353-1234567",
            "street": world.other_street.pk,
            "code": "hacked",
        },
    )
    assert response.status_code == 302
    world.a.refresh_from_db()
    assert world.a.name == "虎尾沟社区（新）"
    assert world.a.street == world.street
    assert world.a.code == "a"


@pytest.mark.parametrize("key", ["unit_rep_a", "grid_a", "mediator_a", "party_a"])
def test_portal_roles_cannot_enter_the_admin(world, client, key):
    client.force_login(world.user(key))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response.url


@pytest.mark.parametrize("key", sorted(STAFF_KEYS - {"superuser"}))
def test_admin_user_list_is_scoped(world, client, key):
    client.force_login(world.user(key))
    response = client.get(reverse("admin:hive_user_changelist"))
    shown = {u.username for u in response.context["cl"].result_list}
    assert shown == USER_ADMIN_MATRIX[key]


@pytest.mark.parametrize("key", sorted(TIMELINE_MATRIX.keys() & STAFF_KEYS))
def test_admin_timeline_is_scoped_and_read_only(world, tickets, client, key):
    client.force_login(world.user(key))
    response = client.get(reverse("admin:hive_timelineentry_changelist"))
    shown = {e.community.code for e in response.context["cl"].result_list}
    assert shown == TIMELINE_MATRIX[key]
    entry = TimelineEntry.objects.visible_to(world.user(key)).first()
    change = client.post(
        reverse("admin:hive_timelineentry_change", args=[entry.pk]), {"note": "改写"}
    )
    assert change.status_code == 403
    entry.refresh_from_db()
    assert entry.note == ""


# --- Portal ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["street_admin", "staff_a", "unit_rep_a", "grid_a", "mediator_a", "party_a"]
)
def test_portal_home_shows_each_role_only_its_own_places(world, client, key):
    client.force_login(world.user(key))
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    places = {place for card in response.context["role_cards"] for place in card["places"]}
    expected = {"赛鱼街道"} if key == "street_admin" else {"虎尾沟社区"}
    assert places == expected
    html = response.content.decode()
    assert "新泽苑社区" not in html and "外街社区" not in html
