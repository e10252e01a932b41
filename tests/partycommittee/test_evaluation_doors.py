"""The three doors of the three-double evaluation: the unit representative's portal, the
API and the staff admin (progress, results, chart data, .xlsx). A unit never sees who
gave which peer score."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partycommittee.evaluations import services
from partycommittee.evaluations.models import EvaluationRound, EvaluationSheet, UnitResult
from tests.partycommittee.factories import ResidentUnitFactory

pytestmark = pytest.mark.django_db
Kind = EvaluationSheet.Kind


def _submit(board, kind, rater, ratee, actor, score):
    services.sheet_save(
        sheet=board.sheet(kind, rater, ratee),
        actor=actor,
        communication=score,
        service=score,
        overall=score,
        submit=True,
    )


@pytest.fixture
def published(board):
    """B gave A a distinctive 61; C gave A 99; the round is computed and published."""
    board.open()
    board.unit_c.representatives.add(board.rep_b)
    _submit(board, Kind.PEER, board.unit_b, board.unit_a, board.rep_b, 61)
    _submit(board, Kind.PEER, board.unit_c, board.unit_a, board.rep_b, 99)
    _submit(board, Kind.PEER, board.unit_a, board.unit_b, board.rep_a, 70)
    _submit(board, Kind.COMMUNITY_TO_UNIT, None, board.unit_a, board.world.staff_a, 90)
    staff = board.world.staff_a
    services.round_close_now(evaluation_round=board.round, actor=staff)
    services.round_compute_results(round_id=board.round.pk)
    services.round_publish(evaluation_round=board.round, actor=staff)
    return board


# --- Portal -------------------------------------------------------------------------------


def test_the_to_do_list_shows_only_what_my_unit_fills(board, client):
    board.open()
    client.force_login(board.rep_a)
    listing = client.get(reverse("partycommittee:evaluation_list"))
    assert listing.status_code == 200
    assert f'data-round="{board.round.pk}"' in listing.content.decode()
    page = client.get(reverse("partycommittee:evaluation_round", args=[board.round.pk]))
    html = page.content.decode()
    mine = EvaluationSheet.objects.filter(round=board.round, rater_unit=board.unit_a)
    assert {f'data-sheet="{s.pk}"' in html for s in mine} == {True}
    about_me = EvaluationSheet.objects.filter(round=board.round, ratee_unit=board.unit_a)
    assert {f'data-sheet="{s.pk}"' in html for s in about_me} == {False}


def test_draft_then_submit_through_the_portal(board, client):
    board.open()
    sheet = board.sheet(Kind.PEER, board.unit_a, board.unit_b)
    url = reverse("partycommittee:evaluation_sheet", args=[sheet.pk])
    client.force_login(board.rep_a)
    assert client.get(url).status_code == 200
    response = client.post(url, {"communication": "80", "action": "draft"})
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert (sheet.status, sheet.communication) == ("draft", 80)
    # Submitting with a dimension missing: a field error, still a draft.
    response = client.post(url, {"communication": "80", "service": "75", "action": "submit"})
    assert response.status_code == 200
    assert response.context["form"].errors["overall"]
    sheet.refresh_from_db()
    assert sheet.status == "draft"
    response = client.post(
        url, {"communication": "80", "service": "75", "overall": "90", "action": "submit"}
    )
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert (sheet.status, sheet.overall) == ("submitted", 90)
    # Posting again changes nothing.
    client.post(url, {"communication": "1", "service": "1", "overall": "1", "action": "submit"})
    sheet.refresh_from_db()
    assert (sheet.communication, sheet.status) == (80, "submitted")


def test_out_of_range_score_in_the_portal_is_a_field_error(board, client):
    board.open()
    sheet = board.sheet(Kind.UNIT_TO_COMMUNITY, board.unit_a)
    client.force_login(board.rep_a)
    response = client.post(
        reverse("partycommittee:evaluation_sheet", args=[sheet.pk]),
        {"communication": "101", "service": "50", "overall": "50", "action": "submit"},
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["communication"]
    assert 'class="form-control is-invalid"' in response.content.decode()
    sheet.refresh_from_db()
    assert (sheet.status, sheet.service) == ("pending", None)


def test_late_submission_in_the_portal_is_refused(board, client):
    board.open()
    EvaluationRound.objects.filter(pk=board.round.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    report = board.round.duty_reports.get(unit=board.unit_a)
    client.force_login(board.rep_a)
    response = client.post(
        reverse("partycommittee:evaluation_report", args=[report.pk]),
        {"text": "本期履职", "action": "submit"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    report.refresh_from_db()
    assert report.status == "pending"


def test_another_units_sheets_and_sheets_about_me_are_404(board, client):
    board.open()
    client.force_login(board.rep_a)
    for sheet in (
        board.sheet(Kind.PEER, board.unit_b, board.unit_a),  # about me
        board.sheet(Kind.PEER, board.unit_b, board.unit_c),  # someone else's
        board.sheet(Kind.COMMUNITY_TO_UNIT, None, board.unit_a),  # the community's
    ):
        url = reverse("partycommittee:evaluation_sheet", args=[sheet.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"communication": "1", "action": "draft"}).status_code == 404
    report_b = board.round.duty_reports.get(unit=board.unit_b)
    assert (
        client.get(reverse("partycommittee:evaluation_report", args=[report_b.pk])).status_code
        == 404
    )


def test_results_page_shows_my_results_and_an_anonymous_distribution(published, client):
    board = published
    url = reverse("partycommittee:evaluation_results", args=[board.round.pk])
    client.force_login(board.rep_a)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    mine = UnitResult.objects.get(round=board.round, unit=board.unit_a)
    assert f'data-result="{board.unit_a.pk}"' in html
    assert str(mine.score) in html
    # Only averages: neither the other units' names nor B's individual 61 appear.
    assert "乙单位" not in html and "丙单位" not in html
    assert ">61<" not in html
    assert 'data-band="90–100"' in html


def test_results_are_hidden_until_published(board, client):
    board.open()
    services.round_close_now(evaluation_round=board.round, actor=board.world.staff_a)
    services.round_compute_results(round_id=board.round.pk)
    client.force_login(board.rep_a)
    url = reverse("partycommittee:evaluation_results", args=[board.round.pk])
    assert client.get(url).status_code == 404


def test_other_roles_see_no_rounds_in_the_portal(board, client):
    board.open()
    client.force_login(board.world.grid_a)
    assert (
        client.get(reverse("partycommittee:evaluation_round", args=[board.round.pk])).status_code
        == 404
    )


# --- API --------------------------------------------------------------------------------


def test_api_sheets_list_only_what_the_unit_gives(board, api_client):
    board.open()
    api_client.force_authenticate(board.rep_a)
    rows = api_client.get("/api/evaluation-sheets/").json()["results"]
    assert rows and {row["rater_unit"] for row in rows} == {board.unit_a.pk}
    assert (
        api_client.get(f"/api/evaluation-sheets/?ratee_unit={board.unit_a.pk}").json()["results"]
        == []
    )
    about_me = board.sheet(Kind.PEER, board.unit_b, board.unit_a)
    assert api_client.get(f"/api/evaluation-sheets/{about_me.pk}/").status_code == 404


def test_api_draft_submit_and_refusals(board, api_client):
    board.open()
    sheet = board.sheet(Kind.PEER, board.unit_a, board.unit_c)
    api_client.force_authenticate(board.rep_a)
    url = f"/api/evaluation-sheets/{sheet.pk}/"
    response = api_client.patch(url, {"service": 120}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["service"]
    response = api_client.patch(url, {"service": 60, "comment": "配合积极"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    response = api_client.post(f"{url}submit/", {"service": 60}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"communication", "overall"}
    response = api_client.post(
        f"{url}submit/", {"communication": 70, "service": 60, "overall": 65}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    again = api_client.post(
        f"{url}submit/", {"communication": 1, "service": 1, "overall": 1}, format="json"
    )
    assert again.status_code == 400
    assert "status" in again.json()
    # Staff see the sheet but do not fill a unit's sheet.
    api_client.force_authenticate(board.world.staff_a)
    other = board.sheet(Kind.PEER, board.unit_b, board.unit_c)
    response = api_client.patch(f"/api/evaluation-sheets/{other.pk}/", {"service": 5})
    assert response.status_code == 403


def test_api_results_and_distribution_for_a_unit(published, api_client):
    board = published
    api_client.force_authenticate(board.rep_a)
    rows = api_client.get("/api/evaluation-results/").json()["results"]
    assert [row["unit"] for row in rows] == [board.unit_a.pk]
    assert "rater_unit" not in rows[0]
    distribution = api_client.get(f"/api/evaluation-rounds/{board.round.pk}/distribution/")
    assert distribution.status_code == 200
    body = distribution.json()
    assert (
        body["count"] == UnitResult.objects.filter(round=board.round, score__isnull=False).count()
    )
    assert sum(band["count"] for band in body["bands"]) == body["count"]
    assert set(body) == {"count", "mean", "bands", "community_score"}
    assert {key for band in body["bands"] for key in band} == {"label", "count"}
    # The peer sheets about A stay out of reach.
    assert api_client.get(f"/api/evaluation-sheets/?round={board.round.pk}").json()["results"] == [
        row
        for row in api_client.get(f"/api/evaluation-sheets/?round={board.round.pk}").json()[
            "results"
        ]
        if row["rater_unit"] == board.unit_a.pk
    ]


def test_api_distribution_is_hidden_from_units_before_publishing(board, api_client):
    board.open()
    api_client.force_authenticate(board.rep_a)
    assert (
        api_client.get(f"/api/evaluation-rounds/{board.round.pk}/distribution/").status_code == 404
    )
    assert api_client.get("/api/evaluation-results/").json()["results"] == []


def test_api_staff_run_the_round(board, api_client):
    board.open()
    url = f"/api/evaluation-rounds/{board.round.pk}/"
    api_client.force_authenticate(board.rep_a)
    assert api_client.post(f"{url}close/").status_code == 403
    api_client.force_authenticate(board.world.staff_b)
    assert api_client.post(f"{url}close/").status_code == 404
    api_client.force_authenticate(board.world.staff_a)
    assert api_client.post(f"{url}publish/").status_code == 400  # still open
    assert api_client.post(f"{url}close/").json()["status"] == "closed"
    assert api_client.post(f"{url}close/").status_code == 400
    assert api_client.post(f"{url}compute/").json()["results_computed_at"]
    assert api_client.post(f"{url}publish/").json()["status"] == "published"
    assert api_client.get(f"/api/evaluation-results/?round={board.round.pk}").json()["count"] == 3


def test_api_creates_a_round_and_refuses_the_same_period(world, api_client):
    api_client.force_authenticate(world.staff_a)
    response = api_client.post(
        "/api/evaluation-rounds/", {"community": world.a.pk, "day": "2026-05-20"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["period_start"], response.json()["period_end"]) == (
        "2026-04-01",
        "2026-06-30",
    )
    again = api_client.post(
        "/api/evaluation-rounds/", {"community": world.a.pk, "day": "2026-06-01"}, format="json"
    )
    assert again.status_code == 400
    assert "period_start" in again.json()
    bad = api_client.post(
        "/api/evaluation-rounds/",
        {"community": world.b.pk, "day": "2026-06-01"},
        format="json",
    )
    assert bad.status_code == 400
    assert "community" in bad.json()


ROUND_MATRIX = {
    "street_admin": {"a"},
    "staff_a": {"a"},
    "staff_b": set(),
    "unit_rep_a": {"a"},
    "grid_a": set(),
    "party_a": set(),
}


@pytest.mark.parametrize("key", ROUND_MATRIX)
def test_api_rounds_follow_the_matrix(board, api_client, key):
    api_client.force_authenticate(board.world.user(key))
    rows = api_client.get("/api/evaluation-rounds/").json()["results"]
    codes = {EvaluationRound.objects.get(pk=row["id"]).community.code for row in rows}
    assert codes == ROUND_MATRIX[key]


def test_api_lists_use_a_constant_number_of_queries(world, api_client):
    counts = []
    for units in (3, 9):
        EvaluationRound.objects.all().delete()
        ResidentUnitFactory.create_batch(units - (units and 0), community=world.a)
        now = timezone.now()
        r = services.round_create(
            community=world.a,
            day=timezone.localdate(),
            opens_at=now - datetime.timedelta(hours=1),
            deadline=now + datetime.timedelta(days=1),
        )
        services.round_open(round_id=r.pk)
        api_client.force_authenticate(world.staff_a)
        urls = ("/api/evaluation-sheets/", "/api/duty-reports/", "/api/evaluation-rounds/")
        for url in urls:
            api_client.get(url)  # warm the per-user caches
        with CaptureQueriesContext(connection) as queries:
            for url in ("/api/evaluation-sheets/", "/api/duty-reports/", "/api/evaluation-rounds/"):
                assert api_client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Admin ----------------------------------------------------------------------------------


def test_staff_progress_page_names_who_is_missing(board, client):
    board.open()
    _submit(board, Kind.UNIT_TO_COMMUNITY, board.unit_a, None, board.rep_a, 80)
    client.force_login(board.world.staff_a)
    url = reverse("admin:partycommittee_evaluationround_progress", args=[board.round.pk])
    response = client.get(url)
    assert response.status_code == 200
    rows = {row["unit"].name: row for row in response.context["progress"]}
    assert rows["甲单位"]["sheets_submitted"] == 1
    assert {row["unit"].name for row in response.context["missing"]} == {
        "甲单位",
        "乙单位",
        "丙单位",
    }
    client.force_login(board.world.staff_b)
    assert client.get(url).status_code == 404


def test_staff_results_page_has_the_chart_and_exports_xlsx(published, client):
    board = published
    client.force_login(board.world.staff_a)
    response = client.get(
        reverse("admin:partycommittee_evaluationround_progress", args=[board.round.pk])
    )
    html = response.content.decode()
    assert 'id="evaluation-chart-data" type="application/json"' in html
    assert "vendor/echarts/echarts.min.js" in html
    assert "partycommittee/evaluation_chart.js" in html
    chart = response.context["chart"]
    assert chart["units"][0] == UnitResult.objects.get(round=board.round, rank=1).unit.name
    export = client.get(
        reverse("admin:partycommittee_evaluationround_export", args=[board.round.pk])
    )
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 3
    names = {row[2] for row in rows[1:]}
    assert names == {"甲单位", "乙单位", "丙单位"}
    a_row = next(row for row in rows[1:] if row[2] == "甲单位")
    assert float(a_row[4]) == float(
        UnitResult.objects.get(round=board.round, unit=board.unit_a).score
    )


def test_staff_run_the_round_from_the_progress_page(board, client):
    board.open()
    client.force_login(board.world.staff_a)
    url = reverse("admin:partycommittee_evaluationround_progress", args=[board.round.pk])
    for action, status in (("close", "closed"), ("compute", "closed"), ("publish", "published")):
        assert client.post(url, {"action": action}).status_code == 302
        board.round.refresh_from_db()
        assert board.round.status == status
    assert board.round.results_computed_at
    # Publishing again is refused with a message, not an error page.
    response = client.post(url, {"action": "publish"}, follow=True)
    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_staff_fill_the_communitys_sheet_in_the_admin(board, client):
    board.open()
    sheet = board.sheet(Kind.COMMUNITY_TO_UNIT, None, board.unit_b)
    url = reverse("admin:partycommittee_evaluationsheet_change", args=[sheet.pk])
    client.force_login(board.world.staff_a)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"communication": "120", "service": "80", "overall": "80", "submit_now": "on"}
    )
    assert response.status_code == 200
    assert "communication" in response.context["adminform"].form.errors
    sheet.refresh_from_db()
    assert sheet.status == "pending"
    response = client.post(
        url, {"communication": "85", "service": "80", "overall": "90", "submit_now": "on"}
    )
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert (sheet.status, sheet.overall, sheet.submitted_by) == (
        "submitted",
        90,
        board.world.staff_a,
    )


@pytest.mark.parametrize(
    "name",
    [
        "evaluationround",
        "evaluationsheet",
        "dutyreport",
        "unitresult",
        "evaluationpolicy",
    ],
)
def test_admin_lists_open_for_staff(published, client, name):
    client.force_login(published.world.staff_a)
    assert client.get(reverse(f"admin:partycommittee_{name}_changelist")).status_code == 200


def test_admin_creates_a_round_from_any_day_of_the_period(world, client):
    client.force_login(world.staff_a)
    response = client.post(
        reverse("admin:partycommittee_evaluationround_add"),
        {
            "community": world.a.pk,
            "period_kind": "half_year",
            "period_start": "2026-08-15",
            "reminder_every_days": "3",
            "peer_sample_size": "0",
            "community_weight": "40",
            "peer_weight": "60",
            "communication_weight": "30",
            "service_weight": "30",
            "overall_weight": "40",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = EvaluationRound.objects.get(community=world.a)
    assert (created.period_start, created.period_end) == (
        datetime.date(2026, 7, 1),
        datetime.date(2026, 12, 31),
    )
    assert created.peer_weight == 60
    assert created.deadline > created.opens_at
