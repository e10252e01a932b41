"""The grids API: scoping, masking and the reveal log, incident workflow, filters, lists."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext

from grids import services
from grids.models import Incident, IncidentPhoto, Visit
from hive.models import PersonalDataAccess, TimelineEntry
from tests.disputes.factories import PARTIES
from tests.grids.factories import HouseholdFactory, ResidentFactory, photo

pytestmark = pytest.mark.django_db
S = Incident.Status


def _incident(gw, grid=None, reporter=None, **kwargs):
    grid = grid or gw.a1
    return services.incident_report(
        reporter=reporter or grid.member,
        grid=grid,
        category=kwargs.pop("category", "event"),
        location="x",
        description="y",
        **kwargs,
    )


# role -> households visible (by grid)
MATRIX = {
    "superuser": {"a1", "a2", "b1"},
    "street_admin": {"a1", "a2", "b1"},
    "staff_a": {"a1", "a2"},
    "staff_b": {"b1"},
    "grid_a": {"a1"},
    "grid_a_deputy": {"a1"},
    "grid_a2": {"a2"},
    "unit_rep_a": set(),
    "party_a": set(),
}


@pytest.mark.parametrize("key", MATRIX)
def test_households_residents_and_incidents_are_scoped(gw, api_client, key):
    incidents = {name: _incident(gw, grid=getattr(gw, name)) for name in ("a1", "a2", "b1")}
    user = getattr(gw, key)
    api_client.force_authenticate(user)
    households = api_client.get("/api/households/").json()["results"]
    residents = api_client.get("/api/residents/").json()["results"]
    listed = api_client.get("/api/incidents/").json()["results"]
    for name in ("a1", "a2", "b1"):
        visible = name in MATRIX[key]
        household = getattr(gw, f"household_{name}")
        resident = getattr(gw, f"resident_{name}")
        assert (household.pk in {h["id"] for h in households}) == visible
        assert (resident.pk in {r["id"] for r in residents}) == visible
        assert (incidents[name].pk in {i["id"] for i in listed}) == visible
        expected = 200 if visible else 404
        assert api_client.get(f"/api/households/{household.pk}/").status_code == expected
        assert api_client.get(f"/api/incidents/{incidents[name].pk}/").status_code == expected


def test_assignee_outside_the_grid_sees_their_incident(gw, api_client):
    incident = _incident(gw, grid=gw.a1)
    services.incident_accept(incident=incident, actor=gw.staff_a)
    services.incident_assign(incident=incident, actor=gw.staff_a, assignee=gw.grid_a2)
    api_client.force_authenticate(gw.grid_a2)
    mine = api_client.get("/api/incidents/?assigned_to_me=true").json()["results"]
    assert [row["id"] for row in mine] == [incident.pk]


@pytest.mark.parametrize(
    ("key", "fields", "status"),
    [
        ("staff_a", ["phone", "id_number"], 200),
        ("grid_a", ["phone"], 200),
        ("grid_a", ["id_number"], 403),
        ("grid_a2", ["phone"], 404),
        ("staff_b", ["phone"], 404),
    ],
)
def test_masked_by_default_and_reveal_by_role_is_logged(gw, api_client, key, fields, status):
    user = getattr(gw, key)
    api_client.force_authenticate(user)
    url = f"/api/residents/{gw.resident_a1.pk}/"
    if status != 404:
        row = api_client.get(url).json()
        assert row["phone"] == "139****5678"
        assert row["id_number"].startswith("1403") and "*" in row["id_number"]
    response = api_client.post(f"{url}reveal/", {"fields": fields}, format="json")
    assert response.status_code == status
    if status == 200:
        assert response.json()["phone"] == "13912345678"
        entry = PersonalDataAccess.objects.get()
        assert (entry.viewer, entry.object_id) == (user, gw.resident_a1.pk)
        assert set(entry.fields.split(",")) == set(fields)
    else:
        assert not PersonalDataAccess.objects.exists()


def test_household_search_by_name_and_masked_phone(gw, api_client):
    api_client.force_authenticate(gw.staff_a)

    def ids(query):
        rows = api_client.get("/api/households/", {"q": query}).json()["results"]
        return {row["id"] for row in rows}

    assert ids("张大") == {gw.household_a1.pk}
    assert ids("139****5678") == {gw.household_a1.pk}  # a resident's phone
    assert ids("138****2222") == {gw.household_a1.pk}  # the household's phone
    assert ids("5678") == {gw.household_a1.pk}
    assert ids("李小河") == {gw.household_a2.pk}
    assert ids("王二") == set()  # community B


def _state(incident, state, **extra):
    Incident.objects.filter(pk=incident.pk).update(status=state, **extra)


ACTION_BODIES = {
    "assign": lambda gw: {"assignee": gw.grid_a.pk},
    "resolve": lambda gw: {"resolution": "已处理"},
    "send_back": lambda gw: {"reason": "r"},
    "close_not_fixed": lambda gw: {"reason": "r"},
    "reject": lambda gw: {"reason": "r"},
    "reopen": lambda gw: {"reason": "r"},
    "escalate": lambda gw: {"room": gw.room_a.pk, "kind": "noise", "parties": PARTIES},
}


@pytest.mark.parametrize("state", [s.value for s in S])
@pytest.mark.parametrize("action", list(services.INCIDENT_SERVICES))
def test_every_action_from_every_state_through_the_api(gw, api_client, state, action):
    original = _incident(gw)
    incident = _incident(gw, category="dispute")
    extra = {"assignee": gw.grid_a} if state in (S.ASSIGNED, S.IN_PROGRESS) else {}
    if state == S.DUPLICATE:
        extra["duplicate_of"] = original
    if state == S.REJECTED:
        extra["rejected_by"] = gw.staff_a
    _state(incident, state, **extra)
    body = ACTION_BODIES.get(action, lambda gw: {})(gw)
    if action == "mark_duplicate":
        body = {"original": original.pk}
    api_client.force_authenticate(gw.staff_a)
    response = api_client.post(
        f"/api/incidents/{incident.pk}/{action.replace('_', '-')}/", body, format="json"
    )
    step = Incident.workflow.actions[action]
    sources, target = step.sources, step.target
    incident.refresh_from_db()
    if state in sources:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == target == incident.status
    else:
        assert response.status_code == 400
        assert response.json()
        assert incident.status == state


@pytest.mark.parametrize("action", list(services.INCIDENT_SERVICES))
def test_an_action_not_available_to_the_user_is_refused_and_changes_nothing(gw, api_client, action):
    """The assignee (a grid member) from a state the step starts from: staff-only steps
    are not offered to them and are refused with 403; their own steps go through."""
    original = _incident(gw)
    incident = _incident(gw, category="dispute")
    step = Incident.workflow.actions[action]
    _state(incident, sorted(step.sources)[0], assignee=gw.grid_a)
    incident.refresh_from_db()
    api_client.force_authenticate(gw.grid_a)
    offered = api_client.get(f"/api/incidents/{incident.pk}/").json()["actions"]
    refusal = Incident.workflow.refusal(incident, action, gw.grid_a)
    assert (action in offered) == (refusal is None)
    body = ACTION_BODIES.get(action, lambda gw: {})(gw)
    if action == "mark_duplicate":
        body = {"original": original.pk}
    entries = TimelineEntry.objects.for_object(incident).count()
    response = api_client.post(
        f"/api/incidents/{incident.pk}/{action.replace('_', '-')}/", body, format="json"
    )
    if action in ("start", "resolve"):
        assert response.status_code == 200, response.json()
        return
    assert refusal == gettext("You may not do this.")
    assert response.status_code == 403
    stored = Incident.objects.get(pk=incident.pk)
    assert (stored.status, stored.assignee_id) == (incident.status, gw.grid_a.pk)
    assert TimelineEntry.objects.for_object(incident).count() == entries


def test_action_with_missing_input_is_a_field_error(gw, api_client):
    incident = _incident(gw)
    api_client.force_authenticate(gw.staff_a)
    response = api_client.post(f"/api/incidents/{incident.pk}/reject/", {}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    response = api_client.post(f"/api/incidents/{incident.pk}/reject/", {"reason": " "})
    assert response.status_code == 400
    api_client.force_authenticate(gw.grid_a)
    response = api_client.post(f"/api/incidents/{incident.pk}/accept/", {}, format="json")
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.status == "reported"


def test_report_through_the_api_with_photos_and_bad_inputs(gw, api_client, settings):
    api_client.force_authenticate(gw.grid_a)
    data = {
        "grid": gw.a1.pk,
        "category": "demand",
        "priority": "high",
        "location": "广场",
        "description": "路灯坏了",
    }
    response = api_client.post(
        "/api/incidents/",
        {**data, "photos": [photo(), photo("b.webp", "WEBP")]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["photos"]) == 2
    fake = SimpleUploadedFile("x.jpg", b"text renamed", content_type="image/jpeg")
    for bad in (
        {**data, "photos": [fake]},
        {**data, "photos": [photo(f"{i}.jpg") for i in range(7)]},
        {**data, "grid": gw.b1.pk},
        {**data, "category": "nonsense"},
        {**data, "latitude": "37.8"},
    ):
        response = api_client.post("/api/incidents/", bad, format="multipart")
        assert response.status_code == 400
        assert set(response.json()) & {"photos", "grid", "category", "longitude"}
    assert Incident.objects.count() == 1 and IncidentPhoto.objects.count() == 2


def test_photo_bombs_through_the_api_are_a_400_with_the_photos_messages(gw, api_client, settings):
    from tests.factories import png_bomb

    api_client.force_authenticate(gw.grid_a)
    data = {"grid": gw.a1.pk, "category": "demand", "location": "广场", "description": "灯"}
    bombs = [SimpleUploadedFile(f"bomb{i}.png", png_bomb(8000, 5000)) for i in range(6)]
    response = api_client.post("/api/incidents/", {**data, "photos": bombs}, format="multipart")
    assert response.status_code == 400
    messages = response.json()["photos"]
    assert [message.split(":")[0] for message in messages] == [f"bomb{i}.png" for i in range(6)]
    settings.HIVE_MAX_UPLOAD_PIXELS = 1000
    two = [photo("a.jpg"), photo("b.jpg")]
    response = api_client.post("/api/incidents/", {**data, "photos": two}, format="multipart")
    assert response.status_code == 400 and len(response.json()["photos"]) == 1
    assert not Incident.objects.exists() and not IncidentPhoto.objects.exists()


def test_incident_filters(gw, api_client):
    old = _incident(gw, category="dispute")
    Incident.objects.filter(pk=old.pk).update(
        deadline=timezone.now() - datetime.timedelta(hours=1),
        created_at=timezone.now() - datetime.timedelta(days=10),
    )
    fresh = _incident(gw, category="demand")
    other_grid = _incident(gw, grid=gw.a2, category="demand")
    api_client.force_authenticate(gw.staff_a)

    def ids(**params):
        return {row["id"] for row in api_client.get("/api/incidents/", params).json()["results"]}

    assert ids(category="demand") == {fresh.pk, other_grid.pk}
    assert ids(category="demand", grid=gw.a1.pk, status="reported") == {fresh.pk}
    assert ids(overdue="true") == {old.pk}
    assert ids(overdue="false") == {fresh.pk, other_grid.pk}
    since = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert ids(reported_from=since) == {fresh.pk, other_grid.pk}
    assert api_client.get("/api/incidents/", {"category": "nonsense"}).status_code == 400


def test_incident_list_pages_by_id_without_count(gw, api_client, settings):
    from grids.api import IdCursorPagination

    created = [_incident(gw).pk for _ in range(5)]
    api_client.force_authenticate(gw.staff_a)
    original = IdCursorPagination.page_size
    IdCursorPagination.page_size = 2
    try:
        first = api_client.get("/api/incidents/").json()
        second = api_client.get(first["next"]).json()
    finally:
        IdCursorPagination.page_size = original
    assert [row["id"] for row in first["results"]] == created[::-1][:2]
    assert [row["id"] for row in second["results"]] == created[::-1][2:4]
    assert first["results"][0]["category_label"]


def test_log_a_visit_through_the_api(gw, api_client):
    api_client.force_authenticate(gw.grid_a)
    response = api_client.post(
        "/api/visits/",
        {"household": gw.household_a1.pk, "role": "mediator", "notes": "调解邻里噪音"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Visit.objects.get().visitor == gw.grid_a
    response = api_client.post(
        "/api/visits/",
        {"household": gw.household_a2.pk, "role": "mediator", "notes": "x"},
        format="json",
    )
    assert response.status_code == 400 and "household" in response.json()


API_LISTS = [
    "/api/incidents/",
    "/api/households/",
    "/api/residents/",
    "/api/visits/",
    "/api/grid-changes/",
    "/api/grids/",
    "/api/sweeps/",
    "/api/grid-tasks/",
    "/api/key-places/",
]


@pytest.mark.parametrize("url", API_LISTS)
def test_api_lists_keep_a_constant_query_count(gw, api_client, url):
    from grids.models import KeyPersonTag
    from tests.grids.factories import GridTaskFactory, KeyPlaceFactory

    tag = KeyPersonTag.objects.get(code="veteran")

    def grow(count):
        for _ in range(count):
            household = HouseholdFactory(grid=gw.a1)
            resident = ResidentFactory(household=household)
            services.resident_tag_add(actor=None, resident=resident, tag=tag)
            _incident(gw)
            services.visit_log(visitor=gw.grid_a, household=household, role="agent", notes="x")
            GridTaskFactory(grid=gw.a1, responsible=gw.grid_a)
            place = KeyPlaceFactory(grid=gw.a1)
            services.sweep_create(
                actor=gw.staff_a,
                community=gw.a,
                title="s",
                scope="key_area",
                scheduled_on="2026-01-01",
                checklist="a",
                inspectors=[gw.grid_a],
                places=[place],
            )

    api_client.force_login(gw.street_admin)

    def count():
        with CaptureQueriesContext(connection) as context:
            assert api_client.get(url).status_code == 200
        return len(context)

    grow(2)
    small = count()
    grow(8)
    assert count() == small


def test_plain_list_filters_answer_what_the_filterset_answers(gw, api_client):
    """The list's fast path (status, category, grid) and IncidentApiFilter agree; anything
    it does not take (other filters, bad values) goes through the FilterSet."""
    for category, status_ in [("event", "reported"), ("sign", "accepted"), ("event", "accepted")]:
        incident = _incident(gw, category=category)
        if status_ != "reported":
            services.incident_accept(incident=incident, actor=gw.staff_a)
    _incident(gw, grid=gw.a2, category="event")
    api_client.force_authenticate(gw.staff_a)

    def ids(query):
        response = api_client.get(f"/api/incidents/?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    fast = ids(f"status=accepted&category=event&grid={gw.a1.pk}")
    # priority= forces the FilterSet path without changing the answer.
    slow = ids(f"status=accepted&category=event&grid={gw.a1.pk}&priority=normal")
    assert fast == slow and len(fast) == 1
    assert ids(f"grid={gw.a2.pk}") == ids(f"grid={gw.a2.pk}&priority=normal")
    for bad in ("status=nonsense", "category=x", "grid=abc", "status=accepted&status=reported"):
        response = api_client.get(f"/api/incidents/?{bad}")
        if bad.count("status=") == 2:
            continue  # a repeated value: the FilterSet takes the last; no error to compare
        assert response.status_code == 400, bad


def test_incident_list_rows_have_the_keys_the_schema_documents(gw, api_client):
    """The list answers from .values(); IncidentListRowSerializer documents those rows, so
    the two must not drift apart (issue #10: the fuzz found `actions` promised in lists)."""
    from grids.api import IncidentListRowSerializer

    _incident(gw)
    api_client.force_authenticate(gw.staff_a)
    rows = api_client.get("/api/incidents/").json()["results"]
    assert rows
    assert set(rows[0]) == set(IncidentListRowSerializer().fields)


def test_list_rows_carry_plain_labels_and_utc_times(gw, api_client):
    incident = _incident(gw, category="sign")
    api_client.force_authenticate(gw.staff_a)
    (row,) = api_client.get(f"/api/incidents/?grid={gw.a1.pk}").json()["results"]
    assert (row["category_label"], row["status_label"]) == ("小苗头", "已上报")
    created = datetime.datetime.fromisoformat(row["created_at"].replace("Z", "+00:00"))
    assert created == incident.created_at
    deadline = datetime.datetime.fromisoformat(row["deadline"].replace("Z", "+00:00"))
    assert deadline == incident.deadline


@pytest.mark.parametrize("who", ["staff_a", "grid_a"])
def test_a_filter_by_another_communitys_row_is_refused_like_an_unknown_one(gw, api_client, who):
    """A foreign-key filter must not tell an existing row of another community (it used
    to give 200 and an empty list) from one that does not exist (400)."""
    from tests.grids.factories import BuildingFactory

    own = BuildingFactory(grid=gw.a1)
    foreign = BuildingFactory(grid=gw.b1)
    gw.household_a1.building = own
    gw.household_a1.save()
    api_client.force_login(getattr(gw, who, None) or getattr(gw.world, who))
    mine = api_client.get("/api/households/", {"building": own.pk})
    assert mine.status_code == 200, mine.json()
    assert [row["id"] for row in mine.json()["results"]] == [gw.household_a1.pk]
    unknown = api_client.get("/api/households/", {"building": 10**9})
    other = api_client.get("/api/households/", {"building": foreign.pk})
    assert unknown.status_code == other.status_code == 400
    assert list(unknown.json()) == list(other.json()) == ["building"]
    assert api_client.get("/api/households/", {"grid": gw.b1.pk}).status_code == 400
