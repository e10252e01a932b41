"""Writes with rules in them for the three-double evaluations.

Every calendar step (schedule, open, remind, close, compute) is safe to run twice or at
the same time as itself: the round row is locked and its state checked before anything
is written, sheets are inserted against a unique constraint with ON CONFLICT DO NOTHING,
closing is one conditional UPDATE, and results are recomputed from the sheets in one
transaction — a worker killed halfway leaves the previous state, which the next run
completes.
"""

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hive import periods
from hive.access.authorization import NotAuthorized, administers, community_staff
from hive.models import Community, User
from hive.notifications import notify
from hive.workflow import TransitionNotAllowed, transition
from partycommittee.evaluations.models import (
    DIMENSIONS,
    OWED_STATUSES,
    SCORE_MAX,
    SCORE_MIN,
    CommunityResult,
    DutyReport,
    EvaluationPolicy,
    EvaluationRound,
    EvaluationSheet,
    PeriodKind,
    SubmissionStatus,
    UnitResult,
)
from partycommittee.models import ResidentUnit

Status = EvaluationRound.Status
Kind = EvaluationSheet.Kind
BULK_BATCH = 5000
TWO_PLACES = Decimal("0.01")


def _refusal(field: str, message: str, code: str) -> ValidationError:
    """A field error that keeps its code (a dict of plain strings would drop it)."""
    return ValidationError({field: ValidationError(message, code=code)})


# --- Rounds ---------------------------------------------------------------------------


