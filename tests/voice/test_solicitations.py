"""Demand solicitation: the public form and the unit representatives' portal form,
the window, and staff merging submissions into the demand list."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from hive.access.roles import Role
from hive.models import TimelineEntry
from hive.ui import portal
from partycommittee.models import DemandItem
from tests.factories import user_with_role
from tests.partycommittee.factories import ResidentUnitFactory
from tests.voice.factories import SolicitationFactory, submission_form_data
from voice import services
from voice.models import Submission

pytestmark = pytest.mark.django_db


def form_url(solicitation):
    return reverse("voice:submission_new", args=[solicitation.community.code, solicitation.pk])


def post(client, solicitation, data, addr="10.1.2.3"):
    return client.post(form_url(solicitation), data, REMOTE_ADDR=addr)


def resident_submission(solicitation, text, phone="13911112222"):
    submission, _created = services.submission_submit(
        solicitation=solicitation, text=text, resident_name="居民", resident_phone=phone
    )
    return submission


# --- Opening ------------------------------------------------------------------------------


def test_staff_open_a_solicitation_in_their_community_only(world):
    now = timezone.now()
    window = {"opens_at": now, "closes_at": now + datetime.timedelta(days=3)}
    opened = services.solicitation_open(
        community=world.a, topic="助老需求征集", actor=world.staff_a, **window
    )
    assert opened.created_by == world.staff_a and opened.is_open()
    with pytest.raises(PermissionDenied):
        services.solicitation_open(community=world.a, topic="越权", actor=world.staff_b, **window)
    with pytest.raises(ValidationError):
        services.solicitation_open(
            community=world.a,
            topic="反了",
            actor=world.staff_a,
            opens_at=now,
            closes_at=now - datetime.timedelta(hours=1),
        )


def test_staff_open_one_through_the_admin(world, client):
    client.force_login(world.staff_a)
    now = timezone.localtime()
    response = client.post(
        reverse("admin:voice_solicitation_add"),
        {
            "community": world.a.pk,
            "topic": "暑期托管需求征集",
            "description": "",
            "opens_at_0": now.strftime("%Y-%m-%d"),
            "opens_at_1": "00:00:00",
            "closes_at_0": (now + datetime.timedelta(days=10)).strftime("%Y-%m-%d"),
            "closes_at_1": "00:00:00",
            "submissions-TOTAL_FORMS": "0",
            "submissions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert world.a.solicitations.get().created_by == world.staff_a


# --- Residents ----------------------------------------------------------------------------


def test_open_solicitations_are_listed_publicly(client, world, solicitation):
    closed = SolicitationFactory(
        community=world.a,
        opens_at=timezone.now() - datetime.timedelta(days=9),
        closes_at=timezone.now() - datetime.timedelta(days=2),
    )
    response = client.get(reverse("voice:solicitation_list", args=[world.a.code]))
    assert list(response.context["solicitations"]) == [solicitation]
    assert form_url(solicitation) in response.content.decode()
    assert closed.topic not in response.content.decode()


def test_good_submission_goes_to_the_tracking_page(client, world, solicitation):
    response = post(client, solicitation, submission_form_data())
    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == submission.get_absolute_url()
    assert (submission.community, submission.source) == (world.a, Submission.Source.RESIDENT)
    assert submission.resident_phone == "13912345678" and submission.consent_at
    page = client.get(response["Location"])
    assert page.status_code == 200 and submission.tracking_code in page.content.decode()


def test_phone_number_in_the_text_is_refused(client, world, solicitation):
    response = post(client, solicitation, submission_form_data(text="需要助餐，联系13912345678"))
    assert response.status_code == 200
    assert "text" in response.context["form"].errors
    assert not Submission.objects.exists()


def test_honeypot_is_refused(client, world, solicitation):
    response = post(client, solicitation, submission_form_data(website="x"))
    assert response.context["form"].non_field_errors()
    assert not Submission.objects.exists()


def test_rate_limit_per_address(client, world, solicitation, settings):
    settings.HIVE_VOICE_RATE_PER_ADDRESS = "1/h"
    assert post(client, solicitation, submission_form_data()).status_code == 302
    refused = post(client, solicitation, submission_form_data(text="再来一条需求：加装电梯"))
    assert refused.status_code == 429 and "data-rate-limited" in refused.content.decode()
    assert Submission.objects.count() == 1


@pytest.mark.parametrize("when", ["closed", "not_open"])
def test_outside_the_window_a_clear_error_and_nothing_stored(client, world, when):
    now = timezone.now()
    if when == "closed":
        window = {"opens_at": now - datetime.timedelta(days=9), "closes_at": now}
    else:
        window = {
            "opens_at": now + datetime.timedelta(days=1),
            "closes_at": now + datetime.timedelta(days=9),
        }
    solicitation = SolicitationFactory(community=world.a, **window)
    page = client.get(form_url(solicitation))
    assert page.status_code == 200 and "data-not-open" in page.content.decode()
    response = post(client, solicitation, submission_form_data())
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors().as_data()
    assert [error.code for error in errors] == [when]
    assert not Submission.objects.exists()


def test_a_solicitation_is_reached_only_through_its_community(client, world, solicitation):
    wrong = reverse("voice:submission_new", args=[world.b.code, solicitation.pk])
    assert client.get(wrong).status_code == 404


# --- Unit representatives -----------------------------------------------------------------


def test_the_portal_link_is_registered_for_unit_representatives():
    urls = [link.url_name for link in portal.links_for_role(Role.UNIT_REP)]
    assert "voice:portal_solicitations" in urls


def test_a_unit_representative_sends_the_units_demand(client, world, solicitation, unit_a):
    client.force_login(world.unit_rep_a)
    listing = client.get(reverse("voice:portal_solicitations"))
    assert list(listing.context["solicitations"]) == [solicitation]
    url = reverse("voice:portal_submission_new", args=[solicitation.pk])
    response = client.post(url, {"unit": unit_a.pk, "text": "法院可提供普法讲座场地需求对接"})
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert (submission.source, submission.unit, submission.submitted_by) == (
        Submission.Source.UNIT,
        unit_a,
        world.unit_rep_a,
    )
    assert submission.resident_phone == ""
    listing = client.get(reverse("voice:portal_solicitations"))
    assert [s.pk for s in listing.context["sent"]] == [submission.pk]


def test_a_representative_cannot_send_for_another_unit_or_community(client, world, unit_a):
    other_unit = ResidentUnitFactory(community=world.a, name="别的单位")
    solicitation_b = SolicitationFactory(community=world.b)
    solicitation_a = SolicitationFactory(community=world.a)
    client.force_login(world.unit_rep_a)
    url_b = reverse("voice:portal_submission_new", args=[solicitation_b.pk])
    assert client.get(url_b).status_code == 404
    url_a = reverse("voice:portal_submission_new", args=[solicitation_a.pk])
    response = client.post(url_a, {"unit": other_unit.pk, "text": "冒名提交的需求内容"})
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    with pytest.raises(PermissionDenied):
        services.submission_submit(
            solicitation=solicitation_a,
            text="冒名提交的需求内容",
            unit=other_unit,
            submitted_by=world.unit_rep_a,
        )
    assert not Submission.objects.exists()


def test_the_portal_refuses_outside_the_window(client, world, unit_a):
    now = timezone.now()
    closed = SolicitationFactory(
        community=world.a, opens_at=now - datetime.timedelta(days=3), closes_at=now
    )
    client.force_login(world.unit_rep_a)
    url = reverse("voice:portal_submission_new", args=[closed.pk])
    response = client.post(url, {"unit": unit_a.pk, "text": "截止后的需求内容"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Submission.objects.exists()


# --- Merging into the demand list ---------------------------------------------------------


def test_two_submissions_merged_into_one_demand_are_linked_both_ways(world, solicitation):
    first = resident_submission(solicitation, "希望有老年助餐点")
    second = resident_submission(solicitation, "老人吃饭难，想要食堂", phone="13933334444")
    demand = services.submissions_merge(
        submissions=[first, second],
        actor=world.staff_a,
        category=DemandItem.Category.ELDERLY,
        title="老年助餐点",
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.demand, second.demand) == (demand, demand)
    assert first.status == second.status == Submission.Status.ACCEPTED
    assert set(demand.voice_submissions.all()) == {first, second}
    assert (demand.community, demand.source, demand.category) == (
        world.a,
        DemandItem.Source.RESIDENTS,
        DemandItem.Category.ELDERLY,
    )
    assert "希望有老年助餐点" in demand.description and "13911112222" not in demand.description
    assert TimelineEntry.objects.for_object(first).count() == 2
    with pytest.raises(ValidationError):  # already accepted
        services.submissions_merge(
            submissions=[first], actor=world.staff_a, category=DemandItem.Category.OTHER
        )


def test_units_only_give_a_unit_demand_naming_them(world, solicitation, unit_a):
    submission, _ = services.submission_submit(
        solicitation=solicitation,
        text="单位周边停车难",
        unit=unit_a,
        submitted_by=world.unit_rep_a,
    )
    demand = services.submissions_merge(
        submissions=[submission], actor=world.staff_a, category=DemandItem.Category.FACILITIES
    )
    assert demand.source == DemandItem.Source.UNIT and demand.raised_by == unit_a.name
    assert demand.title == "单位周边停车难"


def test_merging_is_refused_across_communities_and_to_other_staff(world, solicitation):
    mine = resident_submission(solicitation, "社区A的需求内容")
    theirs = resident_submission(SolicitationFactory(community=world.b), "社区B的需求内容")
    with pytest.raises(ValidationError):
        services.submissions_merge(
            submissions=[mine, theirs], actor=world.street_admin, category="other"
        )
    with pytest.raises(PermissionDenied):
        services.submissions_merge(submissions=[mine], actor=world.staff_b, category="other")
    assert not DemandItem.objects.exists()


def test_staff_merge_through_the_admin_and_the_demand_page_lists_them(world, client, solicitation):
    first = resident_submission(solicitation, "希望加装楼道扶手")
    second = resident_submission(solicitation, "楼道需要扶手", phone="13955556666")
    client.force_login(world.staff_a)
    changelist = reverse("admin:voice_submission_changelist")
    selected = {"action": "merge_selected", "_selected_action": [first.pk, second.pk]}
    asked = client.post(changelist, selected)
    assert asked.status_code == 200 and 'name="category"' in asked.content.decode()
    done = client.post(
        changelist,
        {**selected, "apply": "1", "category": "facilities", "priority": "3", "title": "楼道扶手"},
    )
    assert done.status_code == 302
    demand = DemandItem.objects.get()
    assert demand.priority == 3 and demand.voice_submissions.count() == 2
    page = client.get(reverse("admin:partycommittee_demanditem_change", args=[demand.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert first.tracking_code in html and second.tracking_code in html
    # The submission's own page links to the demand; its tracking page names it.
    sub_page = client.get(reverse("admin:voice_submission_change", args=[first.pk]))
    assert reverse("admin:partycommittee_demanditem_change", args=[demand.pk]) in (
        sub_page.content.decode()
    )
    track = client.get(first.get_absolute_url())
    assert "data-demand" in track.content.decode()


def test_staff_of_another_community_cannot_merge_through_the_admin(world, client, solicitation):
    submission = resident_submission(solicitation, "希望加装楼道扶手")
    client.force_login(world.staff_b)
    client.post(
        reverse("admin:voice_submission_changelist"),
        {
            "action": "merge_selected",
            "_selected_action": [submission.pk],
            "apply": "1",
            "category": "facilities",
            "priority": "2",
        },
    )
    assert not DemandItem.objects.exists()


def test_decline_with_a_reason(world, solicitation):
    submission = resident_submission(solicitation, "不属于社区职责的需求")
    services.submission_decline(submission=submission, actor=world.staff_a, reason="请找物业")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DECLINED and submission.demand is None


def test_unit_rep_of_b_sees_no_submission_of_a(world, solicitation, unit_a):
    rep_b = user_with_role(Role.UNIT_REP, community=world.b, username="unit_b")
    services.submission_submit(
        solicitation=solicitation,
        text="A单位的需求内容",
        unit=unit_a,
        submitted_by=world.unit_rep_a,
    )
    assert Submission.objects.visible_to(rep_b).count() == 0
    assert Submission.objects.visible_to(world.unit_rep_a).count() == 1
