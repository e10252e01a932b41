"""Statistics checked against a small data set computed by hand (see DATA)."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.models import DisputeCase
from disputes.selectors import case_statistics
from tests.disputes.factories import RoomFactory, register, step, walk

pytestmark = pytest.mark.django_db

# (key, room, kind, registered on, path, days from registration to closing)
DATA = [
    ("c1", "r1", "noise", date(2026, 1, 5), "agreement-closed", 10),
    ("c2", "r1", "noise", date(2026, 1, 12), "agreement-closed", 20),
    ("c3", "r1", "noise", date(2026, 1, 20), "failed-closed", 40),
    ("c4", "r1", "noise", date(2026, 1, 25), "mediating", None),
    ("c5", "r1", "noise", date(2026, 2, 3), "agreement-closed", 6),
    ("c6", "r1", "family", date(2026, 1, 8), "failed", None),
    ("c7", "r1", "family", date(2026, 1, 9), "withdrawn", None),
    ("c8", "r2", "noise", date(2026, 1, 15), "followed_up", None),
]

# By hand, per month:
#   2026-01 r1 family: received 2 (c6, c7), agreements 0, failed 1 (c6) → 0 %, no closed case
#   2026-01 r1 noise:  received 4, agreements 2 (c1, c2), failed 1 (c3) → 66.7 %,
#                      median of 10, 20, 40 days = 20
#   2026-01 r2 noise:  received 1, agreements 1 (c8) → 100 %, no closed case
#   2026-02 r1 noise:  received 1, agreements 1 (c5) → 100 %, median 6
#   totals: received 8, agreements 4, failed 2 → 66.7 %, median of 6, 10, 20, 40 = 15
EXPECTED_MONTH = [
    ("2026-01", "r1", "family", 2, 0, 1, 0.0, None),
    ("2026-01", "r1", "noise", 4, 2, 1, 66.7, 20.0),
    ("2026-01", "r2", "noise", 1, 1, 0, 100.0, None),
    ("2026-02", "r1", "noise", 1, 1, 0, 100.0, 6.0),
]
EXPECTED_TOTALS = {
    "received": 8,
    "agreements": 4,
    "failed": 2,
    "closed": 4,
    "success_rate": 66.7,
    "median_days": 15.0,
}
# Per year: r1 noise gathers c1–c5: received 5, agreements 3, failed 1 → 75 %, median 15.
EXPECTED_YEAR = [
    ("2026年", "r1", "family", 2, 0, 1, 0.0, None),
    ("2026年", "r1", "noise", 5, 3, 1, 75.0, 15.0),
    ("2026年", "r2", "noise", 1, 1, 0, 100.0, None),
]


@pytest.fixture
def dataset(world, med_a):
    rooms = {
        "r1": RoomFactory(community=world.a, name="蜂音会客室"),
        "r2": RoomFactory(community=world.a, name="枫桥之家"),
    }
    cases = {}
    for key, room, kind, registered_on, path, days in DATA:
        registered_at = timezone.make_aware(datetime.combine(registered_on, datetime.min.time()))
        registered_at += timedelta(hours=10)
        case = register(
            community=world.a,
            room=rooms[room],
            actor=world.staff_a,
            mediators=[med_a],
            kind=kind,
            registered_at=registered_at,
        )
        if path == "agreement-closed":
            walk(case, "closed", actor=world.staff_a)
        elif path == "failed-closed":
            walk(case, "failed", actor=world.staff_a)
            step(case, "referred", actor=world.staff_a)
            step(case, "closed", actor=world.staff_a)
        elif path == "withdrawn":
            services.case_withdraw(case=case, actor=world.staff_a, reason="撤回")
        else:
            walk(case, path, actor=world.staff_a)
        if days is not None:
            DisputeCase.objects.filter(pk=case.pk).update(
                closed_at=registered_at + timedelta(days=days)
            )
        cases[key] = case
    return rooms, cases


def as_tuples(stats, rooms):
    names = {room.pk: key for key, room in rooms.items()}
    return [
        (
            row["period_label"],
            names[row["room"]],
            row["kind"],
            row["received"],
            row["agreements"],
            row["failed"],
            row["success_rate"],
            row["median_days"],
        )
        for row in stats["rows"]
    ]


def test_statistics_per_month_match_the_hand_computed_figures(dataset):
    rooms, _cases = dataset
    stats = case_statistics(DisputeCase.objects.all(), period="month")
    assert as_tuples(stats, rooms) == EXPECTED_MONTH
    assert stats["totals"] == EXPECTED_TOTALS


def test_statistics_per_year(dataset):
    rooms, _cases = dataset
    stats = case_statistics(DisputeCase.objects.all(), period="year")
    assert as_tuples(stats, rooms) == EXPECTED_YEAR
    assert stats["totals"] == EXPECTED_TOTALS


def test_statistics_in_the_api_with_filters(world, api_client, dataset):
    rooms, _cases = dataset
    api_client.force_login(world.staff_a)
    body = api_client.get("/api/dispute-cases/statistics/?period=month").json()
    assert as_tuples(body, rooms) == EXPECTED_MONTH
    assert body["totals"] == EXPECTED_TOTALS
    body = api_client.get(f"/api/dispute-cases/statistics/?period=year&room={rooms['r2'].pk}")
    assert as_tuples(body.json(), rooms) == [EXPECTED_YEAR[2]]
    body = api_client.get("/api/dispute-cases/statistics/?registered_after=2026-02-01").json()
    assert as_tuples(body, rooms) == [EXPECTED_MONTH[3]]
    bad = api_client.get("/api/dispute-cases/statistics/?period=decade")
    assert bad.status_code == 400 and "period" in bad.json()
    # Another community's staff see none of it.
    api_client.force_login(world.staff_b)
    assert api_client.get("/api/dispute-cases/statistics/").json()["totals"]["received"] == 0


def test_statistics_page_for_staff(world, client, dataset):
    client.force_login(world.staff_a)
    url = reverse("admin:disputes_disputecase_statistics")
    page = client.get(url, {"period": "month"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "66.7%" in html and "20.0" in html and "15.0" in html
    assert client.get(url, {"kind": "family"}).context["stats"]["totals"]["received"] == 2
    client.force_login(world.staff_b)
    assert client.get(url).context["stats"]["totals"]["received"] == 0
    client.force_login(world.mediator_a)
    assert client.get(url).status_code == 302  # not an admin user: to the login page
