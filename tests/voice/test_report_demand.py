"""A resident's own report (随手拍) turned into a demand of the demand list in one step,
with the link both ways (voice.services.report_to_demand), through the service and the
admin action on the reports' list."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from partycommittee.models import DemandItem
from voice import services

pytestmark = pytest.mark.django_db


def _resident_report(world):
    from grids import services as grid_services
    from tests.grids.factories import GridFactory

    grid = GridFactory(community=world.a, code="VA1", member=world.grid_a)
    incident, _created = grid_services.incident_report_by_resident(
        community=world.a,
        category="demand",
        description="广场的长椅坏了，老人没处歇脚。电话13812345678",
        contact_name="刘阿姨",
        contact_phone="13812345678",
        grid=grid,
    )
    return incident.resident_report


def test_a_residents_report_becomes_a_demand_with_the_link_both_ways(world):
    report = _resident_report(world)
    link = services.report_to_demand(
        report=report, actor=world.staff_a, category=DemandItem.Category.FACILITIES
    )
    demand = link.demand
    assert demand.community == world.a and demand.source == DemandItem.Source.RESIDENTS
    assert "长椅" in demand.title and "13812345678" not in demand.title + demand.description
    assert "刘阿姨" not in demand.title + demand.description + demand.raised_by
    assert report.demand_link.demand == demand and list(demand.report_links.all()) == [link]
    report.incident.refresh_from_db()
    assert report.incident.status == "reported"  # the incident goes on as it was
    with pytest.raises(ValidationError):
        services.report_to_demand(
            report=report, actor=world.staff_a, category=DemandItem.Category.FACILITIES
        )
    assert DemandItem.objects.count() == 1


def test_only_staff_of_the_community_turn_a_report_into_a_demand(world):
    report = _resident_report(world)
    with pytest.raises(PermissionDenied):
        services.report_to_demand(
            report=report, actor=world.staff_b, category=DemandItem.Category.FACILITIES
        )
    with pytest.raises(ValidationError):
        services.report_to_demand(report=report, actor=world.staff_a, category="nonsense")
    assert not DemandItem.objects.exists()


def test_the_action_on_the_reports_list_and_the_demands_page_show_the_link(world, client):
    report = _resident_report(world)
    client.force_login(world.staff_a)
    url = reverse("admin:grids_residentreport_changelist")
    asked = client.post(url, {"action": "reports_to_demands", "_selected_action": [report.pk]})
    assert asked.status_code == 200  # the category is asked first
    done = client.post(
        url,
        {
            "action": "reports_to_demands",
            "_selected_action": [report.pk],
            "apply": "1",
            "category": DemandItem.Category.FACILITIES,
            "priority": DemandItem.Priority.NORMAL,
        },
    )
    assert done.status_code == 302
    demand = report.demand_link.demand
    page = client.get(reverse("admin:partycommittee_demanditem_change", args=[demand.pk]))
    assert report.tracking_code in page.content.decode()
