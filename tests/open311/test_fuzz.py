"""Fuzzing every Open311 parameter (hypothesis, through Django's test client).

Open311 is plain Django views with no OpenAPI schema, so schemathesis has nothing to
read; hypothesis generates the parameters instead: arbitrary text, and for each kind of
parameter the values most likely to break it (dates at datetime's limits and with any
offset, non-ASCII digits, huge numbers, NUL characters). Every answer must be a success
or the spec's error list in the format asked for, with its HTTP status — never a 5xx.

Bounded for CI (well under 30 s on one core): a fixed seed (derandomize), a few dozen
examples per test, no example database. A failure prints the request; fix the app and
add a regular regression test to test_errors.py.
"""

import datetime
import json
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from open311.models import Service, ServiceAttribute, ServiceRequest
from tests.open311.test_endpoints import V2, post

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    # The fixtures (database rows, the client) are set up once per test on purpose: every
    # example runs against the same community, and rows it files pile up harmlessly.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any text, including control characters, NUL, surrogate-free Unicode, full-width digits.
any_text = st.text(max_size=40)
formats = st.sampled_from(["json", "xml"])


@st.composite
def iso_datetimes(draw):
    """Well-formed ISO 8601 strings anywhere in datetime's range, with any offset
    (including ones no clock uses) or none."""
    # Half the years at or near the edges of datetime's range and of Open311's.
    year = draw(
        st.one_of(
            st.sampled_from([1, 2, 1899, 1900, 2026, 2999, 3000, 9998, 9999]),
            st.integers(min_value=1, max_value=9999),
        )
    )
    value = draw(
        st.datetimes(
            min_value=datetime.datetime(year, 1, 1),
            max_value=datetime.datetime(year, 12, 31, 23, 59, 59, 999999),
        )
    )
    text = value.isoformat(sep=draw(st.sampled_from(["T", " "])))
    hours = draw(st.integers(min_value=0, max_value=99))
    minutes = draw(st.integers(min_value=0, max_value=99))
    sign = draw(st.sampled_from("+-"))
    zone = draw(
        st.sampled_from(["Z", f"{sign}{hours:02d}:{minutes:02d}", f"{sign}{hours:02d}", ""])
    )
    return text + zone


dates = st.one_of(
    iso_datetimes(),
    st.sampled_from(
        [
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999-15:59",
            "0001-01-01T00:00:00+15:59",
            "2026-01-01T00:00:00+99:00",
            "2026-02-30T00:00:00Z",
            "2026-W01-1T00:00:00Z",
            "20260101T000000Z",
        ]
    ),
    any_text,
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(alphabet="0123456789,²٣１ -", max_size=30),
    st.just("9" * 5000),
    any_text,
)


def mostly(value, other):
    """`value` three times in four, else `other`. (A bare st.just in a one_of is tried
    about once: hypothesis avoids repeating a value it has seen.)"""
    return st.integers(min_value=0, max_value=3).flatmap(
        lambda n: other if n == 0 else st.just(value)
    )


def optional(strategy):
    return st.one_of(st.none(), strategy)


jurisdictions = mostly("a", st.one_of(st.just("b"), any_text))
# "valid" stands for the partner's key, which exists only once the fixture ran.
api_keys = mostly("valid", any_text)


def _query(**params):
    return {name: value for name, value in params.items() if value is not None}


def assert_answers_the_spec(response, fmt):
    """A success, or the error list in the format asked for with the HTTP status."""
    status = response.status_code
    assert status < 500, response.content
    if status == 200:
        if fmt == "json":
            json.loads(response.content)
        else:
            ElementTree.fromstring(response.content)  # noqa: S314 (our own answer)
        return
    assert status in (400, 403, 404, 405, 429), status
    if fmt == "json":
        errors = [(item["code"], item["description"]) for item in json.loads(response.content)]
    else:
        root = ElementTree.fromstring(response.content)  # noqa: S314 (our own answer)
        assert root.tag == "errors"
        errors = [(int(e.find("code").text), e.find("description").text) for e in root]
    assert errors and all(code == status and description for code, description in errors)


@pytest.fixture
def fuzz_world(ow, client, settings):
    settings.HIVE_OPEN311_RATE_PER_KEY = "100000/h"
    settings.HIVE_OPEN311_RATE_PER_ADDRESS = "100000/h"
    service = Service.objects.create(
        community=ow.a, code="noise", name="噪音扰民", category="demand"
    )
    for code, datatype, values in (
        ("when", "datetime", ""),
        ("decibels", "number", ""),
        ("source", "singlevaluelist", "bar|酒吧\nsite|工地"),
        ("days", "multivaluelist", "mon|周一\nsat|周六"),
    ):
        ServiceAttribute.objects.create(
            community=ow.a,
            service=service,
            code=code,
            description=code,
            datatype=datatype,
            values=values,
        )
    # Requests to find by id and token.
    for description in ("楼道堆物", "噪音 138 1234 5678"):
        assert post(client, ow, description=description).status_code == 200
    ow.ids = [str(pk) for pk in ServiceRequest.objects.values_list("incident_id", flat=True)]
    ow.tokens = list(ServiceRequest.objects.values_list("token", flat=True))
    return ow


