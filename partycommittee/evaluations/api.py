"""API of the three-double evaluation: rounds (with staff actions and the anonymised
distribution), sheets and duty reports (draft and submit), and results."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from hive.access.roles import Role
from hive.api import (
    ChoiceLabelField,
    ModelCleanMixin,
    RoleWritePermission,
    ScopedPrimaryKeyRelatedField,
    ScopedViewSetMixin,
)
from hive.models import Community
from partycommittee.evaluations import filters, selectors, services
from partycommittee.evaluations.models import (
    DIMENSIONS,
    CommunityResult,
    DutyReport,
    EvaluationRound,
    EvaluationSheet,
    PeriodKind,
    UnitResult,
)

Status = EvaluationRound.Status


class ScopedGenericViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, RoleWritePermission]


# --- Rounds ---------------------------------------------------------------------------


class EvaluationRoundSerializer(ModelCleanMixin, serializers.ModelSerializer):
    period_label = serializers.CharField(read_only=True)
    status_label = ChoiceLabelField(source="status")

    class Meta:
        model = EvaluationRound
        fields = [
            "id",
            "community",
            "period_kind",
            "period_start",
            "period_end",
            "period_label",
            "opens_at",
            "deadline",
            "status",
            "status_label",
            "reminder_every_days",
            "peer_sample_size",
            "community_weight",
            "peer_weight",
            "communication_weight",
            "service_weight",
            "overall_weight",
            "opened_at",
            "closed_at",
            "results_computed_at",
            "published_at",
        ]
        read_only_fields = fields


class RoundCreateSerializer(serializers.Serializer):
    community = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all())
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices, required=False)
    day = serializers.DateField(help_text=_("Any day of the period."))
    opens_at = serializers.DateTimeField(required=False)
    deadline = serializers.DateTimeField(required=False)


class DistributionSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    mean = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    bands = serializers.ListField(child=serializers.DictField())
    community_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class EvaluationRoundViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    queryset = EvaluationRound.objects.select_related("community")
    serializer_class = EvaluationRoundSerializer
    filterset_class = filters.EvaluationRoundFilter

    @extend_schema(request=RoundCreateSerializer, responses={201: EvaluationRoundSerializer})
    def create(self, request, *args, **kwargs):
        data = RoundCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if not request.user.has_perm("partycommittee.add_evaluationround"):
            self.permission_denied(request)
        if fields["community"].pk not in set(
            Community.objects.managed_by(request.user).values_list("pk", flat=True)
        ):
            raise serializers.ValidationError({"community": _("Not a community you manage.")})
        evaluation_round = services.round_create(
            community=fields["community"],
            day=fields["day"],
            period_kind=fields.get("period_kind"),
            opens_at=fields.get("opens_at"),
            deadline=fields.get("deadline"),
            actor=request.user,
        )
        return Response(EvaluationRoundSerializer(evaluation_round).data, status=201)

    def _staff_round(self):
        evaluation_round = self.get_object()
        if (
            not EvaluationRound.objects.managed_by(self.request.user)
            .filter(pk=evaluation_round.pk)
            .exists()
        ):
            self.permission_denied(self.request)
        return evaluation_round

    def _respond(self, evaluation_round):
        evaluation_round.refresh_from_db()
        return Response(EvaluationRoundSerializer(evaluation_round).data)

    @extend_schema(request=None, responses=EvaluationRoundSerializer)
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        """Open a scheduled round now and create its sheets."""
        evaluation_round = self._staff_round()
        services.round_open_now(evaluation_round=evaluation_round, actor=request.user)
        return self._respond(evaluation_round)

    @extend_schema(request=None, responses=EvaluationRoundSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close an open round now; what is still owed is marked missing."""
        evaluation_round = self._staff_round()
        services.round_close_now(evaluation_round=evaluation_round, actor=request.user)
        return self._respond(evaluation_round)

    @extend_schema(request=None, responses=EvaluationRoundSerializer)
    @action(detail=True, methods=["post"])
    def compute(self, request, pk=None):
        """Compute (again) the results of a closed round."""
        evaluation_round = self._staff_round()
        services.round_recompute(evaluation_round=evaluation_round)
        return self._respond(evaluation_round)

    @extend_schema(request=None, responses=EvaluationRoundSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish the computed results to the units."""
        evaluation_round = self._staff_round()
        services.round_publish(evaluation_round=evaluation_round, actor=request.user)
        return self._respond(evaluation_round)

    @extend_schema(responses=DistributionSerializer)
    @action(detail=True, methods=["get"])
    def distribution(self, request, pk=None):
        """How all units scored, with no unit named. Units see it once published."""
        evaluation_round = self.get_object()
        is_staff = EvaluationRound.objects.managed_by(request.user).filter(pk=evaluation_round.pk)
        if evaluation_round.status != Status.PUBLISHED and not is_staff.exists():
            raise NotFound
        distribution = selectors.score_distribution(evaluation_round)
        community = CommunityResult.objects.filter(round=evaluation_round).first()
        distribution["community_score"] = community.score if community else None
        return Response(DistributionSerializer(distribution).data)


# --- Sheets and duty reports ----------------------------------------------------------


class EvaluationSheetSerializer(ModelCleanMixin, serializers.ModelSerializer):
    rater_unit_name = serializers.CharField(source="rater_unit.name", default="", read_only=True)
    ratee_unit_name = serializers.CharField(source="ratee_unit.name", default="", read_only=True)

    class Meta:
        model = EvaluationSheet
        fields = [
            "id",
            "round",
            "kind",
            "rater_unit",
            "rater_unit_name",
            "ratee_unit",
            "ratee_unit_name",
            "status",
            *DIMENSIONS,
            "comment",
            "submitted_at",
        ]
        read_only_fields = fields


def _score():
    return serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)


class SheetInputSerializer(serializers.Serializer):
    communication = _score()
    service = _score()
    overall = _score()
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class EvaluationSheetViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet
):
    """Units list and fill the sheets they give (never those about them); staff see all
    of their community's and fill the community's. PATCH saves a draft; `submit` sends."""

    queryset = EvaluationSheet.objects.select_related("rater_unit", "ratee_unit")
    serializer_class = EvaluationSheetSerializer
    filterset_class = filters.EvaluationSheetFilter
    portal_write_roles = {"partial_update": {Role.UNIT_REP}, "submit": {Role.UNIT_REP}}

    def _save(self, request, submit: bool):
        sheet = self.get_object()
        data = SheetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sheet = services.sheet_save(
            sheet=sheet, actor=request.user, submit=submit, **data.validated_data
        )
        return Response(EvaluationSheetSerializer(sheet).data)

    @extend_schema(request=SheetInputSerializer, responses=EvaluationSheetSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self._save(request, submit=False)

    @extend_schema(request=SheetInputSerializer, responses=EvaluationSheetSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._save(request, submit=True)


class DutyReportSerializer(ModelCleanMixin, serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = DutyReport
        fields = ["id", "round", "unit", "unit_name", "status", "text", "submitted_at"]
        read_only_fields = fields


class DutyReportInputSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, max_length=10000)


class DutyReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    queryset = DutyReport.objects.select_related("unit")
    serializer_class = DutyReportSerializer
    filterset_class = filters.DutyReportFilter
    portal_write_roles = {"partial_update": {Role.UNIT_REP}, "submit": {Role.UNIT_REP}}

    def _save(self, request, submit: bool):
        report = self.get_object()
        data = DutyReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.duty_report_save(
            report=report, actor=request.user, text=data.validated_data["text"], submit=submit
        )
        return Response(DutyReportSerializer(report).data)

    @extend_schema(request=DutyReportInputSerializer, responses=DutyReportSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self._save(request, submit=False)

    @extend_schema(request=DutyReportInputSerializer, responses=DutyReportSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._save(request, submit=True)


# --- Results --------------------------------------------------------------------------


class UnitResultSerializer(ModelCleanMixin, serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = UnitResult
        fields = [
            "id",
            "round",
            "unit",
            "unit_name",
            "rank",
            "score",
            "community_score",
            "community_communication",
            "community_service",
            "community_overall",
            "peer_score",
            "peer_communication",
            "peer_service",
            "peer_overall",
            "peer_sheet_count",
            "owed_count",
            "done_count",
            "completion_rate",
            "previous_score",
            "change",
        ]
        read_only_fields = fields


class UnitResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Staff: every unit's result. Units: their own, once the round is published."""

    queryset = UnitResult.objects.select_related("unit")
    serializer_class = UnitResultSerializer
    filterset_class = filters.UnitResultFilter
