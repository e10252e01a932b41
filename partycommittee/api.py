"""API of the bee colony: viewsets register on the shared router (hive.api.router)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from hive.access.roles import Role
from hive.api import (
    ChoiceLabelField,
    ManagedPrimaryKeyRelatedField,
    ModelCleanMixin,
    RoleWritePermission,
    ScopedPrimaryKeyRelatedField,
    ScopedViewSetMixin,
    TransitionSerializer,
    router,
)
from hive.models import Community, User
from hive.personal_data import mask_phone
from partycommittee import filters, services
from partycommittee.evaluations.api import (
    DutyReportViewSet,
    EvaluationRoundViewSet,
    EvaluationSheetViewSet,
    UnitResultViewSet,
)
from partycommittee.models import (
    BigPartyCommittee,
    Campaign,
    CommitteeMember,
    DemandItem,
    JointMeeting,
    MeetingAttendance,
    Nomination,
    Project,
    ResidentUnit,
    ResourceItem,
    Responsibility,
    Vote,
)
from partycommittee.selectors import campaign_results


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    permission_classes = [IsAuthenticated, RoleWritePermission]


# --- Resident units ------------------------------------------------------------------


class ResidentUnitSerializer(ModelCleanMixin, serializers.ModelSerializer):
    """Staff's: every field of a unit they administer (UnitProfileSerializer otherwise)."""

    # Only to a community the user administers: holding a portal role elsewhere must not
    # let staff move a unit there.
    community = ManagedPrimaryKeyRelatedField(queryset=Community.objects.all())
    contact_phone_masked = serializers.SerializerMethodField()

    class Meta:
        model = ResidentUnit
        fields = [
            "id",
            "community",
            "name",
            "kind",
            "address",
            "contact_name",
            "contact_phone",
            "contact_phone_masked",
            "party_org_name",
            "party_org_head",
            "party_member_count",
            "joined_on",
            "is_active",
        ]
        extra_kwargs = {"contact_phone": {"write_only": True}}

    def get_contact_phone_masked(self, unit) -> str:
        return mask_phone(unit.contact_phone)


class UnitProfileSerializer(ResidentUnitSerializer):
    """What a unit representative may change on their own unit."""

    # Declared again, read-only: Meta.read_only_fields does not reach a field the parent
    # declares, and a representative holding a role elsewhere could move the unit there.
    community = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta(ResidentUnitSerializer.Meta):
        read_only_fields = ["community", "name", "kind", "is_active", "joined_on"]


class ResidentUnitViewSet(ScopedModelViewSet):
    queryset = ResidentUnit.objects.select_related("community")
    filterset_class = filters.ResidentUnitFilter
    search_fields = ["name", "party_org_name"]
    portal_write_roles = {"update": {Role.UNIT_REP}, "partial_update": {Role.UNIT_REP}}

    def get_serializer_class(self):
        # Staff edit every field of the units they administer; anyone else — including
        # staff acting as a unit's representative elsewhere — only the unit's profile.
        user = self.request.user
        if not user.has_perm("partycommittee.change_residentunit"):
            return UnitProfileSerializer
        pk = self.kwargs.get("pk")
        if pk is not None and not ResidentUnit.objects.managed_by(user).filter(pk=pk).exists():
            return UnitProfileSerializer
        return ResidentUnitSerializer


# --- Committee -----------------------------------------------------------------------


class CommitteeMemberSerializer(ModelCleanMixin, serializers.ModelSerializer):
    committee = ScopedPrimaryKeyRelatedField(queryset=BigPartyCommittee.objects.all())
    user = ScopedPrimaryKeyRelatedField(queryset=User.objects.all())
    unit = ScopedPrimaryKeyRelatedField(
        queryset=ResidentUnit.objects.all(), required=False, allow_null=True
    )
    name = serializers.CharField(source="user.__str__", read_only=True)
    position_label = ChoiceLabelField(source="position")

    class Meta:
        model = CommitteeMember
        fields = [
            "id",
            "committee",
            "user",
            "name",
            "unit",
            "position",
            "position_label",
            "term_start",
            "term_end",
        ]


