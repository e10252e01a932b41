"""Three-double rounds: one per community and period, sheets created once, the rules of
filling in (range, self-scoring, resubmission, lateness), closing, reminders."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from hive import periods
from hive.models import Notification, TimelineEntry
from partycommittee.evaluations import services
from partycommittee.evaluations.models import (
    DutyReport,
    EvaluationPolicy,
    EvaluationRound,
    EvaluationSheet,
)

pytestmark = pytest.mark.django_db
Kind = EvaluationSheet.Kind


def code(exc: ValidationError) -> str:
    """The code of a service's refusal (field errors carry it on each message)."""
    if hasattr(exc, "error_dict"):
        return next(error.code for errors in exc.error_dict.values() for error in errors)
    return exc.code


def test_a_second_round_for_the_same_period_is_refused(board):
    with pytest.raises(ValidationError) as refused:
        services.round_create(community=board.world.a, day=board.round.period_end)
    assert "period_start" in refused.value.message_dict
    # The database itself refuses the twin, whatever the code does.
    twin = EvaluationRound.objects.get(pk=board.round.pk)
    twin.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
    assert EvaluationRound.objects.filter(community=board.world.a).count() == 1


def test_weights_must_add_up(world):
    policy = EvaluationPolicy(community=world.a, community_weight=60, peer_weight=60)
    with pytest.raises(ValidationError) as refused:
        policy.full_clean()
    assert "peer_weight" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        policy.save()


def test_opening_creates_every_report_and_sheet_once(board):
    board.open()
    r = board.round
    # Three active units; the inactive unit and the other community's take no part.
    assert DutyReport.objects.filter(round=r).count() == 3
    assert EvaluationSheet.objects.filter(round=r, kind=Kind.COMMUNITY_TO_UNIT).count() == 3
    assert EvaluationSheet.objects.filter(round=r, kind=Kind.UNIT_TO_COMMUNITY).count() == 3
    assert EvaluationSheet.objects.filter(round=r, kind=Kind.PEER).count() == 6
    assert not EvaluationSheet.objects.filter(round=r, rater_unit=board.retired).exists()
    assert services.round_open(round_id=r.pk) is False  # a second run changes nothing
    # Even a run that got past the state check inserts nothing twice (the constraint).
    EvaluationRound.objects.filter(pk=r.pk).update(status="scheduled")
    assert services.round_open(round_id=r.pk) is True
    assert EvaluationSheet.objects.filter(round=r).count() == 12
    assert DutyReport.objects.filter(round=r).count() == 3


def test_the_database_keeps_each_sheet_once_even_for_the_community_side(board):
    board.open()
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationSheet.objects.create(
            round=board.round, kind=Kind.COMMUNITY_TO_UNIT, ratee_unit=board.unit_a
        )


def test_nobody_scores_themselves_in_the_database(board):
    board.open()
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationSheet.objects.create(
            round=board.round, kind=Kind.PEER, rater_unit=board.unit_c, ratee_unit=board.unit_c
        )


def test_out_of_range_scores_are_refused_by_the_database(board):
    board.open()
    sheet = board.sheet(Kind.PEER, board.unit_a, board.unit_b)
    with pytest.raises(IntegrityError), transaction.atomic():
        EvaluationSheet.objects.filter(pk=sheet.pk).update(service=101)


def test_a_scheduled_round_does_not_open_before_its_time(board):
    EvaluationRound.objects.filter(pk=board.round.pk).update(
        opens_at=timezone.now() + datetime.timedelta(hours=1)
    )
    assert services.round_open(round_id=board.round.pk) is False
    assert services.round_open(round_id=board.round.pk, early=True) is True


def test_a_peer_sample_gives_and_receives_k_sheets_per_unit(world):
    from tests.partycommittee.factories import ResidentUnitFactory

    units = ResidentUnitFactory.create_batch(7, community=world.a)
    EvaluationPolicy.objects.create(community=world.a, peer_sample_size=2)
    now = timezone.now()
    r = services.round_create(
        community=world.a,
        day=timezone.localdate(),
        opens_at=now - datetime.timedelta(hours=1),
        deadline=now + datetime.timedelta(days=3),
    )
    assert r.peer_sample_size == 2
    services.round_open(round_id=r.pk)
    peers = EvaluationSheet.objects.filter(round=r, kind=Kind.PEER)
    assert peers.count() == 14
    for unit in units:
        assert peers.filter(rater_unit=unit).count() == 2
        assert peers.filter(ratee_unit=unit).count() == 2
        assert not peers.filter(rater_unit=unit, ratee_unit=unit).exists()
    # The draw is seeded by the round: a second run of `open` draws the same pairs.
    again = services._peer_pairs([u.pk for u in units], 2, seed=r.pk)
    assert set(again) == set(peers.values_list("rater_unit", "ratee_unit"))


