import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError

from hive.models import TimelineEntry
from hive.selectors import timeline_for
from hive.workflow import TransitionNotAllowed
from partycommittee import services
from partycommittee.models import Agreement, Project
from tests.partycommittee.factories import ProjectFactory

pytestmark = pytest.mark.django_db

S = Project.Status
CHAIN = [
    S.SOLICITED,
    S.RESOURCES_COMBED,
    S.TOPIC_FORMED,
    S.NEGOTIATING,
    S.DECIDED,
    S.AGREEMENT_SIGNED,
    S.IN_PROGRESS,
    S.COMPLETED,
]
LEGAL = {(a, b) for a, b in itertools.pairwise(CHAIN)} | {
    (state, S.CANCELLED) for state in CHAIN[:-1]
}
ALL_PAIRS = [(a, b) for a in S.values for b in S.values]
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]


def _at(world, status):
    project = ProjectFactory(community=world.a, status=status)
    if status in (S.DECIDED, S.AGREEMENT_SIGNED):
        Agreement.objects.create(
            project=project, parties="社区\n矿区法院", signed_on=datetime.date(2026, 5, 1)
        )
    return project


def test_a_project_walks_the_six_steps_and_is_completed(world):
    project = ProjectFactory(community=world.a)
    for target in CHAIN[1:]:
        if target == S.AGREEMENT_SIGNED:
            services.agreement_record(
                project=project, parties="社区\n矿区法院", signed_on=datetime.date(2026, 5, 1)
            )
        services.project_transition(project=project, to=target, actor=world.staff_a)
    project.refresh_from_db()
    assert project.status == S.COMPLETED
    assert [(e.from_state, e.to_state) for e in timeline_for(project)] == list(
        itertools.pairwise(CHAIN)
    )


@pytest.mark.parametrize(("source", "target"), sorted(LEGAL))
def test_every_legal_step_through_the_service(world, source, target):
    project = _at(world, source)
    services.project_transition(
        project=project, to=target, actor=world.staff_a, note="依据会议决定"
    )
    assert Project.objects.get(pk=project.pk).status == target
    assert TimelineEntry.objects.filter(to_state=target, from_state=source).count() == 1


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_every_illegal_step_through_the_service_is_refused(world, source, target):
    project = _at(world, source)
    with pytest.raises(TransitionNotAllowed):
        services.project_transition(project=project, to=target, actor=world.staff_a, note="x")
    assert Project.objects.get(pk=project.pk).status == source
    assert not TimelineEntry.objects.exists()


