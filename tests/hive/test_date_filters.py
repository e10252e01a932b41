"""Issue 23, item 9: every date and datetime filter of the API refuses years outside
1900-2999 and time zone offsets beyond ±15:59 with a field error (a 400), instead of
passing them to the database (PostgreSQL refuses such an offset; a datetime near year 1
or 9999 overflows in UTC: both were 500s). The filters are found from the router, so a
new one is covered without a line here."""

import pytest
from django import forms
from django.urls import resolve
from django.utils.translation import gettext

import config.urls  # noqa: F401 (each app's api module registers its viewsets there)
from hive.api import router
from hive.ui.filters import BoundedDateField, BoundedIsoDateTimeField

pytestmark = pytest.mark.django_db


def date_filters():
    """(list URL, filter name, is a datetime) for every date filter of a routed viewset."""
    found = []
    for prefix, viewset, _basename in router.registry:
        filterset_class = getattr(viewset, "filterset_class", None)
        if filterset_class is None:
            continue
        for name, item in filterset_class.base_filters.items():
            field_class = item.field_class
            if issubclass(field_class, (forms.DateField, forms.DateTimeField)):
                is_datetime = issubclass(field_class, forms.DateTimeField)
                found.append((f"/api/{prefix}/", name, is_datetime, field_class))
    return found


DATE_FILTERS = date_filters()


def test_the_api_has_its_date_filters():
    # Eleven lists, each with a pair (since/until, …_after/…_before …) when this was written.
    assert len({(url, name) for url, name, *_rest in DATE_FILTERS}) >= 22


@pytest.mark.parametrize(("url", "name", "is_datetime", "field_class"), DATE_FILTERS)
def test_every_date_filter_is_bounded(url, name, is_datetime, field_class):
    assert issubclass(field_class, (BoundedDateField, BoundedIsoDateTimeField)), (
        f"{url}?{name}: use hive.ui.filters.DateFilter / IsoDateTimeFilter"
    )


OFFSET = gettext("The time zone offset must lie between -15:59 and +15:59.")
YEARS = gettext("Give a date between the years %(earliest)s and %(latest)s.") % {
    "earliest": 1900,
    "latest": 2999,
}


@pytest.mark.parametrize(("url", "name", "is_datetime", "field_class"), DATE_FILTERS)
def test_out_of_range_dates_are_a_field_error(client, world, url, name, is_datetime, field_class):
    client.force_login(world.staff_a)
    assert resolve(url)  # the list exists
    cases = [("0001-01-01", YEARS), ("9999-12-31", YEARS)]
    if is_datetime:
        cases += [
            ("2026-01-01T00:00:00+23:00", OFFSET),
            ("0001-01-01T00:00:00+08:00", YEARS),
            ("9999-12-31T23:59:59-15:00", YEARS),
        ]
    for value, message in cases:
        response = client.get(url, {name: value})
        assert response.status_code == 400, (url, name, value, response.content[:200])
        assert response.json() == {name: [message]}
    # In range: accepted.
    response = client.get(url, {name: "2026-01-01T08:00:00+08:00" if is_datetime else "2026-01-01"})
    assert response.status_code == 200
