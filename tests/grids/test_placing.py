"""Placing a report by its point (grids.services.place_incident) through every door: the
portal report form, the REST API, Open311 and the resident's form; the holding grid of
unplaced reports and moving a report out of it."""

import decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from grids import services
from grids.models import Grid, Incident
from hive.access.authorization import NotAuthorized
from hive.models import TimelineEntry
from tests.open311.test_endpoints import post as open311_post

pytestmark = pytest.mark.django_db

D = decimal.Decimal
A1 = {
    "type": "Polygon",
    "coordinates": [[[115.9, 39.9], [116.1, 39.9], [116.1, 40.1], [115.9, 40.1], [115.9, 39.9]]],
}
A2 = {
    "type": "Polygon",
    "coordinates": [[[116.1, 39.9], [116.3, 39.9], [116.3, 40.1], [116.1, 40.1], [116.1, 39.9]]],
}
B1 = {
    "type": "Polygon",
    "coordinates": [[[117.9, 39.9], [118.1, 39.9], [118.1, 40.1], [117.9, 40.1], [117.9, 39.9]]],
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _english_requests(client, api_client, settings):
    # The language is the visitor's cookie (hive.ops.middleware.LanguageMiddleware).
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    api_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def mapped(gw):
    for grid, boundary in ((gw.a1, A1), (gw.a2, A2), (gw.b1, B1)):
        grid.boundary = boundary
        grid.save()
    return gw


def test_place_incident_rules(mapped):
    gw = mapped
    placed = services.place_incident(community=gw.a, latitude=D("40"), longitude=D("116.2"))
    assert placed.grid == gw.a2 and placed.reason == ""
    outside = services.place_incident(community=gw.a, latitude=D("30"), longitude=D("100"))
    assert outside.grid.holds_unplaced and outside.grid.community == gw.a
    assert "30" in outside.reason
    # Created once: the same holding grid again.
    again = services.place_incident(community=gw.a, latitude=D("31"), longitude=D("100"))
    assert again.grid == outside.grid
    assert Grid.objects.filter(holds_unplaced=True).count() == 1
    # A named grid wins; a grid of another community does not.
    assert services.place_incident(
        community=gw.a, latitude=None, longitude=None, grid=gw.a1
    ).grid == (gw.a1)
    with pytest.raises(ValidationError):
        services.place_incident(community=gw.a, latitude=None, longitude=None, grid=gw.b1)
    # A point inside another community's grid: refused, even with a grid named.
    with pytest.raises(ValidationError) as caught:
        services.place_incident(community=gw.a, latitude=D("40"), longitude=D("118"))
    assert "latitude" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.place_incident(community=gw.a, latitude=D("40"), longitude=D("118"), grid=gw.a1)
    # A fallback (an Open311 key's default grid) before the holding grid.
    assert (
        services.place_incident(
            community=gw.a, latitude=D("30"), longitude=D("100"), fallback=gw.a1
        ).grid
        == gw.a1
    )


def test_a_boundary_on_the_holding_grid_places_nothing(mapped):
    gw = mapped
    holding = services.unplaced_grid(gw.a)
    holding.boundary = {
        "type": "Polygon",
        "coordinates": [[[99, 29], [101, 29], [101, 31], [99, 31], [99, 29]]],
    }
    holding.save()
    placed = services.place_incident(community=gw.a, latitude=D("30"), longitude=D("100"))
    assert placed.grid == holding and placed.reason


def test_one_holding_grid_per_community(mapped):
    gw = mapped
    services.unplaced_grid(gw.a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Grid.objects.create(community=gw.a, code="X", name="x", holds_unplaced=True)
    assert services.unplaced_grid(gw.b).community == gw.b


def test_holding_grid_is_never_offered_to_people(mapped, client):
    gw = mapped
    holding = services.unplaced_grid(gw.a)
    assert holding not in Grid.objects.for_people()
    client.force_login(gw.staff_a)
    response = client.get(reverse("grids:incident_create"))
    assert holding not in response.context["form"].fields["grid"].queryset
    response = client.get(reverse("grids:report_new") + "?community=" + gw.a.code)
    assert f'value="g{holding.pk}"' not in response.content.decode()


def _portal_data(**overrides):
    data = {
        "grid": "",
        "category": "hidden_danger",
        "priority": "normal",
        "location": "3号楼",
        "description": "楼道堆物",
        "latitude": "",
        "longitude": "",
    }
    data.update(overrides)
    return data


def test_portal_report_placed_by_the_point(mapped, client):
    gw = mapped
    client.force_login(gw.grid_a)
    response = client.post(
        reverse("grids:incident_create"), _portal_data(latitude="40.0", longitude="116.2")
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.grid == gw.a2 and incident.placement_note == ""
    # Outside every grid: the holding grid, with the reason.
    response = client.post(
        reverse("grids:incident_create"), _portal_data(latitude="30.0", longitude="100.0")
    )
    assert response.status_code == 302
    assert (
        Incident.objects.filter(grid__holds_unplaced=True, placement_note__contains="30").count()
        == 1
    )
    # A picked grid is kept.
    response = client.post(
        reverse("grids:incident_create"),
        _portal_data(grid=gw.a1.pk, latitude="40.0", longitude="116.2"),
    )
    assert response.status_code == 302
    assert Incident.objects.first().grid == gw.a1


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({}, "grid", "point on the map"),
        ({"latitude": "116.0", "longitude": "40.0"}, "latitude", "swapped"),
        ({"latitude": "95", "longitude": "200"}, "latitude", "between"),
        ({"latitude": "40.0", "longitude": ""}, "longitude", ""),
        ({"latitude": "abc", "longitude": "116"}, "latitude", ""),
        ({"latitude": "40.0", "longitude": "118.0"}, "latitude", "not in"),
    ],
)
def test_portal_report_bad_points(mapped, client, data, field, words):
    gw = mapped
    client.force_login(gw.grid_a)
    response = client.post(reverse("grids:incident_create"), _portal_data(**data))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert words in " ".join(errors[field]).lower() or words in " ".join(errors[field])
    assert Incident.objects.count() == 0


def test_api_report_placed_by_the_point_and_bad_points(mapped, api_client):
    gw = mapped
    api_client.force_authenticate(gw.grid_a)
    response = api_client.post(
        "/api/incidents/", _portal_data(latitude="40.0", longitude="116.2"), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["grid"] == gw.a2.pk
    response = api_client.post(
        "/api/incidents/", _portal_data(latitude="40.0", longitude="118.0"), format="json"
    )
    assert response.status_code == 400
    assert "latitude" in response.json()
    response = api_client.post(
        "/api/incidents/", _portal_data(latitude="116.2", longitude="40.0"), format="json"
    )
    assert response.status_code == 400
    assert "swapped" in response.json()["latitude"][0]
    response = api_client.post("/api/incidents/", _portal_data(), format="json")
    assert response.status_code == 400 and "grid" in response.json()
    assert Incident.objects.count() == 1


def test_a_reporter_outside_the_community_is_refused(mapped):
    gw = mapped
    with pytest.raises(NotAuthorized):
        services.incident_report(
            reporter=gw.grid_b,
            community=gw.a,
            category="hidden_danger",
            location="x",
            description="y",
            latitude=D("40"),
            longitude=D("116"),
        )
    assert Incident.objects.count() == 0


def test_open311_places_by_point_default_grid_then_holding_grid(mapped, client):
    from tests.open311.conftest import Open311World

    ow = Open311World.__new__(Open311World)
    ow.__dict__.update(mapped.__dict__)
    from open311 import services as open311_services

    ow.key, ow.raw_key = open311_services.partner_key_issue(
        actor=mapped.staff_a, community=mapped.a, name="热线", reporter=mapped.staff_a
    )
    response = open311_post(client, ow, "json", lat="40.0", long="116.2")
    assert response.status_code == 200, response.content
    assert Incident.objects.get().grid == mapped.a2
    # Outside every grid, no default grid: the holding grid with the reason.
    response = open311_post(client, ow, "json", lat="30.0", long="100.0")
    assert response.status_code == 200, response.content
    unplaced = Incident.objects.first()
    assert unplaced.grid.holds_unplaced and unplaced.placement_note
    # The key's default grid comes first.
    ow.key.default_grid = mapped.a1
    ow.key.save()
    response = open311_post(client, ow, "json", lat="30.0", long="101.0")
    assert Incident.objects.first().grid == mapped.a1
    # In another community's grid: refused, nothing stored.
    count = Incident.objects.count()
    response = open311_post(client, ow, "json", lat="40.0", long="118.0")
    assert response.status_code == 400
    assert "lat" in response.content.decode()
    assert Incident.objects.count() == count


def test_move_out_of_the_holding_grid(mapped):
    gw = mapped
    incident = services.incident_report(
        reporter=gw.staff_a,
        community=gw.a,
        category="hidden_danger",
        location="x",
        description="y",
        latitude=D("30"),
        longitude=D("100"),
    )
    assert incident.grid.holds_unplaced
    with pytest.raises(NotAuthorized):
        services.incident_move_grid(incident=incident, grid=gw.a1, actor=gw.grid_a)
    with pytest.raises(ValidationError):
        services.incident_move_grid(incident=incident, grid=gw.b1, actor=gw.staff_a)
    services.incident_move_grid(incident=incident, grid=gw.a1, actor=gw.staff_a)
    incident.refresh_from_db()
    assert incident.grid == gw.a1 and incident.placement_note == ""
    assert TimelineEntry.objects.filter(note__contains="Moved from grid").exists()


def _unplaced(gw):
    return services.incident_report(
        reporter=gw.staff_a,
        community=gw.a,
        category="hidden_danger",
        location="x",
        description="y",
        latitude=D("30"),
        longitude=D("100"),
    )


def test_admin_page_shows_the_reason_and_moves_the_report(mapped, client):
    gw = mapped
    incident = _unplaced(gw)
    client.force_login(gw.staff_a)
    page = client.get(reverse("admin:grids_incident_change", args=[incident.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert incident.placement_note in body and 'id="move_grid_form"' in body
    holding = incident.grid
    assert f'value="{holding.pk}"' not in body.split('id="move_grid_form"')[1].split("</form>")[0]
    url = reverse("admin:grids_incident_move_grid", args=[incident.pk])
    refused = client.post(url, {"grid": gw.b1.pk})
    assert refused.status_code == 200 and "grid" in refused.context["move_grid_form"].errors
    incident.refresh_from_db()
    assert incident.grid == holding
    moved = client.post(url, {"grid": gw.a2.pk, "note": "东门"})
    assert moved.status_code == 302
    incident.refresh_from_db()
    assert incident.grid == gw.a2
    # The list filtered to reports not in any grid, and the workbench tray's count.
    listed = client.get(reverse("admin:grids_incident_changelist") + "?unplaced=yes")
    assert listed.status_code == 200
    assert list(listed.context["cl"].queryset) == []


def test_move_view_is_scoped(mapped, client):
    gw = mapped
    incident = _unplaced(gw)
    url = reverse("admin:grids_incident_move_grid", args=[incident.pk])
    client.force_login(gw.staff_b)
    assert client.post(url, {"grid": gw.a1.pk}).status_code == 404
    incident.refresh_from_db()
    assert incident.grid.holds_unplaced


def test_workbench_counts_reports_not_in_any_grid(mapped):
    from hive import workbench

    gw = mapped
    _unplaced(gw)
    tray = workbench._TRAYS["grids.incidents"]
    counts = tray.counts(gw.staff_a)
    assert counts["unplaced"] == 1
    assert tray.counts(gw.staff_b)["unplaced"] == 0
