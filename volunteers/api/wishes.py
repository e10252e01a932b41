"""API for micro-wishes: the workflow moves are POST actions."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from hive.access.authorization import administers
from hive.access.roles import Role
from hive.api import ChoiceLabelField, ModelCleanMixin, ScopedViewSetMixin
from hive.models import User
from hive.personal_data import mask_address, mask_name, mask_phone
from volunteers import services
from volunteers.filters import WishFilter
from volunteers.models import MicroWish
from volunteers.selectors import wish_funnel


class MicroWishSerializer(ModelCleanMixin, serializers.ModelSerializer):
    """Contact details masked: the full values are only on the logged portal/admin views.
    The tracking code and the contact fields are null for those who may not see them
    (present, so every caller gets the same shape)."""

    tracking_code = serializers.CharField(read_only=True, allow_null=True)

    status_label = ChoiceLabelField(source="status")
    category_label = ChoiceLabelField(source="category")
    community_name = serializers.CharField(source="community.name", read_only=True)
    claimed_by_name = serializers.SerializerMethodField()
    resident_name = serializers.SerializerMethodField()
    resident_phone = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()

    class Meta:
        model = MicroWish
        fields = [
            "id",
            "tracking_code",
            "community",
            "community_name",
            "category",
            "category_label",
            "title",
            "description",
            "status",
            "status_label",
            "resident_name",
            "resident_phone",
            "address",
            "created_at",
            "published_at",
            "rejection_reason",
            "claimed_by",
            "claimed_by_name",
            "claimed_at",
            "fulfilment_note",
            "fulfilled_at",
            "rating",
            "confirmation_note",
            "confirmed_at",
            "stale_flagged_at",
        ]
        read_only_fields = fields

    def get_claimed_by_name(self, wish) -> str:
        return str(wish.claimed_by) if wish.claimed_by_id else ""

    def get_resident_name(self, wish) -> str | None:
        return mask_name(wish.resident_name)

    def get_resident_phone(self, wish) -> str | None:
        return mask_phone(wish.resident_phone)

    def get_address(self, wish) -> str | None:
        return mask_address(wish.address)

    def to_representation(self, wish):
        data = super().to_representation(wish)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if not administers(user, wish.community):
            # The tracking code is the resident's key to withdraw and confirm: staff only.
            data["tracking_code"] = None
            # The wish's texts as the walls show them (phone and ID numbers masked).
            data["title"], data["description"] = wish.public_title, wish.public_description
            if wish.claimed_by_id != getattr(user, "pk", None):
                # Contact details reach only the claimer, after claiming.
                for field in ("resident_name", "resident_phone", "address"):
                    data[field] = None
        return data


class ClaimSerializer(serializers.Serializer):
    """No body: the caller claims for themselves."""


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class AssignSerializer(NoteSerializer):
    member = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))


class FulfilSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000)


class ConfirmSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    note = serializers.CharField(max_length=500)


class FunnelStepSerializer(serializers.Serializer):
    status = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class MicroWishViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Micro-wishes in the caller's scope. Workflow moves are POST actions; an illegal
    move is a 400. Wishes are created by residents through the public form only."""

    queryset = MicroWish.objects.select_related("community", "claimed_by")
    serializer_class = MicroWishSerializer
    filterset_class = WishFilter
    search_fields = ["title", "tracking_code"]
    ordering_fields = ["created_at", "published_at", "status"]
    # Party members claim and fulfil from the wall; every other move is staff work.
    portal_write_roles = {"claim": {Role.PARTY_MEMBER}, "fulfil": {Role.PARTY_MEMBER}}

    def _respond(self, wish):
        wish = (
            self.get_queryset()
            .model.objects.select_related("community", "claimed_by")
            .get(pk=wish.pk)
        )
        # With the request: an action answers what GET answers the same caller.
        return Response(MicroWishSerializer(wish, context=self.get_serializer_context()).data)

    def _payload(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=NoteSerializer, responses=MicroWishSerializer)
    @action(detail=True, methods=["post"], serializer_class=NoteSerializer)
    def publish(self, request, pk=None):
        data = self._payload(NoteSerializer)
        return self._respond(
            services.wish_publish(wish=self.get_object(), actor=request.user, note=data["note"])
        )

    @extend_schema(request=RejectSerializer, responses=MicroWishSerializer)
    @action(detail=True, methods=["post"], serializer_class=RejectSerializer)
    def reject(self, request, pk=None):
        data = self._payload(RejectSerializer)
        return self._respond(
            services.wish_reject(wish=self.get_object(), actor=request.user, reason=data["reason"])
        )

    @extend_schema(request=ClaimSerializer, responses=MicroWishSerializer)
    @action(detail=True, methods=["post"], serializer_class=ClaimSerializer)
    def claim(self, request, pk=None):
        return self._respond(services.wish_claim(wish=self.get_object(), member=request.user))

    @extend_schema(request=AssignSerializer, responses=MicroWishSerializer)
    @action(detail=True, methods=["post"], serializer_class=AssignSerializer)
    def assign(self, request, pk=None):
        data = self._payload(AssignSerializer)
        return self._respond(
            services.wish_assign(
                wish=self.get_object(), member=data["member"], actor=request.user, note=data["note"]
            )
        )

    @extend_schema(request=FulfilSerializer, responses=MicroWishSerializer)
    @action(detail=True, methods=["post"], serializer_class=FulfilSerializer)
    def fulfil(self, request, pk=None):
        data = self._payload(FulfilSerializer)
        return self._respond(
            services.wish_fulfil(wish=self.get_object(), member=request.user, note=data["note"])
        )

    @extend_schema(request=ConfirmSerializer, responses=MicroWishSerializer)
    @action(detail=True, methods=["post"], serializer_class=ConfirmSerializer)
    def confirm(self, request, pk=None):
        """Staff confirm on the resident's behalf (the resident uses the tracking page)."""
        data = self._payload(ConfirmSerializer)
        return self._respond(
            services.wish_confirm(
                wish=self.get_object(), rating=data["rating"], note=data["note"], actor=request.user
            )
        )

    @extend_schema(responses=FunnelStepSerializer(many=True))
    @action(detail=False, serializer_class=FunnelStepSerializer, pagination_class=None)
    def funnel(self, request):
        """Counts per status over the wishes in scope (after the list's filters)."""
        queryset = self.filter_queryset(self.get_queryset())
        return Response(wish_funnel(queryset))
