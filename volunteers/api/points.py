"""API for party members, the points ledger, manual awards and star ratings."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from hive.api import (
    ModelCleanMixin,
    RoleWritePermission,
    ScopedPrimaryKeyRelatedField,
    ScopedViewSetMixin,
)
from volunteers import services
from volunteers.filters import (
    PartyMemberFilter,
    PointAwardFilter,
    PointEntryFilter,
    StarRatingFilter,
)
from volunteers.models import PartyMember, PointAward, PointEntry, PointRule, StarRating


class PartyMemberSerializer(ModelCleanMixin, serializers.ModelSerializer):
    name = serializers.CharField(source="user.__str__", read_only=True)
    registered_unit_name = serializers.SerializerMethodField()

    class Meta:
        model = PartyMember
        fields = [
            "id",
            "community",
            "user",
            "name",
            "branch",
            "joined_party_on",
            "is_in_service",
            "registered_unit",
            "registered_unit_name",
            "is_active",
        ]
        read_only_fields = fields

    def get_registered_unit_name(self, member) -> str:
        return member.registered_unit.name if member.registered_unit_id else ""


class PartyMemberViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = PartyMember.objects.select_related("user", "registered_unit")
    serializer_class = PartyMemberSerializer
    filterset_class = PartyMemberFilter
    search_fields = ["user__name", "user__username", "branch"]


class PointEntrySerializer(ModelCleanMixin, serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.user.__str__", read_only=True)
    rule_code = serializers.CharField(source="rule.code", read_only=True)
    category = serializers.CharField(source="rule.category", read_only=True)
    source_type = serializers.CharField(source="source_type.model", default="", read_only=True)

    class Meta:
        model = PointEntry
        fields = [
            "id",
            "community",
            "member",
            "member_name",
            "rule",
            "rule_code",
            "category",
            "points",
            "reason",
            "source_type",
            "source_id",
            "reverses",
            "awarded_at",
            "recorded_by",
            "approved_by",
            "created_at",
        ]
        read_only_fields = fields


class EntryReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class PointEntryViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The append-only ledger: read, and reverse (a new entry), never edit."""

    queryset = PointEntry.objects.select_related("member__user", "rule", "source_type")
    serializer_class = PointEntrySerializer
    filterset_class = PointEntryFilter
    ordering_fields = ["awarded_at", "points"]

    @extend_schema(request=EntryReverseSerializer, responses={201: PointEntrySerializer})
    @action(detail=True, methods=["post"], serializer_class=EntryReverseSerializer)
    def reverse(self, request, pk=None):
        data = EntryReverseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        correction = services.entry_reverse(
            entry=self.get_object(), actor=request.user, reason=data.validated_data["reason"]
        )
        entry = self.get_queryset().get(pk=correction.pk)
        return Response(PointEntrySerializer(entry).data, status=201)


class PointAwardSerializer(ModelCleanMixin, serializers.ModelSerializer):
    member = ScopedPrimaryKeyRelatedField(queryset=PartyMember.objects.all())
    rule = ScopedPrimaryKeyRelatedField(queryset=PointRule.objects.all())
    points = serializers.IntegerField(required=False, allow_null=True, default=None)

    class Meta:
        model = PointAward
        fields = [
            "id",
            "community",
            "member",
            "rule",
            "points",
            "reason",
            "occurred_on",
            "status",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "entry",
        ]
        read_only_fields = [
            "id",
            "community",
            "status",
            "requested_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "entry",
        ]


class AwardDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PointAwardViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Manual awards: staff propose (POST), a second staff member approves or rejects."""

    queryset = PointAward.objects.select_related("member__user", "rule")
    serializer_class = PointAwardSerializer
    filterset_class = PointAwardFilter
    permission_classes = [IsAuthenticated, RoleWritePermission]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.award_propose(
            member=data["member"],
            rule=data["rule"],
            points=data.get("points"),
            reason=data["reason"],
            occurred_on=data["occurred_on"],
            actor=self.request.user,
        )

    @extend_schema(request=AwardDecisionSerializer, responses=PointAwardSerializer)
    @action(detail=True, methods=["post"], serializer_class=AwardDecisionSerializer)
    def approve(self, request, pk=None):
        data = AwardDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        award = services.award_approve(
            award=self.get_object(), actor=request.user, note=data.validated_data["note"]
        )
        return Response(PointAwardSerializer(award, context={"request": request}).data)

    @extend_schema(request=AwardDecisionSerializer, responses=PointAwardSerializer)
    @action(detail=True, methods=["post"], serializer_class=AwardDecisionSerializer)
    def reject(self, request, pk=None):
        data = AwardDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        award = services.award_reject(
            award=self.get_object(), actor=request.user, note=data.validated_data["note"]
        )
        return Response(PointAwardSerializer(award, context={"request": request}).data)


class StarRatingSerializer(ModelCleanMixin, serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.user.__str__", read_only=True)

    class Meta:
        model = StarRating
        fields = [
            "id",
            "community",
            "member",
            "member_name",
            "period_label",
            "period_start",
            "period_end",
            "score",
            "stars",
            "updated_at",
        ]
        read_only_fields = fields


class StarRatingViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = StarRating.objects.select_related("member__user")
    serializer_class = StarRatingSerializer
    filterset_class = StarRatingFilter
    ordering_fields = ["score", "period_start"]
