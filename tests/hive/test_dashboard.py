"""The staff dashboard: who sees it, its figures against a hand-made data set, the filters,
the links behind every figure, the query count and the cache."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disputes.models import DisputeCase
from grids.models import Incident
from hive.dashboard import dashboard_invalidate
from hive.models import Community
from partycommittee.evaluations.models import CommunityResult, EvaluationRound, UnitResult
from partycommittee.models import Project, Responsibility
from tests.disputes.factories import RoomFactory, mediator_for, register
from tests.disputes.factories import walk as walk_case
from tests.factories import UserFactory
from tests.grids.factories import GridFactory
from tests.partycommittee.factories import (
    ProjectFactory,
    ResidentUnitFactory,
    ResponsibilityFactory,
)
from tests.volunteers.factories import (
    ActivityFactory,
    MicroWishFactory,
    PartyMemberFactory,
    PointRuleFactory,
    started,
)
from tests.volunteers.factories import (
    walk as walk_wish,
)
from volunteers.models import Activity, SignUp, StarRating
from volunteers.services.points import points_award

URL = "/admin/dashboard/"
S = Incident.Status


@pytest.fixture(autouse=True)
def own_cache(settings):
    # A key prefix of its own gives each test an empty cache (not cache.clear(): on Redis
    # that is FLUSHDB, shared with the broker).
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"dash-test-{uuid.uuid4().hex}"
    settings.CACHES = caches


def _ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def incident(grid, *, category="dispute", status=S.REPORTED, deadline=None, reporter, **extra):
    row = Incident.objects.create(
        community=grid.community,
        grid=grid,
        category=category,
        status=status,
        location="3号楼",
        description="楼道堆物",
        reporter=reporter,
        deadline=deadline,
        **extra,
    )
    return row


def cold():
    """Forget every community's cached figures."""
    for pk in Community.objects.values_list("pk", flat=True):
        dashboard_invalidate(community_id=pk)


