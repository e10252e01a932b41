"""Each rule lives once, on the model: the API and the admin refuse the same write with
the same message, and nothing is stored. (A street administrator manages communities A
and B, so a row of the other community is a choice at both doors and the rule answers.)"""

import pytest
from django.urls import reverse
from django.utils import timezone

from partycommittee.models import Campaign, DemandItem, Nomination, Responsibility
from tests.factories import refused_with
from tests.partycommittee.factories import CampaignFactory, MeetingFactory

pytestmark = pytest.mark.django_db

WINDOWS = {
    "nomination_start": ("2026-05-10", "00:00:00"),
    "nomination_end": ("2026-05-01", "00:00:00"),
    "voting_start": ("2026-05-10", "00:00:00"),
    "voting_end": ("2026-05-20", "00:00:00"),
}


def _campaign_api(world, **fields):
    return {
        "community": world.a.pk,
        "title": "文明单位",
        "kind": "civilised_unit",
        "seats": 1,
        **{name: f"{day}T{time}+08:00" for name, (day, time) in WINDOWS.items()},
        **fields,
    }


def _campaign_admin(world, **fields):
    data = {"community": world.a.pk, "title": "文明单位", "kind": "civilised_unit", "seats": 1}
    data["objection_days"] = 5
    for name, (day, time) in WINDOWS.items():
        data |= {f"{name}_0": day, f"{name}_1": time}
    return data | {"nominations-TOTAL_FORMS": "0", "nominations-INITIAL_FORMS": "0"} | fields


@pytest.fixture
def doors(world, api_client, client):
    api_client.force_authenticate(world.street_admin)
    client.force_login(world.street_admin)
    return api_client, client


def test_campaign_windows_out_of_order(world, doors):
    api, admin = doors
    message = "Nominations must close after they open."
    refused_with(
        api.post("/api/campaigns/", _campaign_api(world), format="json"), "nomination_end", message
    )
    refused_with(
        admin.post(reverse("admin:partycommittee_campaign_add"), _campaign_admin(world)),
        "nomination_end",
        message,
    )
    assert not Campaign.objects.exists()


def test_campaign_seats_are_one_to_a_hundred(world, doors):
    api, admin = doors
    data = {"nomination_start": "2026-04-20T00:00:00+08:00", "seats": 101}
    response = api.post("/api/campaigns/", _campaign_api(world, **data), format="json")
    assert response.status_code == 400 and list(response.json()) == ["seats"]
    data = {"nomination_start_0": "2026-04-20", "seats": 101}
    response = admin.post(
        reverse("admin:partycommittee_campaign_add"), _campaign_admin(world, **data)
    )
    assert list(response.context["adminform"].form.errors) == ["seats"]
    assert not Campaign.objects.exists()


def test_a_demand_links_a_meeting_of_its_own_community(world, doors):
    api, admin = doors
    data = {
        "community": world.a.pk,
        "title": "加装电梯",
        "source": "meeting",
        "category": "facilities",
        "priority": 2,
        "meeting": MeetingFactory(community=world.b).pk,
    }
    message = "Everything linked must belong to the same community."
    refused_with(api.post("/api/demands/", data, format="json"), "meeting", message)
    refused_with(
        admin.post(reverse("admin:partycommittee_demanditem_add"), data), "meeting", message
    )
    assert not DemandItem.objects.exists()


def test_a_responsibility_belongs_to_a_project_of_its_units_community(world, colony, doors):
    api, admin = doors
    Responsibility.objects.all().delete()
    data = {
        "community": world.a.pk,
        "unit": colony.unit_a1.pk,
        "project": colony.project_b.pk,
        "task": "普法讲座",
        "deadline": "2026-06-01",
        "status": "pending",
    }
    message = "The project belongs to another community."
    refused_with(api.post("/api/responsibilities/", data, format="json"), "project", message)
    refused_with(
        admin.post(reverse("admin:partycommittee_responsibility_add"), data), "project", message
    )
    assert not Responsibility.objects.exists()


def test_a_units_nomination_names_the_unit(world, doors):
    api, admin = doors
    campaign = CampaignFactory(community=world.a)
    message = "Name the unit nominated."
    response = api.post(
        "/api/nominations/",
        {"campaign": campaign.pk, "nominee_kind": "unit", "nominee_name": "矿区法院"},
        format="json",
    )
    refused_with(response, "unit", message)
    inline = {
        "nominations-TOTAL_FORMS": "1",
        "nominations-INITIAL_FORMS": "0",
        "nominations-0-nominee_kind": "unit",
        "nominations-0-nominee_name": "矿区法院",
        "nominations-0-nominated_by": world.street_admin.pk,
    }
    data = {"title": campaign.title, "kind": campaign.kind, "seats": 1}
    for name in WINDOWS:
        value = timezone.localtime(getattr(campaign, name))
        data |= {f"{name}_0": value.date().isoformat(), f"{name}_1": value.strftime("%H:%M:%S")}
    url = reverse("admin:partycommittee_campaign_change", args=[campaign.pk])
    refused_with(admin.post(url, _campaign_admin(world) | data | inline), "unit", message)
    assert not Nomination.objects.exists()
