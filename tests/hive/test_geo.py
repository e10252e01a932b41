"""hive.geo: the one rule for points and boundaries."""

import math
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from hive import geo


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[102.70, 25.04], [102.71, 25.04], [102.71, 25.05], [102.70, 25.05], [102.70, 25.04]]
    ],
}


def metres(lat1, lng1, lat2, lng2):
    dy = (lat2 - lat1) * 111_320
    dx = (lng2 - lng1) * 111_320 * math.cos(math.radians(lat1))
    return math.hypot(dx, dy)


# Reference conversions WGS-84 → GCJ-02 (Shanghai, Shenzhen, Beijing), as published with the
# open "eviltransform" implementations in several languages.
REFERENCE = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]


@pytest.mark.parametrize(("wlat", "wlng", "glat", "glng"), REFERENCE)
def test_gcj02_reference_points(wlat, wlng, glat, glng):
    lat, lng = geo.wgs84_to_gcj02(wlat, wlng)
    assert metres(lat, lng, glat, glng) < 0.01
    lat, lng = geo.gcj02_to_wgs84(glat, glng)
    assert metres(lat, lng, wlat, wlng) < 1
    point = geo.clean_point(str(glat), str(glng), datum="gcj02")
    assert metres(float(point[0]), float(point[1]), wlat, wlng) < 1


def test_gcj02_is_identity_outside_china():
    assert geo.gcj02_to_wgs84(35.6895, 139.6917) == (35.6895, 139.6917)
    assert geo.clean_point("48.8566", "2.3522", datum="gcj02") == (
        Decimal("48.856600"),
        Decimal("2.352200"),
    )


def test_clean_point_six_decimals():
    assert geo.clean_point(25.0412345678, "102.7") == (Decimal("25.041235"), Decimal("102.700000"))


@pytest.mark.parametrize(
    ("lat", "lng", "field", "words"),
    [
        ("102.7", "25.04", "latitude", "swapped"),
        ("95", "200", "latitude", "between"),
        ("25", "181", "longitude", "between"),
        ("abc", "102", "latitude", "number"),
        ("25", "NaN", "longitude", "number"),
        ("25", "Infinity", "longitude", "number"),
        (True, "102", "latitude", "number"),
    ],
)
def test_clean_point_refuses(lat, lng, field, words):
    with pytest.raises(ValidationError) as caught:
        geo.clean_point(lat, lng)
    assert field in caught.value.message_dict
    assert words in caught.value.message_dict[field][0].lower()


def test_clean_point_refuses_an_unknown_datum():
    with pytest.raises(ValidationError) as caught:
        geo.clean_point("25", "102", datum="bd09")
    assert "datum" in caught.value.message_dict


def test_clean_boundary_accepts_polygon_multipolygon_feature():
    assert geo.clean_boundary(SQUARE) == SQUARE
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]}
    assert geo.clean_boundary(multi) == multi
    feature = {"type": "Feature", "properties": {}, "geometry": SQUARE}
    assert geo.clean_boundary(feature) == SQUARE
    assert geo.clean_boundary(None) is None
    assert geo.clean_boundary("") is None


def test_clean_boundary_converts_gcj02_once():
    cleaned = geo.clean_boundary(SQUARE, datum="gcj02")
    first = cleaned["coordinates"][0][0]
    lat, lng = geo.wgs84_to_gcj02(first[1], first[0])
    assert metres(lat, lng, 25.04, 102.70) < 1
    ring = cleaned["coordinates"][0]
    assert ring[0] == ring[-1]


def _message(value, **kwargs):
    with pytest.raises(ValidationError) as caught:
        geo.clean_boundary(value, **kwargs)
    return " ".join(caught.value.messages)


def test_clean_boundary_refuses_bad_input(settings):
    assert "GeoJSON object" in _message([1, 2])
    assert "Polygon or MultiPolygon" in _message({"type": "Point", "coordinates": [1, 2]})
    assert "at least one ring" in _message({"type": "Polygon", "coordinates": []})
    assert "four positions" in _message({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]})
    unclosed = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}
    assert "end where it starts" in _message(unclosed)
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    assert "crosses itself" in _message(bowtie)
    swapped = {
        "type": "Polygon",
        "coordinates": [[[25.04, 102.70], [25.04, 102.71], [25.05, 102.71], [25.04, 102.70]]],
    }
    assert "swapped" in _message(swapped)
    out = {"type": "Polygon", "coordinates": [[[200, 0], [1, 0], [1, 1], [200, 0]]]}
    assert "valid ranges" in _message(out)
    strings = {"type": "Polygon", "coordinates": [[["a", 0], [1, 0], [1, 1], ["a", 0]]]}
    assert "valid ranges" in _message(strings)
    flat = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}
    assert _message(flat)
    settings.HIVE_MAP_MAX_VERTICES = 10
    ring = [[102.7 + 0.001 * math.cos(i / 6), 25.04 + 0.001 * math.sin(i / 6)] for i in range(20)]
    ring.append(ring[0])
    assert "at most 10 positions" in _message({"type": "Polygon", "coordinates": [ring]})


def test_contains_and_overlaps():
    assert geo.contains(SQUARE, longitude=102.705, latitude=25.045)
    assert not geo.contains(SQUARE, longitude=102.72, latitude=25.045)
    assert not geo.contains(None, longitude=0, latitude=0)
    assert not geo.contains({"type": "Polygon", "coordinates": "junk"}, longitude=0, latitude=0)
    neighbour = {
        "type": "Polygon",
        "coordinates": [
            [[102.71, 25.04], [102.72, 25.04], [102.72, 25.05], [102.71, 25.05], [102.71, 25.04]]
        ],
    }
    overlapping = {
        "type": "Polygon",
        "coordinates": [
            [
                [102.705, 25.04],
                [102.715, 25.04],
                [102.715, 25.05],
                [102.705, 25.05],
                [102.705, 25.04],
            ]
        ],
    }
    assert geo.overlaps([("a", SQUARE), ("b", neighbour)]) == []  # a shared edge only
    assert geo.overlaps([("a", SQUARE), ("b", neighbour), ("c", overlapping)]) == [
        ("a", "c"),
        ("b", "c"),
    ]
    assert geo.overlaps([("a", SQUARE), ("n", None)]) == []