class Data:
    """A small street: community A with a bit of everything, B with a little, and C (of
    another street) that nobody here may see."""

    def __init__(self, world):
        w = world
        self.world = w
        self.grid_a1 = GridFactory(community=w.a, code="A1", name="一网格")
        self.grid_a2 = GridFactory(community=w.a, code="A2", name="二网格")
        self.grid_b1 = GridFactory(community=w.b, code="B1", name="北网格")
        self.grid_c1 = GridFactory(community=w.c, code="C1", name="外网格")
        r = w.grid_a
        # A: two disputes in A1 (one overdue now), one closed after its deadline (late),
        # one hidden danger in A2; one demand reported last year (outside "this year").
        incident(self.grid_a1, deadline=_ago(1), reporter=r)
        incident(self.grid_a1, status=S.ACCEPTED, deadline=_ago(-3), reporter=r)
        incident(
            self.grid_a1,
            category="hidden_danger",
            status=S.CLOSED,
            deadline=_ago(3),
            closed_at=_ago(2),
            reporter=r,
        )
        incident(self.grid_a2, category="hidden_danger", status=S.CLOSED, reporter=r)
        old = incident(self.grid_a2, category="demand", reporter=r, deadline=_ago(390))
        Incident.objects.filter(pk=old.pk).update(created_at=_ago(400))
        # B: two small events; C: one.
        incident(self.grid_b1, category="event", reporter=w.staff_b)
        incident(self.grid_b1, category="event", reporter=w.staff_b, deadline=_ago(1))
        incident(self.grid_c1, category="event", reporter=w.staff_c)

        # Mediation in A: one agreement, one failure, one just registered; B: one.
        self.room_a = RoomFactory(community=w.a, name="蜂音会客室")
        self.room_b = RoomFactory(community=w.b, name="枫桥之家")
        mediators = [mediator_for(w.mediator_a, community=w.a)]
        for target in ["agreement_reached", "failed"]:
            case = register(community=w.a, room=self.room_a, actor=w.staff_a, mediators=mediators)
            walk_case(case, target, actor=w.staff_a)
        register(community=w.a, room=self.room_a, actor=w.staff_a)
        register(community=w.b, room=self.room_b, actor=w.staff_b)

        # Micro-wishes in A: one confirmed (fulfilled two days after it came in), one
        # published, one submitted; B: one submitted.
        done = walk_wish(MicroWishFactory(community=w.a), "confirmed", world=w)
        type(done).objects.filter(pk=done.pk).update(created_at=done.fulfilled_at - _days(2))
        walk_wish(MicroWishFactory(community=w.a), "published", world=w)
        MicroWishFactory(community=w.a)
        MicroWishFactory(community=w.b)

        # Four lists in A: two projects just solicited, one in progress; one responsibility
        # past its deadline, one done late (not overdue), one due later.
        ProjectFactory(community=w.a)
        ProjectFactory(community=w.a)
        ProjectFactory(community=w.a, status=Project.Status.IN_PROGRESS)
        ProjectFactory(community=w.b)
        self.unit_a = ResidentUnitFactory(community=w.a, name="矿区法院")
        self.unit_a2 = ResidentUnitFactory(community=w.a, name="工商银行")
        today = timezone.localdate()
        ResponsibilityFactory(unit=self.unit_a, deadline=today - datetime.timedelta(days=1))
        ResponsibilityFactory(
            unit=self.unit_a,
            deadline=today - datetime.timedelta(days=5),
            status=Responsibility.Status.DONE,
        )
        ResponsibilityFactory(unit=self.unit_a)

        # Three-double: A's computed round, the community scored 88.5.
        self.round = EvaluationRound.objects.create(
            community=w.a,
            period_kind="quarter",
            period_start=today.replace(day=1) - datetime.timedelta(days=90),
            period_end=today.replace(day=1) - datetime.timedelta(days=1),
            opens_at=_ago(30),
            deadline=_ago(20),
            status=EvaluationRound.Status.CLOSED,
            results_computed_at=_ago(19),
        )
        CommunityResult.objects.create(
            round=self.round, score=Decimal("88.50"), unit_mean_score=Decimal("80.00")
        )
        UnitResult.objects.create(
            round=self.round, unit=self.unit_a, score=Decimal("91.00"), rank=1
        )
        UnitResult.objects.create(
            round=self.round, unit=self.unit_a2, score=Decimal("70.00"), rank=2
        )

        # Points and stars in A: 5 + 3 points this year; ratings 3★ and 5★ for 2026-Q1.
        member = PartyMemberFactory(community=w.a, user=w.party_a)
        member2 = PartyMemberFactory(community=w.a, user=UserFactory(username="party_x"))
        rule = PointRuleFactory(community=w.a, points=5)
        points_award(rule=rule, member=member, reason="服务", awarded_at=timezone.now())
        points_award(rule=rule, member=member2, reason="服务", awarded_at=timezone.now(), points=3)
        for m, stars in [(member, 3), (member2, 5)]:
            StarRating.objects.create(
                community=w.a,
                member=m,
                period_start=datetime.date(2026, 1, 1),
                period_end=datetime.date(2026, 4, 1),
                period_label="2026-Q1",
                score=100,
                stars=stars,
            )

        # Service in A: one completed activity, two attended for 2.5 hours, one absent.
        activity = started(ActivityFactory(community=w.a), hours_ago=3)
        for user, attended in [(w.party_a, True), (w.unit_rep_a, True), (w.grid_a, False)]:
            SignUp.objects.create(
                activity=activity,
                user=user,
                attended=attended,
                hours=Decimal("2.5") if attended else 0,
            )
        Activity.objects.filter(pk=activity.pk).update(status=Activity.Status.COMPLETED)
        cold()


def _days(n):
    return datetime.timedelta(days=n)


@pytest.fixture
def data(world):
    return Data(world)


def figures(response) -> dict[str, list]:
    """{row key: [value per column (+ total)]} from the page the view rendered."""
    page = response.context["page"]
    return {
        row.key: [cell.value for cell in row.cells]
        for section in page["sections"]
        for row in section["rows"]
    }


def columns(response) -> list[str]:
    return [c.name for c in response.context["page"]["columns"]]


# --- Who sees what -----------------------------------------------------------------------