def _key(world, api_key):
    return world.raw_key if api_key == "valid" else api_key


@FUZZ
@given(
    fmt=formats,
    jurisdiction_id=jurisdictions,
    api_key=optional(api_keys),
    service_request_id=optional(st.one_of(st.just("existing"), numbers)),
    service_code=optional(st.one_of(st.sampled_from(["dispute", "noise,event"]), any_text)),
    start_date=optional(dates),
    end_date=optional(dates),
    status=optional(st.one_of(st.sampled_from(["open", "closed", "open,closed"]), any_text)),
)
def test_get_requests_never_fails(fuzz_world, client, fmt, api_key, service_request_id, **params):
    if service_request_id == "existing":
        service_request_id = ",".join(fuzz_world.ids)
    response = client.get(
        f"{V2}/requests.{fmt}",
        _query(api_key=_key(fuzz_world, api_key), service_request_id=service_request_id, **params),
    )
    assert_answers_the_spec(response, fmt)


@FUZZ
@given(fmt=formats, jurisdiction_id=jurisdictions, api_key=optional(api_keys))
def test_get_services_never_fails(fuzz_world, client, fmt, jurisdiction_id, api_key):
    params = _query(jurisdiction_id=jurisdiction_id, api_key=_key(fuzz_world, api_key))
    assert_answers_the_spec(client.get(f"{V2}/services.{fmt}", params), fmt)


# The window parameters on their own: in the test above service_request_id (which
# overrides them) or a bad jurisdiction or key often stops a request before its dates.
@FUZZ
@given(fmt=formats, start_date=optional(dates), end_date=optional(dates))
def test_get_requests_by_date_never_fails(fuzz_world, client, fmt, **params):
    response = client.get(f"{V2}/requests.{fmt}", _query(jurisdiction_id="a", **params))
    assert_answers_the_spec(response, fmt)


@FUZZ
@given(
    fmt=formats,
    jurisdiction_id=jurisdictions,
    kind=st.sampled_from(["requests", "tokens", "services"]),
    name=mostly("existing", st.one_of(numbers, any_text)).filter(
        lambda s: s and "/" not in s and s not in ".."
    ),
)
def test_get_one_never_fails(fuzz_world, client, fmt, jurisdiction_id, kind, name):
    from urllib.parse import quote

    if name == "existing":
        name = {"requests": fuzz_world.ids, "tokens": fuzz_world.tokens, "services": ["noise"]}[
            kind
        ][0]
    response = client.get(
        f"{V2}/{kind}/{quote(name, safe='')}.{fmt}", _query(jurisdiction_id=jurisdiction_id)
    )
    # A name the URL patterns cannot match is Django's own 404 page, not Open311's.
    if response.status_code == 404 and not response["Content-Type"].startswith(
        ("application/json", "text/xml")
    ):
        return
    assert_answers_the_spec(response, fmt)


@FUZZ
@given(
    fmt=formats,
    jurisdiction_id=jurisdictions,
    api_key=api_keys,
    service_code=mostly("noise", st.one_of(st.just("hidden_danger"), any_text)),
    lat=mostly("40.0", st.one_of(numbers, st.sampled_from(["NaN", "1e999999", "-Infinity"]))),
    long=mostly("116.0", st.one_of(numbers, st.sampled_from(["sNaN", "1E-1000000"]))),
    address_string=optional(any_text),
    address_id=optional(any_text),
    description=optional(any_text),
    first_name=optional(any_text),
    last_name=optional(any_text),
    email=optional(mostly("zhang@example.com", any_text)),
    phone=optional(mostly("+86 138-1234-5678", any_text)),
    device_id=optional(st.text(max_size=120)),
    account_id=optional(st.text(max_size=80)),
    media_url=optional(mostly("https://example.com/a.jpg", any_text)),
    when=mostly("2026-11-28T22:30:00+08:00", dates),
    decibels=mostly("85.5", numbers),
    source=mostly("bar", st.one_of(st.just("site"), any_text)),
    days=mostly(["mon", "sat"], st.lists(st.one_of(st.just("mon"), any_text), max_size=3)),
    grid=optional(mostly("A1", st.one_of(st.just("A2"), any_text))),
)
def test_post_requests_never_fails(
    fuzz_world, client, fmt, api_key, when, decibels, source, days, grid, **params
):
    data = _query(
        api_key=_key(fuzz_world, api_key),
        **params,
        **{
            "attribute[when]": when,
            "attribute[decibels]": decibels,
            "attribute[source]": source,
            "attribute[grid]": grid,
        },
    )
    data["attribute[days][]"] = days
    response = client.post(f"{V2}/requests.{fmt}", data)
    assert_answers_the_spec(response, fmt)
