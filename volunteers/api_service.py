"""API for teams, activities, sign-ups, party members, the points ledger, manual awards
and star ratings (imported by volunteers/api.py, registered on hive.api.router)."""

from django.db.models import Count, Exists, OuterRef, Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from hive.access.roles import Role
from hive.api import (
    ChoiceLabelField,
    ModelCleanMixin,
    RoleWritePermission,
    ScopedPrimaryKeyRelatedField,
    ScopedViewSetMixin,
    router,
)
from volunteers import services
from volunteers.filters import (
    ActivityFilter,
    PartyMemberFilter,
    PointAwardFilter,
    PointEntryFilter,
    SignUpFilter,
    StarRatingFilter,
    TeamFilter,
)
from volunteers.models import (
    Activity,
    PartyMember,
    PointAward,
    PointEntry,
    PointRule,
    SignUp,
    StarRating,
    Team,
)
from volunteers.selectors import unit_activity_record


class TeamSerializer(ModelCleanMixin, serializers.ModelSerializer):
    kind_label = ChoiceLabelField(source="kind")
    leader_name = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "community",
            "name",
            "kind",
            "kind_label",
            "description",
            "leader",
            "leader_name",
            "member_count",
            "is_active",
        ]
        read_only_fields = fields

    def get_leader_name(self, team) -> str:
        return str(team.leader) if team.leader_id else ""


class TeamViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = (
        Team.objects.select_related("leader")
        .annotate(member_count=Count("memberships"))
        .order_by("community", "kind", "name")
    )
    serializer_class = TeamSerializer
    filterset_class = TeamFilter
    search_fields = ["name"]


class ActivitySerializer(ModelCleanMixin, serializers.ModelSerializer):
    kind_label = ChoiceLabelField(source="kind")
    status_label = ChoiceLabelField(source="status")
    places_taken = serializers.IntegerField(read_only=True)
    signed_up = serializers.BooleanField(read_only=True)
    units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "community",
            "title",
            "kind",
            "kind_label",
            "description",
            "team",
            "units",
            "starts_at",
            "ends_at",
            "place",
            "capacity",
            "places_taken",
            "signed_up",
            "status",
            "status_label",
            "attendance_recorded_at",
        ]
        read_only_fields = fields


class ActivityAttendanceSerializer(serializers.Serializer):
    attendees = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True, default=None
    )


class ActivityCancelSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500)


class NoBodySerializer(serializers.Serializer):
    """No body."""


class UnitRecordSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    activities = serializers.IntegerField()
    attendees = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=9, decimal_places=2)


class ActivityViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Activities in scope. Party members sign up and cancel with POST actions; staff
    record attendance and cancel. Capacity and state rules are the services'."""

    queryset = Activity.objects.prefetch_related("units")
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    search_fields = ["title", "place"]
    ordering_fields = ["starts_at", "created_at"]
    permission_classes = [IsAuthenticated, RoleWritePermission]
    portal_write_roles = {
        "sign_up": {Role.PARTY_MEMBER},
        "cancel_sign_up": {Role.PARTY_MEMBER},
    }

    def get_queryset(self):
        mine = SignUp.objects.active().filter(activity=OuterRef("pk"), user=self.request.user.pk)
        return (
            super()
            .get_queryset()
            .annotate(
                places_taken=Count("signups", filter=Q(signups__status=SignUp.Status.SIGNED_UP)),
                signed_up=Exists(mine),
            )
            .order_by("-starts_at", "-id")
        )

    def _respond(self, activity):
        activity = self.get_queryset().get(pk=activity.pk)
        return Response(ActivitySerializer(activity, context=self.get_serializer_context()).data)

    @extend_schema(request=NoBodySerializer, responses=ActivitySerializer)
    @action(detail=True, methods=["post"], serializer_class=NoBodySerializer)
    def sign_up(self, request, pk=None):
        activity = self.get_object()
        services.activity_sign_up(activity=activity, user=request.user)
        return self._respond(activity)

    @extend_schema(request=NoBodySerializer, responses=ActivitySerializer)
    @action(detail=True, methods=["post"], serializer_class=NoBodySerializer)
    def cancel_sign_up(self, request, pk=None):
        activity = self.get_object()
        services.activity_cancel_sign_up(activity=activity, user=request.user)
        return self._respond(activity)

    @extend_schema(request=ActivityAttendanceSerializer, responses=ActivitySerializer)
    @action(detail=True, methods=["post"], serializer_class=ActivityAttendanceSerializer)
    def record_attendance(self, request, pk=None):
        data = ActivityAttendanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = self.get_object()
        services.activity_record_attendance(
            activity=activity,
            actor=request.user,
            attendee_ids=data.validated_data["attendees"],
            hours=data.validated_data["hours"],
        )
        return self._respond(activity)

    @extend_schema(request=ActivityCancelSerializer, responses=ActivitySerializer)
    @action(detail=True, methods=["post"], serializer_class=ActivityCancelSerializer)
    def cancel(self, request, pk=None):
        data = ActivityCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = self.get_object()
        services.activity_cancel(
            activity=activity, actor=request.user, note=data.validated_data["note"]
        )
        return self._respond(activity)

    @extend_schema(responses=UnitRecordSerializer(many=True))
    @action(detail=False, pagination_class=None, serializer_class=UnitRecordSerializer)
    def unit_records(self, request):
        """Per co-organising unit: completed joint activities, attendees, service hours
        (over the activities in scope, after the list's filters)."""
        activities = self.filter_queryset(self.get_queryset())
        unit_ids = Activity.units.through.objects.filter(
            activity_id__in=activities.values("pk")
        ).values_list("residentunit_id", flat=True)
        record = unit_activity_record(list(set(unit_ids)))
        return Response(
            UnitRecordSerializer(
                [{"unit": unit, **values} for unit, values in sorted(record.items())], many=True
            ).data
        )


class SignUpSerializer(ModelCleanMixin, serializers.ModelSerializer):
    user_name = serializers.CharField(source="user.__str__", read_only=True)
    activity_title = serializers.CharField(source="activity.title", read_only=True)

    class Meta:
        model = SignUp
        fields = [
            "id",
            "activity",
            "activity_title",
            "user",
            "user_name",
            "status",
            "created_at",
            "cancelled_at",
            "attended",
            "hours",
        ]
        read_only_fields = fields


class SignUpViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = SignUp.objects.select_related("activity", "user")
    serializer_class = SignUpSerializer
    filterset_class = SignUpFilter


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


router.register("teams", TeamViewSet)
router.register("activities", ActivityViewSet)
router.register("activity-signups", SignUpViewSet)
router.register("party-members", PartyMemberViewSet)
router.register("point-entries", PointEntryViewSet)
router.register("point-awards", PointAwardViewSet)
router.register("star-ratings", StarRatingViewSet)
