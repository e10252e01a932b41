import datetime

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# Mainland mobile numbers: 11 digits starting 13-19.
mobile_phone_validator = RegexValidator(
    regex=r"^1[3-9]\d{9}$",
    message=_("Enter an 11-digit mainland mobile number, e.g. 13812345678."),
    code="invalid_phone",
)

# The dates Hive accepts from outside (API filters, Open311). Far enough from datetime's
# own limits (years 1 and 9999) that shifting by a window, converting to UTC or storing
# never overflows; offsets beyond ±15:59 are no clock's, and PostgreSQL refuses them
# (ISO 8601 allows two digits of hours, Python's datetime anything under 24 hours).
EARLIEST_DATETIME = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
LATEST_DATETIME = datetime.datetime(3000, 1, 1, tzinfo=datetime.UTC)
MAX_UTC_OFFSET = datetime.timedelta(hours=15, minutes=59)


def validate_date_bounds(value: datetime.date | datetime.datetime) -> None:
    """Refuse a date or datetime outside the years 1900 to 2999, or an aware datetime
    whose offset lies beyond ±15:59 (a ValidationError, a field error in a form)."""
    if isinstance(value, datetime.datetime) and (offset := value.utcoffset()) is not None:
        if abs(offset) > MAX_UTC_OFFSET:
            raise ValidationError(
                _("The time zone offset must lie between -15:59 and +15:59."), code="offset"
            )
        try:
            in_range = EARLIEST_DATETIME <= value.astimezone(datetime.UTC) < LATEST_DATETIME
        except OverflowError:  # e.g. 0001-01-01T00:00:00+08:00 is in year 0 in UTC
            in_range = False
    else:
        in_range = EARLIEST_DATETIME.year <= value.year < LATEST_DATETIME.year
    if not in_range:
        raise ValidationError(
            _("Give a date between the years %(earliest)s and %(latest)s."),
            code="out_of_range",
            params={"earliest": EARLIEST_DATETIME.year, "latest": LATEST_DATETIME.year - 1},
        )
