"""The calendar through Celery: each task twice changes nothing; a real worker on Redis
runs open → remind → close → compute; a worker process killed mid-compute leaves the
round for the next run, which computes the same results."""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from hive.models import Notification
from partycommittee import tasks
from partycommittee.evaluations import services
from partycommittee.evaluations.models import (
    DutyReport,
    EvaluationRound,
    EvaluationSheet,
    UnitResult,
)
from tests.conftest import _database_url_for_worker

Kind = EvaluationSheet.Kind


def _state(evaluation_round):
    evaluation_round.refresh_from_db()
    return (
        evaluation_round.status,
        sorted(EvaluationSheet.objects.filter(round=evaluation_round).values_list("pk", "status")),
        sorted(DutyReport.objects.filter(round=evaluation_round).values_list("pk", "status")),
        Notification.objects.count(),
        sorted(
            UnitResult.objects.filter(round=evaluation_round).values_list(
                "unit_id", "score", "rank"
            )
        ),
    )


def _fill_some(board):
    services.sheet_save(
        sheet=board.sheet(Kind.PEER, board.unit_a, board.unit_b),
        actor=board.rep_a,
        communication=90,
        service=80,
        overall=85,
        submit=True,
    )
    services.sheet_save(
        sheet=board.sheet(Kind.COMMUNITY_TO_UNIT, None, board.unit_b),
        actor=board.world.staff_a,
        communication=70,
        service=75,
        overall=80,
        submit=True,
    )


@pytest.mark.django_db
def test_each_task_run_twice_changes_nothing(board):
    assert tasks.open_due_rounds.apply().get() == 1
    opened = _state(board.round)
    assert tasks.open_due_rounds.apply().get() == 0
    assert _state(board.round) == opened

    assert tasks.remind_evaluation_laggards.apply().get() == 3  # reps of A and B, staff
    reminded = _state(board.round)
    assert tasks.remind_evaluation_laggards.apply().get() == 0
    assert _state(board.round) == reminded

    _fill_some(board)
    EvaluationRound.objects.filter(pk=board.round.pk).update(
        deadline=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert tasks.close_overdue_rounds.apply().get() == [board.round.pk]
    closed = _state(board.round)
    assert tasks.close_overdue_rounds.apply().get() == []
    assert _state(board.round) == closed

    # Closing enqueued the compute (eager mode ran it already after commit, or the
    # periodic compute picks it up); either way the figures are the same.
    tasks.compute_due_results.apply().get()
    computed = _state(board.round)
    assert len(computed[4]) == 3
    assert tasks.compute_due_results.apply().get() == []
    assert tasks.compute_round_results.apply(args=[board.round.pk]).get() is True
    assert _state(board.round) == computed


def _wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_round_from_open_to_results(board, celery_worker):
    queue = celery_worker.queue
    try:
        assert tasks.open_due_rounds.apply_async(queue=queue).get(timeout=60) == 1
        assert EvaluationSheet.objects.filter(round=board.round).count() == 12
        assert tasks.remind_evaluation_laggards.apply_async(queue=queue).get(timeout=60) == 3
        assert tasks.remind_evaluation_laggards.apply_async(queue=queue).get(timeout=60) == 0
        assert Notification.objects.filter(recipient=board.rep_a).count() == 1

        _fill_some(board)
        EvaluationRound.objects.filter(pk=board.round.pk).update(
            deadline=timezone.now() - datetime.timedelta(seconds=1)
        )
        assert tasks.close_overdue_rounds.apply_async(queue=queue).get(timeout=60) == [
            board.round.pk
        ]
        # The close enqueued the compute on the worker's queue; the periodic compute
        # finds nothing left or does it itself — the round ends up computed either way.
        tasks.compute_due_results.apply_async(queue=queue).get(timeout=60)
        assert _wait_for(
            lambda: EvaluationRound.objects.filter(
                pk=board.round.pk, results_computed_at__isnull=False
            ).exists()
        )
    except Exception:
        print(celery_worker.log.read_text())
        raise
    board.round.refresh_from_db()
    assert board.round.status == "closed"
    b = UnitResult.objects.get(round=board.round, unit=board.unit_b)
    # B: community (70, 75, 80) → 75.5; peers: A's (90, 80, 85) → 85; 50/50 → 80.25
    assert (str(b.community_score), str(b.peer_score), str(b.score), b.rank) == (
        "75.50",
        "85.00",
        "80.25",
        1,
    )
    assert EvaluationSheet.objects.filter(round=board.round, status="missing").count() == 10


KILL_SCRIPT = """
import os, django
django.setup()
from partycommittee.evaluations import services
from partycommittee.evaluations.models import UnitResult
real = UnitResult.objects.bulk_create
def die(objs, **kwargs):
    real(objs[:1], **kwargs)
    os._exit(9)  # the worker process is killed with rows half written
UnitResult.objects.bulk_create = die
services.round_compute_results(round_id=int(os.environ["ROUND_ID"]))
"""


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_killed_mid_compute_leaves_a_state_the_next_run_completes(board):
    if connection.vendor != "postgresql":
        pytest.skip("a second process needs a shared database server (PostgreSQL)")
    board.open()
    _fill_some(board)
    services.round_close_now(evaluation_round=board.round, actor=board.world.staff_a)
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=_database_url_for_worker(),
        ROUND_ID=str(board.round.pk),
    )
    env.pop("REDIS_URL", None)
    process = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 9, process.stderr
    board.round.refresh_from_db()
    assert board.round.results_computed_at is None
    assert not UnitResult.objects.filter(round=board.round).exists()

    assert tasks.compute_due_results.apply().get() == [board.round.pk]
    rerun = _state(board.round)
    assert len(rerun[4]) == 3
    services.round_compute_results(round_id=board.round.pk)
    assert _state(board.round) == rerun


def _at_once(*calls):
    """Run the calls in threads released together; their results (or exceptions)."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_workers_opening_and_computing_at_once_do_the_work_once(board):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite serialises whole-database writes)")
    pk = board.round.pk
    outcomes = _at_once(
        lambda: services.round_open(round_id=pk), lambda: services.round_open(round_id=pk)
    )
    assert sorted(outcomes, key=str) == [False, True], outcomes
    assert EvaluationSheet.objects.filter(round=board.round).count() == 12
    from hive.models import TimelineEntry

    assert TimelineEntry.objects.for_object(board.round).filter(to_state="open").count() == 1
    _fill_some(board)
    services.round_close_now(evaluation_round=board.round, actor=board.world.staff_a)
    outcomes = _at_once(
        lambda: services.round_compute_results(round_id=pk),
        lambda: services.round_compute_results(round_id=pk),
    )
    assert outcomes == [True, True], outcomes
    computed = _state(board.round)
    assert len(computed[4]) == 3
    services.round_compute_results(round_id=pk)
    assert _state(board.round) == computed
