"""Reused reads of the disputes app: the mediator's lists and the statistics."""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.models import Agreement, CaseParty, DisputeCase, FollowUp
from hive import periods
from hive.personal_data.registry import declared

if TYPE_CHECKING:
    from hive.access.scoping import AnyUser

# --- The mediator's lists ---------------------------------------------------------------


def portal_cases(user: "AnyUser") -> QuerySet[DisputeCase]:
    """The cases a portal user may open (a mediator: the ones assigned to them)."""
    return DisputeCase.objects.visible_to(user).select_related("community", "room")


def followups_due(user: "AnyUser", *, within_days: int = 7) -> QuerySet[FollowUp]:
    """Unrecorded follow-up visits of the user's cases due within `within_days` (or
    overdue), soonest first."""
    horizon = timezone.localdate() + timedelta(days=within_days)
    due: QuerySet[FollowUp] = (
        FollowUp.objects.due(horizon)
        .filter(case__in=DisputeCase.objects.visible_to(user).values("pk"))
        .select_related("case", "case__community", "case__agreement")
        .order_by("due_on", "id")
    )
    return due


# --- The printable agreement (调解协议书) ---------------------------------------------------


@dataclass(frozen=True)
class PartyLine:
    """A party as the document prints it: the declared masks applied to every personal
    field (hive.personal_data.registry), so the sheet never carries a full phone or
    address."""

    role: str
    role_label: str
    name: str
    phone: str
    address: str


@dataclass(frozen=True)
class AgreementDocument:
    case: DisputeCase
    agreement: Agreement
    parties: list[PartyLine]
    mediators: list[str]
    signed_on: date

    @property
    def copies(self) -> int:
        """One for each party and one kept by the mediation room."""
        return len(self.parties) + 1


def agreement_document(case: DisputeCase) -> AgreementDocument | None:
    """What the printed mediation agreement of `case` shows, or None when the case has
    no agreement yet. The caller has checked that the viewer may see the case; the
    parties are masked here, whoever looks (the sheet is for printing and filing, and a
    masked view is not logged: only reveals are, hive.personal_data)."""
    agreement = Agreement.objects.filter(case=case).first()
    if agreement is None:
        return None
    masks = declared(CaseParty).masks

    def shown(party: CaseParty, field: str) -> str:
        value = getattr(party, field) or ""
        return masks[field](value) if field in masks else value

    parties = [
        PartyLine(
            role=party.role,
            role_label=str(party.get_role_display()),
            name=shown(party, "name"),
            phone=shown(party, "phone"),
            address=shown(party, "address"),
        )
        for party in case.parties.order_by("role", "id")
    ]
    mediators = [
        str(mediator.user) for mediator in case.mediators.select_related("user").order_by("id")
    ]
    return AgreementDocument(
        case=case,
        agreement=agreement,
        parties=parties,
        mediators=mediators,
        signed_on=agreement.signed_on,
    )


# --- Statistics -------------------------------------------------------------------------

PERIODS = {
    "month": (TruncMonth, _("Month")),
    "quarter": (TruncQuarter, _("Quarter")),
    "year": (TruncYear, _("Year")),
}


