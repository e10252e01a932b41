"""A small dispute goes to the mediation room and its outcome comes back; work assigned to
a resident unit is done by the unit's representatives. Through the portal, the API and the
services, with the bad inputs."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from disputes.models import DisputeCase
from grids import escalation, services
from grids.models import Incident
from hive.models import TimelineEntry
from tests.disputes.factories import PARTIES, mediator_for, step, walk

pytestmark = pytest.mark.django_db

S = Incident.Status


def _dispute(gw, **kwargs):
    return services.incident_report(
        reporter=gw.grid_a,
        grid=gw.a1,
        category=kwargs.pop("category", "dispute"),
        location="3号楼",
        description="楼上漏水，邻里争执",
        **kwargs,
    )


ESCALATE_FORM = {
    "kind": "neighbours",
    "applicant_name": "王建国",
    "applicant_phone": "13800138000",
    "respondent_name": "李秀兰",
    "respondent_phone": "",
    "note": "双方同意调解",
}


def test_staff_escalate_in_the_portal_and_the_case_links_both_ways(gw, client):
    incident = _dispute(gw)
    client.force_login(gw.staff_a)
    url = reverse("grids:incident_action", args=[incident.pk, "escalate"])
    page = client.get(url).content.decode()
    assert gw.room_a.name in page and gw.room_b.name not in page
    response = client.post(url, {**ESCALATE_FORM, "room": gw.room_a.pk})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == S.ESCALATED
    case = DisputeCase.objects.get()
    assert case.source == DisputeCase.Source.INCIDENT
    assert case.source_record == incident
    assert case.room == gw.room_a and case.kind == "neighbours"
    assert sorted(case.parties.values_list("role", "name")) == [
        ("applicant", "王建国"),
        ("respondent", "李秀兰"),
    ]
    assert "双方同意调解" in case.facts and "楼上漏水" in case.facts
    last = TimelineEntry.objects.for_object(incident).last()
    assert case.number in last.note
    detail = client.get(incident.get_absolute_url()).content.decode()
    assert case.number in detail


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"respondent_name": ""}, "respondent_name"),
        ({"applicant_phone": "12ab"}, None),  # the disputes app refuses the phone
        ({"kind": "weather"}, "kind"),
        ({"room": "other"}, "room"),
    ],
)
def test_bad_escalation_input_is_a_form_error_and_stores_nothing(gw, client, bad, field):
    incident = _dispute(gw)
    client.force_login(gw.staff_a)
    data = {**ESCALATE_FORM, "room": gw.room_a.pk, **bad}
    if data["room"] == "other":
        data["room"] = gw.room_b.pk  # a room of another community is not a choice
    response = client.post(reverse("grids:incident_action", args=[incident.pk, "escalate"]), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    if field:
        assert field in form.errors
    incident.refresh_from_db()
    assert incident.status == S.REPORTED
    assert not DisputeCase.objects.exists()


def test_only_a_dispute_is_escalated_and_not_by_a_grid_member(gw, client):
    hazard = _dispute(gw, category="hidden_danger")
    client.force_login(gw.staff_a)
    page = client.get(hazard.get_absolute_url()).content.decode()
    assert 'data-action="escalate"' not in page
    dispute = _dispute(gw)
    assert 'data-action="escalate"' in client.get(dispute.get_absolute_url()).content.decode()
    with pytest.raises(PermissionDenied):
        services.incident_escalate(
            incident=dispute, actor=gw.grid_a, room=gw.room_a, kind="noise", parties=PARTIES
        )
    assert not DisputeCase.objects.exists()


def test_closing_the_case_resolves_the_incident_then_staff_close_it(gw):
    incident = _dispute(gw)
    mediator = mediator_for(gw.mediator_a, community=gw.a)
    services.incident_escalate(
        incident=incident, actor=gw.staff_a, room=gw.room_a, kind="noise", parties=PARTIES
    )
    case = escalation.incident_case(incident)
    case.mediators.add(mediator)
    walk(case, "followed_up", actor=gw.mediator_a)
    incident.refresh_from_db()
    assert incident.status == S.ESCALATED  # still with the room
    step(case, "closed", actor=gw.mediator_a)
    incident.refresh_from_db()
    assert incident.status == S.RESOLVED
    assert case.number in incident.resolution
    last = TimelineEntry.objects.for_object(incident).last()
    assert (last.from_state, last.to_state, last.actor) == (S.ESCALATED, S.RESOLVED, gw.mediator_a)
    assert gw.staff_a.notifications.filter(title__contains=f"#{incident.pk}").exists()
    # From here the normal workflow: staff verify and close.
    services.incident_verify(incident=incident, actor=gw.staff_a)
    services.incident_close(incident=incident, actor=gw.staff_a)
    incident.refresh_from_db()
    assert incident.status == S.CLOSED


def test_a_referred_case_closing_names_where_it_went(gw):
    incident = _dispute(gw)
    services.incident_escalate(
        incident=incident, actor=gw.staff_a, room=gw.room_a, kind="noise", parties=PARTIES
    )
    case = escalation.incident_case(incident)
    case.mediators.add(mediator_for(community=gw.a))
    walk(case, "referred", actor=gw.staff_a)
    step(case, "closed", actor=gw.staff_a)
    incident.refresh_from_db()
    assert incident.status == S.RESOLVED
    assert case.get_referred_to_display() in incident.resolution


def test_a_withdrawn_case_closes_the_incident_not_fixed(gw):
    incident = _dispute(gw)
    services.incident_escalate(
        incident=incident, actor=gw.staff_a, room=gw.room_a, kind="noise", parties=PARTIES
    )
    case = escalation.incident_case(incident)
    step(case, "accepted", actor=gw.staff_a)
    step(case, "withdrawn", actor=gw.staff_a)
    incident.refresh_from_db()
    assert incident.status == S.CLOSED_NOT_FIXED
    assert "申请人撤回" in incident.resolution and incident.closed_at is not None
    # Staff may reopen it like any unfixed report.
    services.incident_reopen(incident=incident, actor=gw.staff_a, reason="再次发生")
    incident.refresh_from_db()
    assert incident.status == S.ACCEPTED


def test_escalation_through_the_api_with_bad_inputs(gw, api_client):
    incident = _dispute(gw)
    api_client.force_authenticate(gw.staff_a)
    url = f"/api/incidents/{incident.pk}/escalate/"
    good = {"room": gw.room_a.pk, "kind": "noise", "parties": PARTIES}
    for bad, field in (
        ({**good, "room": gw.room_b.pk}, "room"),
        ({**good, "parties": []}, "parties"),
        ({**good, "parties": PARTIES[:1]}, "parties"),
        ({**good, "kind": "x"}, "kind"),
    ):
        response = api_client.post(url, bad, format="json")
        assert response.status_code == 400, response.json()
        assert field in response.json()
    incident.refresh_from_db()
    assert incident.status == S.REPORTED and not DisputeCase.objects.exists()
    response = api_client.post(url, good, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    case = DisputeCase.objects.get()
    assert body["status"] == "escalated"
    assert body["mediation_case"] == {"id": case.pk, "number": case.number}
    again = api_client.post(url, good, format="json")
    assert again.status_code == 400 and DisputeCase.objects.count() == 1


# --- Assignment to a resident unit -----------------------------------------------------


def _accepted(gw, **kwargs):
    incident = _dispute(gw, category=kwargs.pop("category", "demand"))
    services.incident_accept(incident=incident, actor=gw.staff_a)
    return incident


def test_assign_to_a_unit_and_its_representative_does_the_work(gw, client):
    incident = _accepted(gw)
    client.force_login(gw.staff_a)
    url = reverse("grids:incident_action", args=[incident.pk, "assign"])
    response = client.post(url, {"unit": gw.unit_a1.pk})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.status, incident.assigned_unit, incident.assignee) == (
        S.ASSIGNED,
        gw.unit_a1,
        None,
    )
    rep = gw.unit_rep_a
    assert rep.notifications.filter(title__contains=f"#{incident.pk}").exists()
    # The representative sees it (portal and API) and may start and resolve it.
    client.force_login(rep)
    page = client.get(incident.get_absolute_url())
    assert page.status_code == 200
    assert 'data-action="start"' in page.content.decode()
    assert 'data-action="verify"' not in page.content.decode()
    start = reverse("grids:incident_action", args=[incident.pk, "start"])
    response = client.post(start, {"note": ""})
    assert response.status_code == 302
    services.incident_resolve(incident=incident, actor=rep, resolution="物业已修好水管")
    incident.refresh_from_db()
    assert incident.status == S.RESOLVED
    # The other community's unit representative does not see it at all.
    client.force_login(gw.unit_b_rep)
    assert client.get(incident.get_absolute_url()).status_code == 404


def test_unit_representative_sees_unit_incidents_in_the_api_only(gw, api_client):
    mine = _accepted(gw)
    services.incident_assign(incident=mine, actor=gw.staff_a, unit=gw.unit_a1)
    other = _accepted(gw)
    api_client.force_authenticate(gw.unit_rep_a)
    ids = [row["id"] for row in api_client.get("/api/incidents/").json()["results"]]
    assert ids == [mine.pk]
    assert api_client.get(f"/api/incidents/{other.pk}/").status_code == 404
    response = api_client.post(f"/api/incidents/{mine.pk}/start/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "in_progress"


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "assignee"),
        ({"assignee": "grid_a", "unit": "unit_a1"}, "assignee"),
        ({"unit": "unit_b1"}, "unit"),
        ({"unit": 999999}, "unit"),
    ],
)
def test_bad_assignment_through_the_api_is_a_field_error(gw, api_client, body, field):
    incident = _accepted(gw)
    names = {"grid_a": gw.grid_a.pk, "unit_a1": gw.unit_a1.pk, "unit_b1": gw.unit_b1.pk}
    body = {key: names.get(value, value) for key, value in body.items()}
    api_client.force_authenticate(gw.staff_a)
    response = api_client.post(f"/api/incidents/{incident.pk}/assign/", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    incident.refresh_from_db()
    assert (incident.status, incident.assignee, incident.assigned_unit) == (
        S.ACCEPTED,
        None,
        None,
    )


def test_portal_assign_form_needs_exactly_one_and_a_unit_needs_a_representative(gw, client):
    incident = _accepted(gw)
    client.force_login(gw.staff_a)
    url = reverse("grids:incident_action", args=[incident.pk, "assign"])
    both = client.post(url, {"unit": gw.unit_a1.pk, "assignee": gw.grid_a.pk})
    assert both.status_code == 200 and both.context["form"].non_field_errors()
    gw.unit_a1.representatives.clear()
    lonely = client.post(url, {"unit": gw.unit_a1.pk})
    assert lonely.status_code == 200 and "unit" in lonely.context["form"].errors
    incident.refresh_from_db()
    assert incident.status == S.ACCEPTED


def test_reassigning_from_a_unit_to_a_person_clears_the_unit(gw):
    incident = _accepted(gw)
    services.incident_assign(incident=incident, actor=gw.staff_a, unit=gw.unit_a1)
    services.incident_assign(incident=incident, actor=gw.staff_a, assignee=gw.grid_a)
    incident.refresh_from_db()
    assert (incident.assignee, incident.assigned_unit) == (gw.grid_a, None)
    with pytest.raises(PermissionDenied):
        services.incident_start(incident=incident, actor=gw.unit_rep_a)
    with pytest.raises(ValidationError):
        services.incident_assign(incident=incident, actor=gw.staff_a)


def test_the_database_refuses_a_person_and_a_unit_at_once(gw):
    incident = _accepted(gw)
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(assignee=gw.grid_a, assigned_unit=gw.unit_a1)