# --- Filling in ------------------------------------------------------------------------


def test_a_unit_saves_a_draft_then_submits(board):
    board.open()
    sheet = board.sheet(Kind.PEER, board.unit_a, board.unit_b)
    services.sheet_save(sheet=sheet, actor=board.rep_a, communication=80)
    sheet.refresh_from_db()
    assert (sheet.status, sheet.communication, sheet.service) == ("draft", 80, None)
    services.sheet_save(
        sheet=sheet, actor=board.rep_a, communication=85, service=90, overall=88, submit=True
    )
    sheet.refresh_from_db()
    assert (sheet.status, sheet.communication, sheet.overall) == ("submitted", 85, 88)
    assert sheet.submitted_by == board.rep_a


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ({"communication": 101, "service": 50, "overall": 50}, "communication"),
        ({"communication": 50, "service": -1, "overall": 50}, "service"),
        ({"communication": 50, "service": 50, "overall": "ninety"}, "overall"),
        ({"communication": 50, "service": 50, "overall": None}, "overall"),
    ],
)
def test_bad_scores_are_field_errors_and_nothing_is_saved(board, scores, field):
    board.open()
    sheet = board.sheet(Kind.UNIT_TO_COMMUNITY, board.unit_a)
    with pytest.raises(ValidationError) as refused:
        services.sheet_save(sheet=sheet, actor=board.rep_a, submit=True, **scores)
    assert list(refused.value.message_dict) == [field]
    sheet.refresh_from_db()
    assert sheet.status == "pending"
    assert sheet.communication is None


def test_a_submitted_sheet_cannot_change(board):
    board.open()
    sheet = board.sheet(Kind.PEER, board.unit_a, board.unit_c)
    services.sheet_save(
        sheet=sheet, actor=board.rep_a, communication=70, service=70, overall=70, submit=True
    )
    for submit in (True, False):
        with pytest.raises(ValidationError) as refused:
            services.sheet_save(
                sheet=EvaluationSheet.objects.get(pk=sheet.pk),
                actor=board.rep_a,
                communication=100,
                service=100,
                overall=100,
                submit=submit,
            )
        assert code(refused.value) == "already_submitted"
    # A stale copy still read as a draft is refused by the conditional UPDATE.
    sheet.status = "draft"
    with pytest.raises(ValidationError):
        services.sheet_save(sheet=sheet, actor=board.rep_a, communication=1, service=1, overall=1)
    sheet.refresh_from_db()
    assert (sheet.communication, sheet.status) == (70, "submitted")


def test_late_submissions_are_refused(board):
    board.open()
    sheet = board.sheet(Kind.PEER, board.unit_a, board.unit_b)
    late = board.round.deadline + datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError) as refused:
        services.sheet_save(
            sheet=sheet,
            actor=board.rep_a,
            communication=1,
            service=1,
            overall=1,
            submit=True,
            now=late,
        )
    assert code(refused.value) == "late"
    report = DutyReport.objects.get(round=board.round, unit=board.unit_a)
    with pytest.raises(ValidationError) as refused:
        services.duty_report_save(report=report, actor=board.rep_a, text="述职", now=late)
    assert code(refused.value) == "late"
    services.round_close(round_id=board.round.pk, now=late)
    with pytest.raises(ValidationError) as refused:
        services.sheet_save(
            sheet=EvaluationSheet.objects.get(pk=sheet.pk),
            actor=board.rep_a,
            communication=1,
            service=1,
            overall=1,
        )
    assert code(refused.value) == "late"


def test_only_the_rater_fills_a_sheet(board):
    board.open()
    peer = board.sheet(Kind.PEER, board.unit_a, board.unit_b)
    with pytest.raises(PermissionDenied):
        services.sheet_save(sheet=peer, actor=board.rep_b, communication=1)
    with pytest.raises(PermissionDenied):
        services.sheet_save(sheet=peer, actor=board.world.staff_a, communication=1)
    community = board.sheet(Kind.COMMUNITY_TO_UNIT, None, board.unit_a)
    with pytest.raises(PermissionDenied):
        services.sheet_save(sheet=community, actor=board.rep_a, communication=100)
    with pytest.raises(PermissionDenied):
        services.sheet_save(sheet=community, actor=board.world.staff_b, communication=100)
    services.sheet_save(
        sheet=community,
        actor=board.world.staff_a,
        communication=1,
        service=2,
        overall=3,
        submit=True,
    )
    assert board.sheet(Kind.COMMUNITY_TO_UNIT, None, board.unit_a).status == "submitted"