class _MedianDays(Aggregate):
    """PostgreSQL: the median of (closed_at − registered_at) in days, in the database."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_distinct = False

    def __init__(self, **extra: Any) -> None:
        days = Func(
            F("closed_at"),
            F("registered_at"),
            template="EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0",
            arg_joiner=" - ",
            output_field=FloatField(),
        )
        super().__init__(days, **extra)


CLOSED = Q(status=DisputeCase.Status.CLOSED, closed_at__isnull=False)


def _success_rate(agreements: int, failed: int) -> float | None:
    concluded = agreements + failed
    return round(100.0 * agreements / concluded, 1) if concluded else None


def _median(values: Iterable[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _case_counts() -> dict[str, Any]:
    return {
        "received": Count("id"),
        "agreements": Count("id", filter=Q(agreement__isnull=False)),
        "failed": Count("id", filter=Q(failed_at__isnull=False)),
        "closed": Count("id", filter=CLOSED),
    }


def case_totals_by_community(cases: QuerySet[DisputeCase]) -> dict[int, dict[str, Any]]:
    """Per community, in one query: received, resolved by agreement, failed and the
    success rate, counted as `case_statistics` counts them (the dashboard's figures)."""
    rows = cases.order_by().values("community_id").annotate(**_case_counts())
    return {
        row["community_id"]: {
            "received": row["received"],
            "agreements": row["agreements"],
            "failed": row["failed"],
            "closed": row["closed"],
            "success_rate": _success_rate(row["agreements"], row["failed"]),
        }
        for row in rows
    }


def case_statistics(cases: QuerySet[DisputeCase], *, period: str = "month") -> dict[str, Any]:
    """Per room, type and registration period: cases received, resolved by agreement,
    failed, success rate and median days from registration to closing; and the totals.

    - received: cases registered in the period;
    - resolved by agreement: of those, the ones with a signed agreement;
    - failed: the ones whose mediation failed (whether referred or withdrawn later);
    - success rate: agreements ÷ (agreements + failed), in per cent: the mediations that
      came to an end; open and withdrawn-before-outcome cases count for neither;
    - median days: over the closed cases (withdrawn ones excluded).

    Counts and (on PostgreSQL) medians are aggregated in the database; SQLite, the
    embedded mode, has no percentile function, so there the medians are taken in Python
    from one query's durations.
    """
    trunc, _label = PERIODS.get(period, PERIODS["month"])
    period = period if period in PERIODS else "month"
    base = cases.order_by().annotate(period=trunc("registered_at"))
    counts = _case_counts()
    in_database = connection.vendor == "postgresql"
    if in_database:
        counts["median_days"] = _MedianDays(filter=CLOSED)
    keys = ["room_id", "room__name", "kind", "period"]
    grouped = list(base.values(*keys).annotate(**counts).order_by("period", "room_id", "kind"))
    totals = cases.order_by().aggregate(**counts)
    if not in_database:
        durations: dict[tuple[Any, ...], list[float]] = {}
        all_durations = []
        for room_id, kind, value, registered_at, closed_at in base.filter(CLOSED).values_list(
            "room_id", "kind", "period", "registered_at", "closed_at"
        ):
            # CLOSED rows have closed_at; the check is for the type checker.
            if closed_at is None:
                continue
            days = (closed_at - registered_at).total_seconds() / 86400
            durations.setdefault((room_id, kind, value), []).append(days)
            all_durations.append(days)
        for row in grouped:
            row["median_days"] = durations.get((row["room_id"], row["kind"], row["period"]))
            row["median_days"] = _median(row["median_days"])
        totals["median_days"] = _median(all_durations)
    kinds = dict(DisputeCase.Kind.choices)
    rows = []
    for row in grouped:
        median = row["median_days"]
        rows.append(
            {
                "room": row["room_id"],
                "room_name": row["room__name"],
                "kind": row["kind"],
                "kind_label": str(kinds.get(row["kind"], row["kind"])),
                "period": timezone.localtime(row["period"]).date().isoformat()
                if hasattr(row["period"], "hour")
                else row["period"].isoformat(),
                "period_label": periods.label(period, row["period"]),
                "received": row["received"],
                "agreements": row["agreements"],
                "failed": row["failed"],
                "closed": row["closed"],
                "success_rate": _success_rate(row["agreements"], row["failed"]),
                "median_days": round(median, 1) if median is not None else None,
            }
        )
    median = totals.get("median_days")
    return {
        "period": period,
        "rows": rows,
        "totals": {
            "received": totals["received"],
            "agreements": totals["agreements"],
            "failed": totals["failed"],
            "closed": totals["closed"],
            "success_rate": _success_rate(totals["agreements"], totals["failed"]),
            "median_days": round(median, 1) if median is not None else None,
        },
    }
