"""Dispatch in one screen (issue 24): who can take an incident (one rule for the picker
and the service), accept-and-assign in one step, the admin's dispatch panel, and the
portal's assign step showing the same picker."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import ngettext

from grids import services
from grids.forms import AssignForm, DispatchForm, candidate_parts
from grids.models import Incident
from grids.selectors import assignee_candidates, incident_timeline
from hive.access.authorization import NotAuthorized
from hive.access.roles import Role
from hive.models import TimelineEntry
from hive.services import role_assign
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def _report(gw, grid=None, **kwargs):
    return services.incident_report(
        **{
            "reporter": gw.grid_a,
            "grid": grid or gw.a1,
            "category": "hidden_danger",
            "location": "3号楼楼道",
            "description": "楼道堆放杂物",
            **kwargs,
        }
    )


def _give(gw, user, status, count=1):
    """`count` incidents of community A in `status`, assigned to `user` (the setup of a
    load; the workflow that leads there is tested elsewhere)."""
    for _ in range(count):
        incident = _report(gw, grid=gw.a2, reporter=gw.staff_a)
        Incident.objects.filter(pk=incident.pk).update(status=status, assignee=user)


def _steps(incident):
    return [(entry.from_state, entry.to_state) for entry in incident_timeline(incident)]


def _in_hand(count):
    return ngettext("%(count)s incident in hand", "%(count)s incidents in hand", count) % {
        "count": count
    }


# --- Who can take an incident ------------------------------------------------------------


def test_candidates_are_the_active_grid_members_and_staff_of_the_community(gw):
    incident = _report(gw)
    gone = user_with_role(Role.GRID_MEMBER, community=gw.a, username="gone", is_active=False)

    people = set(assignee_candidates(incident))

    assert people == {gw.grid_a, gw.grid_a_deputy, gw.grid_a2, gw.staff_a}
    # Not: other roles here, other communities' people, the street, the inactive.
    for outsider in (gw.unit_rep_a, gw.mediator_a, gw.party_a, gw.grid_b, gw.staff_b, gone):
        assert outsider not in people
    assert gw.street_admin not in people


def test_own_grid_first_then_least_loaded_then_name(gw):
    incident = _report(gw)  # in grid A1: grid_a is its member, dep_a its deputy
    _give(gw, gw.grid_a, Incident.Status.ASSIGNED)
    _give(gw, gw.grid_a, Incident.Status.IN_PROGRESS)
    _give(gw, gw.grid_a2, Incident.Status.IN_PROGRESS)
    # Finished or not yet assigned work is not a load.
    _give(gw, gw.staff_a, Incident.Status.RESOLVED)
    _give(gw, gw.staff_a, Incident.Status.CLOSED)

    people = list(assignee_candidates(incident))

    assert people == [gw.grid_a_deputy, gw.grid_a, gw.staff_a, gw.grid_a2]
    assert [person.load for person in people] == [0, 2, 0, 1]
    assert [person.in_incident_grid for person in people] == [True, True, False, False]


def test_equal_load_outside_the_grid_is_ordered_by_name(gw):
    incident = _report(gw)
    gw.grid_a2.name, gw.staff_a.name = "乙", "甲"
    gw.grid_a2.save(update_fields=["name"])
    gw.staff_a.save(update_fields=["name"])
    names = [person.name for person in assignee_candidates(incident)][2:]
    assert names == sorted(["乙", "甲"])


def test_candidates_carry_their_roles_and_grids_here(gw):
    incident = _report(gw)
    # Staff who also work in a grid, and a grid member with a grid in community B too.
    role_assign(user=gw.staff_a, role=Role.GRID_MEMBER, community=gw.a)
    gw.a2.deputies.add(gw.staff_a)
    gw.b1.deputies.add(gw.grid_a2)

    people = {person.pk: person for person in assignee_candidates(incident)}

    staff = people[gw.staff_a.pk]
    assert (staff.is_community_staff, staff.is_grid_member) == (True, True)
    assert (staff.member_grids, staff.deputy_grids) == ([], [gw.a2])
    member = people[gw.grid_a2.pk]
    assert (member.is_community_staff, member.is_grid_member) == (False, True)
    assert (member.member_grids, member.deputy_grids) == ([gw.a2], [])  # not B1
    parts = candidate_parts(member)
    assert parts["roles"] == str(Role.GRID_MEMBER.label)
    assert parts["grids"] == str(gw.a2)
    assert parts["load"] == _in_hand(0)


def test_candidates_take_three_queries_whatever_their_number(gw, django_assert_max_num_queries):
    incident = _report(gw)
    for n in range(12):
        user = user_with_role(Role.GRID_MEMBER, community=gw.a, username=f"more{n}")
        gw.a2.deputies.add(user)
        _give(gw, user, Incident.Status.ASSIGNED, count=n % 3)

    with django_assert_max_num_queries(3):
        people = list(assignee_candidates(incident))
        labels = [candidate_parts(person) for person in people]
    assert len(labels) == 16

    form = DispatchForm(incident=incident)
    with django_assert_max_num_queries(3):
        rows = form.assignee_rows()
    assert [row["radio"].data["value"] for row in rows] == [person.pk for person in people]


def test_assign_refuses_who_the_picker_does_not_offer(gw):
    incident = services.incident_accept(incident=_report(gw), actor=gw.staff_a)
    for outsider in (gw.mediator_a, gw.party_a, gw.unit_rep_a, gw.grid_b):
        with pytest.raises(ValidationError) as refused:
            services.incident_assign(incident=incident, actor=gw.staff_a, assignee=outsider)
        assert "assignee" in refused.value.error_dict
    incident.refresh_from_db()
    assert (incident.status, incident.assignee) == (Incident.Status.ACCEPTED, None)


# --- The service: accept and assign in one step ------------------------------------------


def test_dispatch_accepts_and_assigns_a_new_report_with_two_timeline_entries(gw):
    incident = _report(gw)

    result = services.incident_dispatch(
        incident=incident, actor=gw.staff_a, assignee=gw.grid_a, note="今天处理"
    )

    result.refresh_from_db()
    assert (result.status, result.assignee) == (Incident.Status.ASSIGNED, gw.grid_a)
    assert _steps(result) == [
        ("", Incident.Status.REPORTED),
        (Incident.Status.REPORTED, Incident.Status.ACCEPTED),
        (Incident.Status.ACCEPTED, Incident.Status.ASSIGNED),
    ]
    assert list(incident_timeline(result))[-1].note == "今天处理"


def test_dispatch_assigns_an_accepted_one_and_reassigns_an_assigned_one(gw):
    incident = services.incident_accept(incident=_report(gw), actor=gw.staff_a)
    services.incident_dispatch(incident=incident, actor=gw.staff_a, assignee=gw.grid_a)
    services.incident_dispatch(incident=incident, actor=gw.staff_a, unit=gw.unit_a1)

    incident.refresh_from_db()
    assert (incident.status, incident.assignee, incident.assigned_unit) == (
        Incident.Status.ASSIGNED,
        None,
        gw.unit_a1,
    )
    assert _steps(incident)[1:] == [
        (Incident.Status.REPORTED, Incident.Status.ACCEPTED),
        (Incident.Status.ACCEPTED, Incident.Status.ASSIGNED),
        (Incident.Status.ASSIGNED, Incident.Status.ASSIGNED),
    ]


def test_a_refused_assignment_leaves_the_report_unaccepted(gw):
    incident = _report(gw)

    with pytest.raises(ValidationError) as refused:
        services.incident_dispatch(incident=incident, actor=gw.staff_a, assignee=gw.party_a)

    assert "assignee" in refused.value.error_dict
    incident.refresh_from_db()
    assert incident.status == Incident.Status.REPORTED
    assert _steps(incident) == [("", Incident.Status.REPORTED)]


@pytest.mark.parametrize("status", [Incident.Status.IN_PROGRESS, Incident.Status.CLOSED])
def test_dispatch_refuses_other_states(gw, status):
    incident = _report(gw)
    Incident.objects.filter(pk=incident.pk).update(status=status)

    with pytest.raises(ValidationError) as refused:
        services.incident_dispatch(incident=incident, actor=gw.staff_a, assignee=gw.grid_a)

    assert not hasattr(refused.value, "error_dict")  # about the incident, not a field
    incident.refresh_from_db()
    assert (incident.status, incident.assignee) == (status, None)


@pytest.mark.parametrize("who", ["staff_b", "grid_a", "staff_c"])
def test_dispatch_by_someone_not_running_the_community_is_refused(gw, who):
    incident = _report(gw)
    with pytest.raises(NotAuthorized):
        services.incident_dispatch(incident=incident, actor=gw.user(who), assignee=gw.grid_a)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.REPORTED


# --- The admin's dispatch panel ------------------------------------------------------------


def _change_url(incident):
    return reverse("admin:grids_incident_change", args=[incident.pk])


def _dispatch_url(incident):
    return reverse("admin:grids_incident_dispatch", args=[incident.pk])


def test_admin_change_page_shows_the_picker_with_each_persons_load(gw, client):
    incident = _report(gw)
    _give(gw, gw.grid_a2, Incident.Status.IN_PROGRESS, count=2)
    client.force_login(gw.staff_a)

    response = client.get(_change_url(incident))

    assert response.status_code == 200
    form = response.context["dispatch_form"]
    assert isinstance(form, DispatchForm) and not form.is_bound
    page = response.content.decode()
    assert f'action="{_dispatch_url(incident)}"' in page
    assert f'name="assignee" value="{gw.grid_a.pk}"' in page
    assert f'name="assignee" value="{gw.party_a.pk}"' not in page
    assert _in_hand(2) in page
    assert form.submit_label in page
    # The incident's own grid's people come first.
    first = page.index(f'name="assignee" value="{gw.grid_a.pk}"')
    assert first < page.index(f'name="assignee" value="{gw.staff_a.pk}"')
    assert first < page.index(f'name="assignee" value="{gw.grid_a2.pk}"')


def test_admin_shows_no_panel_once_the_work_has_started(gw, client):
    incident = _report(gw)
    Incident.objects.filter(pk=incident.pk).update(
        status=Incident.Status.IN_PROGRESS, assignee=gw.grid_a
    )
    client.force_login(gw.staff_a)
    response = client.get(_change_url(incident))
    assert response.status_code == 200
    assert "dispatch_form" not in response.context
    assert _dispatch_url(incident) not in response.content.decode()


def test_admin_dispatch_accepts_assigns_and_says_to_whom(gw, client):
    incident = _report(gw)
    client.force_login(gw.staff_a)

    response = client.post(_dispatch_url(incident), {"assignee": gw.grid_a.pk, "note": "尽快"})

    assert response.status_code == 302
    assert response.url == _change_url(incident)
    incident.refresh_from_db()
    assert (incident.status, incident.assignee) == (Incident.Status.ASSIGNED, gw.grid_a)
    assert len(_steps(incident)) == 3
    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert any(str(gw.grid_a) in message for message in said)


def test_admin_dispatch_to_a_resident_unit(gw, client):
    incident = services.incident_accept(incident=_report(gw), actor=gw.staff_a)
    client.force_login(gw.staff_a)
    response = client.post(_dispatch_url(incident), {"unit": gw.unit_a1.pk})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.assigned_unit == gw.unit_a1


@pytest.mark.parametrize(
    "data, field",
    [
        (lambda gw: {}, None),
        (lambda gw: {"assignee": gw.grid_a.pk, "unit": gw.unit_a1.pk}, None),
        (lambda gw: {"assignee": gw.party_a.pk}, "assignee"),  # crafted: not offered
        (lambda gw: {"assignee": gw.grid_b.pk}, "assignee"),  # another community's
        (lambda gw: {"unit": gw.unit_b1.pk}, "unit"),
    ],
)
def test_admin_bad_choices_show_the_page_again_with_errors(gw, client, data, field):
    incident = _report(gw)
    client.force_login(gw.staff_a)
    entries = TimelineEntry.objects.count()

    response = client.post(_dispatch_url(incident), data(gw))

    assert response.status_code == 200
    form = response.context["dispatch_form"]
    assert form.is_bound and form.errors
    assert (field in form.errors) if field else form.non_field_errors()
    assert 'class="errornote"' in response.content.decode()
    incident.refresh_from_db()
    assert (incident.status, incident.assignee, incident.assigned_unit) == (
        Incident.Status.REPORTED,
        None,
        None,
    )
    assert TimelineEntry.objects.count() == entries


def test_admin_dispatch_in_a_wrong_state_shows_the_services_refusal(gw, client):
    incident = _report(gw)
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.RESOLVED)
    client.force_login(gw.staff_a)

    response = client.post(_dispatch_url(incident), {"assignee": gw.grid_a.pk})

    assert response.status_code == 200
    form = response.context["dispatch_form"]
    assert form.non_field_errors()
    assert form.non_field_errors()[0] in response.content.decode()
    incident.refresh_from_db()
    assert (incident.status, incident.assignee) == (Incident.Status.RESOLVED, None)


def test_admin_dispatch_in_another_community_is_not_found(gw, client):
    """Out of scope is a 404 (the incident's number is not confirmed to exist)."""
    incident = _report(gw)
    client.force_login(gw.staff_b)

    response = client.post(_dispatch_url(incident), {"assignee": gw.grid_a.pk})

    assert response.status_code == 404
    incident.refresh_from_db()
    assert (incident.status, incident.assignee) == (Incident.Status.REPORTED, None)


def test_admin_dispatch_answers_a_get_with_the_change_page(gw, client):
    incident = _report(gw)
    client.force_login(gw.staff_a)
    response = client.get(_dispatch_url(incident))
    assert (response.status_code, response.url) == (302, _change_url(incident))


# --- The portal's assign step: the same picker ------------------------------------------


def test_portal_assign_form_offers_only_the_candidates_labelled_alike(gw, client):
    incident = services.incident_accept(incident=_report(gw), actor=gw.staff_a)
    _give(gw, gw.grid_a, Incident.Status.ASSIGNED)
    client.force_login(gw.staff_a)

    response = client.get(reverse("grids:incident_action", args=[incident.pk, "assign"]))

    assert response.status_code == 200
    form = response.context["form"]
    assert isinstance(form, AssignForm)
    field = form.fields["assignee"]
    assert list(field.queryset) == list(assignee_candidates(incident))
    labels = {value.value: label for value, label in field.choices if value != ""}
    assert set(labels) == {gw.grid_a.pk, gw.grid_a_deputy.pk, gw.grid_a2.pk, gw.staff_a.pk}
    assert _in_hand(1) in labels[gw.grid_a.pk]
    assert str(Role.GRID_MEMBER.label) in labels[gw.grid_a.pk]
    assert str(gw.a1) in labels[gw.grid_a.pk]
    assert f'name="assignee" value="{gw.mediator_a.pk}"' not in response.content.decode()


def test_portal_assign_refuses_a_crafted_outsider(gw, client):
    incident = services.incident_accept(incident=_report(gw), actor=gw.staff_a)
    client.force_login(gw.staff_a)
    url = reverse("grids:incident_action", args=[incident.pk, "assign"])

    response = client.post(url, {"assignee": gw.mediator_a.pk})

    assert response.status_code == 200
    assert "assignee" in response.context["form"].errors
    incident.refresh_from_db()
    assert incident.status == Incident.Status.ACCEPTED


def test_the_picker_starts_on_the_incidents_own_grid_member(gw, client):
    """One press of the button dispatches to the grid's own member; a reassignment starts
    on whoever has it now."""
    incident = _report(gw)
    client.force_login(gw.staff_a)
    form = client.get(_change_url(incident)).context["dispatch_form"]
    assert form["assignee"].value() == gw.grid_a.pk
    services.incident_dispatch(incident=incident, actor=gw.staff_a, assignee=gw.grid_a2)
    form = client.get(_change_url(incident)).context["dispatch_form"]
    assert form["assignee"].value() == gw.grid_a2.pk
