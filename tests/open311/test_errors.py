"""Bad input answers the spec's error format with the right HTTP code, and stores nothing."""

import pytest

from open311 import services
from open311.models import Service, ServiceAttribute
from tests.open311.helpers import errors_of, nothing_stored, parse
from tests.open311.test_endpoints import FORMATS, V2, post

pytestmark = pytest.mark.django_db


def _required_attribute(ow):
    service = Service.objects.create(
        community=ow.a, code="streetlight", name="路灯损坏", category="hidden_danger"
    )
    ServiceAttribute.objects.create(
        community=ow.a,
        service=service,
        code="pole",
        description="灯杆编号",
        datatype="number",
        required=True,
    )


POST_CASES = {
    "unknown service code": ({"service_code": "pothole"}, 400, "service_code"),
    "no service code": ({"service_code": ""}, 400, "service_code"),
    "missing required attribute": ({"service_code": "streetlight"}, 400, "attribute[pole]"),
    "attribute of the wrong type": (
        {"service_code": "streetlight", "attribute[pole]": "abc"},
        400,
        "attribute[pole]",
    ),
    "no location": ({"lat": "", "long": "", "address_string": ""}, 400, "lat"),
    "latitude out of range": ({"lat": "123", "long": "116"}, 400, "lat"),
    "latitude not a number": ({"lat": "north", "long": "116"}, 400, "lat"),
    "only lat": ({"long": ""}, 400, "long"),
    "unknown grid": ({"attribute[grid]": "Z9"}, 400, "attribute[grid]"),
    "swapped lat and long": ({"lat": "116", "long": "40"}, 400, "lat"),
    "bad email": ({"email": "not-an-email"}, 400, "email"),
    "unknown jurisdiction": ({"jurisdiction_id": "nowhere"}, 404, "jurisdiction"),
    "no jurisdiction": ({"jurisdiction_id": ""}, 400, "jurisdiction_id"),
    "no api key": ({"api_key": ""}, 403, "api_key"),
    "bad api key": ({"api_key": "abc.def"}, 403, "api_key"),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", list(POST_CASES))
def test_bad_posts_answer_the_error_format_and_store_nothing(ow, client, fmt, case):
    _required_attribute(ow)
    data, status, mention = POST_CASES[case]
    response = post(client, ow, fmt, **data)
    assert response.status_code == status, response.content
    errors = errors_of(response, fmt)
    assert all(code == status for code, _description in errors)
    assert any(mention in description for _code, description in errors), errors
    assert nothing_stored()


@pytest.mark.parametrize("fmt", FORMATS)
def test_revoked_key_is_refused(ow, client, fmt):
    assert services.partner_key_revoke(key=ow.key, actor=ow.staff_a)
    assert not services.partner_key_revoke(key=ow.key, actor=ow.staff_a)  # once
    response = post(client, ow, fmt)
    assert response.status_code == 403
    assert errors_of(response, fmt) == [(403, "api_key 已被吊销。")]
    assert nothing_stored()


def test_key_of_another_community_is_refused(ow, client):
    _key, raw_b = services.partner_key_issue(
        actor=ow.staff_b, community=ow.b, name="B热线", reporter=ow.staff_b
    )
    response = post(client, ow, api_key=raw_b)
    assert response.status_code == 403
    assert nothing_stored()


def test_key_whose_staff_member_left_is_refused(ow, client):
    from hive.access.scoping import forget_access_scope
    from hive.models import RoleAssignment

    RoleAssignment.objects.filter(user=ow.staff_a).delete()
    forget_access_scope(ow.staff_a)
    response = post(client, ow)
    assert response.status_code == 403
    assert nothing_stored()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"end_date": "2026-01-01"},  # no time zone
        {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-05-01T00:00:00+08:00"},
        {"start_date": "2026-02-01T00:00:00+08:00", "end_date": "2026-01-01T00:00:00+08:00"},
        {"status": "pending"},
        {"service_request_id": "1,abc"},
    ],
)
def test_bad_get_parameters_answer_400(ow, client, fmt, params):
    response = client.get(f"{V2}/requests.{fmt}", {"jurisdiction_id": "a", **params})
    assert response.status_code == 400
    assert errors_of(response, fmt)[0][0] == 400


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", ["services", "requests", "services/dispute"])
def test_unknown_jurisdiction_answers_404(ow, client, fmt, path):
    response = client.get(f"{V2}/{path}.{fmt}", {"jurisdiction_id": "nowhere"})
    assert response.status_code == 404
    assert errors_of(response, fmt)[0][0] == 404