def test_staff_sees_only_their_community(client, data):
    client.force_login(data.world.staff_a)
    response = client.get(URL)
    assert response.status_code == 200
    assert columns(response) == ["虎尾沟社区"]
    assert "新泽苑社区" not in response.content.decode()
    assert figures(response)["incidents"] == [4]


def test_street_admin_sees_every_community_of_the_street_side_by_side(client, data):
    client.force_login(data.world.street_admin)
    response = client.get(URL)
    assert response.status_code == 200
    assert sorted(columns(response)) == sorted(["虎尾沟社区", "新泽苑社区"])  # not C
    # A, B and the street's total.
    a_first = columns(response)[0] == "虎尾沟社区"
    assert figures(response)["incidents"] == ([4, 2, 6] if a_first else [2, 4, 6])
    assert figures(response)["cases"] == ([3, 1, 4] if a_first else [1, 3, 4])


@pytest.mark.parametrize("who", ["grid_a", "unit_rep_a", "party_a", "mediator_a"])
def test_portal_roles_are_sent_to_the_admin_login(client, data, who):
    client.force_login(data.world.user(who))
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_staff_flag_without_a_staff_role_is_refused(client, world):
    client.force_login(UserFactory(username="flag_only", is_staff=True))
    assert client.get(URL).status_code == 403


def test_the_admin_index_links_to_the_dashboard(client, world):
    client.force_login(world.staff_a)
    assert reverse("admin:dashboard") in client.get("/admin/").content.decode()


# --- The figures ---------------------------------------------------------------------------


def test_figures_match_the_hand_made_data(client, data):
    client.force_login(data.world.staff_a)
    f = figures(client.get(URL))
    assert f["category-dispute"] == [2]
    assert f["category-hidden_danger"] == [2]
    assert f["category-demand"] == [0]  # reported last year
    assert f["status-reported"] == [1]
    assert f["status-closed"] == [2]
    # The open dispute past its deadline, and last year's demand (overdue whatever the period).
    assert f["overdue"] == [2]
    assert f["late"] == [2]  # the overdue dispute and the hidden danger closed late
    assert f["cases"] == [3]
    assert f["agreements"] == [1]
    assert f["failed"] == [1]
    assert f["success_rate"] == [50.0]
    assert f["wishes-submitted"] == [3]
    assert f["wishes-published"] == [2]
    assert f["wishes-claimed"] == [1]
    assert f["wishes-fulfilled"] == [1]
    assert f["wishes-confirmed"] == [1]
    assert f["wishes-median"] == [2.0]
    assert f["project-solicited"] == [2]
    assert f["project-in_progress"] == [1]
    assert f["responsibilities-overdue"] == [1]
    assert f["points"] == [8]
    assert f["stars-period"] == ["2026-Q1"]
    assert f["stars-3"] == [1]
    assert f["stars-5"] == [1]
    assert f["stars-1"] == [0]
    assert f["hours"] == [Decimal("5.0")]
    assert f["attendances"] == [2]
    assert f["activities"] == [1]


def test_latest_three_double_results_and_grids(client, data):
    client.force_login(data.world.staff_a)
    response = client.get(URL)
    block = response.context["page"]["blocks"][0]
    assert block["evaluation"]["score"] == Decimal("88.50")
    assert [u["name"] for u in block["evaluation"]["top_units"]] == ["矿区法院", "工商银行"]
    assert client.get(block["evaluation"]["url"]).status_code == 200
    assert [(g["name"], g["count"]) for g in block["grids"]] == [("A1 一网格", 3), ("A2 二网格", 1)]


def test_period_filter(client, data):
    client.force_login(data.world.staff_a)
    assert figures(client.get(URL, {"period": "all"}))["incidents"] == [5]
    assert figures(client.get(URL, {"period": "year"}))["incidents"] == [4]
    assert figures(client.get(URL, {"period": "all"}))["category-demand"] == [1]


def test_community_filter(client, data):
    client.force_login(data.world.street_admin)
    response = client.get(URL, {"community": data.world.b.pk})
    assert columns(response) == ["新泽苑社区"]
    assert figures(response)["incidents"] == [2]
    assert response.context["page"]["with_total"] is False


