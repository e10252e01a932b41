"""Bad input answers with a field error and stores nothing."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from partycommittee.models import CommitteeDocument, CommitteeMember, Nomination, Vote
from tests.partycommittee.factories import (
    CampaignFactory,
    CommitteeFactory,
    CommitteeMemberFactory,
    NominationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee(world):
    return CommitteeFactory(community=world.a, name="虎尾沟社区大党委")


# --- Committee terms -------------------------------------------------------------------


def test_api_term_ending_before_it_starts_is_a_field_error(world, committee, api_client):
    api_client.force_authenticate(world.staff_a)
    response = api_client.post(
        "/api/committee-members/",
        {
            "committee": committee.pk,
            "user": world.grid_a.pk,
            "position": "member",
            "term_start": "2026-06-01",
            "term_end": "2026-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "term_end" in response.json()
    assert not CommitteeMember.objects.exists()


def test_admin_term_ending_before_it_starts_is_a_form_error(world, committee, client):
    client.force_login(world.staff_a)
    prefix = "members"
    response = client.post(
        f"/admin/partycommittee/bigpartycommittee/{committee.pk}/change/",
        {
            "name": committee.name,
            "community": world.a.pk,
            "established_on": "",
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-0-user": world.grid_a.pk,
            f"{prefix}-0-position": "member",
            f"{prefix}-0-term_start": "2026-06-01",
            f"{prefix}-0-term_end": "2026-01-01",
            "documents-TOTAL_FORMS": "0",
            "documents-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not CommitteeMember.objects.exists()


def test_database_refuses_a_reversed_term_and_a_second_seat(world, committee):
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitteeMember.objects.create(
            committee=committee,
            user=world.grid_a,
            position="member",
            term_start=datetime.date(2026, 6, 1),
            term_end=datetime.date(2026, 1, 1),
        )
    CommitteeMemberFactory(committee=committee, user=world.grid_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitteeMemberFactory(committee=committee, user=world.grid_a, position="deputy")


def test_api_second_seat_for_one_person_is_a_400(world, committee, api_client):
    CommitteeMemberFactory(committee=committee, user=world.grid_a)
    api_client.force_authenticate(world.staff_a)
    response = api_client.post(
        "/api/committee-members/",
        {
            "committee": committee.pk,
            "user": world.grid_a.pk,
            "position": "deputy",
            "term_start": "2026-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert CommitteeMember.objects.count() == 1


# --- Documents -------------------------------------------------------------------------


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), "white").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("charter.pdf", b"%PDF-1.7\n1 0 obj\n", True),
        ("scan.png", _png(), True),
        ("charter.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, True),
        ("virus.pdf", b"MZ\x90\x00 this is an exe", False),
        ("charter.docx", b"PK\x03\x04 not a real zip", False),
        ("notes.txt", b"just text", False),
    ],
)
def test_committee_documents_are_checked_by_content(world, committee, client, name, content, ok):
    client.force_login(world.staff_a)
    response = client.post(
        f"/admin/partycommittee/bigpartycommittee/{committee.pk}/change/",
        {
            "name": committee.name,
            "community": world.a.pk,
            "members-TOTAL_FORMS": "0",
            "members-INITIAL_FORMS": "0",
            "documents-TOTAL_FORMS": "1",
            "documents-INITIAL_FORMS": "0",
            "documents-0-title": "实施办法",
            "documents-0-kind": "charter",
            "documents-0-file": SimpleUploadedFile(name, content),
        },
    )
    assert CommitteeDocument.objects.exists() is ok
    assert response.status_code == (302 if ok else 200)


def test_docx_zip_is_accepted(world, committee):
    import zipfile

    from hive.uploads import validate_document_upload

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    validate_document_upload(SimpleUploadedFile("a.docx", buffer.getvalue()))


# --- Selection campaigns ---------------------------------------------------------------


@pytest.fixture
def voting_campaign(world, committee):
    now = timezone.now()
    campaign = CampaignFactory(
        community=world.a,
        seats=1,
        nomination_start=now - datetime.timedelta(days=5),
        nomination_end=now - datetime.timedelta(days=1),
        voting_start=now - datetime.timedelta(days=1),
        voting_end=now + datetime.timedelta(days=2),
    )
    CommitteeMemberFactory(committee=committee, user=world.unit_rep_a)
    return campaign


def test_committee_member_votes_once(world, voting_campaign, api_client):
    first = NominationFactory(campaign=voting_campaign, nominated_by=world.staff_a)
    second = NominationFactory(campaign=voting_campaign, nominated_by=world.staff_a)
    api_client.force_authenticate(world.unit_rep_a)
    assert (
        api_client.post("/api/votes/", {"nomination": first.pk}, format="json").status_code == 201
    )
    again = api_client.post("/api/votes/", {"nomination": first.pk}, format="json")
    assert again.status_code == 400 and "nomination" in again.json()
    over = api_client.post("/api/votes/", {"nomination": second.pk}, format="json")
    assert over.status_code == 400 and "nomination" in over.json()
    assert Vote.objects.count() == 1
    results = api_client.get(f"/api/campaigns/{voting_campaign.pk}/results/").json()
    assert results[0] == {
        "nomination": first.pk,
        "nominee_name": first.nominee_name,
        "vote_count": 1,
    }


def test_vote_outside_the_window_is_refused(world, committee, api_client):
    campaign = CampaignFactory(community=world.a)  # nominations open, voting not yet
    CommitteeMemberFactory(committee=committee, user=world.unit_rep_a)
    nomination = NominationFactory(campaign=campaign, nominated_by=world.staff_a)
    api_client.force_authenticate(world.unit_rep_a)
    response = api_client.post("/api/votes/", {"nomination": nomination.pk}, format="json")
    assert response.status_code == 400
    assert "campaign" in response.json()
    assert not Vote.objects.exists()


def test_non_members_cannot_vote(world, voting_campaign, api_client):
    nomination = NominationFactory(campaign=voting_campaign, nominated_by=world.staff_a)
    api_client.force_authenticate(world.staff_a)
    response = api_client.post("/api/votes/", {"nomination": nomination.pk}, format="json")
    assert response.status_code == 403 and "detail" in response.json()
    assert not Vote.objects.exists()


def test_nomination_outside_its_window_is_refused(world, voting_campaign, api_client):
    api_client.force_authenticate(world.staff_a)
    response = api_client.post(
        "/api/nominations/",
        {"campaign": voting_campaign.pk, "nominee_kind": "person", "nominee_name": "王阿姨"},
        format="json",
    )
    assert response.status_code == 400 and "campaign" in response.json()
    assert not Nomination.objects.exists()


def test_nomination_of_a_unit_needs_the_unit(world, colony, api_client):
    campaign = CampaignFactory(community=world.a)
    api_client.force_authenticate(world.staff_a)
    missing = api_client.post(
        "/api/nominations/", {"campaign": campaign.pk, "nominee_kind": "unit"}, format="json"
    )
    assert missing.status_code == 400
    ok = api_client.post(
        "/api/nominations/",
        {"campaign": campaign.pk, "nominee_kind": "unit", "unit": colony.unit_a1.pk},
        format="json",
    )
    assert ok.status_code == 201
    assert Nomination.objects.get().nominee_name == "矿区法院"


def test_campaign_windows_out_of_order_are_field_errors(world, api_client):
    api_client.force_authenticate(world.staff_a)
    response = api_client.post(
        "/api/campaigns/",
        {
            "community": world.a.pk,
            "title": "最美家庭",
            "kind": "other",
            "seats": 3,
            "nomination_start": "2026-05-10T00:00:00+08:00",
            "nomination_end": "2026-05-01T00:00:00+08:00",
            "voting_start": "2026-04-01T00:00:00+08:00",
            "voting_end": "2026-03-01T00:00:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"nomination_end", "voting_start", "voting_end", "other_kind"} <= set(response.json())


def test_campaign_in_another_community_cannot_be_created_by_staff(world, api_client):
    api_client.force_authenticate(world.staff_a)
    response = api_client.post(
        "/api/campaigns/",
        {
            "community": world.b.pk,
            "title": "文明单位",
            "kind": "civilised_unit",
            "nomination_start": "2026-05-01T00:00:00+08:00",
            "nomination_end": "2026-05-10T00:00:00+08:00",
            "voting_start": "2026-05-10T00:00:00+08:00",
            "voting_end": "2026-05-20T00:00:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 400 and "community" in response.json()


def test_the_same_nominee_twice_is_a_400(world, api_client):
    campaign = CampaignFactory(community=world.a)
    api_client.force_authenticate(world.staff_a)
    payload = {"campaign": campaign.pk, "nominee_kind": "family", "nominee_name": "李家"}
    assert api_client.post("/api/nominations/", payload, format="json").status_code == 201
    again = api_client.post("/api/nominations/", payload, format="json")
    assert again.status_code == 400
    assert Nomination.objects.count() == 1
