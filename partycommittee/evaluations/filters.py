import django_filters

from partycommittee.evaluations.models import (
    DutyReport,
    EvaluationRound,
    EvaluationSheet,
    UnitResult,
)


class EvaluationRoundFilter(django_filters.FilterSet):
    class Meta:
        model = EvaluationRound
        fields = ["community", "status", "period_kind", "period_start"]


class EvaluationSheetFilter(django_filters.FilterSet):
    class Meta:
        model = EvaluationSheet
        fields = ["round", "kind", "status", "rater_unit", "ratee_unit"]


class DutyReportFilter(django_filters.FilterSet):
    class Meta:
        model = DutyReport
        fields = ["round", "unit", "status"]


class UnitResultFilter(django_filters.FilterSet):
    community = django_filters.NumberFilter(field_name="round__community")

    class Meta:
        model = UnitResult
        fields = ["round", "unit", "community", "rank"]