def test_staff_cannot_filter_to_another_community(client, data):
    # One community: no community filter at all; asking for B still shows A only.
    client.force_login(data.world.staff_a)
    response = client.get(URL, {"community": data.world.b.pk})
    assert response.status_code == 200
    assert columns(response) == ["虎尾沟社区"]
    assert "community" not in response.context["form"].fields


def test_street_admin_cannot_filter_to_another_streets_community(client, data):
    client.force_login(data.world.street_admin)
    response = client.get(URL, {"community": data.world.c.pk})
    assert response.status_code == 200
    assert columns(response) == []
    assert "community" in response.context["form"].errors
    assert "外街社区" not in response.content.decode()


def test_the_period_select_shows_the_period_shown(client, data):
    client.force_login(data.world.staff_a)
    body = client.get(URL).content.decode()
    assert '<option value="year" selected>' in body


def test_charts_carry_the_links_and_no_inline_script(client, data):
    client.force_login(data.world.street_admin)
    response = client.get(URL)
    charts = response.context["page"]["charts"]
    series = charts["categories"]["series"]
    assert [s["name"] for s in series] == columns(response)
    point = series[columns(response).index("虎尾沟社区")]["data"][0]
    assert point["value"] == 2 and "category__exact=dispute" in point["url"]
    body = response.content.decode()
    assert 'id="dashboard-chart-data"' in body
    assert "echarts.min.js" in body
    assert "<script>" not in body  # data through json_script, code in static files


# --- Every figure links to the list it counts ----------------------------------------------

# Rows whose figure is not the number of rows of its list.
NOT_A_COUNT = {"success_rate", "wishes-median", "points", "hours", "attendances", "stars-period"}


@pytest.mark.parametrize("period", ["year", "all"])
def test_every_link_opens_its_list_and_counts_the_figure(client, data, period):
    client.force_login(data.world.street_admin)
    response = client.get(URL, {"period": period})
    page = response.context["page"]
    checked = 0
    for section in page["sections"]:
        for row in section["rows"]:
            for cell in row.cells:
                if cell.url is None:
                    continue
                target = client.get(cell.url)
                assert target.status_code == 200, (row.key, cell.url)
                if row.key in NOT_A_COUNT or "cl" not in target.context:
                    continue
                assert target.context["cl"].result_count == cell.value, (row.key, cell.url)
                checked += 1
    assert checked > 80
    for chart in page["charts"].values():
        for series in chart["series"]:
            for point in series["data"]:
                if point["url"] is None:  # stars of a community never rated
                    continue
                target = client.get(point["url"])
                assert target.status_code == 200, point["url"]
                assert target.context["cl"].result_count == point["value"], point["url"]


def test_sum_figures_match_their_lists(client, data):
    client.force_login(data.world.staff_a)
    response = client.get(URL)
    rows = {row.key: row for s in response.context["page"]["sections"] for row in s["rows"]}
    points = client.get(rows["points"].cells[0].url).context["cl"]
    assert points.queryset.aggregate(total=Sum("points"))["total"] == 8
    activities = client.get(rows["hours"].cells[0].url).context["cl"]
    hours = SignUp.objects.filter(activity__in=activities.queryset, attended=True)
    assert hours.aggregate(total=Sum("hours"))["total"] == Decimal("5.0")


# --- Query count and cache --------------------------------------------------------------------


def _more(data, n):
    w = data.world
    for i in range(n):
        grid = GridFactory(community=w.a if i % 2 else w.b, code=f"X{i}", name=f"加{i}")
        incident(grid, category="sign", reporter=w.grid_a, deadline=_ago(1))
        MicroWishFactory(community=grid.community)
        ProjectFactory(community=grid.community)
        register(
            community=grid.community,
            room=data.room_a if i % 2 else data.room_b,
            actor=w.staff_a if i % 2 else w.staff_b,
        )
    cold()


def test_constant_number_of_queries_at_two_data_sizes(client, data, django_assert_max_num_queries):
    client.force_login(data.world.street_admin)
    client.get(URL)  # the session and the user's scope, warmed like any later request
    cold()
    with django_assert_max_num_queries(22):
        assert client.get(URL).status_code == 200
    _more(data, 12)
    with django_assert_max_num_queries(22):
        response = client.get(URL)
    assert figures(response)["incidents"][2] == 6 + 12


