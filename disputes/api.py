"""API of the disputes app: viewsets register on the shared router (hive.api.router).

Cases are registered and moved only through the services: workflow moves are POST
actions, an illegal one is a 400. Parties' phones and addresses are masked here; the full
values are shown only on the logged portal and admin views.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from disputes import services
from disputes.filters import CaseFilter, ConsultationFilter
from disputes.models import (
    Agreement,
    CaseParty,
    Consultation,
    ConsultationAction,
    DisputeCase,
    FollowUp,
    GovernanceMethod,
    MediationRoom,
    MediationSession,
    Mediator,
    PartnerInstitution,
)
from disputes.selectors import PERIODS, case_statistics
from hive.access.roles import Role
from hive.api import (
    ChoiceLabelField,
    ModelCleanMixin,
    RoleWritePermission,
    ScopedPrimaryKeyRelatedField,
    ScopedViewSetMixin,
    router,
)
from hive.models import Community
from hive.personal_data import mask_address, mask_name, mask_phone

# --- Rooms, partners, mediators ------------------------------------------------------------


class RoomSerializer(ModelCleanMixin, serializers.ModelSerializer):
    class Meta:
        model = MediationRoom
        fields = ["id", "community", "name", "address", "description", "partners", "is_active"]


class PartnerSerializer(ModelCleanMixin, serializers.ModelSerializer):
    kind_label = ChoiceLabelField(source="kind")

    class Meta:
        model = PartnerInstitution
        fields = ["id", "community", "name", "kind", "kind_label", "resident_unit", "is_active"]


class MediatorSerializer(ModelCleanMixin, serializers.ModelSerializer):
    name = serializers.CharField(source="user.__str__", read_only=True)
    institution_name = serializers.SerializerMethodField()

    class Meta:
        model = Mediator
        fields = [
            "id",
            "community",
            "user",
            "name",
            "institution",
            "institution_name",
            "specialities",
            "is_active",
        ]

    def get_institution_name(self, mediator) -> str:
        return str(mediator.institution) if mediator.institution_id else ""


class RoomViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = MediationRoom.objects.prefetch_related("partners")
    serializer_class = RoomSerializer
    filterset_fields = ["community", "is_active"]


class PartnerViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = PartnerInstitution.objects.all()
    serializer_class = PartnerSerializer
    filterset_fields = ["community", "kind", "is_active"]


class MediatorViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Mediator.objects.select_related("user", "institution")
    serializer_class = MediatorSerializer
    filterset_fields = ["community", "institution", "is_active"]


# --- Cases ---------------------------------------------------------------------------------


class PartySerializer(ModelCleanMixin, serializers.ModelSerializer):
    """Masked on the way out; the full values on the way in."""

    role_label = ChoiceLabelField(source="role")

    class Meta:
        model = CaseParty
        fields = ["id", "role", "role_label", "name", "phone", "address"]

    def to_representation(self, party):
        data = super().to_representation(party)
        data["name"] = mask_name(party.name)
        data["phone"] = mask_phone(party.phone)
        data["address"] = mask_address(party.address)
        return data


class AgreementSerializer(ModelCleanMixin, serializers.ModelSerializer):
    judicial_confirmation_label = ChoiceLabelField(source="judicial_confirmation")

    class Meta:
        model = Agreement
        fields = [
            "terms",
            "signed_on",
            "judicial_confirmation",
            "judicial_confirmation_label",
            "judicial_confirmation_requested",
        ]


class CaseSerializer(ModelCleanMixin, serializers.ModelSerializer):
    status_label = ChoiceLabelField(source="status")
    kind_label = ChoiceLabelField(source="kind")
    source_label = ChoiceLabelField(source="source")
    room_name = serializers.CharField(source="room.name", read_only=True)
    parties = PartySerializer(many=True, read_only=True)
    mediators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    agreement = serializers.SerializerMethodField()
    source_record = serializers.SerializerMethodField()
    # Declared so the schema's enum admits "" (not referred): a read-only model field
    # loses its allow_blank.
    referred_to = serializers.ChoiceField(
        choices=DisputeCase.ReferredTo.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = DisputeCase
        fields = [
            "id",
            "number",
            "community",
            "room",
            "room_name",
            "source",
            "source_label",
            "source_record",
            "kind",
            "kind_label",
            "title",
            "facts",
            "amount_in_dispute",
            "governance_methods",
            "mediators",
            "parties",
            "status",
            "status_label",
            "registered_at",
            "failure_reason",
            "referred_to",
            "referral_note",
            "withdrawal_reason",
            "closed_at",
            "last_activity_at",
            "agreement",
        ]
        read_only_fields = fields

    def get_agreement(self, case) -> dict | None:
        agreement = getattr(case, "agreement", None)
        return AgreementSerializer(agreement).data if agreement else None

    def get_source_record(self, case) -> dict | None:
        if not case.source_id:
            return None
        return {"type": case.source_type.model, "id": case.source_id}


class PartyInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=CaseParty.Role.choices)
    name = serializers.CharField(max_length=60)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CaseRegisterSerializer(serializers.Serializer):
    community = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all())
    room = ScopedPrimaryKeyRelatedField(queryset=MediationRoom.objects.all())
    source = serializers.ChoiceField(
        choices=[c for c in DisputeCase.Source.choices if c[0] != DisputeCase.Source.INCIDENT],
        default=DisputeCase.Source.WALK_IN,
    )
    kind = serializers.ChoiceField(choices=DisputeCase.Kind.choices)
    title = serializers.CharField(max_length=120)
    facts = serializers.CharField(max_length=10000)
    amount_in_dispute = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    governance_methods = serializers.ListField(
        child=serializers.ChoiceField(choices=GovernanceMethod.choices), required=False
    )
    mediators = ScopedPrimaryKeyRelatedField(
        queryset=Mediator.objects.all(), many=True, required=False
    )
    parties = PartyInputSerializer(many=True, allow_empty=False)


class CaseNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ReferSerializer(CaseNoteSerializer):
    referred_to = serializers.ChoiceField(choices=DisputeCase.ReferredTo.choices)


class CaseAssignSerializer(serializers.Serializer):
    mediators = ScopedPrimaryKeyRelatedField(
        queryset=Mediator.objects.all(), many=True, allow_empty=False
    )


class SessionSerializer(ModelCleanMixin, serializers.ModelSerializer):
    # The case is the URL's (POST /api/dispute-cases/{id}/sessions/), never the body's.
    case = serializers.PrimaryKeyRelatedField(read_only=True)
    room = ScopedPrimaryKeyRelatedField(
        queryset=MediationRoom.objects.all(), required=False, allow_null=True
    )
    mediators_present = ScopedPrimaryKeyRelatedField(
        queryset=Mediator.objects.all(), many=True, allow_empty=False
    )
    parties_present = serializers.PrimaryKeyRelatedField(
        queryset=CaseParty.objects.all(), many=True, required=False
    )

    class Meta:
        model = MediationSession
        fields = ["id", "case", "held_at", "room", "mediators_present", "parties_present", "notes"]
        read_only_fields = ["id", "case"]


class AgreementInputSerializer(serializers.Serializer):
    terms = serializers.CharField(max_length=10000)
    signed_on = serializers.DateField()
    judicial_confirmation = serializers.ChoiceField(
        choices=Agreement.JudicialConfirmation.choices,
        default=Agreement.JudicialConfirmation.NOT_REQUESTED,
    )


class FollowUpSerializer(ModelCleanMixin, serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    honoured_label = ChoiceLabelField(source="honoured")
    # "" until the visit is recorded (see CaseSerializer.referred_to).
    honoured = serializers.ChoiceField(
        choices=FollowUp.Honoured.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "case",
            "case_number",
            "due_on",
            "visited_on",
            "honoured",
            "honoured_label",
            "notes",
        ]
        read_only_fields = fields


class ScheduleSerializer(serializers.Serializer):
    due_on = serializers.DateField()


class FollowUpRecordSerializer(serializers.Serializer):
    visited_on = serializers.DateField()
    honoured = serializers.ChoiceField(choices=FollowUp.Honoured.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class StatisticsSerializer(serializers.Serializer):
    """Per room, type and period; see disputes.selectors.case_statistics."""

    period = serializers.CharField()
    rows = serializers.ListField(child=serializers.DictField())
    totals = serializers.DictField()


class DisputeCaseViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Cases in the caller's scope (a mediator: the ones assigned to them)."""

    queryset = DisputeCase.objects.select_related(
        "room", "agreement", "source_type"
    ).prefetch_related(
        Prefetch("parties", queryset=CaseParty.objects.order_by("role", "id")),
        Prefetch("mediators", queryset=Mediator.objects.only("id")),
    )
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    permission_classes = [IsAuthenticated, RoleWritePermission]
    # Every workflow action is a POST; the services check who may act on which case.
    portal_write_roles = {
        name: {Role.MEDIATOR}
        for name in [
            "create",
            "accept",
            "start_mediation",
            "fail",
            "refer",
            "close",
            "withdraw",
            "sessions",
            "agreement",
            "schedule_followup",
        ]
    }
    search_fields = ["number", "title"]
    ordering_fields = ["registered_at", "number", "status", "last_activity_at"]

    def get_serializer_class(self):
        if self.action == "create":
            return CaseRegisterSerializer
        return super().get_serializer_class()

    def _respond(self, case, status=200):
        case = self.get_queryset().get(pk=case.pk)
        return Response(CaseSerializer(case).data, status=status)

    def _payload(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=CaseRegisterSerializer, responses={201: CaseSerializer})
    def create(self, request, *args, **kwargs):
        data = self._payload(CaseRegisterSerializer)
        case = services.case_register(
            community=data["community"],
            room=data["room"],
            kind=data["kind"],
            title=data["title"],
            facts=data["facts"],
            parties=data["parties"],
            actor=request.user,
            source=data["source"],
            amount_in_dispute=data.get("amount_in_dispute"),
            governance_methods=data.get("governance_methods", []),
            mediators=data.get("mediators", []),
        )
        return self._respond(case, status=201)

    @extend_schema(request=CaseNoteSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], serializer_class=CaseNoteSerializer)
    def accept(self, request, pk=None):
        data = self._payload(CaseNoteSerializer)
        return self._respond(
            services.case_accept(case=self.get_object(), actor=request.user, note=data["note"])
        )

    @extend_schema(request=CaseNoteSerializer, responses=CaseSerializer)
    @action(
        detail=True,
        methods=["post"],
        serializer_class=CaseNoteSerializer,
        url_path="start-mediation",
    )
    def start_mediation(self, request, pk=None):
        data = self._payload(CaseNoteSerializer)
        return self._respond(
            services.case_start_mediation(
                case=self.get_object(), actor=request.user, note=data["note"]
            )
        )

    @extend_schema(request=ReasonSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], serializer_class=ReasonSerializer)
    def fail(self, request, pk=None):
        data = self._payload(ReasonSerializer)
        return self._respond(
            services.case_fail(case=self.get_object(), actor=request.user, reason=data["reason"])
        )

    @extend_schema(request=ReferSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], serializer_class=ReferSerializer)
    def refer(self, request, pk=None):
        data = self._payload(ReferSerializer)
        return self._respond(
            services.case_refer(
                case=self.get_object(),
                actor=request.user,
                referred_to=data["referred_to"],
                note=data["note"],
            )
        )

    @extend_schema(request=CaseNoteSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], serializer_class=CaseNoteSerializer)
    def close(self, request, pk=None):
        data = self._payload(CaseNoteSerializer)
        return self._respond(
            services.case_close(case=self.get_object(), actor=request.user, note=data["note"])
        )

    @extend_schema(request=ReasonSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], serializer_class=ReasonSerializer)
    def withdraw(self, request, pk=None):
        data = self._payload(ReasonSerializer)
        return self._respond(
            services.case_withdraw(
                case=self.get_object(), actor=request.user, reason=data["reason"]
            )
        )

    @extend_schema(request=CaseAssignSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"], serializer_class=CaseAssignSerializer)
    def assign(self, request, pk=None):
        """Staff only (the model permission): who mediates the case."""
        data = self._payload(CaseAssignSerializer)
        return self._respond(
            services.case_assign_mediators(
                case=self.get_object(), mediators=data["mediators"], actor=request.user
            )
        )

    @extend_schema(methods=["GET"], responses=SessionSerializer(many=True))
    @extend_schema(methods=["POST"], request=SessionSerializer, responses={201: SessionSerializer})
    # All of a case's sessions, unpaginated.
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=SessionSerializer,
        pagination_class=None,
    )
    def sessions(self, request, pk=None):
        case = self.get_object()
        if request.method == "GET":
            sessions = case.sessions.prefetch_related("mediators_present", "parties_present")
            return Response(SessionSerializer(sessions, many=True).data)
        data = self._payload(SessionSerializer)
        session = services.session_record(
            case=case,
            actor=request.user,
            held_at=data["held_at"],
            notes=data["notes"],
            room=data.get("room"),
            mediators_present=data["mediators_present"],
            parties_present=data.get("parties_present", []),
        )
        return Response(SessionSerializer(session).data, status=201)

    @extend_schema(request=AgreementInputSerializer, responses={201: CaseSerializer})
    @action(detail=True, methods=["post"], serializer_class=AgreementInputSerializer)
    def agreement(self, request, pk=None):
        data = self._payload(AgreementInputSerializer)
        services.agreement_record(case=self.get_object(), actor=request.user, **data)
        return self._respond(self.get_object(), status=201)

    @extend_schema(request=ScheduleSerializer, responses={201: FollowUpSerializer})
    @action(
        detail=True,
        methods=["post"],
        serializer_class=ScheduleSerializer,
        url_path="schedule-followup",
    )
    def schedule_followup(self, request, pk=None):
        data = self._payload(ScheduleSerializer)
        followup = services.followup_schedule(
            case=self.get_object(), actor=request.user, due_on=data["due_on"]
        )
        return Response(FollowUpSerializer(followup).data, status=201)

    @action(detail=False, serializer_class=StatisticsSerializer, pagination_class=None)
    def statistics(self, request):
        """Received, resolved by agreement, failed, success rate (agreements ÷ (agreements
        + failed), per cent) and median days to close, per room, type and period (`period`
        = month, quarter or year), over the cases in scope after the list's filters."""
        period = request.query_params.get("period", "month")
        if period not in PERIODS:
            raise serializers.ValidationError({"period": [_("Choose month, quarter or year.")]})
        queryset = self.filter_queryset(DisputeCase.objects.visible_to(request.user))
        return Response(case_statistics(queryset, period=period))


class FollowUpViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = FollowUp.objects.select_related("case")
    serializer_class = FollowUpSerializer
    filterset_fields = {"case": ["exact"], "due_on": ["gte", "lte"], "visited_on": ["isnull"]}
    permission_classes = [IsAuthenticated, RoleWritePermission]
    portal_write_roles = {"record": {Role.MEDIATOR}}

    @extend_schema(request=FollowUpRecordSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"], serializer_class=FollowUpRecordSerializer)
    def record(self, request, pk=None):
        serializer = FollowUpRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        followup = services.followup_record(
            followup=self.get_object(), actor=request.user, **serializer.validated_data
        )
        return Response(FollowUpSerializer(followup).data)


# --- Three-party consultations -------------------------------------------------------------


class ConsultationActionSerializer(ModelCleanMixin, serializers.ModelSerializer):
    class Meta:
        model = ConsultationAction
        fields = ["id", "description", "responsible", "due_on", "done_on"]


class ConsultationSerializer(ModelCleanMixin, serializers.ModelSerializer):
    community = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all())
    property_company = ScopedPrimaryKeyRelatedField(
        queryset=PartnerInstitution.objects.all(), required=False, allow_null=True
    )
    related_case = ScopedPrimaryKeyRelatedField(
        queryset=DisputeCase.objects.all(), required=False, allow_null=True
    )
    actions = ConsultationActionSerializer(many=True, required=False)

    class Meta:
        model = Consultation
        fields = [
            "id",
            "community",
            "topic",
            "held_on",
            "place",
            "community_participants",
            "owner_participants",
            "property_company",
            "property_participants",
            "resolution",
            "related_case",
            "actions",
        ]

    def create(self, validated_data):
        from disputes.services import consultation_save

        actions = validated_data.pop("actions", [])
        return consultation_save(consultation=Consultation(**validated_data), actions=actions)

    def update(self, instance, validated_data):
        from disputes.services import consultation_save

        actions = validated_data.pop("actions", None)
        for field, value in validated_data.items():
            setattr(instance, field, value)
        return consultation_save(consultation=instance, actions=actions)


class ConsultationViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Staff write (the model permission); mediators of the community read."""

    queryset = Consultation.objects.select_related("community").prefetch_related("actions")
    serializer_class = ConsultationSerializer
    filterset_class = ConsultationFilter
    permission_classes = [IsAuthenticated, RoleWritePermission]
    search_fields = ["topic", "resolution"]


router.register("mediation-rooms", RoomViewSet)
router.register("partner-institutions", PartnerViewSet)
router.register("mediators", MediatorViewSet)
router.register("dispute-cases", DisputeCaseViewSet)
router.register("dispute-followups", FollowUpViewSet)
router.register("consultations", ConsultationViewSet)
