"""Results: means per dimension from the community and from peers, weighted scores, rank,
completion, change since the previous round, the community's score; recomputing is
idempotent, a crash halfway changes nothing, and the query count does not grow."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partycommittee import tasks
from partycommittee.evaluations import services
from partycommittee.evaluations.models import (
    CommunityResult,
    DutyReport,
    EvaluationRound,
    EvaluationSheet,
    UnitResult,
)
from tests.partycommittee.factories import ResidentUnitFactory

pytestmark = pytest.mark.django_db
Kind = EvaluationSheet.Kind
D = Decimal


def give(board, kind, rater, ratee, scores, actor):
    services.sheet_save(
        sheet=board.sheet(kind, rater, ratee),
        actor=actor,
        communication=scores[0],
        service=scores[1],
        overall=scores[2],
        submit=True,
    )


def report(board, unit, actor):
    services.duty_report_save(
        report=DutyReport.objects.get(round=board.round, unit=unit),
        actor=actor,
        text="本期履职情况",
        submit=True,
    )


@pytest.fixture
def scored(board):
    """The worked example (weights: community 50 / peers 50; 30 / 30 / 40):
    A: community (80, 90, 70) → 79; peers B (60, 60, 60) and C (100, 80, 90) → (80, 70, 75)
       → 75; score 77.
    B: community (90, 90, 90) → 90; peers A (70, 70, 70) → 70; score 80.
    C: no community sheet; peers A (50, 50, 50), B (70, 70, 70) → 60; score 60.
    The community gets (90, 80, 100) from A → 91.
    """
    board.open()
    c_rep = board.rep_b  # B's representative also acts for C in this example
    board.unit_c.representatives.add(c_rep)
    staff = board.world.staff_a
    a, b, c = board.unit_a, board.unit_b, board.unit_c
    give(board, Kind.COMMUNITY_TO_UNIT, None, a, (80, 90, 70), staff)
    give(board, Kind.COMMUNITY_TO_UNIT, None, b, (90, 90, 90), staff)
    give(board, Kind.PEER, b, a, (60, 60, 60), board.rep_b)
    give(board, Kind.PEER, c, a, (100, 80, 90), c_rep)
    give(board, Kind.PEER, a, b, (70, 70, 70), board.rep_a)
    give(board, Kind.PEER, a, c, (50, 50, 50), board.rep_a)
    give(board, Kind.PEER, b, c, (70, 70, 70), board.rep_b)
    give(board, Kind.UNIT_TO_COMMUNITY, a, None, (90, 80, 100), board.rep_a)
    report(board, a, board.rep_a)
    report(board, c, c_rep)
    services.round_close_now(evaluation_round=board.round, actor=staff)
    return board


def snapshot(evaluation_round):
    fields = [
        "unit__name",
        "community_communication",
        "community_service",
        "community_overall",
        "community_score",
        "peer_communication",
        "peer_service",
        "peer_overall",
        "peer_score",
        "peer_sheet_count",
        "score",
        "rank",
        "owed_count",
        "done_count",
        "completion_rate",
        "previous_score",
        "change",
    ]
    rows = UnitResult.objects.filter(round=evaluation_round).order_by("unit__name")
    community = CommunityResult.objects.filter(round=evaluation_round).values(
        "communication", "service", "overall", "score", "sheet_count", "unit_mean_score"
    )
    return [tuple(row) for row in rows.values_list(*fields)], list(community)


def test_the_worked_example(scored):
    assert services.round_compute_results(round_id=scored.round.pk)
    results = {r.unit.name: r for r in UnitResult.objects.filter(round=scored.round)}
    a, b, c = results["甲单位"], results["乙单位"], results["丙单位"]
    assert (a.community_communication, a.community_service, a.community_overall) == (
        D("80"),
        D("90"),
        D("70"),
    )
    assert a.community_score == D("79.00")
    assert (a.peer_communication, a.peer_service, a.peer_overall) == (D("80"), D("70"), D("75"))
    assert a.peer_score == D("75.00")
    assert a.peer_sheet_count == 2
    assert a.score == D("77.00")
    assert (b.community_score, b.peer_score, b.score) == (D("90.00"), D("70.00"), D("80.00"))
    assert (c.community_score, c.peer_score, c.score) == (None, D("60.00"), D("60.00"))
    assert [b.rank, a.rank, c.rank] == [1, 2, 3]
    # Each owed a duty report, a sheet for the community and two peer sheets.
    assert (a.done_count, a.owed_count, a.completion_rate) == (4, 4, D("100.0"))
    assert (b.done_count, b.completion_rate) == (2, D("50.0"))
    assert (c.done_count, c.completion_rate) == (2, D("50.0"))
    community = CommunityResult.objects.get(round=scored.round)
    assert (community.score, community.sheet_count) == (D("91.00"), 1)
    assert community.unit_mean_score == D("72.33")
    assert a.change is None


def test_equal_scores_share_a_rank(scored):
    EvaluationSheet.objects.filter(round=scored.round, kind=Kind.COMMUNITY_TO_UNIT).update(
        communication=None, service=None, overall=None, status="missing"
    )
    EvaluationSheet.objects.filter(round=scored.round, kind=Kind.PEER).update(
        communication=70, service=70, overall=70
    )
    services.round_compute_results(round_id=scored.round.pk)
    assert set(UnitResult.objects.filter(round=scored.round).values_list("rank", flat=True)) == {1}


def test_change_since_the_previous_round(scored, world):
    services.round_compute_results(round_id=scored.round.pk)
    services.round_publish(evaluation_round=scored.round, actor=world.staff_a)
    # The next quarter's round: A now gets 90 from the community only.
    start = scored.round.period_end + datetime.timedelta(days=1)
    now = timezone.now()
    later = services.round_create(
        community=world.a,
        day=start,
        opens_at=now - datetime.timedelta(hours=1),
        deadline=now + datetime.timedelta(days=1),
    )
    services.round_open(round_id=later.pk)
    services.sheet_save(
        sheet=EvaluationSheet.objects.get(
            round=later, kind=Kind.COMMUNITY_TO_UNIT, ratee_unit=scored.unit_a
        ),
        actor=world.staff_a,
        communication=90,
        service=90,
        overall=90,
        submit=True,
    )
    services.round_close_now(evaluation_round=later, actor=world.staff_a)
    services.round_compute_results(round_id=later.pk)
    a = UnitResult.objects.get(round=later, unit=scored.unit_a)
    assert (a.score, a.previous_score, a.change) == (D("90.00"), D("77.00"), D("13.00"))
    assert CommunityResult.objects.get(round=later).previous_score == D("91.00")


def test_computing_twice_gives_the_same_results(scored):
    assert tasks.compute_due_results.apply().get() == [scored.round.pk]
    first = snapshot(scored.round)
    assert tasks.compute_due_results.apply().get() == []  # nothing due any more
    assert tasks.compute_round_results.apply(args=[scored.round.pk]).get() is True
    assert snapshot(scored.round) == first
    assert UnitResult.objects.filter(round=scored.round).count() == 3


def test_a_compute_stopped_halfway_leaves_nothing_and_the_rerun_completes(scored, monkeypatch):
    real_bulk_create = UnitResult.objects.bulk_create

    def crash(objs, **kwargs):
        real_bulk_create(objs[:1], **kwargs)  # some rows written, then the worker dies
        raise SystemExit("worker killed")

    monkeypatch.setattr(UnitResult.objects, "bulk_create", crash)
    with pytest.raises(SystemExit):
        tasks.compute_due_results.apply(throw=True)
    assert not UnitResult.objects.filter(round=scored.round).exists()
    scored.round.refresh_from_db()
    assert scored.round.results_computed_at is None
    monkeypatch.undo()

    assert tasks.compute_due_results.apply().get() == [scored.round.pk]
    after_crash = snapshot(scored.round)
    services.round_compute_results(round_id=scored.round.pk)
    assert snapshot(scored.round) == after_crash
    assert len(after_crash[0]) == 3


def test_publishing_needs_results_and_freezes_them(scored, world):
    with pytest.raises(Exception) as refused:
        services.round_publish(evaluation_round=scored.round, actor=world.staff_a)
    assert "results" in refused.value.message_dict
    services.round_compute_results(round_id=scored.round.pk)
    services.round_publish(evaluation_round=scored.round, actor=world.staff_a)
    scored.round.refresh_from_db()
    assert scored.round.status == "published"
    assert services.round_compute_results(round_id=scored.round.pk) is False
    # The representatives hear about it once.
    assert scored.rep_a.notifications.filter(key__startswith="evaluation-published:").count() == 1


def _closed_round(world, units: int):
    r = _open_round(world, units)
    EvaluationSheet.objects.filter(round=r).update(
        status="submitted", communication=70, service=80, overall=90, submitted_at=timezone.now()
    )
    services.round_close(round_id=r.pk, early=True)
    return r


def test_compute_runs_a_fixed_number_of_queries(world):
    counts = []
    for units in (4, 12):
        EvaluationRound.objects.all().delete()
        r = _closed_round(world, units)
        with CaptureQueriesContext(connection) as queries:
            services.round_compute_results(round_id=r.pk)
        assert UnitResult.objects.filter(round=r).count() == len(DutyReport.objects.filter(round=r))
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_close_runs_a_fixed_number_of_queries(world):
    counts = []
    for units in (3, 10):
        EvaluationRound.objects.all().delete()
        r = _open_round(world, units)
        with CaptureQueriesContext(connection) as queries:
            services.round_close(round_id=r.pk, early=True)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def _open_round(world, units):
    ResidentUnitFactory.create_batch(units, community=world.a)
    now = timezone.now()
    r = services.round_create(
        community=world.a,
        day=timezone.localdate(),
        opens_at=now - datetime.timedelta(hours=1),
        deadline=now + datetime.timedelta(days=1),
    )
    services.round_open(round_id=r.pk)
    return r
