"""Reused reads of the three-double evaluations."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from partycommittee.evaluations.models import (
    OWED_STATUSES,
    DutyReport,
    EvaluationRound,
    EvaluationSheet,
    SubmissionStatus,
    UnitResult,
)

# Score bands of the anonymised distribution: lower bound inclusive, upper exclusive.
BANDS = [
    (90, 101, "90–100"),
    (80, 90, "80–89"),
    (70, 80, "70–79"),
    (60, 70, "60–69"),
    (0, 60, "<60"),
]


def score_distribution(evaluation_round: EvaluationRound) -> dict[str, Any]:
    """How the round's unit scores spread, with no unit named: counts per band, the
    mean and the number of units scored. One query."""
    results = UnitResult.objects.filter(round=evaluation_round, score__isnull=False)
    aggregates = results.aggregate(
        total=Count("id"),
        mean=Avg("score"),
        **{
            f"band_{index}": Count("id", filter=Q(score__gte=low, score__lt=high))
            for index, (low, high, _label) in enumerate(BANDS)
        },
    )
    mean = aggregates["mean"]
    return {
        "count": aggregates["total"],
        "mean": Decimal(str(mean)).quantize(Decimal("0.01")) if mean is not None else None,
        "bands": [
            {"label": label, "count": aggregates[f"band_{index}"]}
            for index, (_low, _high, label) in enumerate(BANDS)
        ],
    }


def round_progress(evaluation_round: EvaluationRound) -> list[dict[str, Any]]:
    """Per unit: its duty report, how many of its sheets it submitted, and what is still
    missing — for the staff progress page. A fixed number of queries."""
    sheets = {
        row["rater_unit_id"]: row
        for row in EvaluationSheet.objects.filter(round=evaluation_round, rater_unit__isnull=False)
        .values("rater_unit_id")
        .annotate(
            owed=Count("id"),
            submitted=Count("id", filter=Q(status=SubmissionStatus.SUBMITTED)),
            outstanding=Count("id", filter=Q(status__in=OWED_STATUSES)),
            missing=Count("id", filter=Q(status=SubmissionStatus.MISSING)),
        )
        .order_by()
    }
    community_sheets = {
        row["ratee_unit_id"]: row["status"]
        for row in EvaluationSheet.objects.filter(
            round=evaluation_round, kind=EvaluationSheet.Kind.COMMUNITY_TO_UNIT
        ).values("ratee_unit_id", "status")
    }
    rows: list[dict[str, Any]] = []
    for report in DutyReport.objects.filter(round=evaluation_round).select_related("unit"):
        given = sheets.get(
            report.unit_id, {"owed": 0, "submitted": 0, "outstanding": 0, "missing": 0}
        )
        owed = given["owed"] + 1
        done = given["submitted"] + (report.status == SubmissionStatus.SUBMITTED)
        rows.append(
            {
                "unit": report.unit,
                "report_status": report.status,
                "report_label": report.get_status_display(),
                "sheets_owed": given["owed"],
                "sheets_submitted": given["submitted"],
                "sheets_outstanding": given["outstanding"],
                "sheets_missing": given["missing"],
                "community_sheet_status": community_sheets.get(report.unit_id),
                "done": done,
                "owed": owed,
                "percent": round(100 * done / owed),
                "complete": done == owed,
            }
        )
    return rows


def owed_by_units(
    unit_ids: Iterable[int], rounds: QuerySet[EvaluationRound] | Iterable[EvaluationRound]
) -> dict[int, int]:
    """Per round: how many reports and sheets the given units still owe. Two queries."""
    counts: dict[int, int] = {}
    for row in (
        EvaluationSheet.objects.filter(
            round__in=rounds, rater_unit_id__in=unit_ids, status__in=OWED_STATUSES
        )
        .values("round_id")
        .annotate(count=Count("id"))
        .order_by()
    ):
        counts[row["round_id"]] = row["count"]
    for row in (
        DutyReport.objects.filter(round__in=rounds, unit_id__in=unit_ids, status__in=OWED_STATUSES)
        .values("round_id")
        .annotate(count=Count("id"))
        .order_by()
    ):
        counts[row["round_id"]] = counts.get(row["round_id"], 0) + row["count"]
    return counts


SUBMISSION_LABELS = dict(SubmissionStatus.choices)


def owed_in_open_round_q() -> Q:
    """Sheets (or duty reports) still owed in a round that is open now."""
    return Q(status__in=OWED_STATUSES, round__status=EvaluationRound.Status.OPEN)
