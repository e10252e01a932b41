"""Issue 23, items 8 and 10: input no view can handle is refused with a 400 before any view
reads it (hive.ops.middleware.MalformedInputMiddleware, hive.ui.parsers.JSONObjectParser), in
the language of the area: the API's JSON, Open311's error format, else the 400 page.

NUL (U+0000) reached PostgreSQL from about twenty places (psycopg refuses it in any
query: a 500); SQLite takes it, so these tests assert the 400 itself, which the code
before the fix never gave."""

import json

import pytest
from django.utils.translation import gettext

from hive.ops.middleware import MAX_JSON_DEPTH, json_depth_exceeds
from tests.grids.conftest import GridWorld
from tests.grids.factories import GridTaskFactory

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "不允许包含空字符（U+0000）。"


@pytest.fixture
def gw(world):
    return GridWorld(world)


def _refused_as_page(response):
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert NUL_MESSAGE in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/wishes/new/?community=%00",
        "/wishes/track/?code=%00",
        "/wishes/track/AB%00CD/",  # a path segment
        "/?%00=1",  # a parameter's name
    ],
)
def test_nul_in_a_public_page_request_is_the_400_page(client, url):
    _refused_as_page(client.get(url))


def test_nul_in_a_posted_form_field_is_refused(client, world):
    response = client.post("/wishes/new/", {"community": world.a.pk, "title": "a\x00b"})
    _refused_as_page(response)


def test_nul_in_an_api_parameter_is_a_json_400(client, world):
    client.force_login(world.staff_a)
    response = client.get("/api/incidents/", {"search": "a\x00b"})
    assert response.status_code == 400
    assert response.json() == {"search": [NUL_MESSAGE]}


def test_nul_in_a_json_string_is_refused(client, gw):
    client.force_login(gw.world.staff_a)
    task = GridTaskFactory(grid=gw.a1, responsible=gw.world.grid_a)
    body = json.dumps({"note": "done\x00"})  # sent as the escape \u0000
    response = client.post(
        f"/api/grid-tasks/{task.pk}/complete/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": NUL_MESSAGE}


def test_an_escaped_backslash_before_u0000_is_no_nul(client, gw):
    """`"\\\\u0000"` is a backslash and the text u0000, not a NUL."""
    client.force_login(gw.world.staff_a)
    task = GridTaskFactory(grid=gw.a1, responsible=gw.world.grid_a)
    body = json.dumps({"note": "\\u0000"})
    response = client.post(
        f"/api/grid-tasks/{task.pk}/complete/", body, content_type="application/json"
    )
    assert response.status_code != 400 or "U+0000" not in response.content.decode()


def test_nul_in_a_header_is_refused(client):
    response = client.get("/api/incidents/", headers={"X-Requested-With": "a\x00b"})
    assert response.status_code == 400
    assert response.json() == {"detail": NUL_MESSAGE}


def test_nul_in_the_token_is_a_bad_credential(client):
    response = client.get("/api/incidents/", headers={"Authorization": "Token abc\x00def"})
    assert response.status_code == 401


def test_nul_in_a_cookie_is_refused(client):
    client.cookies["sessionid"] = "abc\x00def"
    _refused_as_page(client.get("/portal/"))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_nul_under_open311_answers_the_spec_error_format(client, world, fmt):
    from tests.open311.helpers import errors_of

    response = client.get(f"/open311/v2/services.{fmt}", {"jurisdiction_id": "a\x00"})
    assert response.status_code == 400
    assert errors_of(response, fmt) == [(400, f"jurisdiction_id: {NUL_MESSAGE}")]


# --- JSON bodies: objects only, nesting bounded -----------------------------------------------


@pytest.mark.parametrize("body", ["[]", "1", '"x"', "null", "[1, 2]"])
def test_a_json_body_that_is_no_object_is_a_400(client, gw, body):
    client.force_login(gw.world.staff_a)
    task = GridTaskFactory(grid=gw.a1, responsible=gw.world.grid_a)
    for url in ("/api/incidents/", f"/api/grid-tasks/{task.pk}/complete/"):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.content)
        assert response.json() == {"detail": gettext("The request body must be a JSON object.")}


DEEP_BODIES = ["[" * 2000 + "]" * 2000, '{"a":' * 2000 + "1" + "}" * 2000]


@pytest.mark.parametrize("body", DEEP_BODIES)
def test_deeply_nested_json_is_a_400_on_the_anonymous_token_endpoint(client, body):
    response = client.post("/api/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    message = gettext("The JSON is nested too deeply (at most %(depth)s levels).")
    assert response.json() == {"detail": message % {"depth": MAX_JSON_DEPTH}}


@pytest.mark.parametrize("body", DEEP_BODIES)
def test_deeply_nested_json_is_a_400_on_the_api(client, world, body):
    client.force_login(world.staff_a)
    response = client.post("/api/incidents/", body, content_type="application/json")
    assert response.status_code == 400


def test_the_depth_counts_containers_not_brackets_in_strings():
    assert not json_depth_exceeds(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', 2)
    assert not json_depth_exceeds(b'{"a": [[1], [2]], "b": {"c": []}}', 3)
    assert json_depth_exceeds(b'{"a": [[1], [2]], "b": {"c": [[]]}}', 3)
    assert not json_depth_exceeds(("[" * 32 + "]" * 32).encode(), 32)
    assert json_depth_exceeds(("[" * 33 + "]" * 33).encode(), 32)
    # An escaped quote does not end a string.
    assert not json_depth_exceeds(b'["\\"[[[[", 1]', 1)
    # Not JSON at all: left to the parser.
    assert not json_depth_exceeds(b"[[[[[[", 2)


def test_a_grid_boundary_is_well_within_the_depth_limit(client, gw):
    """The deepest body Hive takes: a GeoJSON Feature holding a MultiPolygon."""
    boundary = {
        "type": "Feature",
        "geometry": {
            "type": "MultiPolygon",
            "coordinates": [[[[116.0, 40.0], [116.1, 40.0], [116.1, 40.1], [116.0, 40.0]]]],
        },
    }
    assert not json_depth_exceeds(json.dumps({"boundary": boundary}).encode(), MAX_JSON_DEPTH)


def test_the_depth_check_is_linear_in_an_unclosed_string():
    """A string that never closes, full of escaped quotes: the string pattern restarted
    at every quote (quadratic; 80 KB took 50 s, the 2.5 MB body limit hours, before any
    login). Now the whole body is one match. The bound is generous: linear is ~0.05 s."""
    import time

    body = b'"' + b'\\"' * 1_250_000
    started = time.perf_counter()
    assert not json_depth_exceeds(body, MAX_JSON_DEPTH)
    assert time.perf_counter() - started < 5
    assert json_depth_exceeds(b'["\\"' + b"[" * 40 + b'", ' + b"[" * 40 + b"]" * 41, 32)