@pytest.mark.parametrize(("source", "target"), sorted(LEGAL))
def test_every_legal_step_through_the_api(world, api_client, source, target):
    project = _at(world, source)
    api_client.force_authenticate(world.staff_a)
    response = api_client.post(
        f"/api/projects/{project.pk}/transition/", {"to": target, "note": "会议决定"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == target


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_every_illegal_step_through_the_api_is_a_400_with_the_reason(
    world, api_client, source, target
):
    project = _at(world, source)
    api_client.force_authenticate(world.staff_a)
    response = api_client.post(
        f"/api/projects/{project.pk}/transition/", {"to": target, "note": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"]
    assert Project.objects.get(pk=project.pk).status == source


def test_signing_without_an_agreement_is_refused_with_a_field_error(world, api_client):
    project = ProjectFactory(community=world.a, status=S.DECIDED)
    api_client.force_authenticate(world.staff_a)
    response = api_client.post(
        f"/api/projects/{project.pk}/transition/", {"to": S.AGREEMENT_SIGNED}, format="json"
    )
    assert response.status_code == 400
    assert "agreement" in response.json()
    assert Project.objects.get(pk=project.pk).status == S.DECIDED


def test_recording_an_agreement_through_the_api_then_signing(world, api_client):
    project = ProjectFactory(community=world.a, status=S.DECIDED)
    api_client.force_authenticate(world.staff_a)
    bad = api_client.post(f"/api/projects/{project.pk}/agreement/", {"parties": ""}, format="json")
    assert bad.status_code == 400
    assert {"parties", "signed_on"} <= set(bad.json())
    good = api_client.post(
        f"/api/projects/{project.pk}/agreement/",
        {"parties": "社区\n矿区法院", "signed_on": "2026-05-01"},
        format="json",
    )
    assert good.status_code == 201
    signed = api_client.post(
        f"/api/projects/{project.pk}/transition/", {"to": S.AGREEMENT_SIGNED}, format="json"
    )
    assert signed.json()["status"] == S.AGREEMENT_SIGNED


def test_an_agreement_before_the_decision_is_refused(world):
    project = ProjectFactory(community=world.a, status=S.NEGOTIATING)
    with pytest.raises(ValidationError) as excinfo:
        services.agreement_record(project=project, parties="社区", signed_on=datetime.date.today())
    assert "project" in excinfo.value.message_dict
    assert not Agreement.objects.exists()


def test_cancelling_needs_a_reason(world, api_client):
    project = ProjectFactory(community=world.a, status=S.NEGOTIATING)
    api_client.force_authenticate(world.staff_a)
    response = api_client.post(
        f"/api/projects/{project.pk}/transition/", {"to": S.CANCELLED}, format="json"
    )
    assert response.status_code == 400
    assert "note" in response.json()
    assert Project.objects.get(pk=project.pk).status == S.NEGOTIATING


def test_unit_representatives_cannot_move_projects(world, api_client, colony):
    api_client.force_authenticate(world.unit_rep_a)
    response = api_client.post(
        f"/api/projects/{colony.project_a1.pk}/transition/",
        {"to": S.RESOURCES_COMBED},
        format="json",
    )
    assert response.status_code == 403
    assert Project.objects.get(pk=colony.project_a1.pk).status == S.SOLICITED


def test_admin_action_moves_selected_projects_and_names_the_refused_ones(world, client):
    movable = ProjectFactory(community=world.a, status=S.SOLICITED)
    stuck = ProjectFactory(community=world.a, status=S.COMPLETED)
    client.force_login(world.staff_a)
    response = client.post(
        "/admin/partycommittee/project/",
        {"action": "move_to_resources_combed", "_selected_action": [movable.pk, stuck.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Project.objects.get(pk=movable.pk).status == S.RESOURCES_COMBED
    assert Project.objects.get(pk=stuck.pk).status == S.COMPLETED
    texts = [str(m) for m in response.context["messages"]]
    assert any(stuck.title in text for text in texts)


def test_meeting_decision_creates_a_project_or_a_demand(world, api_client):
    from tests.partycommittee.factories import MeetingFactory

    meeting = MeetingFactory(community=world.a)
    api_client.force_authenticate(world.staff_a)
    project = api_client.post(
        f"/api/meetings/{meeting.pk}/decide/",
        {"creates": "project", "title": "加装电梯"},
        format="json",
    )
    assert project.status_code == 201
    assert Project.objects.get(pk=project.json()["project"]).meeting == meeting
    missing = api_client.post(
        f"/api/meetings/{meeting.pk}/decide/",
        {"creates": "demand", "title": "照料老人"},
        format="json",
    )
    assert missing.status_code == 400 and "category" in missing.json()
    demand = api_client.post(
        f"/api/meetings/{meeting.pk}/decide/",
        {"creates": "demand", "title": "照料老人", "category": "elderly"},
        format="json",
    )
    assert demand.status_code == 201


def test_demo_data_has_18_units_and_a_project_at_every_step(settings):
    from django.core.management import call_command

    from partycommittee.models import ResidentUnit

    settings.DEBUG = True
    call_command("seed_demo")
    assert ResidentUnit.objects.filter(community__code="huweigou").count() == 18
    assert set(Project.objects.values_list("status", flat=True)) == set(S.values)
    signed = Project.objects.exclude(
        status__in=[
            S.SOLICITED,
            S.RESOURCES_COMBED,
            S.TOPIC_FORMED,
            S.NEGOTIATING,
            S.DECIDED,
            S.CANCELLED,
        ]
    )
    assert all(Agreement.objects.filter(project=p).exists() for p in signed)


def test_admin_cancel_asks_for_a_reason_then_cancels(world, client):
    project = ProjectFactory(community=world.a, status=S.NEGOTIATING)
    client.force_login(world.staff_a)
    url = "/admin/partycommittee/project/"
    ask = client.post(url, {"action": "cancel_projects", "_selected_action": [project.pk]})
    assert ask.status_code == 200 and "reason" in ask.context["form"].fields
    empty = client.post(
        url,
        {"action": "cancel_projects", "_selected_action": [project.pk], "apply": "1", "reason": ""},
    )
    assert empty.status_code == 200 and empty.context["form"].errors
    assert Project.objects.get(pk=project.pk).status == S.NEGOTIATING
    done = client.post(
        url,
        {
            "action": "cancel_projects",
            "_selected_action": [project.pk],
            "apply": "1",
            "reason": "经费无法落实",
        },
    )
    assert done.status_code == 302
    assert Project.objects.get(pk=project.pk).status == S.CANCELLED
    assert timeline_for(project).last().note == "经费无法落实"
