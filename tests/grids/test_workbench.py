"""The admin home as a workbench (hive.workbench): counts of what waits for the user,
each linking to the list of exactly those rows; the models grouped by task, the
internals in a "System" group for the street administrator only."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from grids import services
from grids.models import Incident
from tests.volunteers.factories import MicroWishFactory

pytestmark = pytest.mark.django_db
S = Incident.Status


def _incident(gw, grid, **kwargs):
    return services.incident_report(
        reporter=grid.member, grid=grid, category="event", location="x", description="y", **kwargs
    )


@pytest.fixture
def work(gw):
    """In community A: two reports to accept, one accepted (to assign), one overdue; one
    report in community B; a wish to review in A."""
    _incident(gw, gw.a1)
    _incident(gw, gw.a2)
    accepted = _incident(gw, gw.a1)
    services.incident_accept(incident=accepted, actor=gw.staff_a)
    late = _incident(gw, gw.a1)
    services.incident_accept(incident=late, actor=gw.staff_a)
    Incident.objects.filter(pk=late.pk).update(
        deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    _incident(gw, gw.b1)
    MicroWishFactory(community=gw.a)
    return gw


def _waiting(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response, {row.todo.key: row for row in response.context["waiting"]}


def test_the_home_counts_what_waits_in_the_users_communities(work, client):
    _response, waiting = _waiting(client, work.staff_a)
    assert waiting["accept"].count == 2
    assert waiting["assign"].count == 2  # the accepted one and the overdue one
    assert waiting["overdue"].count == 1
    assert waiting["verify"].count == 0
    assert waiting["wishes_to_review"].count == 1
    _response, waiting_b = _waiting(client, work.staff_b)
    assert waiting_b["accept"].count == 1
    assert waiting_b["wishes_to_review"].count == 0


def test_every_count_links_to_a_list_of_exactly_the_rows_it_counts(work, client):
    _response, waiting = _waiting(client, work.staff_a)
    assert len(waiting) >= 8
    for row in waiting.values():
        changelist = client.get(row.url)
        assert changelist.status_code == 200, row.url
        assert changelist.context["cl"].result_count == row.count, row.todo.key


def test_the_counts_are_shown_and_the_urgent_one_marked(work, client):
    response, waiting = _waiting(client, work.staff_a)
    html = response.content.decode()
    assert 'data-todo="accept"' in html
    assert waiting["overdue"].todo.urgent
    assert 'class="hive-todo hive-todo-some hive-todo-urgent" data-todo="overdue"' in html
    assert 'class="hive-todo hive-todo-none" data-todo="verify"' in html
    assert f'href="{waiting["assign"].url.replace("&", "&amp;")}"' in html


def test_the_home_costs_the_same_queries_whatever_the_rows(
    gw, client, django_assert_max_num_queries
):
    client.force_login(gw.staff_a)
    client.get(reverse("admin:index"))  # warm the per-process navigation cache
    with django_assert_max_num_queries(16) as empty:
        client.get(reverse("admin:index"))
    for _i in range(5):
        _incident(gw, gw.a1)
        MicroWishFactory(community=gw.a)
    with django_assert_max_num_queries(len(empty.captured_queries)):
        client.get(reverse("admin:index"))


def _groups(response):
    return [app["app_label"] for app in response.context["app_list"]]


def test_models_are_grouped_by_task_and_the_system_group_is_the_street_admins(world, client):
    staff_home, _waiting_rows = _waiting(client, world.staff_a)
    staff_groups = _groups(staff_home)
    assert staff_groups[0] == "group-incidents"
    assert "group-system" not in staff_groups
    incidents = staff_home.context["app_list"][0]
    assert incidents["models"][0]["object_name"] == "Incident"
    staff_models = {
        model["object_name"] for app in staff_home.context["app_list"] for model in app["models"]
    }
    assert {"AccessAttempt", "PeriodicTask", "OutboxMessage"}.isdisjoint(staff_models)

    admin_home, _rows = _waiting(client, world.street_admin)
    assert _groups(admin_home)[-1] == "group-system"
    system = {m["object_name"] for m in admin_home.context["app_list"][-1]["models"]}
    assert {"AccessAttempt", "PeriodicTask", "OutboxMessage"} <= system
    assert "Incident" not in system


def test_the_navigation_on_other_pages_is_grouped_too_and_an_apps_page_keeps_its_app(world, client):
    client.force_login(world.staff_a)
    changelist = client.get(reverse("admin:grids_incident_changelist"))
    sidebar = [app["app_label"] for app in changelist.context["available_apps"]]
    assert sidebar[0] == "group-incidents"
    assert "六小" in changelist.content.decode().split('id="nav-sidebar"')[1][:3000]
    app_page = client.get(reverse("admin:app_list", args=["grids"]))
    assert [app["app_label"] for app in app_page.context["app_list"]] == ["grids"]


def test_only_a_street_admin_or_a_superuser_sees_the_system_group(world):
    from hive.workbench import sees_system

    assert sees_system(world.street_admin)
    assert sees_system(world.superuser)
    assert not sees_system(world.staff_a)
    assert not sees_system(AnonymousUser())
