"""A consultation's rules live on its models: the API and the admin refuse the same write
with the same message, and nothing is stored. (A street administrator manages communities
A and B, so a row of the other community is a choice at both doors and the rule answers.)"""

import pytest
from django.urls import reverse

from disputes.models import Consultation, ConsultationAction
from tests.disputes.factories import PartnerFactory
from tests.factories import refused_with

pytestmark = pytest.mark.django_db

CONSULTATION = {
    "topic": "小区停车位划分",
    "held_on": "2026-03-01",
    "community_participants": "李社区",
    "owner_participants": "业主代表张三",
    "property_participants": "物业经理王五",
}
NO_ACTIONS = {"actions-TOTAL_FORMS": "0", "actions-INITIAL_FORMS": "0"}


@pytest.fixture
def doors(world, api_client, client):
    api_client.force_authenticate(world.street_admin)
    client.force_login(world.street_admin)
    return api_client, client


def test_the_property_company_is_of_the_same_community(world, doors):
    api, admin = doors
    data = {
        **CONSULTATION,
        "community": world.a.pk,
        "property_company": PartnerFactory(community=world.b).pk,
    }
    message = "Choose one of the same community."
    refused_with(api.post("/api/consultations/", data, format="json"), "property_company", message)
    response = admin.post(reverse("admin:disputes_consultation_add"), data | NO_ACTIONS)
    refused_with(response, "property_company", message)
    assert not Consultation.objects.exists()


def test_no_action_is_dated_before_the_consultation(world, doors):
    api, admin = doors
    data = {**CONSULTATION, "community": world.a.pk}
    action = {"description": "画线", "responsible": "property", "due_on": "2026-01-01"}
    message = "The date cannot be before the consultation."
    response = api.post("/api/consultations/", {**data, "actions": [action]}, format="json")
    refused_with(response, "actions", message)
    inline = {"actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0"}
    inline |= {f"actions-0-{name}": value for name, value in action.items()}
    refused_with(
        admin.post(reverse("admin:disputes_consultation_add"), data | inline), "due_on", message
    )
    assert not Consultation.objects.exists() and not ConsultationAction.objects.exists()