class CommitteeMemberViewSet(ScopedModelViewSet):
    queryset = CommitteeMember.objects.select_related("user", "committee")
    serializer_class = CommitteeMemberSerializer
    filterset_class = filters.CommitteeMemberFilter


# --- Meetings ------------------------------------------------------------------------


class AttendanceSerializer(ModelCleanMixin, serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = MeetingAttendance
        fields = ["unit", "unit_name", "status", "attendee"]


class JointMeetingSerializer(ModelCleanMixin, serializers.ModelSerializer):
    community = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all())
    attendance = AttendanceSerializer(many=True, read_only=True)

    class Meta:
        model = JointMeeting
        fields = ["id", "community", "title", "held_at", "place", "agenda", "minutes", "attendance"]


class DecisionSerializer(serializers.Serializer):
    creates = serializers.ChoiceField(choices=[("demand", _("demand")), ("project", _("project"))])
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=DemandItem.Category.choices, required=False)

    def validate(self, attrs):
        if attrs["creates"] == "demand" and not attrs.get("category"):
            raise serializers.ValidationError({"category": _("A demand needs a category.")})
        return attrs


class JointMeetingViewSet(ScopedModelViewSet):
    queryset = JointMeeting.objects.select_related("community").prefetch_related("attendance__unit")
    serializer_class = JointMeetingSerializer
    filterset_class = filters.JointMeetingFilter

    @extend_schema(request=DecisionSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Turn a decision of this meeting into a demand or a project."""
        meeting = self.get_object()
        decision = DecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        data = decision.validated_data
        if data["creates"] == "demand":
            demand = services.meeting_decision_to_demand(
                meeting=meeting,
                title=data["title"],
                description=data["description"],
                category=data["category"],
            )
            return Response({"demand": demand.pk}, status=201)
        project = services.meeting_decision_to_project(
            meeting=meeting, title=data["title"], description=data["description"]
        )
        return Response({"project": project.pk}, status=201)


# --- The four lists -------------------------------------------------------------------


class DemandItemSerializer(ModelCleanMixin, serializers.ModelSerializer):
    community = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all())
    meeting = ScopedPrimaryKeyRelatedField(
        queryset=JointMeeting.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = DemandItem
        fields = [
            "id",
            "community",
            "title",
            "description",
            "source",
            "category",
            "priority",
            "raised_by",
            "meeting",
            "created_at",
        ]


class DemandItemViewSet(ScopedModelViewSet):
    queryset = DemandItem.objects.select_related("community")
    serializer_class = DemandItemSerializer
    filterset_class = filters.DemandItemFilter
    search_fields = ["title", "description"]


class ResourceItemSerializer(ModelCleanMixin, serializers.ModelSerializer):
    unit = ScopedPrimaryKeyRelatedField(queryset=ResidentUnit.objects.all())
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = ResourceItem
        fields = [
            "id",
            "community",
            "unit",
            "unit_name",
            "kind",
            "title",
            "description",
            "capacity",
            "availability",
            "is_available",
        ]
        read_only_fields = ["community"]

    def validate(self, attrs):
        unit = attrs.get("unit") or getattr(self.instance, "unit", None)
        attrs["community"] = unit.community
        return attrs


class ResourceItemViewSet(ScopedModelViewSet):
    queryset = ResourceItem.objects.select_related("unit", "community")
    serializer_class = ResourceItemSerializer
    filterset_class = filters.ResourceItemFilter
    search_fields = ["title", "description"]
    portal_write_roles = {
        "create": {Role.UNIT_REP},
        "update": {Role.UNIT_REP},
        "partial_update": {Role.UNIT_REP},
    }


class ProjectSerializer(ModelCleanMixin, serializers.ModelSerializer):
    community = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all())
    meeting = ScopedPrimaryKeyRelatedField(
        queryset=JointMeeting.objects.all(), required=False, allow_null=True
    )
    demands = ScopedPrimaryKeyRelatedField(
        queryset=DemandItem.objects.all(), many=True, required=False
    )
    resources = ScopedPrimaryKeyRelatedField(
        queryset=ResourceItem.objects.all(), many=True, required=False
    )
    units = ScopedPrimaryKeyRelatedField(
        queryset=ResidentUnit.objects.all(), many=True, required=False
    )
    status_label = ChoiceLabelField(source="status")

    class Meta:
        model = Project
        fields = [
            "id",
            "community",
            "title",
            "description",
            "status",
            "status_label",
            "demands",
            "resources",
            "units",
            "meeting",
            "is_public",
            "public_results",
            "created_at",
        ]
        read_only_fields = ["status"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        community = attrs.get("community") or getattr(self.instance, "community", None)
        # Links not sent keep their rows: a project moved to another community must not
        # keep the old one's (a partial update sends only what changes).
        links = {
            name: attrs[name] if name in attrs else self._linked(name)
            for name in ("demands", "resources", "units")
        }
        meeting = (
            attrs["meeting"] if "meeting" in attrs else getattr(self.instance, "meeting", None)
        )
        services.project_links_check(community=community, meeting=meeting, **links)
        return attrs

    def _linked(self, name):
        return list(getattr(self.instance, name).all()) if self.instance is not None else []


class AgreementSerializer(serializers.Serializer):
    parties = serializers.CharField()
    signed_on = serializers.DateField()


class ProjectViewSet(ScopedModelViewSet):
    queryset = Project.objects.select_related("community").prefetch_related(
        "demands", "resources", "units"
    )
    serializer_class = ProjectSerializer
    filterset_class = filters.ProjectFilter
    search_fields = ["title", "description"]

    @extend_schema(request=TransitionSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Take the step leading to `to` (Project.workflow.action_to); an illegal move is a
        400 with the reason."""
        project = self.get_object()
        move = TransitionSerializer(data=request.data)
        move.is_valid(raise_exception=True)
        services.project_transition(
            project=project,
            to=move.validated_data["to"],
            actor=request.user,
            note=move.validated_data["note"],
        )
        return Response(self.get_serializer(project).data)

    @extend_schema(request=AgreementSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def agreement(self, request, pk=None):
        project = self.get_object()
        data = AgreementSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = services.agreement_record(project=project, **data.validated_data)
        return Response({"agreement": agreement.pk}, status=201)


class ResponsibilitySerializer(ModelCleanMixin, serializers.ModelSerializer):
    unit = ScopedPrimaryKeyRelatedField(queryset=ResidentUnit.objects.all())
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Responsibility
        fields = [
            "id",
            "community",
            "project",
            "unit",
            "task",
            "deadline",
            "status",
            "progress_note",
            "is_overdue",
        ]
        # The status moves only through POST .../report/ (the unit's progress report).
        read_only_fields = ["community", "status"]

    def validate(self, attrs):
        unit = attrs.get("unit") or getattr(self.instance, "unit", None)
        attrs["community"] = unit.community
        return attrs


class ProgressSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Responsibility.Status.choices)
    progress_note = serializers.CharField(required=False, allow_blank=True, default="")


class ResponsibilityViewSet(ScopedModelViewSet):
    queryset = Responsibility.objects.select_related("unit", "community")
    serializer_class = ResponsibilitySerializer
    filterset_class = filters.ResponsibilityFilter
    portal_write_roles = {"report": {Role.UNIT_REP}}

    @extend_schema(request=ProgressSerializer, responses=ResponsibilitySerializer)
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        """The responsible unit reports its progress."""
        responsibility = self.get_object()
        data = ProgressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.responsibility_update(responsibility=responsibility, **data.validated_data)
        return Response(self.get_serializer(responsibility).data)


# --- Advanced selection --------------------------------------------------------------


class CampaignSerializer(ModelCleanMixin, serializers.ModelSerializer):
    community = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all())

    class Meta:
        model = Campaign
        fields = [
            "id",
            "community",
            "title",
            "kind",
            "other_kind",
            "seats",
            "nomination_start",
            "nomination_end",
            "voting_start",
            "voting_end",
        ]


