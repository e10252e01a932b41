"""Change lists that read (hive.ui.admin_lists): open and overdue first, closed last;
a click on a column header still sorts by that column; deadlines flagged in words as well
as colours, with classes and no inline style; the query count stays flat."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from disputes.models import DisputeCase
from grids.models import GridTask, Incident
from hive.ui.admin_lists import DUE_SOON, OVERDUE, deadline_mark, deadline_state, short_text
from partycommittee.models import Responsibility
from tests.disputes.factories import RoomFactory, register
from tests.grids.factories import GridFactory, GridTaskFactory
from tests.partycommittee.factories import ResidentUnitFactory, ResponsibilityFactory
from tests.volunteers.factories import MicroWishFactory, PartyMemberFactory, PointRuleFactory
from volunteers.models import MicroWish, PointAward

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


# --- One row of each list, in community A -------------------------------------------
# "first": open and overdue (a list without deadlines: open and waiting longest);
# "second": open, the deadline later (or waiting less long);
# "last": closed, yet the newest row and, where there is one, the earliest deadline.


def _grid(world):
    grid = getattr(world, "_lists_grid", None)
    if grid is None:
        grid = world._lists_grid = GridFactory(community=world.a, member=world.grid_a)
    return grid


def _incident(world, kind):
    now = timezone.now()
    deadline = {"first": now - 2 * HOUR, "second": now + 3 * DAY, "last": now - 5 * DAY}[kind]
    return Incident.objects.create(
        community=world.a,
        grid=_grid(world),
        category=Incident._meta.get_field("category").choices[0][0],
        location="3号楼东侧",
        description="楼道灯坏了一个星期，晚上老人上下楼看不见，已经有人在楼梯上摔倒了",
        reporter=world.grid_a,
        status=Incident.Status.CLOSED if kind == "last" else Incident.Status.IN_PROGRESS,
        deadline=deadline,
    )


def _grid_task(world, kind):
    today = timezone.localdate()
    return GridTaskFactory(
        grid=_grid(world),
        responsible=world.grid_a,
        deadline={"first": today - 2 * DAY, "second": today + 5 * DAY, "last": today - 9 * DAY}[
            kind
        ],
        status=GridTask.Status.DONE if kind == "last" else GridTask.Status.OPEN,
    )


def _responsibility(world, kind):
    today = timezone.localdate()
    unit = getattr(world, "_lists_unit", None)
    if unit is None:
        unit = world._lists_unit = ResidentUnitFactory(community=world.a)
    return ResponsibilityFactory(
        unit=unit,
        deadline={"first": today - DAY, "second": today + 20 * DAY, "last": today - 9 * DAY}[kind],
        status=Responsibility.Status.DONE if kind == "last" else Responsibility.Status.IN_PROGRESS,
    )


def _aged(row, field, kind, **changes):
    """Date the row by its kind (first the oldest, last the newest), with `changes`."""
    days = {"first": 9, "second": 3, "last": 0}[kind]
    type(row).objects.filter(pk=row.pk).update(
        **{field: timezone.now() - days * DAY - HOUR}, **changes
    )
    return row


def _wish(world, kind):
    status = MicroWish.Status.WITHDRAWN if kind == "last" else MicroWish.Status.PUBLISHED
    return _aged(MicroWishFactory(community=world.a), "created_at", kind, status=status)


def _case(world, kind):
    room = getattr(world, "_lists_room", None)
    if room is None:
        room = world._lists_room = RoomFactory(community=world.a)
    case = register(community=world.a, room=room, actor=world.staff_a)
    status = DisputeCase.Status.WITHDRAWN if kind == "last" else DisputeCase.Status.REGISTERED
    return _aged(case, "registered_at", kind, status=status)


def _award(world, kind):
    member = getattr(world, "_lists_member", None)
    if member is None:
        member = world._lists_member = PartyMemberFactory(community=world.a, user=world.party_a)
        world._lists_rule = PointRuleFactory(community=world.a)
    award = PointAward.objects.create(
        community=world.a,
        member=member,
        rule=world._lists_rule,
        points=5,
        reason="帮助独居老人买菜、打扫卫生，连续三个月每周两次",
        occurred_on=timezone.localdate(),
        requested_by=world.staff_a,
    )
    if kind == "last":
        return _aged(
            award,
            "created_at",
            kind,
            status=PointAward.Status.REJECTED,
            decided_by=world.street_admin,
            decided_at=timezone.now(),
        )
    return _aged(award, "created_at", kind)


# The list, how to make a row, and a column header whose order contradicts the queue's
# (the closed row first): a column and "-" for descending.
LISTS = {
    "incidents": ("admin:grids_incident_changelist", _incident, "created_at", "-"),
    "grid tasks": ("admin:grids_gridtask_changelist", _grid_task, "deadline_column", ""),
    "responsibilities": (
        "admin:partycommittee_responsibility_changelist",
        _responsibility,
        "deadline_column",
        "",
    ),
    "micro-wishes": ("admin:volunteers_microwish_changelist", _wish, "created_at", "-"),
    "dispute cases": ("admin:disputes_disputecase_changelist", _case, "registered_at", "-"),
    "point awards": ("admin:volunteers_pointaward_changelist", _award, "created_at", "-"),
}


def _rows(client, name, params=None):
    response = client.get(reverse(name), params or {})
    assert response.status_code == 200
    return response, [row.pk for row in response.context["cl"].result_list]


@pytest.mark.parametrize("which", LISTS)
def test_open_and_overdue_come_first_and_closed_last(world, client, which):
    name, build, *_ = LISTS[which]
    # Made in the "wrong" order: the closed row is the newest.
    second = build(world, "second")
    first = build(world, "first")
    last = build(world, "last")
    client.force_login(world.staff_a)

    response, ids = _rows(client, name)

    assert ids == [first.pk, second.pk, last.pk]
    # No header claims the queue's order as its own.
    assert response.context["cl"].get_ordering_field_columns() == {}


@pytest.mark.parametrize("which", LISTS)
def test_a_column_header_click_still_sorts_by_that_column(world, client, which):
    name, build, column, direction = LISTS[which]
    second = build(world, "second")
    first = build(world, "first")
    last = build(world, "last")
    client.force_login(world.staff_a)
    index = _rows(client, name)[0].context["cl"].list_display.index(column)

    response, ids = _rows(client, name, {"o": f"{direction}{index}"})

    field = "deadline" if column == "deadline_column" else column
    value = {
        row.pk: getattr(type(row).objects.get(pk=row.pk), field) for row in (first, second, last)
    }
    assert ids == sorted(value, key=value.__getitem__, reverse=bool(direction))
    assert ids[0] == last.pk
    assert response.context["cl"].get_ordering_field_columns() == {
        index: "desc" if direction else "asc"
    }


@pytest.mark.parametrize("which", LISTS)
def test_the_query_count_stays_flat(world, client, which, django_assert_max_num_queries):
    name, build, *_ = LISTS[which]
    kinds = ["first", "second", "last"]
    for kind in kinds:
        build(world, kind)
    client.force_login(world.staff_a)
    url = reverse(name)

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    count()  # warm the per-user caches
    small = count()
    for index in range(33):
        build(world, kinds[index % 3])
    with django_assert_max_num_queries(small):
        count()


def _result_table(page: str) -> str:
    start = page.index('id="result_list"')
    return page[start : page.index("</table>", start)]


def test_incident_list_marks_overdue_and_due_soon_with_words_and_classes(world, client):
    overdue = _incident(world, "first")
    soon = _incident(world, "second")
    Incident.objects.filter(pk=soon.pk).update(deadline=timezone.now() + 2 * HOUR)
    _incident(world, "last")  # closed and past its deadline: no mark
    client.force_login(world.staff_a)

    table = _result_table(_rows(client, "admin:grids_incident_changelist")[0].content.decode())

    assert table.count("hive-due--overdue") == 1
    assert table.count("hive-due--soon") == 1
    assert gettext("Overdue") in table and gettext("Due soon") in table
    assert " style=" not in table
    # The description says what happened, cut to one line with the whole in its tooltip.
    assert f'title="{overdue.description}"' in table
    assert 'class="hive-short"' in table


def test_grid_task_list_marks_a_task_due_today(world, client):
    task = _grid_task(world, "second")
    GridTask.objects.filter(pk=task.pk).update(deadline=timezone.localdate())
    client.force_login(world.staff_a)

    table = _result_table(_rows(client, "admin:grids_gridtask_changelist")[0].content.decode())

    assert "hive-due--soon" in table and "hive-due--overdue" not in table


# --- The helpers on their own ---------------------------------------------------------


def test_deadline_state_of_a_datetime():
    now = timezone.now()
    assert deadline_state(now - HOUR, is_open=True, now=now) == OVERDUE
    assert deadline_state(now + HOUR, is_open=True, now=now) == DUE_SOON
    assert deadline_state(now + 3 * DAY, is_open=True, now=now) is None
    assert deadline_state(now - HOUR, is_open=False, now=now) is None
    assert deadline_state(None, is_open=True, now=now) is None
    # The window is the caller's.
    assert deadline_state(now + 3 * DAY, is_open=True, now=now, due_soon=4 * DAY) == DUE_SOON


def test_deadline_state_of_a_date_ends_with_its_day():
    now = timezone.now()
    today = timezone.localdate(now)
    assert deadline_state(today, is_open=True, now=now) == DUE_SOON
    assert deadline_state(today - DAY, is_open=True, now=now) == OVERDUE
    assert deadline_state(today + 5 * DAY, is_open=True, now=now) is None


def test_deadline_mark_shows_local_time_and_a_word_not_only_a_colour():
    now = timezone.now()
    mark = deadline_mark(now - HOUR, is_open=True, now=now)
    local = timezone.localtime(now - HOUR)
    assert local.strftime("%Y-%m-%d %H:%M") in mark
    assert 'class="hive-due hive-due--overdue"' in mark
    assert gettext("Overdue") in mark
    assert "style=" not in mark
    plain = deadline_mark(now - HOUR, is_open=False, now=now)
    assert "hive-due" not in plain and local.strftime("%Y-%m-%d %H:%M") in plain
    assert deadline_mark(None, is_open=True) is None
    assert re.search(r'datetime="\d{4}-\d\d-\d\d"', deadline_mark(now.date(), is_open=False))


def test_short_text_cuts_long_text_and_keeps_the_whole_in_the_title():
    long = "楼道灯坏了一个星期，晚上老人上下楼看不见，已经有人摔倒"
    cut = short_text(long, length=10)
    assert f'title="{long}"' in cut and long not in cut.replace(f'title="{long}"', "")
    assert short_text("修灯", length=10) == '<span class="hive-short">修灯</span>'
    assert short_text("<b>", length=10) == '<span class="hive-short">&lt;b&gt;</span>'
    assert short_text("", length=10) is None
