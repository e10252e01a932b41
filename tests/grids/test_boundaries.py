"""Drawing a grid's boundary in the admin (the map widget writes GeoJSON into the field,
hive.geo checks it) and importing the boundaries of a community's grids from a file."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from grids import services
from grids.models import Grid
from hive import geo

pytestmark = pytest.mark.django_db


def square(west, south, size=0.01):
    east, north = round(west + size, 6), round(south + size, 6)
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [west, south],
                [east, south],
                [east, north],
                [west, north],
                [west, south],
            ]
        ],
    }


@pytest.fixture(autouse=True)
def _english(client, settings):
    # The language is the visitor's cookie (hive.ops.middleware.LanguageMiddleware).
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _grid_form(grid, boundary, datum="wgs84"):
    return {
        "community": grid.community_id,
        "code": grid.code,
        "name": grid.name,
        "boundary": boundary if isinstance(boundary, str) else json.dumps(boundary),
        "datum": datum,
        "member": grid.member_id or "",
    }


def test_grid_change_page_has_the_map_and_the_other_grids(gw, client):
    gw.a2.boundary = square(102.71, 25.04)
    gw.a2.save()
    gw.b1.boundary = square(103.0, 25.0)
    gw.b1.save()
    client.force_login(gw.staff_a)
    page = client.get(reverse("admin:grids_grid_change", args=[gw.a1.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "data-boundary-map" in body and 'id="hive-map-settings"' in body
    assert "leaflet-geoman.min.js" in body and "boundary_map.js" in body
    others = json.loads(
        body.split('id="id_boundary_others" type="application/json">')[1].split("<")[0]
    )
    assert [other["name"] for other in others] == [str(gw.a2)]  # not B1, not itself
    assert 'name="boundary"' in body  # the textarea stays, usable without JavaScript


def test_saving_a_drawn_boundary_and_the_overlap_warning(gw, client):
    gw.a2.boundary = square(102.705, 25.04)
    gw.a2.save()
    client.force_login(gw.staff_a)
    url = reverse("admin:grids_grid_change", args=[gw.a1.pk])
    response = client.post(url, _grid_form(gw.a1, square(102.70, 25.04)), follow=True)
    assert response.status_code == 200
    gw.a1.refresh_from_db()
    assert gw.a1.boundary == square(102.70, 25.04)
    warnings = [str(m) for m in response.context["messages"]]
    assert any("overlaps" in m and str(gw.a2) in m for m in warnings), warnings


def test_gcj02_boundary_is_converted_once(gw, client):
    client.force_login(gw.staff_a)
    url = reverse("admin:grids_grid_change", args=[gw.a1.pk])
    response = client.post(url, _grid_form(gw.a1, square(102.70, 25.04), datum="gcj02"))
    assert response.status_code == 302
    gw.a1.refresh_from_db()
    lng, lat = gw.a1.boundary["coordinates"][0][0]
    back = geo.wgs84_to_gcj02(lat, lng)
    assert abs(back[0] - 25.04) < 1e-5 and abs(back[1] - 102.70) < 1e-5


@pytest.mark.parametrize(
    ("boundary", "words"),
    [
        ('{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]', ""),  # broken JSON
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
            "end where it starts",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "crosses itself",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[25.0, 102.7], [25.0, 102.8], [25.1, 102.8], [25.0, 102.7]]],
            },
            "swapped",
        ),
    ],
)
def test_bad_boundaries_are_field_errors(gw, client, boundary, words):
    client.force_login(gw.staff_a)
    url = reverse("admin:grids_grid_change", args=[gw.a1.pk])
    response = client.post(url, _grid_form(gw.a1, boundary))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "boundary" in errors
    text = " ".join(errors["boundary"])
    assert words in text or (words == "end where it starts" and "首尾" in text), text
    gw.a1.refresh_from_db()
    assert gw.a1.boundary is None


def test_too_many_vertices(gw, client, settings):
    settings.HIVE_MAP_MAX_VERTICES = 4
    client.force_login(gw.staff_a)
    url = reverse("admin:grids_grid_change", args=[gw.a1.pk])
    response = client.post(url, _grid_form(gw.a1, square(102.7, 25.04)))
    assert "at most 4 positions" in " ".join(response.context["adminform"].form.errors["boundary"])


# --- Import ------------------------------------------------------------------------------


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def feature(code, geometry, name=""):
    return {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry}


def _import(client, community, data, name="grids.geojson", **extra):
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(
        reverse("admin:grids_grid_import_boundaries"),
        {"community": community.pk, "file": upload, "datum": "wgs84", **extra},
    )


def test_import_stores_every_boundary_and_warns_of_overlaps(gw, client):
    client.force_login(gw.staff_a)
    listing = client.get(reverse("admin:grids_grid_changelist"))
    assert reverse("admin:grids_grid_import_boundaries") in listing.content.decode()
    data = collection(
        feature("A1", square(102.70, 25.04)), feature("A2", square(102.705, 25.04), "二网格")
    )
    response = _import(client, gw.a, data)
    assert response.status_code == 200
    assert response.context["result"].stored
    gw.a1.refresh_from_db()
    gw.a2.refresh_from_db()
    assert gw.a1.boundary == square(102.70, 25.04)
    assert gw.a2.boundary == square(102.705, 25.04)
    messages = [str(m) for m in response.context["messages"]]
    assert any("overlap" in m for m in messages), messages


def test_import_check_only_stores_nothing(gw, client):
    client.force_login(gw.staff_a)
    response = _import(
        client, gw.a, collection(feature("A1", square(102.70, 25.04))), check_only="on"
    )
    assert response.status_code == 200
    assert not response.context["result"].stored
    gw.a1.refresh_from_db()
    assert gw.a1.boundary is None


def test_import_all_or_none_with_each_bad_feature_reported(gw, client):
    client.force_login(gw.staff_a)
    unclosed = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}
    data = collection(
        feature("A1", square(102.70, 25.04)),
        feature("Z9", square(102.72, 25.04), "无名"),
        feature("B1", square(102.73, 25.04)),
        feature("A2", unclosed, "二网格"),
    )
    response = _import(client, gw.a, data)
    result = response.context["result"]
    assert not result.stored
    errors = {row.number: row.error for row in result.errors}
    assert set(errors) == {2, 3, 4}
    assert "Z9" in errors[2]
    assert "another community" in errors[3]
    assert "end where it starts" in errors[4] or "首尾" in errors[4]
    assert "二网格" in response.content.decode()
    assert not Grid.objects.filter(boundary__isnull=False).exists()


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"{not json", "x.geojson", "not valid GeoJSON"),
        (b'{"type": "Polygon", "coordinates": []}', "x.geojson", "FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": []}', "x.geojson", "no features"),
        (b"\x89PNG....", "x.png", "GeoJSON"),
        (b"<kml><Document>", "x.kml", "not valid KML"),
        # Nested deeper than Python's JSON reader recurses, yet far under the size cap.
        (b"[" * 200_000, "deep.geojson", "not valid GeoJSON"),
    ],
)
def test_import_refuses_bad_files(gw, client, data, name, words):
    client.force_login(gw.staff_a)
    response = _import(client, gw.a, data, name=name)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert words in " ".join(errors.get("file", [])), errors
    assert not Grid.objects.filter(boundary__isnull=False).exists()


def test_import_refuses_a_huge_file(gw, client, settings):
    settings.HIVE_MAP_MAX_IMPORT_BYTES = 1024
    client.force_login(gw.staff_a)
    response = _import(client, gw.a, b" " * 2048 + collection(feature("A1", square(102.7, 25.0))))
    assert "larger than" in " ".join(response.context["form"].errors["file"])
    assert not Grid.objects.filter(boundary__isnull=False).exists()


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>{name}</name>
<ExtendedData><Data name="code"><value>A1</value></Data></ExtendedData>
<Polygon><outerBoundaryIs><LinearRing><coordinates>
102.70,25.04,0 102.71,25.04,0 102.71,25.05,0 102.70,25.05,0 102.70,25.04,0
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Document></kml>"""


