"""Geometry: the one place where points and boundaries are checked, converted and tested.

Every door (forms, the API, Open311, the admin's map widget, the boundary import) goes
through these rules. Points and boundaries are stored WGS-84; GCJ-02 input (the datum of
Chinese commercial maps) is converted once, here. Shapely ships GEOS inside its wheel, so
validity and point-in-polygon need no GDAL, GEOS or SpatiaLite on the machine.
"""

import math
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.validation import explain_validity

WGS84 = "wgs84"
GCJ02 = "gcj02"
DATUM_CHOICES = ((WGS84, "WGS-84"), (GCJ02, "GCJ-02"))
SIX_PLACES = Decimal("0.000001")
# Overlap below this area (square degrees, about 1 m² at these latitudes) is a shared edge
# drawn by hand, not two grids claiming one place.
OVERLAP_TOLERANCE = 1e-10


# --- GCJ-02 ----------------------------------------------------------------------------
# The published transform of GB/T "GCJ-02" (国测局坐标): an offset that depends on the
# point, applied inside mainland China's rough bounds only. The inverse has no closed
# form; a few fixed-point iterations bring it within millimetres.

_A = 6378245.0
_EE = 0.00669342162296594323


def _outside_china(latitude: float, longitude: float) -> bool:
    return not (72.004 <= longitude <= 137.8347 and 0.8293 <= latitude <= 55.8271)


def _shift_latitude(x: float, y: float) -> float:
    result = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    result += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    result += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    result += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    return result


def _shift_longitude(x: float, y: float) -> float:
    result = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    result += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    result += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    result += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    return result


def _offset(latitude: float, longitude: float) -> tuple[float, float]:
    x, y = longitude - 105.0, latitude - 35.0
    d_lat = _shift_latitude(x, y)
    d_lng = _shift_longitude(x, y)
    rad = latitude / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return d_lat, d_lng


def wgs84_to_gcj02(latitude: float, longitude: float) -> tuple[float, float]:
    if _outside_china(latitude, longitude):
        return latitude, longitude
    d_lat, d_lng = _offset(latitude, longitude)
    return latitude + d_lat, longitude + d_lng


def gcj02_to_wgs84(latitude: float, longitude: float) -> tuple[float, float]:
    """The WGS-84 point whose GCJ-02 image is the given point (identity outside China)."""
    if _outside_china(latitude, longitude):
        return latitude, longitude
    wgs_lat, wgs_lng = latitude, longitude
    for _round in range(10):
        gcj_lat, gcj_lng = wgs84_to_gcj02(wgs_lat, wgs_lng)
        d_lat, d_lng = gcj_lat - latitude, gcj_lng - longitude
        wgs_lat, wgs_lng = wgs_lat - d_lat, wgs_lng - d_lng
        if abs(d_lat) < 1e-10 and abs(d_lng) < 1e-10:
            break
    return wgs_lat, wgs_lng


def _check_datum(datum: str) -> str:
    if datum not in (WGS84, GCJ02):
        raise ValidationError(
            {"datum": _("Unknown datum: choose WGS-84 or GCJ-02.")}, code="geo_datum"
        )
    return datum


# --- Points -----------------------------------------------------------------------------


def _number(raw: Any, field: str) -> Decimal:
    if isinstance(raw, bool):
        raise ValidationError({field: _("Not a number.")}, code="geo_number")
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Not a number.")}, code="geo_number") from None
    if not value.is_finite():
        raise ValidationError({field: _("Not a number.")}, code="geo_number")
    return value


def _six(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(SIX_PLACES, rounding=ROUND_HALF_UP)


def clean_point(latitude: Any, longitude: Any, *, datum: str = WGS84) -> tuple[Decimal, Decimal]:
    """A point as stored: WGS-84 (latitude, longitude) with six decimals (about 0.1 m).

    Refuses non-numbers and out-of-range values with errors keyed `latitude`/`longitude`;
    a latitude beyond ±90 with a longitude that would fit as one is reported as swapped
    (the order is not guessed: the caller sends it again the right way round)."""
    _check_datum(datum)
    lat = _number(latitude, "latitude")
    lng = _number(longitude, "longitude")
    if abs(lat) > 90 and abs(lat) <= 180 and abs(lng) <= 90:
        raise ValidationError(
            {
                "latitude": _(
                    "Latitude and longitude look swapped: latitude lies between -90 and 90, "
                    "longitude between -180 and 180."
                )
            },
            code="geo_swapped",
        )
    errors = {}
    if abs(lat) > 90:
        errors["latitude"] = _("Latitude lies between -90 and 90.")
    if abs(lng) > 180:
        errors["longitude"] = _("Longitude lies between -180 and 180.")
    if errors:
        raise ValidationError(errors, code="geo_range")
    if datum == GCJ02:
        lat_f, lng_f = gcj02_to_wgs84(float(lat), float(lng))
        return _six(lat_f), _six(lng_f)
    return _six(lat), _six(lng)


# --- Boundaries -------------------------------------------------------------------------


def _error(message: str) -> ValidationError:
    return ValidationError(message, code="geojson")


def _position(position: Any, datum: str) -> list[float]:
    if (
        not isinstance(position, list | tuple)
        or len(position) not in (2, 3)
        or not all(
            isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n)
            for n in position
        )
    ):
        raise _error(_("Each position is [longitude, latitude] within the valid ranges."))
    longitude, latitude = float(position[0]), float(position[1])
    if abs(latitude) > 90 and abs(latitude) <= 180 and abs(longitude) <= 90:
        raise _error(
            _("Latitude and longitude look swapped: GeoJSON positions are [longitude, latitude].")
        )
    if abs(longitude) > 180 or abs(latitude) > 90:
        raise _error(_("Each position is [longitude, latitude] within the valid ranges."))
    if datum == GCJ02:
        latitude, longitude = gcj02_to_wgs84(latitude, longitude)
    return [round(longitude, 6), round(latitude, 6)]


