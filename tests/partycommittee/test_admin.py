"""The staff door to the four lists: the project form refuses what the services refuse."""

import datetime

import pytest
from django.urls import reverse

from partycommittee.models import Agreement, Project
from tests.partycommittee.factories import DemandFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def _project_form(project=None, *, community, agreement=None, **fields):
    data = {
        "community": community.pk,
        "title": project.title if project else "新项目",
        "description": "",
        "responsibilities-TOTAL_FORMS": "0",
        "responsibilities-INITIAL_FORMS": "0",
        "agreement-TOTAL_FORMS": "0",
        "agreement-INITIAL_FORMS": "0",
        **fields,
    }
    existing = Agreement.objects.filter(project=project).first() if project else None
    if existing is not None:
        data.update(
            {
                "agreement-TOTAL_FORMS": "1",
                "agreement-INITIAL_FORMS": "1",
                "agreement-0-id": existing.pk,
                "agreement-0-project": project.pk,
                "agreement-0-parties": existing.parties,
                "agreement-0-signed_on": existing.signed_on.isoformat(),
            }
        )
    elif agreement is not None:
        data.update(
            {
                "agreement-TOTAL_FORMS": "1",
                "agreement-0-parties": agreement,
                "agreement-0-signed_on": "2026-05-01",
            }
        )
    return data


def _change(client, project, **kwargs):
    url = reverse("admin:partycommittee_project_change", args=[project.pk])
    return client.post(url, _project_form(project, community=project.community, **kwargs))


def _inline_errors(response):
    return [
        error
        for formset in response.context["inline_admin_formsets"]
        for error in [*formset.formset.non_form_errors(), *formset.formset.errors]
        if error
    ]


def test_an_agreement_on_an_undecided_project_is_refused_in_the_admin(world, colony, client):
    client.force_login(world.staff_a)
    response = _change(client, colony.project_a1, agreement="社区\n矿区法院")
    assert response.status_code == 200
    assert _inline_errors(response)
    assert not Agreement.objects.exists()


def test_an_agreement_on_a_decided_project_is_recorded_in_the_admin(world, colony, client):
    Project.objects.filter(pk=colony.project_a1.pk).update(status=Project.Status.DECIDED)
    client.force_login(world.staff_a)
    response = _change(client, colony.project_a1, agreement="社区\n矿区法院")
    assert response.status_code == 302
    assert Agreement.objects.get().project == colony.project_a1


def test_a_project_under_way_with_its_agreement_can_still_be_edited(world, colony, client):
    project = colony.project_a1
    Agreement.objects.create(project=project, parties="社区", signed_on=datetime.date(2026, 5, 1))
    Project.objects.filter(pk=project.pk).update(status=Project.Status.IN_PROGRESS)
    client.force_login(world.staff_a)
    response = _change(client, project, description="进展顺利")
    assert response.status_code == 302, _inline_errors(response)
    project.refresh_from_db()
    assert project.description == "进展顺利"


@pytest.mark.parametrize("field", ["demands", "resources", "units", "meeting"])
def test_the_admin_refuses_to_link_another_communitys_rows(world, colony, client, field):
    other = {
        "demands": lambda: DemandFactory(community=world.b),
        "resources": lambda: colony.resource_b,
        "units": lambda: colony.unit_b,
        "meeting": lambda: MeetingFactory(community=world.b),
    }[field]()
    value = other.pk if field == "meeting" else [other.pk]
    # A street administrator manages both communities: each row is a choice on the form.
    client.force_login(world.street_admin)
    add = client.post(
        reverse("admin:partycommittee_project_add"),
        _project_form(community=world.a, **{field: value}),
    )
    assert add.status_code == 200
    assert field in add.context["adminform"].form.errors
    assert not Project.objects.filter(title="新项目").exists()

    change = _change(client, colony.project_a1, **{field: value})
    assert change.status_code == 200
    assert field in change.context["adminform"].form.errors
    project = Project.objects.get(pk=colony.project_a1.pk)
    if field == "meeting":
        assert project.meeting is None
    else:
        assert other not in getattr(project, field).all()


def test_the_api_refuses_another_communitys_rows_too(world, colony, api_client):
    api_client.force_authenticate(world.street_admin)
    response = api_client.post(
        "/api/projects/",
        {"community": world.a.pk, "title": "跨社区", "units": [colony.unit_b.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert "units" in response.json()
    assert not Project.objects.filter(title="跨社区").exists()