def test_import_kml(gw, client):
    client.force_login(gw.staff_a)
    response = _import(client, gw.a, KML.format(name="一网格").encode(), name="grids.kml")
    assert response.context["result"].stored
    gw.a1.refresh_from_db()
    assert gw.a1.boundary == square(102.70, 25.04)


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&lol3;</name>
</Placemark></Document></kml>"""


def test_import_refuses_an_xml_bomb(gw, client):
    client.force_login(gw.staff_a)
    response = _import(client, gw.a, BOMB.encode(), name="bomb.kml")
    assert response.status_code == 200
    assert "entities" in " ".join(response.context["form"].errors["file"])
    assert not Grid.objects.filter(boundary__isnull=False).exists()


def test_import_is_scoped(gw, client):
    """Staff of community B cannot choose community A; the service refuses it too."""
    client.force_login(gw.staff_b)
    response = _import(client, gw.a, collection(feature("A1", square(102.70, 25.04))))
    assert "community" in response.context["form"].errors
    gw.a1.refresh_from_db()
    assert gw.a1.boundary is None
    from hive.access.authorization import NotAuthorized

    with pytest.raises(NotAuthorized):
        services.boundary_import(
            actor=gw.staff_b, community=gw.a, data=collection(feature("A1", square(1, 1)))
        )
    client.force_login(gw.grid_a)
    assert client.get(reverse("admin:grids_grid_import_boundaries")).status_code in (302, 403)
