"""Every endpoint in both formats, with the element and field names of GeoReport v2."""

import datetime

import pytest
from django.utils import timezone

from grids import services as grid_services
from grids.models import Incident, IncidentTimeLimit
from hive.models import TimelineEntry
from open311 import services
from open311.models import Service, ServiceAttribute, ServiceRequest
from tests.open311.helpers import errors_of, parse, xml_items

pytestmark = pytest.mark.django_db
FORMATS = ["json", "xml"]
V2 = "/open311/v2"


def post(client, ow, fmt="json", **data):
    payload = {
        "jurisdiction_id": "a",
        "api_key": ow.raw_key,
        "service_code": "hidden_danger",
        "lat": "40.0",
        "long": "116.0",
        "address_string": "虎尾沟3号楼楼道",
        "description": "电动车在楼道充电",
        "first_name": "大山",
        "last_name": "张",
        "phone": "13811112222",
        "email": "zhang@example.com",
        "device_id": "device-42",
        "account_id": "acct-7",
        **data,
    }
    return client.post(f"{V2}/requests.{fmt}", payload)


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_lists_the_six_categories_and_staff_defined_ones(ow, client, fmt):
    Service.objects.create(
        community=ow.a, code="streetlight", name="路灯损坏", category="hidden_danger", group="市政"
    )
    Service.objects.create(community=ow.a, code="old", name="停用", category="event", active=False)
    Service.objects.create(community=ow.b, code="b-only", name="别的社区", category="event")
    response = client.get(f"{V2}/services.{fmt}", {"jurisdiction_id": "a"})
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "json":
        codes = [item["service_code"] for item in data]
        light = data[-1]
        assert light == {
            "service_code": "streetlight",
            "service_name": "路灯损坏",
            "description": "",
            "metadata": True,
            "type": "realtime",
            "keywords": "",
            "group": "市政",
        }
        assert data[0]["service_name"] == "小纠纷"
    else:
        assert data.tag == "services"
        items = xml_items(data, "service")
        codes = [item["service_code"].text for item in items]
        assert items[-1]["metadata"].text == "true"
        assert items[-1]["type"].text == "realtime"
        assert items[0]["service_name"].text == "小纠纷"
    assert codes == [
        "dispute",
        "hidden_danger",
        "sign",
        "loophole",
        "demand",
        "event",
        "streetlight",
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_lists_attributes_with_values(ow, client, fmt):
    service = Service.objects.create(
        community=ow.a, code="streetlight", name="路灯损坏", category="hidden_danger"
    )
    ServiceAttribute.objects.create(
        community=ow.a,
        service=service,
        code="pole",
        description="灯杆编号",
        datatype="string",
        required=True,
        order=2,
    )
    ServiceAttribute.objects.create(
        community=ow.a,
        service=service,
        code="state",
        description="灯的状态",
        datatype="singlevaluelist",
        order=3,
        values="off|不亮\nblink|闪烁",
    )
    response = client.get(f"{V2}/services/streetlight.{fmt}", {"jurisdiction_id": "a"})
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "json":
        assert data["service_code"] == "streetlight"
        codes = [a["code"] for a in data["attributes"]]
        assert codes == ["grid", "pole", "state"]
        grid, pole, state = data["attributes"]
        assert grid["values"] == [
            {"key": "A1", "name": ow.a1.name},
            {"key": "A2", "name": ow.a2.name},
        ]
        assert pole == {
            "variable": True,
            "code": "pole",
            "datatype": "string",
            "required": True,
            "datatype_description": None,
            "order": 2,
            "description": "灯杆编号",
            "values": [],
        }
        assert state["values"] == [{"key": "off", "name": "不亮"}, {"key": "blink", "name": "闪烁"}]
    else:
        assert data.tag == "service_definition"
        assert data.find("service_code").text == "streetlight"
        attributes = data.find("attributes").findall("attribute")
        assert [a.find("code").text for a in attributes] == ["grid", "pole", "state"]
        assert attributes[1].find("required").text == "true"
        values = attributes[2].find("values").findall("value")
        assert [(v.find("key").text, v.find("name").text) for v in values] == [
            ("off", "不亮"),
            ("blink", "闪烁"),
        ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_definition_is_a_404_in_the_error_format(ow, client, fmt):
    response = client.get(f"{V2}/services/nope.{fmt}", {"jurisdiction_id": "a"})
    assert response.status_code == 404
    assert errors_of(response, fmt)[0][0] == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_creates_an_incident_through_the_grids_service(ow, client, fmt):
    IncidentTimeLimit.objects.create(community=ow.a, category="hidden_danger", hours=24)
    before = timezone.now()
    response = post(client, ow, fmt)
    assert response.status_code == 200, response.content
    data = parse(response, fmt)
    row = ServiceRequest.objects.get()
    incident = row.incident
    if fmt == "json":
        assert data == [
            {
                "service_request_id": incident.pk,
                "token": row.token,
                "service_notice": data[0]["service_notice"],
                "account_id": "acct-7",
            }
        ]
        assert "24" in data[0]["service_notice"]
    else:
        assert data.tag == "service_requests"
        item = data.find("request")
        assert item.find("service_request_id").text == str(incident.pk)
        assert item.find("token").text == row.token
        assert item.find("account_id").text == "acct-7"
        assert item.find("service_notice").text
    # The grids service made it: grid by position, deadline by time limit, timeline.
    assert incident.grid == ow.a1
    assert incident.category == "hidden_danger"
    assert incident.status == Incident.Status.REPORTED
    assert incident.reporter == ow.staff_a
    assert incident.on_behalf_of == "张大山"
    assert incident.location == "虎尾沟3号楼楼道"
    assert incident.description.startswith("电动车在楼道充电")
    assert "12345热线" in incident.description
    assert before + datetime.timedelta(hours=24) <= incident.deadline
    assert incident.deadline <= timezone.now() + datetime.timedelta(hours=24)
    entry = TimelineEntry.objects.get(object_id=incident.pk)
    assert entry.to_state == "reported"
    # The client's details stay on the Open311 record.
    assert (row.phone, row.email, row.device_id) == (
        "13811112222",
        "zhang@example.com",
        "device-42",
    )
    ow.key.refresh_from_db()
    assert ow.key.last_used_at is not None


def test_post_stores_attribute_answers_and_lists_them_for_the_grid_member(ow, client):
    service = Service.objects.create(
        community=ow.a, code="streetlight", name="路灯损坏", category="hidden_danger"
    )
    ServiceAttribute.objects.create(
        community=ow.a,
        service=service,
        code="state",
        description="灯的状态",
        datatype="multivaluelist",
        values="off|不亮\nblink|闪烁",
        required=True,
    )
    response = post(
        client,
        ow,
        service_code="streetlight",
        **{"attribute[state][]": ["off", "blink"], "attribute[grid]": "A2"},
    )
    assert response.status_code == 200, response.content
    row = ServiceRequest.objects.get()
    assert row.attributes == {"state": ["off", "blink"]}
    assert row.service == service
    assert row.incident.grid == ow.a2  # named grid wins over the position
    assert "灯的状态: 不亮, 闪烁" in row.incident.description


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_answers_public_fields_without_personal_data(ow, client, fmt):
    post(client, ow)
    row = ServiceRequest.objects.get()
    incident = row.incident
    response = client.get(f"{V2}/requests.{fmt}", {"jurisdiction_id": "a"})
    assert response.status_code == 200
    body = response.content.decode()
    for personal in (
        "13811112222",
        "zhang@example.com",
        "device-42",
        "acct-7",
        "张大山",
        "staff_a",
    ):
        assert personal not in body
    data = parse(response, fmt)
    expected_fields = [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    if fmt == "json":
        (item,) = data
        assert list(item) == expected_fields
        assert item["service_request_id"] == incident.pk
        assert item["status"] == "open"
        assert item["status_notes"] == "已上报"
        assert item["service_name"] == "小隐患"
        assert item["description"] == "电动车在楼道充电"
        assert item["expected_datetime"] == timezone.localtime(incident.deadline).isoformat(
            timespec="seconds"
        )
        assert item["expected_datetime"].endswith("+08:00")
        assert item["agency_responsible"] == f"虎尾沟社区 · {ow.a1.name}"
        assert (item["lat"], item["long"]) == (40.0, 116.0)
    else:
        assert data.tag == "service_requests"
        (item,) = xml_items(data, "request")
        assert list(item) == expected_fields
        assert item["service_request_id"].text == str(incident.pk)
        assert item["status"].text == "open"
        assert item["status_notes"].text == "已上报"
        assert item["lat"].text == "40.0"
        assert item["zipcode"].text is None


def test_descriptions_show_phone_numbers_masked(ow, client):
    post(client, ow, description="请联系13912345678处理")
    data = client.get(f"{V2}/requests.json", {"jurisdiction_id": "a"}).json()
    assert data[0]["description"] == "请联系139****5678处理"


def test_reports_made_in_the_portal_are_not_published(ow, client):
    grid_services.incident_report(
        reporter=ow.grid_a, grid=ow.a1, category="dispute", location="x", description="张三李四吵架"
    )
    assert client.get(f"{V2}/requests.json", {"jurisdiction_id": "a"}).json() == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_one_request_and_unknown_ids(ow, client, fmt):
    post(client, ow)
    incident_id = ServiceRequest.objects.get().incident_id
    response = client.get(f"{V2}/requests/{incident_id}.{fmt}", {"jurisdiction_id": "a"})
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "json":
        assert [item["service_request_id"] for item in data] == [incident_id]
    else:
        assert data.find("request").find("service_request_id").text == str(incident_id)
    # Another jurisdiction does not see it.
    response = client.get(f"{V2}/requests/{incident_id}.{fmt}", {"jurisdiction_id": "b"})
    assert response.status_code == 404
    assert errors_of(response, fmt)[0][0] == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_tokens_resolve_to_the_request_id(ow, client, fmt):
    post(client, ow)
    row = ServiceRequest.objects.get()
    response = client.get(f"{V2}/tokens/{row.token}.{fmt}", {"jurisdiction_id": "a"})
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "json":
        assert data == [{"service_request_id": row.incident_id, "token": row.token}]
    else:
        item = data.find("request")
        assert item.find("service_request_id").text == str(row.incident_id)
        assert item.find("token").text == row.token
    response = client.get(f"{V2}/tokens/unknown.{fmt}", {"jurisdiction_id": "a"})
    assert response.status_code == 404
    assert errors_of(response, fmt)[0][0] == 404


def test_get_requests_filters(ow, client):
    post(client, ow, service_code="hidden_danger")
    post(client, ow, service_code="demand")
    post(client, ow, service_code="event")
    first, second, third = ServiceRequest.objects.order_by("id")
    grid_services.incident_reject(incident=third.incident, actor=ow.staff_a, reason="重复")

    def ids(**params):
        response = client.get(f"{V2}/requests.json", {"jurisdiction_id": "a", **params})
        assert response.status_code == 200, response.content
        return sorted(item["service_request_id"] for item in response.json())

    assert ids() == sorted([first.incident_id, second.incident_id, third.incident_id])
    assert ids(service_code="demand,event") == sorted([second.incident_id, third.incident_id])
    assert ids(status="closed") == [third.incident_id]
    assert ids(status="open") == sorted([first.incident_id, second.incident_id])
    assert ids(status="open,closed") == ids()
    # service_request_id overrides every other parameter.
    assert ids(service_request_id=f"{first.incident_id},{third.incident_id}", status="open") == (
        sorted([first.incident_id, third.incident_id])
    )
    now = timezone.now()
    assert ids(start_date=(now - datetime.timedelta(days=1)).isoformat()) == ids()
    assert ids(end_date=(now - datetime.timedelta(days=1)).isoformat()) == []
    ServiceRequest.objects.filter(pk=first.pk).update()
    Incident.objects.filter(pk=first.incident_id).update(
        created_at=now - datetime.timedelta(days=100)
    )
    # The default window is the last 90 days.
    assert first.incident_id not in ids()
    closed = client.get(f"{V2}/requests.json", {"jurisdiction_id": "a", "status": "closed"})
    assert closed.json()[0]["status_notes"] == "已驳回"


def test_get_requests_list_keeps_a_constant_query_count(ow, client, django_assert_max_num_queries):
    def grow(count):
        for _ in range(count):
            assert post(client, ow).status_code == 200

    grow(2)
    with django_assert_max_num_queries(3) as small:
        client.get(f"{V2}/requests.xml", {"jurisdiction_id": "a"})
    grow(10)
    with django_assert_max_num_queries(3) as large:
        response = client.get(f"{V2}/requests.json", {"jurisdiction_id": "a"})
    assert len(response.json()) == 12
    assert len(small.captured_queries) == len(large.captured_queries)


def test_agency_responsible_is_the_assigned_resident_unit(ow, client):
    post(client, ow)
    incident = ServiceRequest.objects.get().incident
    grid_services.incident_accept(incident=incident, actor=ow.staff_a)
    grid_services.incident_assign(incident=incident, actor=ow.staff_a, unit=ow.unit_a1)
    response = client.get(f"{V2}/requests/{incident.pk}.json", {"jurisdiction_id": "a"})
    (item,) = parse(response, "json")
    assert item["agency_responsible"] == ow.unit_a1.name
    assert item["status"] == "open" and item["status_notes"] == "已派单"


@pytest.mark.parametrize("fmt", FORMATS)
def test_public_answers_mask_phone_and_id_numbers_in_every_spelling(ow, client, fmt):
    from tests.hive.test_personal_data import NOT_PERSONAL, SPELLINGS

    typed = [text for text, _shown in SPELLINGS]
    plain = [text for text in NOT_PERSONAL if text]
    post(
        client,
        ow,
        description="\n".join(typed + plain),
        address_string="3-2-501 +86 138 1234 5678",
    )
    response = client.get(f"{V2}/requests.{fmt}", {"jurisdiction_id": "a"})
    assert response.status_code == 200
    data = parse(response, fmt)
    if fmt == "json":
        description, address = data[0]["description"], data[0]["address"]
    else:
        item = data.find("request")
        description, address = item.find("description").text, item.find("address").text
    assert description.split("\n") == [shown for _text, shown in SPELLINGS] + plain
    assert address == "3-2-501 138****5678"


# --- issue 23, item 11 ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_takes_jurisdiction_and_key_from_the_query_string(ow, client, fmt):
    response = client.post(
        f"{V2}/requests.{fmt}?jurisdiction_id=a&api_key={ow.raw_key}",
        {"service_code": "hidden_danger", "lat": "40.0", "long": "116.0", "description": "堆物"},
    )
    assert response.status_code == 200, response.content
    assert ServiceRequest.objects.get().partner == ow.key


def _grid_declared_required(client, jurisdiction, raw_key) -> bool:
    response = client.get(
        f"{V2}/services/hidden_danger.json", {"jurisdiction_id": jurisdiction, "api_key": raw_key}
    )
    grid = next(a for a in response.json()["attributes"] if a["code"] == "grid")
    return grid["required"]


@pytest.mark.parametrize("situation", ["several grids", "a default grid", "one grid"])
def test_a_grid_declared_optional_is_not_needed(ow, client, situation):
    """A partner that leaves out an attribute the definition calls optional is not
    refused for it; where the report may need it, the definition says required."""
    jurisdiction, raw_key = "a", ow.raw_key  # community A has two grids
    if situation == "a default grid":
        ow.key.default_grid = ow.a2
        ow.key.save()
    elif situation == "one grid":
        _key, raw_key = services.partner_key_issue(
            actor=ow.staff_b, community=ow.b, name="B热线", reporter=ow.staff_b
        )
        jurisdiction = "b"
    required = _grid_declared_required(client, jurisdiction, raw_key)
    assert required == (situation == "several grids")
    # By address alone (no lat/long), without attribute[grid].
    response = post(client, ow, lat="", long="", jurisdiction_id=jurisdiction, api_key=raw_key)
    if not required:
        assert response.status_code == 200, (situation, response.content)
