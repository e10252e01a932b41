"""The voice lists run the same number of queries whatever the row count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.voice.factories import SuggestionFactory
from voice import services
from voice.models import Submission

pytestmark = pytest.mark.django_db


def _queries(client, url):
    client.get(url)  # warm: the first page of a session loads what later ones find cached
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


def _grow(world, solicitation, unit, n):
    for index in range(n):
        SuggestionFactory(community=world.a)
        services.submission_submit(
            solicitation=solicitation,
            text=f"需求内容第{index}条，来自居民",
            resident_phone=f"1370000{index:04d}",
            resident_name="居民",
        )
        services.submission_submit(
            solicitation=solicitation,
            text=f"需求内容第{index}条，来自单位",
            unit=unit,
            submitted_by=world.unit_rep_a,
        )


@pytest.mark.parametrize(
    "url",
    ["admin:voice_suggestion_changelist", "admin:voice_submission_changelist"],
)
def test_admin_lists(world, client, solicitation, unit_a, url):
    client.force_login(world.staff_a)
    _grow(world, solicitation, unit_a, 2)
    few = _queries(client, reverse(url))
    _grow(world, solicitation, unit_a, 8)
    assert _queries(client, reverse(url)) == few


def test_the_portal_list_of_a_unit_representative(world, client, solicitation, unit_a):
    client.force_login(world.unit_rep_a)
    _grow(world, solicitation, unit_a, 2)
    few = _queries(client, reverse("voice:portal_solicitations"))
    _grow(world, solicitation, unit_a, 8)
    assert _queries(client, reverse("voice:portal_solicitations")) == few


def test_the_solicitation_page_in_the_admin_with_its_submissions(
    world, client, solicitation, unit_a
):
    client.force_login(world.staff_a)
    url = reverse("admin:voice_solicitation_change", args=[solicitation.pk])
    _grow(world, solicitation, unit_a, 2)
    few = _queries(client, url)
    _grow(world, solicitation, unit_a, 8)
    assert _queries(client, url) == few


def test_the_demand_page_with_its_merged_submissions(world, client, solicitation, unit_a):
    client.force_login(world.staff_a)

    def demand_url():
        waiting = Submission.objects.filter(status=Submission.Status.SUBMITTED)
        demand = services.submissions_merge(
            submissions=list(waiting), actor=world.staff_a, category="elderly"
        )
        return reverse("admin:partycommittee_demanditem_change", args=[demand.pk])

    _grow(world, solicitation, unit_a, 2)
    few = _queries(client, demand_url())
    _grow(world, solicitation, unit_a, 8)
    assert _queries(client, demand_url()) == few
