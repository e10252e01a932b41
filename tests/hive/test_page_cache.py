"""The whole-page cache of the public pages (hive.ops.page_cache) and the GET language switch
that lets those pages go without a CSRF token: through the HTTP layer a visitor uses."""

import pytest
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from hive.ops import page_cache
from tests.volunteers.factories import MicroWishFactory, walk
from volunteers import services

pytestmark = pytest.mark.django_db


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_wall_is_served_from_the_cache_and_a_new_wish_shows_at_once(client, world):
    url = f"/wishes/wall/{world.a.code}/"
    walk(MicroWishFactory(community=world.a, title="想要电暖器"), "published", world=world)
    first, rendered_queries = _get(client, url)
    second, cached_queries = _get(client, url)
    assert rendered_queries > 0 and cached_queries == 0
    assert second == first and "想要电暖器" in second

    walk(MicroWishFactory(community=world.a, title="辅导数学"), "published", world=world)
    fresh, queries = _get(client, url)
    assert "辅导数学" in fresh and queries > 0


def test_a_wish_taken_off_the_wall_disappears_at_once(client, world):
    url = f"/wishes/wall/{world.a.code}/"
    wish = walk(MicroWishFactory(community=world.a, title="想要电暖器"), "published", world=world)
    assert "想要电暖器" in _get(client, url)[0]
    services.wish_reject(wish=wish, actor=world.staff_a, reason="重复提交")
    assert "想要电暖器" not in _get(client, url)[0]


def test_a_submitted_wish_does_not_refresh_the_walls(client, world):
    url = f"/wishes/wall/{world.a.code}/"
    _get(client, url)
    MicroWishFactory(community=world.a, title="还没审核的心愿")
    assert _get(client, url)[1] == 0


def test_a_renamed_community_shows_at_once_on_the_landing_page(client, world):
    assert world.a.name in _get(client, "/")[0]
    world.a.name = "新虎尾沟社区"
    world.a.save()
    assert "新虎尾沟社区" in _get(client, "/")[0]


def test_each_language_has_its_own_page(client, world):
    chinese, _ = _get(client, "/")
    client.cookies["django_language"] = "en"
    english, _ = _get(client, "/")
    assert 'lang="zh-hans"' in chinese and 'lang="en"' in english
    assert "Log in to the portal" in english


def test_signed_in_people_are_never_served_a_cached_page(client, world):
    _get(client, "/")  # cached for anonymous visitors
    client.force_login(world.party_a)
    html, queries = _get(client, "/")
    assert queries > 0
    assert world.party_a.username in html or "退出" in html


def test_a_page_with_a_csrf_token_or_a_cookie_is_not_stored(settings):
    calls = []

    @page_cache.cache_public_page
    def with_token(request):
        calls.append(1)
        return HttpResponse(f"token {get_token(request)}")

    @page_cache.cache_public_page
    def with_cookie(request):
        calls.append(1)
        response = HttpResponse("hello")
        response.set_cookie("seen", "1")
        return response

    factory = RequestFactory()
    for view in (with_token, with_cookie):
        calls.clear()
        view(factory.get("/some/page/"))
        view(factory.get("/some/page/"))
        assert len(calls) == 2, view.__name__


def test_the_cache_can_be_turned_off(client, world, settings):
    settings.HIVE_PUBLIC_PAGE_CACHE_SECONDS = 0
    _get(client, "/")
    assert _get(client, "/")[1] > 0


def test_language_switch_is_a_get_form_without_a_csrf_token(client, world):
    html = client.get("/").content.decode()
    switch = html[html.index('class="d-flex gap-1 py-2') - 200 : html.index("</select>")]
    assert 'method="get"' in switch and "csrfmiddlewaretoken" not in switch
    response = client.get("/language/", {"language": "en", "next": "/wishes/wall/"})
    assert response.status_code == 302 and response["Location"] == "/wishes/wall/"
    assert response.cookies["django_language"].value == "en"
    assert 'lang="en"' in client.get("/wishes/wall/").content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"language": "en", "next": "https://evil.example/"},
        {"language": "en", "next": "//evil.example/"},
        {"language": "xx", "next": "/"},
        {},
    ],
)
def test_language_switch_refuses_other_sites_and_unknown_languages(client, query):
    response = client.get("/language/", query)
    assert response.status_code == 302
    assert response["Location"] in ("/", query.get("next"))
    assert not response["Location"].startswith(("http", "//"))
    if query.get("language") != "en":
        assert "django_language" not in response.cookies


def test_language_switch_only_answers_get(client):
    assert client.post("/language/", {"language": "en"}).status_code == 405
