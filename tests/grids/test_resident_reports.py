"""Residents report six-small problems themselves (随手拍): the public form, placing the
report in a grid, the duplicate window, the tracking page and the satisfaction rating,
through the HTTP layer a resident uses; the report in the staff's and grid member's lists."""

import datetime
import decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from grids import services
from grids.models import Incident, IncidentPhoto, ResidentReport
from grids.selectors import boundary_contains, grid_at
from hive.models import ConsentRecord, TimelineEntry
from open311 import services as open311_services
from tests.grids.factories import BuildingFactory, photo

pytestmark = pytest.mark.django_db

# A square around (116.0, 40.0), longitude first (GeoJSON).
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[115.9, 39.9], [116.1, 39.9], [116.1, 40.1], [115.9, 40.1], [115.9, 39.9]]],
}
PHONE = "13812345678"


def url(community) -> str:
    return reverse("grids:report_new") + "?community=" + community.code


def form_data(where_to="", **overrides):
    data = {
        "category": "hidden_danger",
        "description": "楼道里堆满了纸箱，容易着火",
        "where": where_to,
        "location": "",
        "latitude": "",
        "longitude": "",
        "contact_name": "刘 阿姨",
        "contact_phone": "138 1234 5678",
        "consent": "on",
        "website": "",
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def post(client, community, data, addr="10.1.2.3"):
    return client.post(url(community), data, REMOTE_ADDR=addr)


def nothing_stored():
    return (
        Incident.objects.count() == 0
        and ResidentReport.objects.count() == 0
        and ConsentRecord.objects.count() == 0
        and IncidentPhoto.objects.count() == 0
    )


@pytest.fixture
def building(gw):
    return BuildingFactory(grid=gw.a2, name="7号楼")


def test_choose_a_community_then_the_form(client, gw):
    response = client.get(reverse("grids:report_new"))
    assert response.status_code == 200
    assert f'data-community="{gw.a.code}"' in response.content.decode()
    form = client.get(url(gw.a))
    html = form.content.decode()
    assert form.status_code == 200
    assert 'id="privacy-notice"' in html and 'enctype="multipart/form-data"' in html
    assert "grids/locate.js" in html and "data-locate" in html
    # "Where": one group per grid, its buildings, then "elsewhere in this grid".
    assert f'<optgroup label="{gw.a1.name}">' in html
    assert f'value="g{gw.a1.pk}"' in html and f'value="g{gw.a2.pk}"' in html
    assert f'value="g{gw.b1.pk}"' not in html


def test_landing_page_links_to_the_report_form_and_the_lookup(client, world):
    html = client.get("/").content.decode()
    assert reverse("grids:report_new") in html
    assert reverse("grids:report_track_lookup") in html


def test_good_report_with_a_photo_goes_to_the_tracking_page(client, gw, building):
    response = post(client, gw.a, {**form_data(f"b{building.pk}"), "photos": [photo()]})
    assert response.status_code == 302
    report = ResidentReport.objects.select_related("incident").get()
    incident = report.incident
    assert response["Location"] == reverse("grids:report_track", args=[report.tracking_code])
    assert incident.status == Incident.Status.REPORTED
    assert incident.reporter is None and incident.grid == gw.a2  # the building's grid
    assert incident.location == "7号楼" and incident.deadline is not None
    assert report.contact_phone == PHONE and report.contact_name == "刘 阿姨"
    assert incident.photos.count() == 1
    consent = ConsentRecord.objects.get()
    assert consent.notice == "resident_report" and consent.object_id == report.pk
    entry = TimelineEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Incident), object_id=incident.pk
    )
    assert entry.actor is None and entry.to_state == "reported"
    assert entry.note == gettext("Reported by a resident")
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert report.tracking_code in html
    photo_pk = incident.photos.get().pk
    photo_url = reverse("grids:report_track_photo", args=[report.tracking_code, photo_pk])
    assert photo_url in html
    assert client.get(photo_url).status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("description", "请打电话 138 1234 5678 联系我"),
        ("description", "<script>alert(1)</script>楼道堆物"),
        ("description", None),
        ("category", "money"),
        ("contact_phone", "12345"),
        ("contact_name", None),
        ("location", "东门 13912345678"),
        ("consent", None),
        ("where", "b999999"),
    ],
)
def test_a_bad_field_is_refused_and_nothing_stored(client, gw, field, value):
    data = form_data(f"g{gw.a1.pk}")
    data.update({field: value})
    if value is None:
        data.pop(field)
    response = post(client, gw.a, data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert nothing_stored()


def test_too_many_photos_are_refused(client, gw):
    photos = [photo(f"p{n}.jpg") for n in range(4)]
    response = post(client, gw.a, {**form_data(f"g{gw.a1.pk}"), "photos": photos})
    assert response.status_code == 200
    assert "photos" in response.context["form"].errors
    assert nothing_stored()


def test_honeypot_is_refused_and_nothing_stored(client, gw):
    response = post(client, gw.a, form_data(f"g{gw.a1.pk}", website="http://spam.example"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert nothing_stored()


def test_rate_limit_per_address_and_per_phone(client, gw, settings):
    settings.HIVE_REPORT_RATE_PER_ADDRESS = "2/h"
    settings.HIVE_REPORT_RATE_PER_PHONE = "3/h"
    for n in range(2):
        data = form_data(f"g{gw.a1.pk}", description=f"第{n}个问题：路灯不亮")
        assert post(client, gw.a, data).status_code == 302
    refused = post(client, gw.a, form_data(f"g{gw.a1.pk}", description="第三个问题：井盖松动"))
    assert refused.status_code == 429
    assert "data-rate-limited" in refused.content.decode()
    assert Incident.objects.count() == 2
    # Another address is not affected, until the phone number has sent its three.
    other = form_data(f"g{gw.a1.pk}", description="换个地址再报一次")
    assert post(client, gw.a, other, addr="10.9.9.9").status_code == 302
    again = form_data(f"g{gw.a1.pk}", description="再换个地址报一次")
    assert post(client, gw.a, again, addr="10.8.8.8").status_code == 429
    assert Incident.objects.count() == 3


def test_the_same_report_sent_again_returns_the_same_code(client, gw):
    first = post(client, gw.a, form_data(f"g{gw.a1.pk}"))
    again = post(client, gw.a, form_data(f"g{gw.a1.pk}"))
    assert first["Location"] == again["Location"]
    assert Incident.objects.count() == ResidentReport.objects.count() == 1


def test_placed_by_the_grid_picked(client, gw):
    post(client, gw.a, form_data(f"g{gw.a2.pk}"))
    assert Incident.objects.get().grid == gw.a2


def test_placed_by_the_map_point_inside_a_grid_boundary(client, gw):
    gw.a2.boundary = SQUARE
    gw.a2.save()
    response = post(client, gw.a, form_data("", latitude="40.000000", longitude="116.000000"))
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.grid == gw.a2
    assert incident.latitude == decimal.Decimal("40.000000")


def test_placed_in_the_only_grid_of_the_community(client, gw):
    response = post(client, gw.b, form_data(""))
    assert response.status_code == 302
    assert Incident.objects.get().grid == gw.b1


def test_a_point_in_no_grid_waits_in_the_holding_grid(client, gw):
    gw.a2.boundary = SQUARE
    gw.a2.save()
    response = post(client, gw.a, form_data("", latitude="30.000000", longitude="100.000000"))
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.grid.holds_unplaced and incident.grid.community == gw.a
    assert "30.000000" in incident.placement_note


def test_refused_when_nothing_places_it(client, gw):
    response = post(client, gw.a, form_data(""))
    assert response.status_code == 200
    assert "where" in response.context["form"].errors
    assert nothing_stored()


def test_refused_when_the_point_lies_in_another_communitys_grid(client, gw):
    gw.b1.boundary = SQUARE
    gw.b1.save()
    response = post(client, gw.a, form_data("", latitude="40.000000", longitude="116.000000"))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert nothing_stored()
    response = post(client, gw.a, form_data("", latitude="116.000000", longitude="40.000000"))
    assert response.status_code == 200
    assert "swapped" in str(response.context["form"].errors) or response.context["form"].errors
    assert nothing_stored()
    # Another community's grid or building is no choice here.
    other = BuildingFactory(grid=gw.b1)
    response = post(client, gw.a, form_data(f"b{other.pk}"))
    assert "where" in response.context["form"].errors
    assert nothing_stored()


def test_the_service_refuses_a_grid_of_another_community(gw):
    with pytest.raises(Exception, match="where"):
        services.incident_report_by_resident(
            community=gw.a,
            category="event",
            description="门口有人吵架",
            contact_name="刘",
            contact_phone=PHONE,
            grid=gw.b1,
        )
    assert nothing_stored()


def _report(gw, **kwargs):
    incident, created = services.incident_report_by_resident(
        community=gw.a,
        category=kwargs.pop("category", "hidden_danger"),
        description=kwargs.pop("description", "电线裸露"),
        contact_name="刘阿姨",
        contact_phone=PHONE,
        grid=kwargs.pop("grid", gw.a1),
        **kwargs,
    )
    assert created
    return incident


def test_the_report_waits_for_staff_and_shows_in_the_grid_members_list(client, gw):
    incident = _report(gw)
    client.force_login(gw.staff_a)
    waiting = {row.todo.key: row for row in client.get(reverse("admin:index")).context["waiting"]}
    assert waiting["accept"].count == 1
    changelist = client.get(waiting["accept"].url)
    assert [row.pk for row in changelist.context["cl"].result_list] == [incident.pk]
    detail = client.get(reverse("grids:incident_detail", args=[incident.pk]))
    assert detail.status_code == 200
    assert incident.resident_report.tracking_code in detail.content.decode()
    client.force_login(gw.grid_a)
    listed = client.get(reverse("grids:incident_list"))
    assert incident in listed.context["page"].object_list
    # The grid member of another grid does not see it.
    client.force_login(gw.grid_a2)
    assert incident not in client.get(reverse("grids:incident_list")).context["page"].object_list


def test_the_api_gives_no_reporter_for_a_residents_report(api_client, gw):
    incident = _report(gw)
    api_client.force_authenticate(gw.staff_a)
    response = api_client.get(reverse("incident-list"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["reporter_id"] for row in rows if row["id"] == incident.pk] == [None]


def _handle(gw, incident, *, close=True):
    services.incident_accept(incident=incident, actor=gw.staff_a)
    services.incident_assign(incident=incident, actor=gw.staff_a, assignee=gw.grid_a)
    services.incident_start(incident=incident, actor=gw.grid_a)
    services.incident_resolve(incident=incident, actor=gw.grid_a, resolution="纸箱已清走")
    if close:
        services.incident_verify(incident=incident, actor=gw.staff_a)
        services.incident_close(incident=incident, actor=gw.staff_a)


def test_the_tracking_page_shows_progress_and_replies_but_no_names_or_phone(client, gw):
    incident = _report(gw)
    code = incident.resident_report.tracking_code
    services.incident_reply(incident=incident, author=gw.staff_a, body="已安排网格员处理")
    _handle(gw, incident, close=False)
    response = client.get(reverse("grids:report_track", args=[code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "已安排网格员处理" in html and "纸箱已清走" in html
    for person in (gw.staff_a, gw.grid_a):
        assert person.name not in html and person.username not in html
    assert PHONE not in html and "刘阿姨" not in html and "5678" not in html
    states = [step["state"] for step in response.context["progress"]]
    assert states == ["reported", "accepted", "assigned", "resolved"]  # in progress: once
    assert response.context["rating_form"] is None


def test_numbers_staff_typed_into_replies_and_the_resolution_are_masked(client, gw):
    """Whoever holds the tracking code reads the page: a phone or ID number in the staff's
    reply, resolution or reason for not taking it on is masked there (never in the
    stored text, which staff keep)."""
    incident = _report(gw)
    code = incident.resident_report.tracking_code
    services.incident_reply(incident=incident, author=gw.staff_a, body="物业电话 13912345678")
    services.incident_accept(incident=incident, actor=gw.staff_a)
    services.incident_assign(incident=incident, actor=gw.staff_a, assignee=gw.grid_a)
    services.incident_start(incident=incident, actor=gw.grid_a)
    services.incident_resolve(
        incident=incident, actor=gw.grid_a, resolution="已联系业主 110101199003074514 清理"
    )
    html = client.get(reverse("grids:report_track", args=[code])).content.decode()
    assert "物业电话" in html and "已联系业主" in html
    assert "13912345678" not in html and "139****5678" in html
    assert "110101199003074514" not in html
    incident.refresh_from_db()
    assert "110101199003074514" in incident.resolution


def test_the_tracking_page_takes_a_constant_number_of_queries(
    client, gw, django_assert_max_num_queries
):
    incident = _report(gw, photos=[photo()])
    code = incident.resident_report.tracking_code
    for n in range(3):
        services.incident_reply(incident=incident, author=gw.staff_a, body=f"回复{n}")
    _handle(gw, incident)
    client.get(reverse("grids:report_track", args=[code]))  # warm the content-type cache
    with django_assert_max_num_queries(8):
        response = client.get(reverse("grids:report_track", args=[code]))
    assert response.status_code == 200


def test_lookup_accepts_dashes_and_spaces_and_refuses_unknown_codes(client, gw):
    code = _report(gw).resident_report.tracking_code
    typed = f" {code[:4].lower()}-{code[4:8]} {code[8:]} "
    response = client.get(reverse("grids:report_track_lookup"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("grids:report_track", args=[code])
    assert client.get(reverse("grids:report_track_lookup"), {"code": "NOPE"}).status_code == 404
    assert client.get(reverse("grids:report_track", args=["ZZZZ"])).status_code == 404
    assert client.get(reverse("grids:report_track_lookup")).status_code == 200


def test_rating_only_once_the_report_is_closed_and_only_once(client, gw):
    incident = _report(gw)
    code = incident.resident_report.tracking_code
    rate = reverse("grids:report_rate", args=[code])
    client.post(rate, {"rating": "5", "note": "太早了"})
    assert ResidentReport.objects.get().rating is None
    _handle(gw, incident)
    page = client.get(reverse("grids:report_track", args=[code]))
    assert page.context["rating_form"] is not None
    assert client.post(rate, {"rating": "4", "note": "处理及时"}).status_code == 302
    client.post(rate, {"rating": "1", "note": "改主意了"})
    report = ResidentReport.objects.get()
    assert (report.rating, report.rating_note) == (4, "处理及时") and report.rated_at
    page = client.get(reverse("grids:report_track", args=[code]))
    assert page.context["rating_form"] is None
    assert 'data-rating="4"' in page.content.decode()


def test_a_rating_out_of_range_is_refused(client, gw):
    incident = _report(gw)
    _handle(gw, incident)
    rate = reverse("grids:report_rate", args=[incident.resident_report.tracking_code])
    client.post(rate, {"rating": "9"})
    assert ResidentReport.objects.get().rating is None


def test_the_dashboard_counts_the_satisfaction(gw):
    from grids.dashboard import figures
    from hive.dashboard import Period

    rated = _report(gw)
    _handle(gw, rated)
    services.resident_report_rate(report=rated.resident_report, rating=4)
    second = _report(gw, description="路灯坏了")
    _handle(gw, second)
    services.resident_report_rate(report=second.resident_report, rating=5)
    _report(gw, description="井盖松动")
    out = figures([gw.a.pk, gw.b.pk], Period(key="all", start=None), timezone.now())
    assert out[gw.a.pk]["resident_reports"] == {
        "received": 3,
        "rated": 2,
        "rating_sum": 9,
        "average": 4.5,
    }
    assert out[gw.b.pk]["resident_reports"]["rated"] == 0


def test_grid_at_and_open311_place_by_the_same_boundary(gw):
    gw.a1.boundary = SQUARE
    gw.a1.save()
    assert boundary_contains(SQUARE, longitude=116.0, latitude=40.0)
    assert not boundary_contains(SQUARE, longitude=117.0, latitude=40.0)
    assert (
        grid_at(gw.a.pk, latitude=decimal.Decimal("40"), longitude=decimal.Decimal("116")) == gw.a1
    )
    assert grid_at(gw.a.pk, latitude=40.0, longitude=117.0) is None
    assert grid_at(gw.b.pk, latitude=40.0, longitude=116.0) is None
    key, _raw = open311_services.partner_key_issue(
        actor=gw.staff_a, community=gw.a, name="热线", reporter=gw.staff_a
    )
    placed = open311_services.request_grid(
        partner=key,
        grid_code="",
        latitude=decimal.Decimal("40.0"),
        longitude=decimal.Decimal("116.0"),
    )
    assert placed.grid == gw.a1


def test_demo_like_deadline_follows_the_category(gw):
    incident = _report(gw)
    assert incident.deadline - incident.created_at < datetime.timedelta(hours=73)


def test_the_demo_has_resident_reports_at_every_step_a_resident_follows(gw, world):
    from grids.demo import _seed_resident_reports

    _seed_resident_reports(world.a, [gw.a1, gw.a2], world.staff_a)
    statuses = sorted(ResidentReport.objects.values_list("incident__status", flat=True))
    assert statuses == ["assigned", "closed", "in_progress", "rejected", "reported", "resolved"]
    assert ResidentReport.objects.get(incident__status="closed").rating == 5


def test_the_form_and_a_report_take_few_queries_whatever_the_buildings(client, gw):
    """The form: its buildings, its grids (the "where" select, no query per building; the
    community and the time limits come from the cache). A report picking a building:
    that building with its grid (not the lists), the duplicate check, then the writes
    only (incident, report, its audit entry, consent, timeline): no FK, constraint or
    photo-count check."""
    for n in range(12):
        BuildingFactory(grid=gw.a1 if n % 2 else gw.a2, name=f"{n + 1}号楼")
    building = BuildingFactory(grid=gw.a2, name="东门楼")
    client.get(url(gw.a))  # warm the content-type and site caches
    post(client, gw.a, form_data(f"b{building.pk}", description="先来一条，预热缓存"))
    with CaptureQueriesContext(connection) as form_queries:
        response = client.get(url(gw.a))
    assert response.status_code == 200
    assert response.content.decode().count('<option value="b') == 13
    assert len(form_queries) == 2
    with CaptureQueriesContext(connection) as report_queries:
        response = post(client, gw.a, form_data(f"b{building.pk}"), addr="10.1.2.4")
    assert response.status_code == 302
    reads = [q["sql"][:60] for q in report_queries if q["sql"].startswith("SELECT")]
    writes = [q["sql"][:40] for q in report_queries if q["sql"].startswith("INSERT")]
    assert len(reads) == 2, reads
    assert len(writes) == 5, writes
    incident = ResidentReport.objects.get(incident__description=form_data()["description"])
    assert incident.incident.grid == gw.a2


def test_the_community_choice_comes_from_the_page_cache_the_form_never(client, gw):
    def get(path):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200
        return response, len(queries)

    chooser = reverse("grids:report_new")
    first, rendered = get(chooser)
    second, cached = get(chooser)
    assert rendered > 0 and cached == 0 and second.content == first.content
    gw.a.name = "新虎尾沟社区"
    gw.a.save()
    assert "新虎尾沟社区" in get(chooser)[0].content.decode()
    # The form carries a CSRF token, personal to the visitor: rendered each time.
    get(url(gw.a))
    again, queries = get(url(gw.a))
    assert queries > 0 and 'name="csrfmiddlewaretoken"' in again.content.decode()


def test_a_place_of_another_community_is_refused_and_the_form_shows_every_place_again(
    client, gw, building
):
    other = BuildingFactory(grid=gw.b1, name="别的社区楼")
    for where_to in (f"b{other.pk}", f"g{gw.b1.pk}", "x1", "b"):
        response = post(client, gw.a, form_data(where_to))
        assert response.status_code == 200
        assert "where" in response.context["form"].errors
    html = response.content.decode()
    assert f'value="b{building.pk}"' in html and f'value="g{gw.a1.pk}"' in html
    assert f'value="b{other.pk}"' not in html
    assert nothing_stored()


# --- Staff see who reported: masked, in full only on request (logged) ------------------------


def test_staff_see_the_residents_contact_masked_and_can_show_it_in_full_logged(client, gw):
    from hive.models import PersonalDataAccess

    incident = _report(gw)
    report = incident.resident_report
    client.force_login(gw.staff_a)
    page = client.get(reverse("admin:grids_incident_change", args=[incident.pk])).content.decode()
    assert PHONE not in page and "刘阿姨" not in page
    assert PHONE[:3] in page  # masked: 138****xxxx
    report_url = reverse("admin:grids_residentreport_change", args=[report.pk])
    assert report_url in page

    masked = client.get(report_url).content.decode()
    assert PHONE not in masked and PersonalDataAccess.objects.count() == 0
    client.post(reverse("admin:grids_residentreport_reveal", args=[report.pk]))
    shown = client.get(report_url).content.decode()
    assert PHONE in shown and "刘阿姨" in shown
    access = PersonalDataAccess.objects.get()
    assert access.viewer == gw.staff_a
    assert PHONE not in client.get(report_url).content.decode()  # once only


def test_staff_of_another_community_cannot_open_the_report(client, gw):
    report = _report(gw).resident_report
    client.force_login(gw.staff_b)
    response = client.get(reverse("admin:grids_residentreport_change", args=[report.pk]))
    assert response.status_code == 302  # Django's "does not exist" back to the list
    assert PHONE not in client.get(response.url).content.decode()