def test_get_with_a_bad_key_is_refused(ow, client):
    response = client.get(f"{V2}/services.json", {"jurisdiction_id": "a", "api_key": "x"})
    assert response.status_code == 403


def test_wrong_method_answers_405_in_the_error_format(ow, client):
    response = client.post(f"{V2}/services.xml", {"jurisdiction_id": "a"})
    assert response.status_code == 405
    assert errors_of(response, "xml")[0][0] == 405


@pytest.mark.parametrize("fmt", FORMATS)
def test_partner_key_is_rate_limited(ow, client, settings, fmt):
    settings.HIVE_OPEN311_RATE_PER_KEY = "2/m"
    assert post(client, ow, fmt).status_code == 200
    assert post(client, ow, fmt).status_code == 200
    response = post(client, ow, fmt)
    assert response.status_code == 429
    assert errors_of(response, fmt)[0][0] == 429
    # When to try again: the seconds left in the minute's window.
    assert 1 <= int(response["Retry-After"]) <= 60
    from open311.models import ServiceRequest

    assert ServiceRequest.objects.count() == 2
    # Another key has its own counter.
    _key, raw = services.partner_key_issue(
        actor=ow.staff_a, community=ow.a, name="另一个", reporter=ow.staff_a
    )
    assert post(client, ow, fmt, api_key=raw).status_code == 200


def test_anonymous_reads_are_rate_limited_per_address(ow, client, settings):
    settings.HIVE_OPEN311_RATE_PER_ADDRESS = "1/m"
    assert client.get(f"{V2}/services.json", {"jurisdiction_id": "a"}).status_code == 200
    response = client.get(f"{V2}/services.json", {"jurisdiction_id": "a"})
    assert response.status_code == 429
    # A partner reading with its key counts against the key instead.
    response = client.get(f"{V2}/services.json", {"jurisdiction_id": "a", "api_key": ow.raw_key})
    assert response.status_code == 200


