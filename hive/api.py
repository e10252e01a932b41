"""The core's API, and the pieces every app's API reuses: scoped viewsets, the router,
and an exception handler that turns rule violations into 400s with field messages and
refusals (hive.access.authorization.NotAuthorized, any PermissionDenied) into 403s
`{"detail": "<message>"}`."""

import copy

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from hive.access.authentication import CachedTokenAuthentication
from hive.access.scoping import access_scope
from hive.models import Community, RoleAssignment, Street, TimelineEntry, User, choice_label
from hive.personal_data import RevealLimitReached
from hive.ui.filters import (
    CommunityFilter,
    RoleAssignmentFilter,
    TimelineEntryFilter,
)

router = DefaultRouter()


def exception_handler(exc, context):
    """Django ValidationErrors raised by services (illegal transitions, rule checks)
    become 400s with the same shape as serializer errors; a refusal (PermissionDenied,
    NotAuthorized) is a 403 with the service's message as `detail`; a reveal beyond the
    per-person limit is a 429 with Retry-After."""
    if isinstance(exc, RevealLimitReached):
        exc = exceptions.Throttled(wait=exc.retry_after, detail=exc.message)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = serializers.ValidationError(detail=detail)
    elif isinstance(exc, ProtectedError):
        exc = serializers.ValidationError(
            {"detail": [_("This record is still used elsewhere and cannot be deleted.")]}
        )
    return drf_exception_handler(exc, context)


def _portal_write(request, view) -> bool:
    """Whether this write is one a portal role makes (see RoleWritePermission)."""
    declared = getattr(view, "portal_write_roles", {})
    # "*" covers every action of a viewset whose services check the actor themselves.
    roles = declared.get(getattr(view, "action", None)) or declared.get("*", ())
    return bool(set(roles) & access_scope(request.user).roles)


def scoped_for(queryset, request, view):
    """Reads see `visible_to`; staff writes reach only what their staff role administers
    (`managed_by`), so a portal role held in another community opens nothing to write;
    portal-role writes (listed in `portal_write_roles`) stay within `visible_to`."""
    user = request.user
    if request.method in permissions.SAFE_METHODS or _portal_write(request, view):
        return queryset.visible_to(user)
    return queryset.managed_by(user)


class ScopedViewSetMixin:
    """Start every list and detail from the user's scope: out of scope is a 404."""

    def get_queryset(self):
        return scoped_for(super().get_queryset(), self.request, self)


_WRITE_ACTIONS = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


class RoleWritePermission(permissions.BasePermission):
    """Reads: whatever the scoped queryset shows. Writes: staff holding the model
    permission, or a portal role the viewset names for that action in
    `portal_write_roles` (e.g. {"report": {Role.UNIT_REP}}); the scoped queryset still
    limits which objects they reach, and services check the rest."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        opts = view.get_queryset().model._meta
        action = _WRITE_ACTIONS.get(request.method)
        if action and request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}"):
            return True
        return _portal_write(request, view)


class ModelCleanMixin:
    """A ModelSerializer that asks the model: after `validate`, the instance it would save
    runs full_clean() (field validators, Model.clean(), constraints), so a rule lives once,
    on the model, for the admin, the portal, the services and the API alike. Fields the
    request does not set are left out, as a ModelForm leaves out those it lacks; unique
    fields and sets are checked by DRF's own validators, before."""

    def run_validation(self, data=serializers.empty):
        attrs = super().run_validation(data)
        if attrs is None:  # a nested serializer sent null
            return attrs
        model = self.Meta.model
        instance = copy.copy(self.instance) if self.instance is not None else model()
        fields = {field.name: field for field in model._meta.fields}
        # A null the serializer lets through where the model has none is the service's to fill.
        given = {
            name: value
            for name, value in attrs.items()
            if name in fields and (value is not None or fields[name].null)
        }
        for name, value in given.items():
            setattr(instance, name, value)
        names = set(given)
        if self.instance is not None:
            names |= {field.source for field in self._writable_fields}
        exclude = [name for name in fields if name not in names]
        try:
            instance.full_clean(exclude=exclude, validate_unique=False)
        except DjangoValidationError as exc:
            keys = {field.source: name for name, field in self.fields.items()}
            keys[NON_FIELD_ERRORS] = api_settings.NON_FIELD_ERRORS_KEY
            raise serializers.ValidationError(
                {keys.get(name, name): errors for name, errors in exc.message_dict.items()}
            ) from None
        return attrs


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key the request's user can only point at rows in their scope (the same
    rule as the viewset's: managed rows for staff writes, visible rows otherwise)."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        view = self.context.get("view")
        if request is None:
            return queryset.none()
        return scoped_for(queryset, request, view)


class ManagedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key only staff set (a row's community, on a staff serializer): the rows
    the user administers (`managed_by`), whatever portal roles they also hold. A
    ScopedPrimaryKeyRelatedField would widen to `visible_to` on a viewset action a
    portal role may take, so staff of one community holding a unit representative's
    role in another could move a unit there (issue 18)."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return queryset.managed_by(request.user)


@extend_schema_field(OpenApiTypes.STR)
class ChoiceLabelField(serializers.Field):
    """The label of a choices field in the active language: `source` names the model
    field ("status" gives what get_status_display() gives). Cheaper than
    source="get_status_display", which DRF inspects as a callable on every row."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self._model_field = parent.Meta.model._meta.get_field(self.source)

    def to_representation(self, value):
        return choice_label(self._model_field, value)


class TransitionSerializer(serializers.Serializer):
    to = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class StreetSerializer(ModelCleanMixin, serializers.ModelSerializer):
    class Meta:
        model = Street
        fields = ["id", "name", "code"]


class CommunitySerializer(ModelCleanMixin, serializers.ModelSerializer):
    street_name = serializers.CharField(source="street.name", read_only=True)

    class Meta:
        model = Community
        fields = ["id", "name", "code", "street", "street_name", "address", "phone"]


class RoleAssignmentSerializer(ModelCleanMixin, serializers.ModelSerializer):
    role_label = ChoiceLabelField(source="role")
    username = serializers.CharField(source="user.username", read_only=True)
    user_name = serializers.CharField(source="user.name", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = [
            "id",
            "user",
            "username",
            "user_name",
            "role",
            "role_label",
            "street",
            "community",
        ]


class UserSerializer(ModelCleanMixin, serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "name"]


class MeSerializer(ModelCleanMixin, serializers.ModelSerializer):
    roles = RoleAssignmentSerializer(source="role_assignments", many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "phone", "roles"]


class TimelineEntrySerializer(ModelCleanMixin, serializers.ModelSerializer):
    model = serializers.CharField(source="content_type.model", read_only=True)
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEntry
        fields = [
            "id",
            "model",
            "object_id",
            "community",
            "actor",
            "actor_name",
            "from_state",
            "to_state",
            "note",
            "created_at",
        ]

    def get_actor_name(self, entry) -> str:
        return str(entry.actor) if entry.actor else ""


class StreetViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Street.objects.all()
    serializer_class = StreetSerializer


class CommunityViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Community.objects.select_related("street")
    serializer_class = CommunitySerializer
    filterset_class = CommunityFilter


class UserViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = User.objects.all()
    serializer_class = UserSerializer
    search_fields = ["username", "name"]

    @action(detail=False, serializer_class=MeSerializer)
    def me(self, request):
        user = User.objects.prefetch_related("role_assignments__user").get(pk=request.user.pk)
        return Response(MeSerializer(user).data)


class RoleAssignmentViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = RoleAssignment.objects.select_related("user")
    serializer_class = RoleAssignmentSerializer
    filterset_class = RoleAssignmentFilter


class TimelineEntryViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = TimelineEntry.objects.select_related("content_type", "actor")
    serializer_class = TimelineEntrySerializer
    filterset_class = TimelineEntryFilter


router.register("streets", StreetViewSet)
router.register("communities", CommunityViewSet)
router.register("users", UserViewSet)
router.register("role-assignments", RoleAssignmentViewSet)
router.register("timeline", TimelineEntryViewSet)


# --- API tokens ------------------------------------------------------------------------


def _code_field():
    return serializers.CharField(
        label=_lazy("Six-digit code"),
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=_lazy("Staff: the current code of their authenticator app."),
    )


def _second_factor_of(user, code) -> bool:
    """Whether the token to be issued carries the second factor: for staff while it is
    required, the code must be the current one (400 on the "code" field otherwise)."""
    from hive.access.two_factor import (
        CodeError,
        code_check,
        has_confirmed_device,
        lacks_second_factor,
    )

    if not lacks_second_factor(user, verified=False):
        return False
    if not code and has_confirmed_device(user):
        raise serializers.ValidationError(
            {"code": [_("Staff give the current six-digit code of their authenticator app.")]}
        )
    try:
        code_check(user, code)
    except CodeError as exc:
        raise serializers.ValidationError({"code": [str(exc)]}) from None
    return True


class ObtainTokenSerializer(AuthTokenSerializer):
    code = _code_field()
    name = serializers.CharField(
        label=_lazy("Name"),
        required=False,
        allow_blank=True,
        max_length=60,
        write_only=True,
        help_text=_lazy("Which client uses this token, to tell your tokens apart."),
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        attrs["second_factor"] = _second_factor_of(attrs["user"], attrs.get("code"))
        return attrs


class RotateTokenSerializer(serializers.Serializer):
    code = _code_field()


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)


def _issued(token, key) -> Response:
    return Response(IssuedTokenSerializer({"token": key, "expires_at": token.expires_at}).data)


class ObtainAuthTokenView(APIView):
    """A new token for a username and password (and, for staff, the current code).
    Failed attempts count towards the same lock-out as the login pages (axes sees the
    authenticate() call), and a locked client is told so with 429."""

    throttle_classes = ()
    permission_classes = ()
    # The credentials are in the body; a session cookie sent along plays no part.
    authentication_classes = ()
    serializer_class = ObtainTokenSerializer

    @extend_schema(request=ObtainTokenSerializer, responses=IssuedTokenSerializer)
    def post(self, request, *args, **kwargs):
        from hive.access.security import lockout_message
        from hive.services import api_token_issue

        serializer = self.serializer_class(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except serializers.ValidationError:
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS
                )
            raise
        data = serializer.validated_data
        token, key = api_token_issue(
            user=data["user"], second_factor=data["second_factor"], name=data.get("name", "")
        )
        return _issued(token, key)


class RotateAuthTokenView(APIView):
    """A fresh token for the one this request is made with, which ends now. Staff give
    the current code again, so a stolen token cannot keep itself alive."""

    authentication_classes = [CachedTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = RotateTokenSerializer

    @extend_schema(request=RotateTokenSerializer, responses=IssuedTokenSerializer)
    def post(self, request, *args, **kwargs):
        from hive.services import api_token_rotate

        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        second_factor = _second_factor_of(request.user, serializer.validated_data.get("code"))
        token, key = api_token_rotate(
            token=request.auth, second_factor=second_factor or request.auth.second_factor
        )
        return _issued(token, key)
