"""Validators for grid data: mainland ID numbers (GB 11643) and GeoJSON boundaries."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")


def id_number_check_char(first17: str) -> str:
    """The 18th character of a mainland resident ID number (GB 11643-1999, ISO 7064 MOD 11-2)."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper()


def validate_id_number(value: str) -> None:
    """18 characters, a real birth date, and the check character of GB 11643."""
    value = normalise_id_number(value)
    if not _ID_PATTERN.match(value):
        raise ValidationError(
            _("An ID number has 17 digits followed by a digit or X."), code="id_format"
        )
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date inside this ID number does not exist."), code="id_birth_date"
        ) from None
    if birth.year < 1900 or birth > datetime.date.today():
        raise ValidationError(
            _("The birth date inside this ID number does not exist."), code="id_birth_date"
        )
    if id_number_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The check digit of this ID number is wrong: please check each digit."),
            code="id_check_digit",
        )


def _is_position(position) -> bool:
    return (
        isinstance(position, list | tuple)
        and len(position) in (2, 3)
        and all(isinstance(n, int | float) and not isinstance(n, bool) for n in position)
        and -180 <= position[0] <= 180
        and -90 <= position[1] <= 90
    )


def _check_polygon(rings) -> None:
    if not isinstance(rings, list) or not rings:
        raise ValidationError(_("A polygon needs at least one ring of positions."), code="geojson")
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            raise ValidationError(
                _("Each ring of a polygon needs at least four positions."), code="geojson"
            )
        if not all(_is_position(position) for position in ring):
            raise ValidationError(
                _("Each position is [longitude, latitude] within the valid ranges."),
                code="geojson",
            )
        if list(ring[0][:2]) != list(ring[-1][:2]):
            raise ValidationError(_("A polygon ring must end where it starts."), code="geojson")


def validate_geojson_polygon(value) -> None:
    """A GeoJSON Polygon or MultiPolygon geometry (or a Feature wrapping one)."""
    if value in (None, ""):
        return
    if not isinstance(value, dict):
        raise ValidationError(_("The boundary must be a GeoJSON object."), code="geojson")
    if value.get("type") == "Feature":
        value = value.get("geometry")
        if not isinstance(value, dict):
            raise ValidationError(_("The boundary must be a GeoJSON object."), code="geojson")
    kind = value.get("type")
    coordinates = value.get("coordinates")
    if kind == "Polygon":
        _check_polygon(coordinates)
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise ValidationError(
                _("A polygon needs at least one ring of positions."), code="geojson"
            )
        for polygon in coordinates:
            _check_polygon(polygon)
    else:
        raise ValidationError(
            _("The boundary must be a GeoJSON Polygon or MultiPolygon."), code="geojson"
        )
