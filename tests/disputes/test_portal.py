"""The mediator's portal: my cases, a case's page, record a session, an agreement and a
follow-up visit; bad input shows field errors and stores nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes.models import Agreement, DisputeCase, FollowUp, MediationSession
from hive.models import PersonalDataAccess
from tests.disputes.factories import register, walk

pytestmark = pytest.mark.django_db
S = DisputeCase.Status


@pytest.fixture
def mediator_client(client, world):
    client.force_login(world.mediator_a)
    return client


def test_portal_home_links_the_mediator_pages(mediator_client):
    html = mediator_client.get(reverse("portal:home")).content.decode()
    assert reverse("disputes:portal_cases") in html
    assert reverse("disputes:portal_followups") in html


def test_my_cases_lists_only_assigned_cases(world, mediator_client, case, room_a):
    other = register(community=world.a, room=room_a, actor=world.staff_a, title="别人的案子")
    response = mediator_client.get(reverse("disputes:portal_cases"))
    assert response.status_code == 200
    assert [c.pk for c in response.context["page"].object_list] == [case.pk]
    detail = reverse("disputes:portal_case_detail", args=[other.pk])
    assert mediator_client.get(detail).status_code == 404
    session = reverse("disputes:portal_session_new", args=[other.pk])
    assert mediator_client.get(session).status_code == 404


def test_my_cases_filters_by_status(world, mediator_client, case, room_a, med_a):
    accepted = register(community=world.a, room=room_a, actor=world.staff_a, mediators=[med_a])
    walk(accepted, "accepted", actor=world.staff_a)
    response = mediator_client.get(reverse("disputes:portal_cases"), {"status": "accepted"})
    assert [c.pk for c in response.context["page"].object_list] == [accepted.pk]


def test_case_page_masks_parties_until_revealed_and_logs_the_reveal(world, mediator_client, case):
    url = reverse("disputes:portal_case_detail", args=[case.pk])
    html = mediator_client.get(url).content.decode()
    assert "13800138000" not in html and "138****8000" in html
    assert not PersonalDataAccess.objects.exists()
    html = mediator_client.post(url, {"action": "reveal"}).content.decode()
    assert "13800138000" in html
    logged = PersonalDataAccess.objects.filter(viewer=world.mediator_a)
    assert logged.count() == 2  # one row per party shown
    assert set(logged.values_list("community_id", flat=True)) == {world.a.pk}


def test_move_form_pre_selects_no_step(world, mediator_client, case):
    url = reverse("disputes:portal_case_detail", args=[case.pk])
    page = mediator_client.get(url).content.decode()
    assert '<option value="" selected>---------</option>' in page
    response = mediator_client.post(url, {"action": "move", "to": ""})
    assert response.status_code == 200 and response.context["move_form"].errors["to"]
    case.refresh_from_db()
    assert case.status == S.REGISTERED


def test_moves_from_the_case_page(world, mediator_client, case):
    url = reverse("disputes:portal_case_detail", args=[case.pk])
    response = mediator_client.post(url, {"action": "move", "to": "accepted"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.ACCEPTED
    mediator_client.post(url, {"action": "move", "to": "mediating"})
    # Failing needs a reason: a field error, nothing changes.
    response = mediator_client.post(url, {"action": "move", "to": "failed", "note": ""})
    assert response.status_code == 200
    assert response.context["move_form"].errors["note"]
    case.refresh_from_db()
    assert case.status == S.MEDIATING
    # A move the case cannot make is not offered (a stale page gets a form error).
    response = mediator_client.post(url, {"action": "move", "to": "closed"})
    assert response.status_code == 200 and response.context["move_form"].errors["to"]
    case.refresh_from_db()
    assert case.status == S.MEDIATING


def test_record_a_session(world, mediator_client, case, med_a):
    case = walk(case, "accepted", actor=world.staff_a)
    url = reverse("disputes:portal_session_new", args=[case.pk])
    assert mediator_client.get(url).status_code == 200
    party = case.parties.first()
    response = mediator_client.post(
        url,
        {
            "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "room": case.room_id,
            "mediators_present": [med_a.pk],
            "parties_present": [party.pk],
            "notes": "听取双方意见",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    session = MediationSession.objects.get()
    assert list(session.parties_present.all()) == [party]
    case.refresh_from_db()
    assert case.status == S.MEDIATING


def test_bad_session_shows_field_errors_and_stores_nothing(world, mediator_client, case, med_a):
    case = walk(case, "accepted", actor=world.staff_a)
    url = reverse("disputes:portal_session_new", args=[case.pk])
    tomorrow = timezone.localtime() + timedelta(days=1)
    response = mediator_client.post(
        url,
        {
            "held_at": tomorrow.strftime("%Y-%m-%dT%H:%M"),
            "room": case.room_id,
            "mediators_present": [med_a.pk],
            "notes": "x",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["held_at"]
    response = mediator_client.post(url, {"room": case.room_id, "notes": ""})
    assert set(response.context["form"].errors) >= {"held_at", "mediators_present", "notes"}
    assert not MediationSession.objects.exists()


def test_agreement_before_mediation_shows_an_error_and_stores_nothing(world, mediator_client, case):
    url = reverse("disputes:portal_agreement_new", args=[case.pk])
    response = mediator_client.post(
        url,
        {
            "terms": "赔偿500元",
            "signed_on": timezone.localdate().isoformat(),
            "judicial_confirmation": "not_requested",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Agreement.objects.exists()


def test_record_the_agreement_then_the_follow_up(world, mediator_client, case, settings):
    settings.HIVE_DISPUTE_FOLLOWUP_DAYS = 0
    case = walk(case, "mediating", actor=world.staff_a)
    today = timezone.localdate()
    response = mediator_client.post(
        reverse("disputes:portal_agreement_new", args=[case.pk]),
        {"terms": "赔偿500元", "signed_on": today.isoformat(), "judicial_confirmation": "pending"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.AGREEMENT_REACHED
    followup = FollowUp.objects.get(case=case)

    due = mediator_client.get(reverse("disputes:portal_followups"))
    assert [f.pk for f in due.context["page"].object_list] == [followup.pk]

    url = reverse("disputes:portal_followup_record", args=[followup.pk])
    # No outcome is pre-selected, and one must be chosen.
    page = mediator_client.get(url).content.decode()
    assert 'name="honoured"' in page and "checked" not in page
    response = mediator_client.post(url, {"visited_on": today.isoformat()})
    assert response.status_code == 200 and response.context["form"].errors["honoured"]
    before = (today - timedelta(days=1)).isoformat()
    response = mediator_client.post(url, {"visited_on": before, "honoured": "yes"})
    assert response.status_code == 200 and response.context["form"].errors["visited_on"]
    followup.refresh_from_db()
    assert followup.visited_on is None

    response = mediator_client.post(
        url, {"visited_on": today.isoformat(), "honoured": "partly", "notes": "已付一半"}
    )
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.honoured == "partly"
    case.refresh_from_db()
    assert case.status == S.FOLLOWED_UP
    due = mediator_client.get(reverse("disputes:portal_followups"))
    assert list(due.context["page"].object_list) == []

    # Plan another visit; a date before the agreement is refused.
    schedule = reverse("disputes:portal_followup_schedule", args=[case.pk])
    mediator_client.post(schedule, {"due_on": before})
    assert case.followups.count() == 1
    mediator_client.post(schedule, {"due_on": (today + timedelta(days=30)).isoformat()})
    assert case.followups.count() == 2


def test_other_roles_see_no_cases(world, client, case):
    for user in (world.party_a, world.grid_a, world.staff_b):
        client.force_login(user)
        listed = client.get(reverse("disputes:portal_cases")).context["page"].object_list
        assert list(listed) == []
        url = reverse("disputes:portal_case_detail", args=[case.pk])
        assert client.get(url).status_code == 404


def test_portal_needs_a_login(client, case):
    response = client.get(reverse("disputes:portal_cases"))
    assert response.status_code == 302


def test_my_cases_query_count_does_not_grow(
    world, mediator_client, room_a, med_a, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def grow(count):
        for _ in range(count):
            register(community=world.a, room=room_a, actor=world.staff_a, mediators=[med_a])

    grow(2)
    with CaptureQueriesContext(connection) as small:
        mediator_client.get(reverse("disputes:portal_cases"))
    grow(10)
    with CaptureQueriesContext(connection) as large:
        mediator_client.get(reverse("disputes:portal_cases"))
    assert len(large) == len(small)


def test_agreement_and_steps_ask_to_confirm(world, mediator_client, case):
    url = reverse("disputes:portal_case_detail", args=[case.pk])
    walk(case, "mediating", actor=world.staff_a)
    page = mediator_client.get(url).content.decode()
    assert 'data-confirm="此操作无法撤销，确定继续吗？"' in page  # the next-step form
    agreement = reverse("disputes:portal_agreement_new", args=[case.pk])
    page = mediator_client.get(agreement).content.decode()
    assert 'data-confirm="此操作无法撤销，确定继续吗？"' in page
    # Bad input: the form comes back, still asking, and nothing is stored.
    response = mediator_client.post(agreement, {"terms": "", "signed_on": "2026/13/45"})
    assert response.status_code == 200 and "data-confirm=" in response.content.decode()
    assert not Agreement.objects.exists()
    session = reverse("disputes:portal_session_new", args=[case.pk])
    assert "data-confirm=" not in mediator_client.get(session).content.decode()
