"""Advanced selection (评先选优) through the portal, the public form and the public
announcement: who nominates and votes, the windows, one vote per person per seat and at
most `seats` nominations per person (held by the database), the announcement after voting
closes, and no personal data on the public pages."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from hive.access.authorization import NotAuthorized
from partycommittee import services
from partycommittee.models import Campaign, Nomination, Vote
from tests.factories import UserFactory
from tests.partycommittee.factories import (
    CampaignFactory,
    CommitteeMemberFactory,
    NominationFactory,
    ResidentUnitFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("partycommittee:campaign_list")


def _t(msgid):
    """The message as the page shows it (the default language)."""
    with override(settings.LANGUAGE_CODE):
        return gettext(msgid)


def _voting(world, seats=1, **kwargs):
    """A campaign of community A whose voting is open now."""
    now = timezone.now()
    return CampaignFactory(
        community=world.a,
        seats=seats,
        nomination_start=now - datetime.timedelta(days=3),
        nomination_end=now - datetime.timedelta(days=1),
        voting_start=now - datetime.timedelta(days=1),
        voting_end=now + datetime.timedelta(days=2),
        **kwargs,
    )


def _closed(world, seats=1, **kwargs):
    """A campaign of community A whose voting closed yesterday."""
    now = timezone.now()
    return CampaignFactory(
        community=world.a,
        seats=seats,
        nomination_start=now - datetime.timedelta(days=6),
        nomination_end=now - datetime.timedelta(days=4),
        voting_start=now - datetime.timedelta(days=4),
        voting_end=now - datetime.timedelta(days=1),
        **kwargs,
    )


def _seat(world, user):
    return CommitteeMemberFactory(committee__community=world.a, user=user)


def _vote(campaign, nomination, voter, seat=1):
    # Around the service: the rows a past election left (voting now closed).
    return Vote.objects.create(
        campaign=campaign, nomination=nomination, voter=voter, seat=seat, seats=campaign.seats
    )


def _nominate(client, campaign, **data):
    url = reverse("partycommittee:campaign_nominate", args=[campaign.pk])
    payload = {
        "nominee_kind": "person",
        "nominee_name": "张伟",
        "reason": "多年义务打扫楼道，照顾孤寡老人",
    }
    return client.post(url, payload | data)


# --- Nominating in the portal -------------------------------------------------------------


def test_a_unit_representative_nominates_a_unit_from_the_portal(client, world):
    campaign = CampaignFactory(community=world.a, seats=2)
    unit = ResidentUnitFactory(community=world.a, name="矿区法院")
    client.force_login(world.unit_rep_a)
    response = _nominate(client, campaign, nominee_kind="unit", unit=unit.pk, nominee_name="")
    assert response.status_code == 302
    nomination = Nomination.objects.get()
    assert (nomination.nominee_name, nomination.unit, nomination.nominated_by) == (
        "矿区法院",
        unit,
        world.unit_rep_a,
    )
    assert (nomination.slot, nomination.seats) == (1, 2)


def test_nominating_when_nominations_are_closed_is_refused_and_nothing_stored(client, world):
    campaign = _voting(world)
    client.force_login(world.party_a)
    page = client.get(reverse("partycommittee:campaign_nominate", args=[campaign.pk]))
    assert b"data-refusal" in page.content
    assert _t("Nominations are not open for this campaign.") in page.content.decode()
    response = _nominate(client, campaign)
    assert response.status_code == 200
    assert _t("Nominations are not open for this campaign.") in response.content.decode()
    assert not Nomination.objects.exists()


def test_a_grid_member_off_the_committee_may_not_nominate(client, world, api_client):
    campaign = CampaignFactory(community=world.a)
    client.force_login(world.grid_a)
    page = client.get(reverse("partycommittee:campaign_nominate", args=[campaign.pk]))
    assert b"data-refusal" in page.content
    assert _nominate(client, campaign).status_code == 302
    api_client.force_authenticate(world.grid_a)
    response = api_client.post(
        "/api/nominations/",
        {"campaign": campaign.pk, "nominee_kind": "person", "nominee_name": "李娜"},
        format="json",
    )
    assert response.status_code == 403
    assert not Nomination.objects.exists()


def test_a_committee_member_with_any_role_nominates(client, world):
    campaign = CampaignFactory(community=world.a)
    _seat(world, world.grid_a)
    client.force_login(world.grid_a)
    assert _nominate(client, campaign).status_code == 302
    assert Nomination.objects.get().nominated_by == world.grid_a


def test_one_person_nominates_at_most_as_many_as_there_are_seats(client, world, api_client):
    campaign = CampaignFactory(community=world.a, seats=1)
    client.force_login(world.party_a)
    assert _nominate(client, campaign).status_code == 302
    response = _nominate(client, campaign, nominee_name="王芳")
    assert response.status_code == 200
    message = _t("You have made as many nominations as there are seats in this campaign.")
    assert message in response.content.decode()
    # The API door: the same service, the same refusal.
    api_client.force_authenticate(world.party_a)
    response = api_client.post(
        "/api/nominations/",
        {"campaign": campaign.pk, "nominee_kind": "person", "nominee_name": "赵强"},
        format="json",
    )
    assert response.status_code == 400
    assert list(Nomination.objects.values_list("nominee_name", flat=True)) == ["张伟"]


def test_the_database_refuses_a_nomination_slot_beyond_the_seats(world):
    campaign = CampaignFactory(community=world.a, seats=1)
    NominationFactory(campaign=campaign, nominated_by=world.party_a, slot=1, seats=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        NominationFactory(campaign=campaign, nominated_by=world.party_a, slot=2, seats=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        NominationFactory(campaign=campaign, nominated_by=world.party_a, slot=1, seats=1)
    assert Nomination.objects.count() == 1


# --- Voting in the portal -----------------------------------------------------------------


def test_a_committee_member_votes_with_one_tap_and_sees_the_vote(client, world):
    campaign = _voting(world, seats=2)
    nominee = NominationFactory(campaign=campaign, nominee_name="张伟", nominated_by=world.staff_a)
    NominationFactory(campaign=campaign, nominee_name="王芳", nominated_by=world.staff_a)
    _seat(world, world.party_a)
    client.force_login(world.party_a)
    page = client.get(LIST).content.decode()
    assert 'data-votes-left="2"' in page
    assert 'data-confirm="' in page
    vote_url = reverse("partycommittee:campaign_vote", args=[campaign.pk, nominee.pk])
    assert f'action="{vote_url}"' in page
    response = client.post(vote_url)
    assert response.status_code == 302 and response.url.endswith(f"#campaign-{campaign.pk}")
    vote = Vote.objects.get()
    assert (vote.nomination, vote.voter, vote.seat, vote.seats) == (nominee, world.party_a, 1, 2)
    page = client.get(LIST).content.decode()
    assert 'data-votes-left="1"' in page and "data-voted" in page and "data-my-votes" in page
    assert f'action="{vote_url}"' not in page


def test_voting_needs_a_post_with_the_csrf_token(world):
    from django.test import Client

    campaign = _voting(world)
    nominee = NominationFactory(campaign=campaign, nominated_by=world.staff_a)
    _seat(world, world.party_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.party_a)
    url = reverse("partycommittee:campaign_vote", args=[campaign.pk, nominee.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403
    assert not Vote.objects.exists()


def test_an_ineligible_person_sees_why_and_cannot_vote(client, world):
    campaign = _voting(world)
    nominee = NominationFactory(campaign=campaign, nominated_by=world.staff_a)
    client.force_login(world.unit_rep_a)
    page = client.get(LIST).content.decode()
    assert "data-vote-refusal" in page
    assert _t("Only members of the big party committee vote.") in page
    url = reverse("partycommittee:campaign_vote", args=[campaign.pk, nominee.pk])
    assert f'action="{url}"' not in page
    response = client.post(url, follow=True)
    assert _t("Only members of the big party committee vote.") in response.content.decode()
    assert not Vote.objects.exists()


def test_a_second_vote_beyond_the_seats_and_a_duplicate_are_refused(client, world):
    campaign = _voting(world, seats=1)
    first = NominationFactory(campaign=campaign, nominated_by=world.staff_a)
    second = NominationFactory(campaign=campaign, nominated_by=world.staff_a)
    _seat(world, world.party_a)
    client.force_login(world.party_a)
    client.post(reverse("partycommittee:campaign_vote", args=[campaign.pk, first.pk]))
    response = client.post(
        reverse("partycommittee:campaign_vote", args=[campaign.pk, second.pk]), follow=True
    )
    assert _t("You have used all your votes in this campaign.") in response.content.decode()
    response = client.post(
        reverse("partycommittee:campaign_vote", args=[campaign.pk, first.pk]), follow=True
    )
    assert _t("You have already voted for this nominee.") in response.content.decode()
    assert list(Vote.objects.values_list("nomination_id", flat=True)) == [first.pk]


def test_vote_cast_refuses_beyond_the_seats_with_a_clear_error(world):
    campaign = _voting(world, seats=2)
    nominees = [NominationFactory(campaign=campaign, nominated_by=world.staff_a) for _ in "abc"]
    _seat(world, world.party_a)
    assert [services.vote_cast(nomination=n, voter=world.party_a).seat for n in nominees[:2]] == [
        1,
        2,
    ]
    with pytest.raises(ValidationError) as refused:
        services.vote_cast(nomination=nominees[2], voter=world.party_a)
    assert refused.value.messages == [_t("You have used all your votes in this campaign.")]
    assert Vote.objects.count() == 2


def test_vote_cast_refuses_a_voter_off_the_committee(world):
    nominee = NominationFactory(campaign=_voting(world), nominated_by=world.staff_a)
    with pytest.raises(NotAuthorized):
        services.vote_cast(nomination=nominee, voter=world.unit_rep_a)
    assert not Vote.objects.exists()


def test_the_database_refuses_a_vote_beyond_the_seats(world):
    campaign = _voting(world, seats=1)
    first = NominationFactory(campaign=campaign, nominated_by=world.staff_a)
    second = NominationFactory(campaign=campaign, nominated_by=world.staff_a)
    _vote(campaign, first, world.party_a, seat=1)
    # A second vote on the same seat, or on a seat past the campaign's seats.
    with pytest.raises(IntegrityError), transaction.atomic():
        _vote(campaign, second, world.party_a, seat=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        _vote(campaign, second, world.party_a, seat=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        _vote(campaign, second, world.party_a, seat=0)
    assert Vote.objects.count() == 1


def test_the_api_still_votes_through_the_same_service(world, api_client):
    campaign = _voting(world, seats=1)
    nominee = NominationFactory(campaign=campaign, nominated_by=world.staff_a)
    other = NominationFactory(campaign=campaign, nominated_by=world.staff_a)
    _seat(world, world.party_a)
    api_client.force_authenticate(world.party_a)
    response = api_client.post("/api/votes/", {"nomination": nominee.pk}, format="json")
    assert response.status_code == 201
    response = api_client.post("/api/votes/", {"nomination": other.pk}, format="json")
    assert response.status_code == 400
    assert Vote.objects.get().seat == 1


def test_the_portal_list_takes_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    _seat(world, world.party_a)
    client.force_login(world.party_a)

    def grow():
        for campaign in (
            _voting(world, seats=2),
            CampaignFactory(community=world.a),
            _closed(world),
        ):
            for _ in range(3):
                nominee = NominationFactory(campaign=campaign, nominated_by=world.staff_a)
                if campaign.voting_closed():
                    _vote(campaign, nominee, UserFactory())

    # Session, user, scope, campaigns, nominations, my votes, my nominations, my seats.
    grow()
    with django_assert_max_num_queries(8):
        assert client.get(LIST).status_code == 200
    grow()
    with django_assert_max_num_queries(8):
        assert client.get(LIST).status_code == 200


# --- The announcement (公示) --------------------------------------------------------------


def test_results_are_announced_only_after_voting_closes(world, client):
    campaign = _voting(world)
    with pytest.raises(ValidationError) as refused:
        services.campaign_announce(campaign=campaign)
    assert refused.value.messages == [_t("Results are announced once voting has closed.")]
    client.force_login(world.staff_a)
    client.post(
        reverse("admin:partycommittee_campaign_changelist"),
        {"action": "announce", "_selected_action": [campaign.pk]},
    )
    campaign.refresh_from_db()
    assert campaign.announced_at is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(announced_at=timezone.now())


def test_staff_announce_from_the_admin_and_the_public_page_shows_the_selected(world, client):
    world.a.phone = "0351-6661234"
    world.a.save()
    campaign = _closed(world, seats=2)
    public = NominationFactory(
        campaign=campaign,
        nominee_name="张伟家庭",
        nominated_by=None,
        nominator_name="刘秀英",
        nominator_phone="13912345678",
        reason="热心邻里",
    )
    second = NominationFactory(campaign=campaign, nominee_name="王芳", nominated_by=world.party_a)
    third = NominationFactory(campaign=campaign, nominee_name="赵强", nominated_by=world.party_a)
    for voter in (world.party_a, world.unit_rep_a, world.grid_a):
        _vote(campaign, public, voter)
    _vote(campaign, second, world.party_a, seat=2)
    url = reverse("partycommittee:public_announcement", args=["a", campaign.pk])
    assert client.get(url).status_code == 404
    staff = client
    staff.force_login(world.staff_a)
    staff.post(
        reverse("admin:partycommittee_campaign_changelist"),
        {"action": "announce", "_selected_action": [campaign.pk]},
    )
    campaign.refresh_from_db()
    assert campaign.announced_at is not None
    assert campaign.objection_end == campaign.announced_at + datetime.timedelta(days=5)
    staff.logout()
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("data-selected") == 2
    assert "张伟家庭" in html and "王芳" in html and "赵强" in html
    assert "data-office-phone" in html and "0351-6661234" in html
    for private in ("刘秀英", "13912345678", world.party_a.username, world.unit_rep_a.username):
        assert private not in html
    assert third.nominee_name in html  # listed with no vote, not selected
    # The community's list links the announcement.
    listing = client.get(reverse("partycommittee:public_selection", args=["a"])).content.decode()
    assert f'data-announced-campaign="{campaign.pk}"' in listing


def test_a_tie_for_the_last_seat_is_shown_honestly(world, client):
    campaign = _closed(world, seats=1)
    for name, voter in (("甲", world.party_a), ("乙", world.unit_rep_a)):
        _vote(campaign, NominationFactory(campaign=campaign, nominee_name=name), voter)
    services.campaign_announce(campaign=campaign)
    html = client.get(
        reverse("partycommittee:public_announcement", args=["a", campaign.pk])
    ).content.decode()
    assert "data-selected" not in html
    assert "data-tie" in html and html.count("data-tied") == 2


def test_an_announcement_is_made_once(world):
    campaign = _closed(world)
    services.campaign_announce(campaign=campaign)
    with pytest.raises(ValidationError) as refused:
        services.campaign_announce(campaign=campaign)
    message = "The results of this campaign have already been announced."
    assert refused.value.messages == [_t(message)]


def test_the_public_page_refreshes_when_results_are_announced(world, client):
    campaign = _closed(world)
    listing = reverse("partycommittee:public_selection", args=["a"])
    assert f'data-announced-campaign="{campaign.pk}"' not in client.get(listing).content.decode()
    services.campaign_announce(campaign=campaign)
    assert f'data-announced-campaign="{campaign.pk}"' in client.get(listing).content.decode()


def test_the_public_page_takes_a_fixed_number_of_queries(
    world, client, django_assert_max_num_queries
):
    campaign = _closed(world, seats=3)
    services.campaign_announce(campaign=campaign)
    url = reverse("partycommittee:public_announcement", args=["a", campaign.pk])
    for count in (3, 9):
        while campaign.nominations.count() < count:
            _vote(campaign, NominationFactory(campaign=campaign), UserFactory())
        # A fresh page each time: the cache is turned off for the count.
        # The campaign with its community, the nominees with their votes.
        with override_cache(), django_assert_max_num_queries(2):
            assert client.get(url).status_code == 200


class override_cache:
    def __enter__(self):
        from django.test import override_settings

        self._override = override_settings(HIVE_PUBLIC_PAGE_CACHE_SECONDS=0)
        self._override.enable()

    def __exit__(self, *exc):
        self._override.disable()


# --- Nominating without an account --------------------------------------------------------


def _public_form(**data):
    return {
        "nominee_kind": "family",
        "nominee_name": "李明家庭",
        "reason": "三代同堂，孝老爱亲，常年帮助邻居",
        "nominator_name": "刘秀英",
        "nominator_phone": "139 1234 5678",
        "consent": "on",
        "website": "",
    } | data


def _public_url(campaign):
    return reverse("partycommittee:public_nominate", args=[campaign.community.code, campaign.pk])


def test_a_resident_nominates_through_the_public_form(world, client):
    campaign = CampaignFactory(community=world.a, seats=1)
    response = client.post(_public_url(campaign), _public_form())
    assert response.status_code == 302
    nomination = Nomination.objects.get()
    assert nomination.nominated_by is None
    assert (nomination.nominator_name, nomination.nominator_phone) == ("刘秀英", "13912345678")
    assert nomination.consent_at is not None and nomination.slot == 1
    # Sent twice: stored once.
    assert client.post(_public_url(campaign), _public_form()).status_code == 302
    # Another nominee from the same phone: past the seats.
    response = client.post(_public_url(campaign), _public_form(nominee_name="王家"))
    assert response.status_code == 200
    assert Nomination.objects.count() == 1


def test_the_public_form_refuses_closed_windows_bots_and_numbers_in_text(world, client):
    closed = _voting(world)
    page = client.get(_public_url(closed))
    assert b"data-closed" in page.content
    assert client.post(_public_url(closed), _public_form()).status_code == 200
    campaign = CampaignFactory(community=world.a)
    assert client.post(_public_url(campaign), _public_form(website="x")).status_code == 200
    response = client.post(
        _public_url(campaign), _public_form(reason="请打电话13912345678联系他家")
    )
    assert response.status_code == 200
    assert client.post(_public_url(campaign), _public_form(consent="")).status_code == 200
    assert not Nomination.objects.exists()


def test_the_public_form_is_rate_limited(world, client, settings):
    settings.HIVE_NOMINATION_RATE_PER_ADDRESS = "2/h"
    campaign = CampaignFactory(community=world.a, seats=5)
    for name in ("甲家", "乙家"):
        assert (
            client.post(_public_url(campaign), _public_form(nominee_name=name)).status_code == 302
        )
    response = client.post(_public_url(campaign), _public_form(nominee_name="丙家"))
    assert response.status_code == 429
    assert Nomination.objects.count() == 2


def test_seats_cannot_drop_below_the_votes_already_cast(world):
    campaign = _closed(world, seats=2)
    for seat in (1, 2):
        _vote(campaign, NominationFactory(campaign=campaign), world.party_a, seat=seat)
    campaign.seats = 1
    with pytest.raises(ValidationError) as refused:
        campaign.full_clean()
    assert list(refused.value.error_dict) == ["seats"]
    campaign.seats = 3
    campaign.full_clean()


def test_the_migration_numbers_the_votes_cast_before_the_seat_rule(world):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("partycommittee.migrations.0007_number_existing_votes")
    campaign = _closed(world, seats=3)
    first, second = (NominationFactory(campaign=campaign) for _ in range(2))
    # Numbers out of order, as if cast in another order (the table has the constraint
    # already here, so the new numbers must not collide on the way).
    _vote(campaign, first, world.party_a, seat=3)
    _vote(campaign, second, world.party_a, seat=2)
    _vote(campaign, second, world.unit_rep_a, seat=3)
    migration.number_votes(apps, None)
    votes = list(Vote.objects.order_by("pk").values_list("voter_id", "seat", "seats"))
    assert votes == [
        (world.party_a.pk, 1, 3),
        (world.party_a.pk, 2, 3),
        (world.unit_rep_a.pk, 1, 3),
    ]


def test_residents_find_the_selection_pages_from_the_landing_page(world, client):
    index = reverse("partycommittee:public_selection_index")
    assert f'href="{index}"' in client.get("/").content.decode()
    html = client.get(index).content.decode()
    assert f'href="{reverse("partycommittee:public_selection", args=["a"])}"' in html
    campaign = CampaignFactory(community=world.a)
    listing = client.get(reverse("partycommittee:public_selection", args=["a"])).content.decode()
    assert f'href="{_public_url(campaign)}"' in listing


# --- Objections during the objection period -----------------------------------------------


def _objection(**data):
    return {
        "nomination": "",
        "reason": "该候选人家庭并非本社区居民，不符合评选条件",
        "name": "陈军",
        "phone": "13712345678",
        "consent": "on",
        "website": "",
    } | data


def _object_url(campaign):
    return reverse("partycommittee:public_object", args=["a", campaign.pk])


def test_a_resident_objects_during_the_objection_period(world, client):
    from partycommittee.models import Objection

    campaign = _closed(world)
    nominee = NominationFactory(campaign=campaign)
    assert client.get(_object_url(campaign)).status_code == 404  # not announced yet
    services.campaign_announce(campaign=campaign)
    page = client.get(reverse("partycommittee:public_announcement", args=["a", campaign.pk]))
    assert f'href="{_object_url(campaign)}"' in page.content.decode()
    response = client.post(_object_url(campaign), _objection(nomination=nominee.pk))
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.nomination, objection.phone) == (nominee, "13712345678")
    # Not on the public page.
    page = client.get(reverse("partycommittee:public_announcement", args=["a", campaign.pk]))
    assert "13712345678" not in page.content.decode() and "陈军" not in page.content.decode()
    # Staff of community A see it in the admin, masked.
    client.force_login(world.staff_a)
    listing = client.get(reverse("admin:partycommittee_objection_changelist"))
    assert listing.status_code == 200 and "13712345678" not in listing.content.decode()


def test_objections_after_the_period_and_from_bots_are_refused(world, client):
    from partycommittee.models import Objection

    campaign = _closed(world)
    services.campaign_announce(campaign=campaign)
    assert client.post(_object_url(campaign), _objection(website="x")).status_code == 200
    Campaign.objects.filter(pk=campaign.pk).update(
        announced_at=timezone.now() - datetime.timedelta(days=1), objection_days=1
    )
    Campaign.objects.filter(pk=campaign.pk).update(
        voting_end=timezone.now() - datetime.timedelta(days=2)
    )
    page = client.get(_object_url(campaign))
    assert b"data-closed" in page.content
    assert client.post(_object_url(campaign), _objection()).status_code == 200
    assert not Objection.objects.exists()
