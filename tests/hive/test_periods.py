"""Calendar periods: half-open bounds [start, end) and labels in the active language."""

import datetime

import pytest
from django.utils import translation

from hive import periods

D = datetime.date


@pytest.mark.parametrize(
    ("kind", "day", "expected"),
    [
        ("month", D(2026, 1, 1), (D(2026, 1, 1), D(2026, 2, 1))),
        ("month", D(2026, 12, 31), (D(2026, 12, 1), D(2027, 1, 1))),
        ("quarter", D(2026, 3, 31), (D(2026, 1, 1), D(2026, 4, 1))),
        ("quarter", D(2026, 4, 1), (D(2026, 4, 1), D(2026, 7, 1))),
        ("quarter", D(2026, 12, 31), (D(2026, 10, 1), D(2027, 1, 1))),
        ("half_year", D(2026, 6, 30), (D(2026, 1, 1), D(2026, 7, 1))),
        ("half_year", D(2026, 7, 1), (D(2026, 7, 1), D(2027, 1, 1))),
        ("year", D(2026, 1, 1), (D(2026, 1, 1), D(2027, 1, 1))),
        ("year", D(2026, 12, 31), (D(2026, 1, 1), D(2027, 1, 1))),
    ],
)
def test_bounds_are_half_open(kind, day, expected):
    start, end = periods.bounds(kind, day)
    assert (start, end) == expected
    assert start <= day < end
    assert periods.bounds(kind, end)[0] == end  # the next period starts where this one ends
    assert periods.bounds(kind, end - datetime.timedelta(days=1)) == expected


def test_every_day_of_a_year_is_in_exactly_one_quarter():
    day, seen = D(2026, 1, 1), set()
    while day.year == 2026:
        seen.add(periods.bounds("quarter", day))
        day += datetime.timedelta(days=1)
    assert sorted(seen) == [
        (D(2026, 1, 1), D(2026, 4, 1)),
        (D(2026, 4, 1), D(2026, 7, 1)),
        (D(2026, 7, 1), D(2026, 10, 1)),
        (D(2026, 10, 1), D(2027, 1, 1)),
    ]


@pytest.mark.parametrize(
    ("kind", "start", "zh", "en", "code"),
    [
        ("month", D(2026, 3, 1), "2026-03", "2026-03", "2026-03"),
        ("quarter", D(2026, 1, 1), "2026年第1季度", "2026 Q1", "2026-Q1"),
        ("quarter", D(2026, 10, 1), "2026年第4季度", "2026 Q4", "2026-Q4"),
        ("half_year", D(2026, 1, 1), "2026年上半年", "2026 first half", "2026-H1"),
        ("half_year", D(2026, 7, 1), "2026年下半年", "2026 second half", "2026-H2"),
        ("year", D(2026, 1, 1), "2026年", "2026", "2026"),
    ],
)
def test_labels_in_chinese_and_english_and_the_stored_code(kind, start, zh, en, code):
    with translation.override("zh-hans"):
        assert periods.label(kind, start) == zh
        assert periods.code(kind, start) == code
    with translation.override("en"):
        assert periods.label(kind, start) == en
        assert periods.code(kind, start) == code
