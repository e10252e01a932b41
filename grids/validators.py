"""Validators for grid data: mainland ID numbers (GB 11643) and GeoJSON boundaries
(delegated to hive.geo, the one rule for geometry)."""

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


def validate_geojson_polygon(value) -> None:
    """A GeoJSON Polygon or MultiPolygon geometry (or a Feature wrapping one), WGS-84: the
    rule of hive.geo.clean_boundary (closed rings, ranges, vertex cap, no self-crossing)."""
    from hive.geo import clean_boundary

    clean_boundary(value)