# Dates Python cannot shift by the 90-day window or convert to UTC, and time-zone offsets
# no clock uses: each is the spec's 400, never a 500 (issue 18).
OUT_OF_RANGE_DATES = [
    {"start_date": "9999-12-31T23:59:59Z"},
    {"end_date": "0001-01-01T00:00:00Z"},
    {"start_date": "0001-01-01T00:00:00+08:00"},
    {"end_date": "9999-12-31T23:59:59-08:00"},
    {"start_date": "9999-12-01T00:00:00+08:00", "end_date": "9999-12-31T00:00:00+08:00"},
    {"start_date": "0001-01-02T00:00:00Z", "end_date": "0001-01-03T00:00:00Z"},
    {"start_date": "2026-01-01T00:00:00+99:00"},
    {"end_date": "2026-01-01T00:00:00-23:59"},
    {"start_date": "2026-01-01T00:00:00+16:00"},
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("params", OUT_OF_RANGE_DATES)
def test_dates_out_of_range_answer_400(ow, client, fmt, params):
    response = client.get(f"{V2}/requests.{fmt}", {"jurisdiction_id": "a", **params})
    assert response.status_code == 400, response.content
    errors = errors_of(response, fmt)
    assert all(code == 400 for code, _description in errors)
    assert any(name in description for name in params for _code, description in errors)


def test_offsets_up_to_15_59_are_accepted(ow, client):
    for offset in ("+15:59", "-15:59", "+14:00", "-12:00", "Z"):
        response = client.get(
            f"{V2}/requests.json",
            {"jurisdiction_id": "a", "start_date": f"2026-01-01T00:00:00{offset}"},
        )
        assert response.status_code == 200, (offset, response.content)


@pytest.mark.parametrize(
    "answer",
    [
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00+08:00",
        "2026-01-01T00:00:00+99:00",
        "2026-01-01T00:00:00+16:00",
    ],
)
def test_datetime_attribute_out_of_range_answers_400(ow, client, answer):
    service = Service.objects.create(community=ow.a, code="noise", name="噪音", category="demand")
    ServiceAttribute.objects.create(
        community=ow.a,
        service=service,
        code="when",
        description="发生时间",
        datatype="datetime",
        required=True,
    )
    response = post(client, ow, service_code="noise", **{"attribute[when]": answer})
    assert response.status_code == 400, response.content
    assert any("attribute[when]" in d for _c, d in errors_of(response, "json"))
    assert nothing_stored()


def test_a_datetime_attribute_in_range_is_kept(ow, client):
    service = Service.objects.create(community=ow.a, code="noise", name="噪音", category="demand")
    ServiceAttribute.objects.create(
        community=ow.a,
        service=service,
        code="when",
        description="发生时间",
        datatype="datetime",
        required=True,
    )
    response = post(
        client, ow, service_code="noise", **{"attribute[when]": "2026-11-28T22:30:00+08:00"}
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("ids", ["²", "1,٣", "１２"])
def test_request_ids_in_other_digits_answer_400(ow, client, fmt, ids):
    # str.isdigit() holds for these, int() refuses some of them: only 0-9 are ids.
    response = client.get(
        f"{V2}/requests.{fmt}", {"jurisdiction_id": "a", "service_request_id": ids}
    )
    assert response.status_code == 400, response.content
    assert errors_of(response, fmt)[0][0] == 400


@pytest.mark.parametrize("ids", ["9" * 5000, "99999999999999999999", "1," + "9" * 30])
def test_request_ids_too_large_to_exist_match_nothing(ow, client, ids):
    response = client.get(
        f"{V2}/requests.json", {"jurisdiction_id": "a", "service_request_id": ids}
    )
    assert response.status_code == 200, response.content
    assert response.json() == []


@pytest.mark.parametrize("request_id", ["²", "٣", "9" * 5000, "99999999999999999999"])
def test_one_request_by_an_impossible_id_answers_404(ow, client, request_id):
    response = client.get(f"{V2}/requests/{request_id}.json", {"jurisdiction_id": "a"})
    assert response.status_code == 404, response.content
    assert errors_of(response, "json")[0][0] == 404


def test_control_characters_sent_do_not_break_the_xml_answers(ow, client):
    # XML 1.0 cannot carry most control characters: one report holding one must not
    # make every partner's XML parser fail on the request list.
    response = post(client, ow, "xml", description="楼道\x01堆物\x1b", account_id="acct\x0b7")
    assert response.status_code == 200, response.content
    item = parse(response, "xml").find("request")
    assert item.find("account_id").text == "acct\ufffd7"
    listed = client.get(f"{V2}/requests.xml", {"jurisdiction_id": "a"})
    (request,) = parse(listed, "xml").findall("request")
    assert request.find("description").text == "楼道\ufffd堆物\ufffd"
    # JSON carries them escaped, as sent.
    assert (
        client.get(f"{V2}/requests.json", {"jurisdiction_id": "a"}).json()[0]["description"]
        == "楼道\x01堆物\x1b"
    )


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("get", {"jurisdiction_id": "a\x00"}),
        ("get", {"service_code": "dispute\x00"}),
        ("get", {"status": "open\x00"}),
        ("post", {"description": "楼道\x00堆物"}),
        ("post", {"attribute[grid]": "A1\x00"}),
    ],
)
def test_nul_characters_answer_400(ow, client, fmt, method, params):
    # PostgreSQL refuses NUL in text, so psycopg raises on any query carrying one: the
    # door refuses it first, as Django's and DRF's form fields do.
    if method == "get":
        response = client.get(f"{V2}/requests.{fmt}", {"jurisdiction_id": "a", **params})
    else:
        response = post(client, ow, fmt, **params)
    assert response.status_code == 400, response.content
    (name,) = params
    assert [(code, name in text) for code, text in errors_of(response, fmt)] == [(400, True)]
    assert nothing_stored()


# --- issue 23, item 11 ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "path",
    [
        "/open311/v2/nothing",
        "/open311/v2/requests/1/more",
        "/open311/v2/services.yaml",
        "/open311/v2/",
    ],
)
def test_unknown_paths_answer_the_error_format(client, fmt, path):
    response = client.get(f"{path}.{fmt}")
    assert response.status_code == 404
    (error,) = errors_of(response, fmt)
    assert error[0] == 404


def test_an_unknown_path_without_an_extension_answers_json(client):
    response = client.get("/open311/v2/nothing")
    assert response.status_code == 404
    assert errors_of(response, "json")[0][0] == 404