class ResultSerializer(serializers.Serializer):
    nomination = serializers.IntegerField(source="pk")
    nominee_name = serializers.CharField()
    vote_count = serializers.IntegerField()


class CampaignViewSet(ScopedModelViewSet):
    queryset = Campaign.objects.select_related("community")
    serializer_class = CampaignSerializer
    filterset_class = filters.CampaignFilter

    @extend_schema(responses=ResultSerializer(many=True))
    # Not paginated: one row per nomination, all of them (pagination_class=None tells the
    # schema so too).
    @action(detail=True, methods=["get"], pagination_class=None)
    def results(self, request, pk=None):
        campaign = self.get_object()
        return Response(ResultSerializer(campaign_results(campaign=campaign), many=True).data)


class NominationSerializer(ModelCleanMixin, serializers.ModelSerializer):
    campaign = ScopedPrimaryKeyRelatedField(queryset=Campaign.objects.all())
    unit = ScopedPrimaryKeyRelatedField(
        queryset=ResidentUnit.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Nomination
        fields = ["id", "campaign", "nominee_kind", "unit", "nominee_name", "reason"]
        extra_kwargs = {"nominee_name": {"required": False}}
        # A unit's nomination takes the unit's name; the service's full_clean checks the
        # uniqueness once the name is known.
        validators = []

    def create(self, validated_data):
        return services.nomination_create(
            nominated_by=self.context["request"].user, **validated_data
        )


class NominationViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Nomination.objects.select_related("campaign", "unit")
    serializer_class = NominationSerializer
    filterset_class = filters.NominationFilter
    permission_classes = [IsAuthenticated, RoleWritePermission]
    # Unit representatives, party members and committee members (any role) nominate;
    # nomination_create checks who, the window and the per-person limit.
    portal_write_roles = {"create": set(Role.values)}


class VoteSerializer(ModelCleanMixin, serializers.ModelSerializer):
    nomination = ScopedPrimaryKeyRelatedField(queryset=Nomination.objects.all())

    class Meta:
        model = Vote
        fields = ["id", "nomination", "campaign", "created_at"]
        read_only_fields = ["campaign"]

    def create(self, validated_data):
        return services.vote_cast(
            nomination=validated_data["nomination"], voter=self.context["request"].user
        )


class VoteViewSet(
    ScopedViewSetMixin, mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """Committee members vote; the service checks membership, window and seats."""

    queryset = Vote.objects.select_related("nomination")
    serializer_class = VoteSerializer
    permission_classes = [IsAuthenticated, RoleWritePermission]
    # Committee members hold any role; vote_cast checks the seat and the window.
    portal_write_roles = {"create": set(Role.values)}


router.register("units", ResidentUnitViewSet)
router.register("committee-members", CommitteeMemberViewSet)
router.register("meetings", JointMeetingViewSet)
router.register("demands", DemandItemViewSet)
router.register("resources", ResourceItemViewSet)
router.register("projects", ProjectViewSet)
router.register("responsibilities", ResponsibilityViewSet)
router.register("campaigns", CampaignViewSet)
router.register("nominations", NominationViewSet)
router.register("votes", VoteViewSet)
# The three-double evaluations (partycommittee/evaluations/api.py).
router.register("evaluation-rounds", EvaluationRoundViewSet)
router.register("evaluation-sheets", EvaluationSheetViewSet)
router.register("duty-reports", DutyReportViewSet)
router.register("evaluation-results", UnitResultViewSet)
