import django_filters

from hive.ui.filters import FilterSet
from partycommittee.evaluations.models import (
    DutyReport,
    EvaluationRound,
    EvaluationSheet,
    UnitResult,
)


class EvaluationRoundFilter(FilterSet):
    class Meta:
        model = EvaluationRound
        fields = ["community", "status", "period_kind", "period_start"]


class EvaluationSheetFilter(FilterSet):
    class Meta:
        model = EvaluationSheet
        fields = ["round", "kind", "status", "rater_unit", "ratee_unit"]


class DutyReportFilter(FilterSet):
    class Meta:
        model = DutyReport
        fields = ["round", "unit", "status"]


class UnitResultFilter(FilterSet):
    community = django_filters.NumberFilter(field_name="round__community")

    class Meta:
        model = UnitResult
        fields = ["round", "unit", "community", "rank"]
