"""The disputes' part of the staff dashboard: mediation (hive.dashboard)."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from disputes.models import DisputeCase
from disputes.selectors import _success_rate, case_totals_by_community
from hive import dashboard
from hive.dashboard import Metric, Section, changelist_url


def figures(community_ids, period, now):
    """The disputes app's own definitions, as the statistics page counts them."""
    out = {
        cid: {"cases": {"received": 0, "agreements": 0, "failed": 0, "success_rate": None}}
        for cid in community_ids
    }
    cases = DisputeCase.objects.filter(community_id__in=community_ids)
    for cid, totals in case_totals_by_community(period.since(cases, "registered_at")).items():
        out[cid]["cases"] = totals
    return out


def sections(page):
    period = page.period

    def cases(cid, **params):
        return changelist_url(
            "disputes_disputecase", cid, **period.params("registered_at"), **params
        )

    statistics_url = reverse("admin:disputes_disputecase_statistics")
    if period.start:
        statistics_url += "?" + urlencode({"registered_after": period.start.isoformat()})

    def rate_total(all_figures):
        agreements = sum(f["cases"]["agreements"] for f in all_figures)
        failed = sum(f["cases"]["failed"] for f in all_figures)
        return _success_rate(agreements, failed), statistics_url

    metrics = [
        Metric("cases", _("Cases received"), lambda f: f["cases"]["received"], cases),
        Metric(
            "agreements",
            _("Resolved by agreement"),
            lambda f: f["cases"]["agreements"],
            lambda cid: cases(cid, agreement__isnull="0"),
        ),
        Metric(
            "failed",
            _("Mediation failed"),
            lambda f: f["cases"]["failed"],
            lambda cid: cases(cid, failed_at__isnull="0"),
        ),
        Metric(
            "success_rate",
            _("Success rate (%)"),
            lambda f: f["cases"]["success_rate"],
            lambda cid: statistics_url,
            total=rate_total,
        ),
    ]
    return [Section(30, "cases", _("Mediation"), metrics)]


dashboard.register(
    dashboard.Part(
        name="disputes",
        figures=figures,
        sections=sections,
        models=("disputes.DisputeCase",),
    )
)