def test_duty_report_needs_text_to_submit(board):
    board.open()
    report = DutyReport.objects.get(round=board.round, unit=board.unit_a)
    with pytest.raises(ValidationError) as refused:
        services.duty_report_save(report=report, actor=board.rep_a, text="  ", submit=True)
    assert "text" in refused.value.message_dict
    services.duty_report_save(
        report=report, actor=board.rep_a, text="本季度开展普法讲座三次", submit=True
    )
    report.refresh_from_db()
    assert report.status == "submitted"
    with pytest.raises(ValidationError):
        services.duty_report_save(report=report, actor=board.rep_a, text="改写", submit=True)


# --- Closing and reminders ---------------------------------------------------------------


def test_closing_marks_what_is_owed_missing_once(board):
    board.open()
    done = board.sheet(Kind.PEER, board.unit_a, board.unit_b)
    services.sheet_save(
        sheet=done, actor=board.rep_a, communication=9, service=9, overall=9, submit=True
    )
    draft = board.sheet(Kind.PEER, board.unit_a, board.unit_c)
    services.sheet_save(sheet=draft, actor=board.rep_a, communication=50)
    assert services.round_close(round_id=board.round.pk) is False  # deadline not reached
    after = board.round.deadline + datetime.timedelta(seconds=1)
    assert services.rounds_close_overdue(now=after) == [board.round.pk]
    assert services.rounds_close_overdue(now=after) == []
    statuses = dict(EvaluationSheet.objects.filter(round=board.round).values_list("pk", "status"))
    assert statuses.pop(done.pk) == "submitted"
    assert set(statuses.values()) == {"missing"}
    assert set(DutyReport.objects.filter(round=board.round).values_list("status", flat=True)) == {
        "missing"
    }
    moves = TimelineEntry.objects.for_object(board.round).values_list("from_state", "to_state")
    assert list(moves) == [("scheduled", "open"), ("open", "closed")]


def test_laggards_are_reminded_once_per_cadence_in_portal_and_by_email(
    board, django_capture_on_commit_callbacks, celery_eager
):
    board.rep_a.email = "a@example.org"
    board.rep_a.save()
    board.open()
    # Unit B finishes everything; it is not reminded.
    for sheet in EvaluationSheet.objects.filter(round=board.round, rater_unit=board.unit_b):
        services.sheet_save(
            sheet=sheet, actor=board.rep_b, communication=80, service=80, overall=80, submit=True
        )
    report = DutyReport.objects.get(round=board.round, unit=board.unit_b)
    services.duty_report_save(report=report, actor=board.rep_b, text="述职报告", submit=True)

    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.rounds_remind(now=now)
    # unit A's representative, and the community staff (the community owes 3 sheets).
    assert first == 2
    assert services.rounds_remind(now=now + datetime.timedelta(hours=5)) == 0
    reminder = Notification.objects.get(recipient=board.rep_a)
    assert reminder.key == f"evaluation-reminder:{board.round.pk}:{board.unit_a.pk}:0"
    assert "/portal/unit/evaluations/" in reminder.url
    assert not Notification.objects.filter(recipient=board.rep_b).exists()
    assert Notification.objects.filter(recipient=board.world.staff_a).count() == 1
    assert [m.to for m in mail.outbox] == [["a@example.org"]]
    later = now + datetime.timedelta(days=board.round.reminder_every_days, hours=1)
    assert services.rounds_remind(now=later) == 2
    assert Notification.objects.filter(recipient=board.rep_a).count() == 2


def test_rounds_are_scheduled_from_the_policy_and_opened_when_due(world):
    from tests.partycommittee.factories import ResidentUnitFactory

    ResidentUnitFactory.create_batch(3, community=world.a)
    EvaluationPolicy.objects.create(community=world.a, open_days_before_end=200)
    now = timezone.now()
    assert services.rounds_open_due(now=now) == 1
    assert services.rounds_open_due(now=now) == 0
    current = EvaluationRound.objects.get(community=world.a)
    assert current.status == "open"
    assert current.period_start == periods.bounds("quarter", timezone.localdate(now))[0]
    assert EvaluationSheet.objects.filter(round=current).count() == 3 + 3 + 6
    assert not EvaluationRound.objects.filter(community=world.b).exists()  # no policy there


def test_beat_entries_exist_after_migrate():
    from django_celery_beat.models import PeriodicTask

    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {
        "partycommittee.open_due_rounds",
        "partycommittee.remind_evaluation_laggards",
        "partycommittee.close_overdue_rounds",
        "partycommittee.compute_due_results",
    } <= tasks
    remind = PeriodicTask.objects.get(task="partycommittee.remind_evaluation_laggards")
    assert remind.enabled and remind.crontab.hour == "9"
