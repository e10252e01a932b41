"""The API door: registration, every legal and illegal move, filters, scoping, query
counts, bad input as 400s with field messages."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes.models import CaseParty, DisputeCase, FollowUp, MediationSession
from hive.models import TimelineEntry
from tests.disputes.factories import PARTIES, RoomFactory, mediator_for, register, walk

pytestmark = pytest.mark.django_db
S = DisputeCase.Status
TODAY = timezone.localdate


def payload(world, room, **change):
    data = {
        "community": world.a.pk,
        "room": room.pk,
        "kind": "property_fees",
        "title": "物业费纠纷",
        "facts": "业主拒交物业费",
        "amount_in_dispute": "1200.50",
        "governance_methods": ["rule_of_law", "self_governance"],
        "parties": PARTIES,
    }
    data.update(change)
    return data


def api_move(api_client, case, target):
    """POST the action that moves `case` to `target`; returns the response."""
    base = f"/api/dispute-cases/{case.pk}/"
    if target == S.ACCEPTED:
        return api_client.post(base + "accept/", {}, format="json")
    if target == S.MEDIATING:
        return api_client.post(base + "start-mediation/", {}, format="json")
    if target == S.AGREEMENT_REACHED:
        return api_client.post(
            base + "agreement/",
            {"terms": "分三期缴清", "signed_on": TODAY().isoformat()},
            format="json",
        )
    if target == S.FOLLOWED_UP:
        followup = case.followups.filter(visited_on__isnull=True).first()
        if followup is None:
            return api_client.post(
                base + "schedule-followup/", {"due_on": TODAY().isoformat()}, format="json"
            )
        return api_client.post(
            f"/api/dispute-followups/{followup.pk}/record/",
            {"visited_on": TODAY().isoformat(), "honoured": "yes"},
            format="json",
        )
    if target == S.FAILED:
        return api_client.post(base + "fail/", {"reason": "分歧过大"}, format="json")
    if target == S.REFERRED:
        return api_client.post(base + "refer/", {"referred_to": "arbitration"}, format="json")
    if target == S.CLOSED:
        return api_client.post(base + "close/", {"note": "结案"}, format="json")
    if target == S.WITHDRAWN:
        return api_client.post(base + "withdraw/", {"reason": "撤回"}, format="json")
    raise AssertionError(target)


def test_staff_register_a_case(world, api_client, room_a, med_a):
    api_client.force_login(world.staff_a)
    response = api_client.post(
        "/api/dispute-cases/", payload(world, room_a, mediators=[med_a.pk]), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == f"{TODAY().year}-0001"
    assert body["status"] == "registered"
    assert body["mediators"] == [med_a.pk]
    assert body["governance_methods"] == ["rule_of_law", "self_governance"]
    # Parties come back masked.
    assert body["parties"][0]["phone"] == "138****8000"
    assert body["parties"][0]["name"] == "王**"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"parties": []}, "parties"),
        ({"parties": [PARTIES[0]]}, "parties"),
        ({"parties": [{"role": "judge", "name": "x"}, PARTIES[1]]}, "parties"),
        ({"kind": "quarrel"}, "kind"),
        ({"title": ""}, "title"),
        ({"amount_in_dispute": "-1"}, "amount_in_dispute"),
        ({"governance_methods": ["magic"]}, "governance_methods"),
        ({"source": "incident"}, "source"),
    ],
)
def test_bad_registration_is_a_400_with_the_field_and_stores_nothing(
    world, api_client, room_a, change, field
):
    api_client.force_login(world.staff_a)
    response = api_client.post(
        "/api/dispute-cases/", payload(world, room_a, **change), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not DisputeCase.objects.exists()
    assert not CaseParty.objects.exists()


def test_a_room_of_another_community_is_refused(world, api_client, room_a, room_b):
    api_client.force_login(world.staff_a)
    response = api_client.post("/api/dispute-cases/", payload(world, room_b), format="json")
    assert response.status_code == 400
    assert "room" in response.json()


def test_other_roles_cannot_register(world, api_client, room_a):
    for user in (world.party_a, world.grid_a, world.staff_b):
        api_client.force_login(user)
        response = api_client.post("/api/dispute-cases/", payload(world, room_a), format="json")
        assert response.status_code in (400, 403), user
    assert not DisputeCase.objects.exists()


@pytest.mark.parametrize("path", ["happy", "failure", "withdrawn"])
def test_every_legal_move_through_the_api(world, api_client, case, path):
    api_client.force_login(world.mediator_a)
    targets = {
        "happy": ["accepted", "mediating", "agreement_reached", "followed_up", "closed"],
        "failure": ["accepted", "mediating", "failed", "referred", "closed"],
        "withdrawn": ["accepted", "mediating", "failed", "withdrawn"],
    }[path]
    for target in targets:
        response = api_move(api_client, case, target)
        assert response.status_code in (200, 201), (target, response.json())
        case.refresh_from_db()
        assert case.status == target
    entries = TimelineEntry.objects.for_object(case).values_list("to_state", flat=True)
    assert list(entries) == ["registered", *targets]


@pytest.mark.parametrize("start", ["registered", "accepted", "mediating", "failed", "closed"])
def test_illegal_moves_through_the_api_are_400s(world, api_client, case, start):
    case = walk(case, start, actor=world.staff_a)
    api_client.force_login(world.staff_a)
    allowed = {
        step.target for step in DisputeCase.workflow.actions.values() if start in step.sources
    }
    for target in S.values:
        if target in allowed or target == S.REGISTERED:
            continue
        response = api_move(api_client, case, target)
        assert response.status_code == 400, (start, target, response.content)
        case.refresh_from_db()
        assert case.status == start


def test_agreement_before_mediation_is_a_field_error(world, api_client, case):
    api_client.force_login(world.mediator_a)
    response = api_move(api_client, case, S.AGREEMENT_REACHED)
    assert response.status_code == 400
    assert "status" in response.json()
    assert not FollowUp.objects.exists()


def test_follow_up_before_the_agreement_is_a_field_error(world, api_client, case):
    case = walk(case, "agreement_reached", actor=world.staff_a)
    api_client.force_login(world.mediator_a)
    before = (case.agreement.signed_on - timedelta(days=3)).isoformat()
    response = api_client.post(
        f"/api/dispute-cases/{case.pk}/schedule-followup/", {"due_on": before}, format="json"
    )
    assert response.status_code == 400 and "due_on" in response.json()
    followup = case.followups.get()
    response = api_client.post(
        f"/api/dispute-followups/{followup.pk}/record/",
        {"visited_on": before, "honoured": "yes"},
        format="json",
    )
    assert response.status_code == 400 and "visited_on" in response.json()
    assert case.followups.count() == 1


def test_record_a_session_through_the_api(world, api_client, case, med_a):
    case = walk(case, "accepted", actor=world.staff_a)
    api_client.force_login(world.mediator_a)
    party = case.parties.first()
    url = f"/api/dispute-cases/{case.pk}/sessions/"
    response = api_client.post(
        url,
        {
            "held_at": timezone.now().isoformat(),
            "notes": "第一次调解",
            "mediators_present": [med_a.pk],
            "parties_present": [party.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    case.refresh_from_db()
    assert case.status == S.MEDIATING
    assert api_client.get(url).json()[0]["notes"] == "第一次调解"
    bad = api_client.post(url, {"held_at": "", "notes": "", "mediators_present": []}, format="json")
    assert bad.status_code == 400
    assert MediationSession.objects.count() == 1


def test_a_mediator_cannot_reassign_and_sees_only_their_cases(world, api_client, case, room_a):
    other_case = register(community=world.a, room=room_a, actor=world.staff_a)
    api_client.force_login(world.mediator_a)
    listed = [row["id"] for row in api_client.get("/api/dispute-cases/").json()["results"]]
    assert listed == [case.pk]
    assert api_client.get(f"/api/dispute-cases/{other_case.pk}/").status_code == 404
    assert api_client.post(f"/api/dispute-cases/{other_case.pk}/accept/").status_code == 404
    other = mediator_for(community=world.a)
    response = api_client.post(
        f"/api/dispute-cases/{case.pk}/assign/", {"mediators": [other.pk]}, format="json"
    )
    assert response.status_code == 403


def test_staff_assign_mediators(world, api_client, case):
    other = mediator_for(community=world.a)
    api_client.force_login(world.staff_a)
    response = api_client.post(
        f"/api/dispute-cases/{case.pk}/assign/", {"mediators": [other.pk]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["mediators"] == [other.pk]
    assert other.user.notifications.count() == 1


def test_list_filters(world, api_client, room_a, med_a):
    room2 = RoomFactory(community=world.a)
    noise = register(community=world.a, room=room_a, actor=world.staff_a, mediators=[med_a])
    family = register(community=world.a, room=room2, actor=world.staff_a, kind="family")
    old = register(
        community=world.a,
        room=room_a,
        actor=world.staff_a,
        registered_at=timezone.now() - timedelta(days=60),
    )
    walk(family, "accepted", actor=world.staff_a)
    api_client.force_login(world.staff_a)

    def ids(query):
        response = api_client.get(f"/api/dispute-cases/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("status=accepted") == {family.pk}
    assert ids("kind=family") == {family.pk}
    assert ids(f"room={room2.pk}") == {family.pk}
    assert ids(f"mediator={med_a.pk}") == {noise.pk}
    assert ids(f"mediator_user={world.mediator_a.pk}") == {noise.pk}
    since = (TODAY() - timedelta(days=7)).isoformat()
    assert ids(f"registered_after={since}") == {noise.pk, family.pk}
    assert ids(f"registered_before={since}") == {old.pk}
    assert api_client.get("/api/dispute-cases/?registered_after=yesterday").status_code == 400


def _grow(world, room, mediator, count):
    for index in range(count):
        case = register(
            community=world.a,
            room=room,
            actor=world.staff_a,
            mediators=[mediator],
            title=f"纠纷{index}",
        )
        walk(case, "agreement_reached", actor=world.staff_a)


@pytest.mark.parametrize(
    "url", ["/api/dispute-cases/", "/api/dispute-followups/", "/api/mediators/"]
)
def test_list_query_count_does_not_grow(world, api_client, room_a, med_a, url):
    api_client.force_login(world.staff_a)
    _grow(world, room_a, med_a, 2)
    with CaptureQueriesContext(connection) as small:
        assert api_client.get(url).status_code == 200
    _grow(world, room_a, med_a, 8)
    for _ in range(3):
        mediator_for(community=world.a)
    with CaptureQueriesContext(connection) as large:
        assert api_client.get(url).status_code == 200
    assert len(large) == len(small)


def test_consultations_staff_write_mediators_read(world, api_client, med_a):
    api_client.force_login(world.staff_a)
    data = {
        "community": world.a.pk,
        "topic": "小区停车位划分",
        "held_on": "2026-03-01",
        "community_participants": "李社区",
        "owner_participants": "业主代表张三",
        "property_participants": "物业经理王五",
        "resolution": "划定临时车位",
        "actions": [{"description": "画线", "responsible": "property", "due_on": "2026-03-10"}],
    }
    response = api_client.post("/api/consultations/", data, format="json")
    assert response.status_code == 201, response.json()
    bad = api_client.post(
        "/api/consultations/",
        {
            **data,
            "actions": [{"description": "x", "responsible": "owners", "due_on": "2026-01-01"}],
        },
        format="json",
    )
    assert bad.status_code == 400 and "actions" in bad.json()
    api_client.force_login(world.mediator_a)
    assert len(api_client.get("/api/consultations/").json()["results"]) == 1
    assert api_client.post("/api/consultations/", data, format="json").status_code == 403
    api_client.force_login(world.staff_b)
    assert api_client.get("/api/consultations/").json()["results"] == []
