"""The map pages: the staff map (admin), a grid member's map, the dashboard's heat panel,
the GeoJSON export, and the page's JavaScript and CSS budget."""

import json

import pytest
from django.urls import reverse

from grids import map as selectors
from tests.grids.test_map import SQUARE_A1, _incident


@pytest.fixture
def bounded(gw):
    gw.a1.boundary = SQUARE_A1
    gw.a1.save()
    return gw


def test_staff_map_page(bounded, client, django_assert_max_num_queries):
    client.force_login(bounded.staff_a)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("admin:map"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-hive-map="staff"' in page and 'id="hive-map-settings"' in page
    assert "<script>" not in page  # no inline script (CSP)
    bounds = json.loads(
        page.split('id="hive-map-bounds" type="application/json">')[1].split("<")[0]
    )
    assert bounds == [112.0, 37.0, 112.01, 37.01]
    for script in selectors.PAGE_SCRIPTS:
        assert script in page
    # Linked from the admin home and the sidebar.
    home = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:map") in home
    changelist = client.get(reverse("admin:grids_incident_changelist")).content.decode()
    assert 'id="nav-sidebar"' in changelist
    assert reverse("admin:map") in changelist.split('id="nav-sidebar"')[1]


def test_staff_map_filters(bounded, client):
    client.force_login(bounded.street_admin)
    response = client.get(
        reverse("admin:map"),
        {"period": "month", "community": bounded.a.pk, "category": "sign", "status": "open"},
    )
    query = json.loads(
        response.content.decode()
        .split('id="hive-map-query" type="application/json">')[1]
        .split("<")[0]
    )
    assert query == {
        "period": "month",
        "community": str(bounded.a.pk),
        "category": "sign",
        "status": "open",
    }
    bad = client.get(reverse("admin:map"), {"period": "decade", "community": bounded.c.pk})
    assert bad.status_code == 200
    text = bad.content.decode()
    assert 'class="errorlist"' in text and "data-hive-map" not in text


def test_staff_map_is_for_staff_who_run_a_community(bounded, client):
    client.force_login(bounded.grid_a)
    response = client.get(reverse("admin:map"))
    assert response.status_code in (302, 403)


def test_my_grid_map(bounded, client):
    _incident(bounded.a1, 37.005, 112.005)
    client.force_login(bounded.grid_a)
    page = client.get(reverse("grids:my_grid")).content.decode()
    assert 'data-hive-map="grid"' in page and "data-map-locate" in page
    assert "112.0" in page.split('id="hive-map-bounds"')[1][:120]


def test_dashboard_heat_panel(bounded, client):
    client.force_login(bounded.staff_a)
    page = client.get(reverse("admin:dashboard"), {"period": "all"}).content.decode()
    assert 'data-hive-map="heat"' in page
    assert reverse("map:heat") in page


def test_map_page_assets_stay_under_budget():
    size = selectors.page_assets_gzip_bytes()
    assert size < selectors.PAGE_BUDGET_BYTES, f"{size / 1024:.1f} KB gzip"


def test_incident_export_as_geojson_has_points_and_no_personal_data(bounded, client):
    mine = _incident(bounded.a1, 37.005, 112.005)
    _incident(bounded.b1, 37.105, 112.105)
    client.force_login(bounded.staff_a)
    url = reverse("admin:grids_incident_export")
    form = client.get(url).content.decode()
    assert "geojson" in form
    response = client.post(url, {"format": "1", "resource": "0", "incidentresource_id": "on"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    body = json.loads(response.content)
    assert [f["properties"]["id"] for f in body["features"]] == [mine.pk]
    assert body["features"][0]["geometry"]["coordinates"] == [112.005, 37.005]
    text = response.content.decode()
    assert "秘密" not in text and "13812345678" not in text and "门口" not in text
    # The spreadsheet is still the first format.
    sheet = client.post(url, {"format": "0", "resource": "0", "incidentresource_id": "on"})
    assert sheet["Content-Type"].startswith("application/vnd.openxml")