def _rings(rings: Any, datum: str, budget: list[int]) -> list[list[list[float]]]:
    if not isinstance(rings, list) or not rings:
        raise _error(_("A polygon needs at least one ring of positions."))
    cleaned = []
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            raise _error(_("Each ring of a polygon needs at least four positions."))
        budget[0] -= len(ring)
        if budget[0] < 0:
            raise _error(
                _("A boundary has at most %(count)s positions: simplify it.")
                % {"count": settings.HIVE_MAP_MAX_VERTICES}
            )
        # The closing check before any conversion: the file's own first and last positions.
        first, last = ring[0], ring[-1]
        points = [_position(position, datum) for position in ring]
        if list(first[:2]) != list(last[:2]):
            raise _error(_("A polygon ring must end where it starts."))
        points[-1] = list(points[0])
        cleaned.append(points)
    return cleaned


def _plain_words(reason: str) -> str:
    lowered = reason.lower()
    if "self-intersection" in lowered or "ring self-intersection" in lowered:
        return _("The boundary crosses itself: redraw it so that its edges do not cross.")
    if "hole" in lowered or "nested" in lowered:
        return _("A hole of the boundary lies outside it or inside another hole.")
    if "too few points" in lowered:
        return _("Each ring of a polygon needs at least three different positions.")
    return _("The boundary is not a valid polygon.")


def clean_boundary(value: Any, *, datum: str = WGS84) -> dict[str, Any] | None:
    """A boundary as stored in Grid.boundary: a GeoJSON Polygon or MultiPolygon geometry
    (a Feature is unwrapped) in WGS-84, six decimals, rings closed as sent (an unclosed
    ring is an error, never closed silently), at most HIVE_MAP_MAX_VERTICES positions,
    not crossing itself. Empty input is None."""
    _check_datum(datum)
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        raise _error(_("The boundary must be a GeoJSON object."))
    if value.get("type") == "Feature":
        value = value.get("geometry")
        if not isinstance(value, dict):
            raise _error(_("The boundary must be a GeoJSON object."))
    kind = value.get("type")
    coordinates = value.get("coordinates")
    budget = [settings.HIVE_MAP_MAX_VERTICES]
    if kind == "Polygon":
        cleaned: dict[str, Any] = {
            "type": "Polygon",
            "coordinates": _rings(coordinates, datum, budget),
        }
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise _error(_("A polygon needs at least one ring of positions."))
        cleaned = {
            "type": "MultiPolygon",
            "coordinates": [_rings(polygon, datum, budget) for polygon in coordinates],
        }
    else:
        raise _error(_("The boundary must be a GeoJSON Polygon or MultiPolygon."))
    geometry = shape(cleaned)
    if not geometry.is_valid:
        raise _error(_plain_words(explain_validity(geometry)))
    if geometry.area <= 0:
        raise _error(_("The boundary encloses no area."))
    return cleaned


def geometry(boundary: dict[str, Any] | None) -> Polygon | MultiPolygon | None:
    """The shapely geometry of a stored boundary (a Feature is unwrapped), or None."""
    if not boundary:
        return None
    if boundary.get("type") == "Feature":
        boundary = boundary.get("geometry") or {}
    if boundary.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    try:
        result = shape(boundary)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
        return None
    return result if isinstance(result, Polygon | MultiPolygon) else None


def contains(
    boundary: dict[str, Any] | Polygon | MultiPolygon | None, *, longitude: float, latitude: float
) -> bool:
    """Whether the boundary holds the point (a point on an edge counts as inside)."""
    shaped = boundary if isinstance(boundary, Polygon | MultiPolygon) else geometry(boundary)
    if shaped is None:
        return False
    return bool(shapely.intersects_xy(shaped, float(longitude), float(latitude)))


def overlaps(
    boundaries: Iterable[tuple[Any, dict[str, Any] | None]],
) -> list[tuple[Any, Any]]:
    """The pairs of keys whose boundaries share more than a sliver of area (a warning for
    the grids of one community: two grids claiming one place)."""
    shaped = [(key, geometry(boundary)) for key, boundary in boundaries]
    present = [(key, geom) for key, geom in shaped if geom is not None and geom.is_valid]
    if len(present) < 2:
        return []
    tree = shapely.STRtree([geom for _key, geom in present])
    found = []
    for index, (key, geom) in enumerate(present):
        for other in tree.query(geom, predicate="intersects"):
            other = int(other)
            if other <= index:
                continue
            if geom.intersection(present[other][1]).area > OVERLAP_TOLERANCE:
                found.append((key, present[other][0]))
    return found


def bounds(boundaries: Sequence[dict[str, Any] | None]) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the boundaries together, or None."""
    shaped = [geom for geom in (geometry(b) for b in boundaries) if geom is not None]
    if not shaped:
        return None
    west, south, east, north = shapely.total_bounds(shaped)
    return float(west), float(south), float(east), float(north)


def as_geojson(geom: Polygon | MultiPolygon) -> dict[str, Any]:
    return dict(mapping(geom))
