"""The report forms' map pin: the map, the tile settings and the grid outlines are on the
page; without JavaScript the form still works by grid or building."""

import json

import pytest
from django.urls import reverse

from grids.models import Incident

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[102.7, 25.04], [102.71, 25.04], [102.71, 25.05], [102.7, 25.05], [102.7, 25.04]]
    ],
}


def _settings(body):
    return json.loads(
        body.split('id="hive-map-settings" type="application/json">')[1].split("<")[0]
    )


def test_public_report_form_has_the_pin_map(gw, client, settings):
    settings.HIVE_MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    settings.HIVE_MAP_TILE_DATUM = "gcj02"
    gw.a1.boundary = SQUARE
    gw.a1.save()
    body = client.get(reverse("grids:report_new") + "?community=" + gw.a.code).content.decode()
    assert (
        "data-pin-map" in body
        and "grids/pin_map.js" in body
        and "vendor/leaflet/leaflet.js" in body
    )
    assert _settings(body) == {
        "url": "https://tiles.example/{z}/{x}/{y}.png",
        "attribution": "",
        "subdomains": "",
        "maxZoom": 18,
        "datum": "gcj02",
    }
    outlines = json.loads(
        body.split('id="hive-grid-outlines" type="application/json">')[1].split("<")[0]
    )
    assert outlines == [{"name": gw.a1.name, "boundary": SQUARE}]
    assert "<script>" not in body  # CSP: data only as json_script


def test_portal_report_form_has_the_pin_map_and_works_without_it(gw, client):
    client.force_login(gw.grid_a)
    body = client.get(reverse("grids:incident_create")).content.decode()
    assert "data-pin-map" in body and _settings(body)["url"] == ""
    response = client.post(
        reverse("grids:incident_create"),
        {
            "grid": gw.a1.pk,
            "category": "hidden_danger",
            "priority": "normal",
            "location": "3号楼",
            "description": "楼道堆物",
        },
    )
    assert response.status_code == 302
    assert Incident.objects.get().grid == gw.a1
