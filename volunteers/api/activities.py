"""API for teams, activities and sign-ups."""

from django.db.models import Count, Exists, OuterRef, Q
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from hive.access.roles import Role
from hive.api import ChoiceLabelField, ModelCleanMixin, RoleWritePermission, ScopedViewSetMixin
from volunteers import services
from volunteers.filters import ActivityFilter, SignUpFilter, TeamFilter
from volunteers.models import Activity, SignUp, Team
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
