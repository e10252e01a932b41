"""Calendar periods: months, quarters, half-years and years, with half-open bounds.

A period is [start, end): `start` is its first day and `end` the first day of the next
period, so a moment belongs to it when start <= moment < end, and consecutive periods
neither overlap nor leave a gap.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


def bounds(kind: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period of `kind` containing `day`: (its first day, the next period's first)."""
    months = MONTHS[kind]
    first_month = (day.month - 1) // months * months + 1
    after = first_month + months - 1  # months since January of day.year, 0-based
    return (
        datetime.date(day.year, first_month, 1),
        datetime.date(day.year + after // 12, after % 12 + 1, 1),
    )


def start_at(day: datetime.date) -> datetime.datetime:
    """Local midnight at the start of `day` (aware), for filtering datetimes by period."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def label(kind: str, start: datetime.date) -> str:
    """The period's name for people, in the active language ("2026年第1季度")."""
    if kind == "month":
        return f"{start:%Y-%m}"
    if kind == "quarter":
        return _("%(year)s Q%(quarter)s") % {"year": start.year, "quarter": _quarter(start)}
    if kind == "half_year":
        if start.month <= 6:
            return _("%(year)s first half") % {"year": start.year}
        return _("%(year)s second half") % {"year": start.year}
    return _("%(year)s") % {"year": start.year}


def code(kind: str, start: datetime.date) -> str:
    """The period's stored key, the same in every language ("2026-Q1")."""
    if kind == "month":
        return f"{start:%Y-%m}"
    if kind == "quarter":
        return f"{start.year}-Q{_quarter(start)}"
    if kind == "half_year":
        return f"{start.year}-H{(start.month - 1) // 6 + 1}"
    return str(start.year)


def _quarter(start: datetime.date) -> int:
    return (start.month - 1) // 3 + 1