def policy_for(community: Community) -> EvaluationPolicy:
    """The community's policy, or the defaults (unsaved) when staff have not set one."""
    policy = EvaluationPolicy.objects.filter(community=community).first()
    return policy or EvaluationPolicy(community=community)


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def default_calendar(
    policy: EvaluationPolicy, period_start: datetime.date, period_end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """When a round opens and closes: some days before the period ends, until some days
    after it (the deadline is the end of that day)."""
    opens_at = _aware(period_end - datetime.timedelta(days=policy.open_days_before_end))
    deadline = _aware(period_end + datetime.timedelta(days=policy.days_after_end + 1))
    return opens_at, deadline


@transaction.atomic
def round_create(
    *,
    community: Community,
    day: datetime.date,
    period_kind: str | None = None,
    opens_at: datetime.datetime | None = None,
    deadline: datetime.datetime | None = None,
    policy: EvaluationPolicy | None = None,
    actor: User | None = None,
) -> EvaluationRound:
    """Create the round of the period that contains `day`, with the community's policy
    (weights, peer sample, reminder cadence) copied onto it.

    Authorization: the caller's.
    """
    policy = policy or policy_for(community)
    period_kind = period_kind or policy.period_kind
    if period_kind not in PeriodKind.values:
        raise _refusal("period_kind", _("Unknown period."), "invalid")
    start, after = periods.bounds(period_kind, day)
    end = after - datetime.timedelta(days=1)  # the round's last day
    default_open, default_deadline = default_calendar(policy, start, end)
    evaluation_round = EvaluationRound(
        community=community,
        period_kind=period_kind,
        period_start=start,
        period_end=end,
        opens_at=opens_at or default_open,
        deadline=deadline or default_deadline,
        reminder_every_days=policy.reminder_every_days,
        peer_sample_size=policy.peer_sample_size,
    )
    policy.copy_weights_to(evaluation_round)
    duplicate = _refusal(
        "period_start", _("This community already has a round for this period."), "duplicate"
    )
    if EvaluationRound.objects.filter(community=community, period_start=start).exists():
        raise duplicate
    # A concurrent creator that wins the race is caught by the constraint below.
    evaluation_round.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            evaluation_round.save()
    except IntegrityError:
        raise duplicate from None
    return evaluation_round


def round_schedule(*, policy: EvaluationPolicy, day: datetime.date) -> EvaluationRound | None:
    """Make sure the round of the period containing `day` exists; None if it did.

    Authorization: the caller's.
    """
    start, _end = periods.bounds(policy.period_kind, day)
    if EvaluationRound.objects.filter(community=policy.community, period_start=start).exists():
        return None
    try:
        return round_create(community=policy.community, day=day, policy=policy)
    except ValidationError as exc:
        if getattr(exc, "error_dict", {}).get("period_start"):
            return None  # another run created it a moment ago
        raise


def _peer_pairs(unit_ids: list[int], sample_size: int, seed: int) -> list[tuple[int, int]]:
    """Who scores whom among peers: everyone scores everyone else, or, with a sample of
    k, a seeded shuffle where each unit scores the next k units in the circle — every
    unit gives and receives k sheets, and the same round always draws the same pairs (a
    second run of `open` inserts nothing new)."""
    n = len(unit_ids)
    if sample_size <= 0 or sample_size >= n - 1:
        return [(rater, ratee) for rater in unit_ids for ratee in unit_ids if rater != ratee]
    circle = sorted(unit_ids)
    random.Random(seed).shuffle(circle)  # noqa: S311 (fairness, not secrecy)
    return [
        (circle[i], circle[(i + step) % n]) for i in range(n) for step in range(1, sample_size + 1)
    ]


@transaction.atomic
def round_open(
    *,
    round_id: int,
    actor: User | None = None,
    now: datetime.datetime | None = None,
    early: bool = False,
) -> bool:
    """Open a scheduled round and create its duty reports and sheets in bulk.

    False when there is nothing to do: already open (a second run), or not due yet
    (unless staff open it `early`).

    Authorization: the caller's.
    """
    now = now or timezone.now()
    # The lock makes a concurrent second run wait here, then find the round open.
    evaluation_round = (
        EvaluationRound.objects.select_for_update().select_related("community").get(pk=round_id)
    )
    if evaluation_round.status != Status.SCHEDULED:
        return False
    if evaluation_round.opens_at > now and not early:
        return False
    if evaluation_round.deadline <= now:
        raise _refusal(
            "deadline",
            _("The deadline has passed; move it before opening the round."),
            "deadline_passed",
        )
    unit_ids = list(
        ResidentUnit.objects.filter(community_id=evaluation_round.community_id, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    DutyReport.objects.bulk_create(
        [DutyReport(round=evaluation_round, unit_id=unit_id) for unit_id in unit_ids],
        batch_size=BULK_BATCH,
        ignore_conflicts=True,
    )
    sheets = []
    for unit_id in unit_ids:
        sheets.append(
            EvaluationSheet(
                round=evaluation_round, kind=Kind.COMMUNITY_TO_UNIT, ratee_unit_id=unit_id
            )
        )
        sheets.append(
            EvaluationSheet(
                round=evaluation_round, kind=Kind.UNIT_TO_COMMUNITY, rater_unit_id=unit_id
            )
        )
    for rater, ratee in _peer_pairs(
        unit_ids, evaluation_round.peer_sample_size, seed=evaluation_round.pk
    ):
        sheets.append(
            EvaluationSheet(
                round=evaluation_round, kind=Kind.PEER, rater_unit_id=rater, ratee_unit_id=ratee
            )
        )
    # Against the (round, rater, ratee, kind) constraint: rows already there are skipped.
    EvaluationSheet.objects.bulk_create(sheets, batch_size=BULK_BATCH, ignore_conflicts=True)
    evaluation_round.opened_at = now
    # The note is stored text: written in the site's language, whoever runs the task.
    with translation.override(settings.LANGUAGE_CODE):
        note = _("%(units)s units, %(sheets)s sheets.") % {
            "units": len(unit_ids),
            "sheets": len(sheets),
        }
    transition(
        evaluation_round,
        action="open",
        actor=actor,
        note=note,
        update_fields=["opened_at"],
    )
    return True


def rounds_open_due(*, now: datetime.datetime | None = None) -> int:
    """Create this period's round for every community with an enabled policy, then open
    every scheduled round whose time has come. Returns how many were opened.

    Authorization: the caller's.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    for policy in EvaluationPolicy.objects.filter(is_enabled=True).select_related("community"):
        round_schedule(policy=policy, day=today)
    due = EvaluationRound.objects.filter(
        status=Status.SCHEDULED, opens_at__lte=now, deadline__gt=now
    ).values_list("pk", flat=True)
    return sum(round_open(round_id=pk, now=now) for pk in list(due))


@transaction.atomic
def round_close(
    *,
    round_id: int,
    actor: User | None = None,
    now: datetime.datetime | None = None,
    early: bool = False,
) -> bool:
    """Close an open round past its deadline (or `early`, by staff): what is still owed
    is marked missing in one UPDATE per table. False when there is nothing to do.

    Authorization: the caller's.
    """
    now = now or timezone.now()
    evaluation_round = EvaluationRound.objects.select_for_update().get(pk=round_id)
    if evaluation_round.status != Status.OPEN:
        return False
    if evaluation_round.deadline > now and not early:
        return False
    missing = EvaluationSheet.objects.filter(
        round=evaluation_round, status__in=OWED_STATUSES
    ).update(status=SubmissionStatus.MISSING, updated_at=now)
    missing += DutyReport.objects.filter(round=evaluation_round, status__in=OWED_STATUSES).update(
        status=SubmissionStatus.MISSING, updated_at=now
    )
    evaluation_round.closed_at = now
    with translation.override(settings.LANGUAGE_CODE):
        note = _("%(count)s items missing.") % {"count": missing}
    transition(
        evaluation_round,
        action="close",
        actor=actor,
        note=note,
        update_fields=["closed_at"],
    )
    return True


def rounds_close_overdue(*, now: datetime.datetime | None = None) -> list[int]:
    """Close every open round past its deadline; the ids of those closed.

    Authorization: the caller's.
    """
    now = now or timezone.now()
    overdue = EvaluationRound.objects.filter(status=Status.OPEN, deadline__lte=now)
    return [
        pk for pk in list(overdue.values_list("pk", flat=True)) if round_close(round_id=pk, now=now)
    ]


@transaction.atomic
def round_publish(*, evaluation_round: EvaluationRound, actor: User) -> EvaluationRound:
    """Staff publish computed results: units then see their own results.

    Authorization: the caller's.
    """
    evaluation_round = EvaluationRound.objects.select_for_update().get(pk=evaluation_round.pk)
    if evaluation_round.status == Status.CLOSED and evaluation_round.results_computed_at is None:
        raise _refusal("results", _("Compute the results before publishing them."), "not_computed")
    evaluation_round.published_at = timezone.now()
    transition(evaluation_round, action="publish", actor=actor, update_fields=["published_at"])
    units = (
        ResidentUnit.objects.filter(results__round=evaluation_round)
        .prefetch_related("representatives")
        .distinct()
    )
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Three-double evaluation results for %(period)s are published") % {
            "period": evaluation_round.period_label
        }
        url = reverse("partycommittee:evaluation_results", args=[evaluation_round.pk])
        for unit in units:
            notify(
                recipients=list(unit.representatives.all()),
                title=title,
                body=_("See your unit's scores, rank and the distribution."),
                url=url,
                key=f"evaluation-published:{evaluation_round.pk}:{unit.pk}",
                community=evaluation_round.community,
            )
    return evaluation_round


# --- Reminders ------------------------------------------------------------------------


def reminder_slot(evaluation_round: EvaluationRound, now: datetime.datetime) -> int:
    """Which reminder period `now` falls in: 0 for the first `reminder_every_days` days
    after opening, 1 for the next, … The notification key carries it, so each unit is
    reminded at most once per period however often the task runs."""
    started = evaluation_round.opened_at or evaluation_round.opens_at
    cadence = datetime.timedelta(days=evaluation_round.reminder_every_days)
    return max(0, int((now - started) / cadence))


def round_remind(*, evaluation_round: EvaluationRound, now: datetime.datetime | None = None) -> int:
    """Remind every unit that still owes its duty report or a sheet (and the community
    staff when the community's own sheets are unfinished). Returns notifications made.

    Authorization: the caller's.
    """
    now = now or timezone.now()
    if evaluation_round.status != Status.OPEN or evaluation_round.deadline <= now:
        return 0
    slot = reminder_slot(evaluation_round, now)
    owed_sheets = dict(
        EvaluationSheet.objects.filter(
            round=evaluation_round, status__in=OWED_STATUSES, rater_unit__isnull=False
        )
        .values("rater_unit_id")
        .annotate(count=Count("id"))
        .values_list("rater_unit_id", "count")
    )
    owed_reports = set(
        DutyReport.objects.filter(round=evaluation_round, status__in=OWED_STATUSES).values_list(
            "unit_id", flat=True
        )
    )
    units = ResidentUnit.objects.filter(pk__in=set(owed_sheets) | owed_reports).prefetch_related(
        "representatives"
    )
    url = reverse("partycommittee:evaluation_round", args=[evaluation_round.pk])
    deadline = timezone.localtime(evaluation_round.deadline).strftime("%Y-%m-%d %H:%M")
    created = 0
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Three-double evaluation %(period)s: your unit still has work to submit") % {
            "period": evaluation_round.period_label
        }
        for unit in units:
            parts = []
            if unit.pk in owed_reports:
                parts.append(_("the duty report"))
            if owed_sheets.get(unit.pk):
                parts.append(_("%(count)s score sheets") % {"count": owed_sheets[unit.pk]})
            created += notify(
                recipients=list(unit.representatives.all()),
                title=title,
                body=_("%(unit)s still owes %(items)s. Deadline: %(deadline)s.")
                % {"unit": unit.name, "items": _(", ").join(parts), "deadline": deadline},
                url=url,
                key=f"evaluation-reminder:{evaluation_round.pk}:{unit.pk}:{slot}",
                community=evaluation_round.community,
            )
        community_owed = EvaluationSheet.objects.filter(
            round=evaluation_round, kind=Kind.COMMUNITY_TO_UNIT, status__in=OWED_STATUSES
        ).count()
        if community_owed:
            created += notify(
                recipients=community_staff(evaluation_round.community_id),
                title=_("Three-double evaluation %(period)s: the community's sheets")
                % {"period": evaluation_round.period_label},
                body=_("The community still owes %(count)s score sheets. Deadline: %(deadline)s.")
                % {"count": community_owed, "deadline": deadline},
                url=reverse(
                    "admin:partycommittee_evaluationround_progress", args=[evaluation_round.pk]
                ),
                key=f"evaluation-reminder:{evaluation_round.pk}:community:{slot}",
                community=evaluation_round.community,
            )
    return created


def rounds_remind(*, now: datetime.datetime | None = None) -> int:
    """Authorization: the caller's."""
    now = now or timezone.now()
    rounds = EvaluationRound.objects.filter(status=Status.OPEN, deadline__gt=now).select_related(
        "community"
    )
    return sum(round_remind(evaluation_round=r, now=now) for r in rounds)


# --- Filling in -----------------------------------------------------------------------


def _acts_for_unit(user: User, unit_id: int | None) -> bool:
    return bool(
        unit_id
        and ResidentUnit.representatives.through.objects.filter(
            residentunit_id=unit_id, user_id=user.pk
        ).exists()
    )


def can_fill(user: User, *, round_community_id: int, rater_unit_id: int | None) -> bool:
    """Units fill their own sheets and reports; community staff fill the community's."""
    if rater_unit_id is None:
        return administers(user, round_community_id)
    return _acts_for_unit(user, rater_unit_id)


def _check_round_accepts(evaluation_round: EvaluationRound, now: datetime.datetime) -> None:
    if evaluation_round.status != Status.OPEN:
        raise _refusal("round", _("This round is not open for submissions."), "round_not_open")
    if now >= evaluation_round.deadline:
        raise _refusal(
            "round", _("The deadline has passed; late submissions are not accepted."), "late"
        )


def _clean_scores(scores: dict[str, object], *, complete: bool) -> dict[str, int | None]:
    cleaned: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    for name in DIMENSIONS:
        value = scores.get(name)
        if value in (None, ""):
            cleaned[name] = None
            if complete:
                errors[name] = _("Give a score from 0 to 100 before submitting.")
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            number = int(value.strip())
        else:
            errors[name] = _("Enter a whole number from 0 to 100.")
            continue
        if not SCORE_MIN <= number <= SCORE_MAX:
            errors[name] = _("Scores run from 0 to 100.")
            continue
        cleaned[name] = number
    if errors:
        raise ValidationError(errors, code="invalid_score")
    return cleaned


def _refusal_for(
    stored_status: str, evaluation_round: EvaluationRound, now: datetime.datetime
) -> ValidationError:
    if stored_status == SubmissionStatus.SUBMITTED:
        return _refusal(
            "status",
            _("This has already been submitted and cannot be changed."),
            "already_submitted",
        )
    if stored_status == SubmissionStatus.MISSING:
        return _refusal("round", _("The round has closed; this was marked missing."), "late")
    try:
        _check_round_accepts(evaluation_round, now)
    except ValidationError as exc:
        return exc
    return _refusal("status", _("This can no longer be changed."), "locked")


def sheet_check(
    *,
    sheet: EvaluationSheet,
    actor: User,
    scores: dict[str, object],
    comment: str = "",
    submit: bool,
    now: datetime.datetime | None = None,
) -> dict[str, int | None]:
    """Every rule of `sheet_save` without writing (the admin form shows the errors on its
    fields); returns the cleaned scores."""
    now = now or timezone.now()
    evaluation_round = EvaluationRound.objects.get(pk=sheet.round_id)
    if not can_fill(
        actor, round_community_id=evaluation_round.community_id, rater_unit_id=sheet.rater_unit_id
    ):
        raise NotAuthorized(_("You do not fill in this sheet."))
    if sheet.status not in OWED_STATUSES:
        raise _refusal_for(sheet.status, evaluation_round, now)
    _check_round_accepts(evaluation_round, now)
    cleaned = _clean_scores(scores, complete=submit)
    if len((comment or "").strip()) > 2000:
        raise _refusal("comment", _("Keep the comment under 2,000 characters."), "too_long")
    return cleaned


@transaction.atomic
def sheet_save(
    *,
    sheet: EvaluationSheet,
    actor: User,
    communication: object = None,
    service: object = None,
    overall: object = None,
    comment: str = "",
    submit: bool = False,
    now: datetime.datetime | None = None,
) -> EvaluationSheet:
    """Save a sheet as a draft, or submit it. A submitted sheet never changes again.

    Authorization: checked here (sheet_check).
    """
    now = now or timezone.now()
    scores = sheet_check(
        sheet=sheet,
        actor=actor,
        scores={"communication": communication, "service": service, "overall": overall},
        comment=comment,
        submit=submit,
        now=now,
    )
    comment = (comment or "").strip()
    fields: dict[str, object] = {**scores, "comment": comment, "updated_at": now}
    if submit:
        fields |= {
            "status": SubmissionStatus.SUBMITTED,
            "submitted_at": now,
            "submitted_by": actor,
        }
    else:
        fields["status"] = SubmissionStatus.DRAFT
    # Conditional UPDATE: a concurrent submit, or the close marking it missing, wins
    # and this one changes nothing (then says why).
    updated = EvaluationSheet.objects.filter(
        pk=sheet.pk,
        status__in=OWED_STATUSES,
        round__status=Status.OPEN,
        round__deadline__gt=now,
    ).update(**fields)
    stored = EvaluationSheet.objects.get(pk=sheet.pk)
    if not updated:
        raise _refusal_for(stored.status, EvaluationRound.objects.get(pk=sheet.round_id), now)
    return stored


@transaction.atomic
def duty_report_save(
    *,
    report: DutyReport,
    actor: User,
    text: str,
    submit: bool = False,
    now: datetime.datetime | None = None,
) -> DutyReport:
    """Authorization: checked here (the unit's representatives)."""
    now = now or timezone.now()
    evaluation_round = EvaluationRound.objects.get(pk=report.round_id)
    if not _acts_for_unit(actor, report.unit_id):
        raise NotAuthorized(_("Only the unit's representatives write its duty report."))
    if report.status not in OWED_STATUSES:
        raise _refusal_for(report.status, evaluation_round, now)
    _check_round_accepts(evaluation_round, now)
    text = (text or "").strip()
    if submit and not text:
        raise _refusal("text", _("Write the duty report before submitting it."), "required")
    if len(text) > 10000:
        raise _refusal("text", _("Keep the report under 10,000 characters."), "too_long")
    fields = {"text": text, "updated_at": now, "status": SubmissionStatus.DRAFT}
    if submit:
        fields |= {"status": SubmissionStatus.SUBMITTED, "submitted_at": now, "submitted_by": actor}
    updated = DutyReport.objects.filter(
        pk=report.pk,
        status__in=OWED_STATUSES,
        round__status=Status.OPEN,
        round__deadline__gt=now,
    ).update(**fields)
    stored = DutyReport.objects.get(pk=report.pk)
    if not updated:
        raise _refusal_for(stored.status, evaluation_round, now)
    return stored


# --- Results --------------------------------------------------------------------------


def _dec(value: object) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _weighted(pairs: list[tuple[Decimal | None, int]]) -> Decimal | None:
    """Weighted mean of the values present (weights re-normalised over them)."""
    present = [(value, weight) for value, weight in pairs if value is not None and weight]
    total = sum(weight for _value, weight in present)
    if not total:
        return None
    return _dec(sum(value * weight for value, weight in present) / total)


def _dimension_score(
    evaluation_round: EvaluationRound, means: dict[str, Decimal | None]
) -> Decimal | None:
    return _weighted(
        [
            (means.get("communication"), evaluation_round.communication_weight),
            (means.get("service"), evaluation_round.service_weight),
            (means.get("overall"), evaluation_round.overall_weight),
        ]
    )


def _previous_round(evaluation_round: EvaluationRound) -> EvaluationRound | None:
    return (
        EvaluationRound.objects.filter(
            community_id=evaluation_round.community_id,
            period_start__lt=evaluation_round.period_start,
            results_computed_at__isnull=False,
        )
        .order_by("-period_start")
        .first()
    )


@transaction.atomic
def round_compute_results(*, round_id: int, now: datetime.datetime | None = None) -> bool:
    """Compute every unit's result and the community's from the submitted sheets.

    A fixed number of queries whatever the number of sheets: the means come from one
    GROUP BY, what each unit owed and did from another, and the results are replaced in
    bulk — all in this transaction, so a worker stopped halfway changes nothing and the
    next run computes the same figures. Published results are frozen (False).

    Authorization: the caller's.
    """
    now = now or timezone.now()
    evaluation_round = EvaluationRound.objects.select_for_update().get(pk=round_id)
    if evaluation_round.status != Status.CLOSED:
        return False
    submitted = EvaluationSheet.objects.filter(
        round=evaluation_round, status=SubmissionStatus.SUBMITTED
    )
    averages = {name: Avg(name) for name in DIMENSIONS}
    # Per (unit, kind): the sheet count and the mean of each dimension.
    received: dict[tuple[int | None, str], dict[str, Any]] = {}
    for row in (
        submitted.values("ratee_unit_id", "kind")
        .annotate(sheet_count=Count("id"), **averages)
        .order_by()
    ):
        received[(row["ratee_unit_id"], row["kind"])] = row
    owed = {
        row["rater_unit_id"]: row
        for row in EvaluationSheet.objects.filter(round=evaluation_round, rater_unit__isnull=False)
        .values("rater_unit_id")
        .annotate(owed=Count("id"), done=Count("id", filter=Q(status=SubmissionStatus.SUBMITTED)))
        .order_by()
    }
    reports = dict(
        DutyReport.objects.filter(round=evaluation_round).values_list("unit_id", "status")
    )
    previous = _previous_round(evaluation_round)
    previous_scores = {}
    previous_community = None
    if previous is not None:
        previous_scores = dict(
            UnitResult.objects.filter(round=previous).values_list("unit_id", "score")
        )
        previous_community = (
            CommunityResult.objects.filter(round=previous).values_list("score", flat=True).first()
        )

    results = []
    for unit_id, report_status in reports.items():
        from_community = received.get((unit_id, Kind.COMMUNITY_TO_UNIT), {})
        from_peers = received.get((unit_id, Kind.PEER), {})
        community_means = {name: _dec(from_community.get(name)) for name in DIMENSIONS}
        peer_means = {name: _dec(from_peers.get(name)) for name in DIMENSIONS}
        community_score = _dimension_score(evaluation_round, community_means)
        peer_score = _dimension_score(evaluation_round, peer_means)
        score = _weighted(
            [
                (community_score, evaluation_round.community_weight),
                (peer_score, evaluation_round.peer_weight),
            ]
        )
        gave = owed.get(unit_id, {"owed": 0, "done": 0})
        owed_count = gave["owed"] + 1  # the sheets it fills, and its duty report
        done_count = gave["done"] + (report_status == SubmissionStatus.SUBMITTED)
        previous_score = previous_scores.get(unit_id)
        results.append(
            UnitResult(
                round=evaluation_round,
                unit_id=unit_id,
                community_communication=community_means["communication"],
                community_service=community_means["service"],
                community_overall=community_means["overall"],
                community_score=community_score,
                peer_communication=peer_means["communication"],
                peer_service=peer_means["service"],
                peer_overall=peer_means["overall"],
                peer_score=peer_score,
                peer_sheet_count=from_peers.get("sheet_count", 0),
                score=score,
                owed_count=owed_count,
                done_count=done_count,
                completion_rate=(Decimal(100 * done_count) / owed_count).quantize(Decimal("0.1")),
                previous_score=previous_score,
                change=(score - previous_score)
                if score is not None and previous_score is not None
                else None,
            )
        )
    # Competition ranking (1, 2, 2, 4): equal scores share a rank; no score, no rank.
    ranked = sorted((r for r in results if r.score is not None), key=lambda r: -r.score)
    for position, result in enumerate(ranked, start=1):
        previous_result = ranked[position - 2] if position > 1 else None
        if previous_result is not None and previous_result.score == result.score:
            result.rank = previous_result.rank
        else:
            result.rank = position

    UnitResult.objects.filter(round=evaluation_round).delete()
    UnitResult.objects.bulk_create(results, batch_size=BULK_BATCH)

    to_community = received.get((None, Kind.UNIT_TO_COMMUNITY), {})
    community_means = {name: _dec(to_community.get(name)) for name in DIMENSIONS}
    community_score = _dimension_score(evaluation_round, community_means)
    unit_scores = [r.score for r in results if r.score is not None]
    CommunityResult.objects.filter(round=evaluation_round).delete()
    CommunityResult.objects.create(
        round=evaluation_round,
        **community_means,
        score=community_score,
        sheet_count=to_community.get("sheet_count", 0),
        unit_mean_score=_dec(sum(unit_scores) / len(unit_scores)) if unit_scores else None,
        previous_score=previous_community,
        change=(community_score - previous_community)
        if community_score is not None and previous_community is not None
        else None,
    )
    evaluation_round.results_computed_at = now
    evaluation_round.save(update_fields=["results_computed_at", "updated_at"])
    return True


def rounds_compute_due() -> list[int]:
    """Compute every closed round that has no results yet (or lost them to a crash).

    Authorization: the caller's.
    """
    due = EvaluationRound.objects.filter(status=Status.CLOSED, results_computed_at__isnull=True)
    return [
        pk for pk in list(due.values_list("pk", flat=True)) if round_compute_results(round_id=pk)
    ]


# --- Staff actions with a message -----------------------------------------------------


def round_open_now(*, evaluation_round: EvaluationRound, actor: User) -> EvaluationRound:
    """Staff open a scheduled round before its opening time.

    Authorization: the caller's.
    """
    evaluation_round.refresh_from_db()
    if evaluation_round.status != Status.SCHEDULED:
        raise TransitionNotAllowed(
            _("Only a scheduled round can be opened."), code="illegal_transition"
        )
    round_open(round_id=evaluation_round.pk, actor=actor, early=True)
    evaluation_round.refresh_from_db()
    return evaluation_round


def round_close_now(*, evaluation_round: EvaluationRound, actor: User) -> EvaluationRound:
    """Staff close an open round before its deadline.

    Authorization: the caller's.
    """
    evaluation_round.refresh_from_db()
    if evaluation_round.status != Status.OPEN:
        raise TransitionNotAllowed(
            _("Only an open round can be closed."), code="illegal_transition"
        )
    round_close(round_id=evaluation_round.pk, actor=actor, early=True)
    evaluation_round.refresh_from_db()
    return evaluation_round


def round_recompute(*, evaluation_round: EvaluationRound) -> EvaluationRound:
    """Authorization: the caller's."""
    evaluation_round.refresh_from_db()
    if evaluation_round.status != Status.CLOSED:
        raise _refusal(
            "results",
            _("Results are computed for a closed round that is not yet published."),
            "not_closed",
        )
    round_compute_results(round_id=evaluation_round.pk)
    evaluation_round.refresh_from_db()
    return evaluation_round