FIGURE_TABLES = ["grids_incident", "disputes_disputecase", "volunteers_microwish"]


def _reads_figures(queries) -> bool:
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    return any(table in sql for table in FIGURE_TABLES)


def test_cached_page_reads_no_figures_from_the_database(client, data):
    client.force_login(data.world.street_admin)
    client.get(URL)
    cold()
    with CaptureQueriesContext(connection) as first:
        client.get(URL)
    with CaptureQueriesContext(connection) as second:
        client.get(URL)
    assert _reads_figures(first)
    assert not _reads_figures(second)
    assert len(second) <= len(first) - 10


@pytest.mark.parametrize(
    "write",
    [
        lambda d: incident(d.grid_a1, reporter=d.world.grid_a),
        lambda d: register(community=d.world.a, room=d.room_a, actor=d.world.staff_a),
        lambda d: MicroWishFactory(community=d.world.a),
        lambda d: ProjectFactory(community=d.world.a),
    ],
    ids=["incident", "case", "wish", "project"],
)
def test_a_write_invalidates_the_cached_figures(client, data, write):
    client.force_login(data.world.staff_a)
    before = figures(client.get(URL))
    write(data)
    after = figures(client.get(URL))
    assert before != after


def test_changing_a_status_invalidates(client, data):
    client.force_login(data.world.staff_a)
    assert figures(client.get(URL))["status-reported"] == [1]
    row = Incident.objects.get(grid=data.grid_a1, status=S.REPORTED)
    row.status = S.ACCEPTED
    row.save(update_fields=["status"])
    assert figures(client.get(URL))["status-reported"] == [0]


def test_another_communitys_write_keeps_this_cache(client, data):
    client.force_login(data.world.staff_a)
    client.get(URL)
    incident(data.grid_b1, reporter=data.world.staff_b)
    with CaptureQueriesContext(connection) as queries:
        client.get(URL)
    assert not _reads_figures(queries)


def test_dispute_cases_are_counted_as_the_statistics_page_counts_them(client, data):
    from disputes.selectors import case_statistics

    client.force_login(data.world.staff_a)
    f = figures(client.get(URL, {"period": "all"}))
    totals = case_statistics(DisputeCase.objects.filter(community=data.world.a))["totals"]
    assert [totals["received"], totals["agreements"], totals["failed"]] == [
        f["cases"][0],
        f["agreements"][0],
        f["failed"][0],
    ]
    assert totals["success_rate"] == f["success_rate"][0]


def test_the_warm_up_fills_the_cache_so_visitors_read_no_figures(client, data):
    from hive.dashboard import dashboard_warm

    client.force_login(data.world.street_admin)
    cold()
    stored = dashboard_warm()
    assert stored == 4 * Community.objects.count()  # every period of every community
    for period in ("month", "quarter", "year", "all"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL, {"period": period}).status_code == 200
        assert not _reads_figures(queries), period


def test_a_burst_of_writes_sends_one_warm_up_after_commit(
    data, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from hive import tasks

    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent = []
    monkeypatch.setattr(tasks.warm_dashboard, "apply_async", lambda **kwargs: sent.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            incident(data.grid_a1, reporter=data.world.grid_a)
        assert sent == []  # nothing before the commit
    assert len(sent) == 1
    assert sent[0]["kwargs"] == {"community_ids": [data.world.a.pk]}
    # The task clears the flag when it starts: the next write sends again.
    tasks.warm_dashboard.run(community_ids=[data.world.a.pk])
    with django_capture_on_commit_callbacks(execute=True):
        incident(data.grid_a1, reporter=data.world.grid_a)
    assert len(sent) == 2


def test_eager_mode_does_not_warm_up_inside_the_request(
    data, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from hive import tasks

    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(
        tasks.warm_dashboard, "apply_async", lambda **kwargs: pytest.fail("sent in eager mode")
    )
    with django_capture_on_commit_callbacks(execute=True):
        incident(data.grid_a1, reporter=data.world.grid_a)
