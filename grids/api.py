"""API of the grids app: viewsets register on the shared router (hive.api.router)."""

from django.utils.http import urlencode
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from disputes.api import PartyInputSerializer
from disputes.models import DisputeCase, MediationRoom
from grids import escalation, personal_data, services
from grids.filters import (
    ChangeLogFilter,
    GridFilter,
    GridTaskFilter,
    HouseholdFilter,
    IncidentApiFilter,
    KeyPlaceFilter,
    ResidentFilter,
    SweepFilter,
    VisitFilter,
)
from grids.forms import IncidentReportForm
from grids.models import (
    Category,
    ChangeLogEntry,
    Grid,
    GridTask,
    Household,
    Incident,
    KeyPlace,
    Resident,
    Sweep,
    SweepCheck,
    Visit,
)
from grids.selectors import incident_timeline
from hive.access.authorization import administers
from hive.access.roles import Role
from hive.api import ModelCleanMixin, ScopedViewSetMixin, TimelineEntrySerializer, router
from hive.models import User
from hive.personal_data import mask_id_number, mask_phone
from hive.ui.filters import ScopedDjangoFilterBackend
from hive.ui.paging import BEFORE, newest_first_page, parse_before
from partycommittee.models import ResidentUnit

# --- Serializers -----------------------------------------------------------------------


class GridSerializer(ModelCleanMixin, serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.__str__", read_only=True, default="")
    deputies = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Grid
        fields = [
            "id",
            "community",
            "code",
            "name",
            "boundary",
            "member",
            "member_name",
            "deputies",
        ]


class MaskedPhoneField(serializers.CharField):
    def to_representation(self, value):
        return mask_phone(value)


class HouseholdSerializer(ModelCleanMixin, serializers.ModelSerializer):
    phone = MaskedPhoneField(read_only=True)
    building_name = serializers.CharField(source="building.name", read_only=True, default="")

    class Meta:
        model = Household
        fields = [
            "id",
            "community",
            "grid",
            "building",
            "building_name",
            "number",
            "room",
            "address",
            "head_name",
            "phone",
            "is_rental",
        ]


class ResidentSerializer(ModelCleanMixin, serializers.ModelSerializer):
    """ID numbers and phones are masked; POST reveal/ shows them, and logs it."""

    phone = MaskedPhoneField(read_only=True)
    id_number = serializers.SerializerMethodField()
    tags = serializers.SlugRelatedField(many=True, slug_field="code", read_only=True)

    class Meta:
        model = Resident
        fields = [
            "id",
            "household",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "phone",
            "relation",
            "moved_in_on",
            "status",
            "tags",
        ]

    def get_id_number(self, resident) -> str:
        return mask_id_number(resident.id_number)


class RevealSerializer(serializers.Serializer):
    fields = serializers.ListField(
        child=serializers.ChoiceField(choices=["phone", "id_number"]), allow_empty=False
    )
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RevealedSerializer(serializers.Serializer):
    """The answer of `reveal`: the full value of each field asked for, and only those."""

    phone = serializers.CharField(required=False, read_only=True)
    id_number = serializers.CharField(required=False, read_only=True)


class KeyPlaceSerializer(ModelCleanMixin, serializers.ModelSerializer):
    contact_phone = MaskedPhoneField(read_only=True)

    class Meta:
        model = KeyPlace
        fields = [
            "id",
            "community",
            "grid",
            "kind",
            "name",
            "address",
            "contact_name",
            "contact_phone",
        ]


class ChangeLogSerializer(ModelCleanMixin, serializers.ModelSerializer):
    # Plain strings in the schema: an enum here would clash with KeyPlace's "kind".
    kind = serializers.CharField(read_only=True)

    class Meta:
        model = ChangeLogEntry
        fields = [
            "id",
            "grid",
            "household",
            "resident",
            "kind",
            "detail",
            "occurred_on",
            "actor",
            "created_at",
        ]


class VisitSerializer(ModelCleanMixin, serializers.ModelSerializer):
    class Meta:
        model = Visit
        fields = ["id", "grid", "household", "resident", "visitor", "role", "visited_at", "notes"]
        read_only_fields = ["grid", "visitor"]
        extra_kwargs = {"visited_at": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            # Only households and residents the user may see can be named.
            self.fields["household"].queryset = Household.objects.visible_to(request.user)
            self.fields["resident"].queryset = Resident.objects.visible_to(request.user)


class GridTaskSerializer(ModelCleanMixin, serializers.ModelSerializer):
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = GridTask
        fields = [
            "id",
            "grid",
            "title",
            "description",
            "responsible",
            "deadline",
            "status",
            "done_at",
            "done_note",
            "is_overdue",
        ]
        read_only_fields = fields


class SweepCheckSerializer(ModelCleanMixin, serializers.ModelSerializer):
    class Meta:
        model = SweepCheck
        fields = ["id", "place", "result", "items", "notes", "checked_by", "incident"]


class SweepSerializer(ModelCleanMixin, serializers.ModelSerializer):
    place_kind = serializers.CharField(read_only=True)
    checklist_items = serializers.ListField(read_only=True)
    checks = SweepCheckSerializer(many=True, read_only=True)

    class Meta:
        model = Sweep
        fields = [
            "id",
            "community",
            "grid",
            "title",
            "scope",
            "place_kind",
            "scheduled_on",
            "checklist_items",
            "inspectors",
            "places",
            "status",
            "checks",
        ]


class SweepCheckInputSerializer(serializers.Serializer):
    place = serializers.IntegerField()
    failed_items = serializers.ListField(child=serializers.CharField(), required=False)
    not_reached = serializers.BooleanField(required=False, default=False)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=Category.choices, default=Category.HIDDEN_DANGER)


class IncidentPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, photo) -> str:
        from django.urls import reverse

        return reverse("grids:incident_photo", args=[photo.incident_id, photo.pk])


class MediationCaseLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class IncidentSerializer(ModelCleanMixin, serializers.ModelSerializer):
    """One incident in full: photos, timeline (with its duplicates'), allowed actions."""

    is_overdue = serializers.BooleanField(read_only=True)
    photos = IncidentPhotoSerializer(many=True, read_only=True)
    timeline = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    mediation_case = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "community",
            "grid",
            "category",
            "priority",
            "status",
            "location",
            "latitude",
            "longitude",
            "description",
            "reporter",
            "on_behalf_of",
            "deadline",
            "is_overdue",
            "assignee",
            "assigned_unit",
            "mediation_case",
            "rejected_by",
            "rejection_reason",
            "resolution",
            "duplicate_of",
            "closed_at",
            "created_at",
            "photos",
            "timeline",
            "actions",
        ]
        read_only_fields = fields

    def get_timeline(self, incident) -> list[dict]:
        return TimelineEntrySerializer(incident_timeline(incident), many=True).data

    def get_actions(self, incident) -> list[str]:
        return Incident.workflow.actions_for(incident, self.context["request"].user)

    @extend_schema_field(MediationCaseLinkSerializer(allow_null=True))
    def get_mediation_case(self, incident) -> dict | None:
        if incident.status != Incident.Status.ESCALATED and not incident.resolution:
            return None
        case = escalation.incident_case(incident)
        return None if case is None else {"id": case.pk, "number": case.number}


class IncidentListRowSerializer(serializers.Serializer):
    """One row of the incident list, for the schema only: the list answers from .values()
    (INCIDENT_LIST_FIELDS plus two labels), so ids keep their `_id` names and there are no
    per-row actions; GET /api/incidents/{id}/ has the full incident."""

    id = serializers.IntegerField(read_only=True)
    community_id = serializers.IntegerField(read_only=True)
    grid_id = serializers.IntegerField(read_only=True)
    category = serializers.ChoiceField(choices=Category.choices, read_only=True)
    category_label = serializers.CharField(read_only=True)
    priority = serializers.ChoiceField(choices=Incident.Priority.choices, read_only=True)
    status = serializers.ChoiceField(choices=Incident.Status.choices, read_only=True)
    status_label = serializers.CharField(read_only=True)
    location = serializers.CharField(read_only=True)
    # Empty for a resident's own report (随手拍, grids.ResidentReport).
    reporter_id = serializers.IntegerField(read_only=True, allow_null=True)
    assignee_id = serializers.IntegerField(read_only=True, allow_null=True)
    assigned_unit_id = serializers.IntegerField(read_only=True, allow_null=True)
    deadline = serializers.DateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


# The list answers from .values(): at a million rows the cost of a list is Python (model
# instances, a serializer per row), not SQL. Labels come from the choices, in Python.
INCIDENT_LIST_FIELDS = (
    "id",
    "community_id",
    "grid_id",
    "category",
    "priority",
    "status",
    "location",
    "reporter_id",
    "assignee_id",
    "assigned_unit_id",
    "deadline",
    "created_at",
)


class IdCursorPagination(BasePagination):
    """Newest first, `?before=<id>` for the next page: no COUNT, and a page deep in a
    million rows costs what the first one costs."""

    page_size = 50

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        try:
            before = parse_before(request.query_params.get(BEFORE))
        except ValueError:
            raise ValidationError({BEFORE: ["Enter a whole number."]}) from None
        self.page = newest_first_page(queryset, before, self.page_size)
        return self.page.object_list

    def get_paginated_response(self, data):
        next_url = None
        if self.page.has_next:
            params = self.request.query_params.copy()
            params[BEFORE] = self.page.next_before
            next_url = self.request.build_absolute_uri(
                f"{self.request.path}?{urlencode(params, doseq=True)}"
            )
        return Response({"next": next_url, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "properties": {"next": {"type": "string", "nullable": True}, "results": schema},
        }


# --- Viewsets --------------------------------------------------------------------------


class GridViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Grid.objects.select_related("member").prefetch_related("deputies")
    serializer_class = GridSerializer
    filterset_class = GridFilter


class HouseholdViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Household.objects.select_related("building")
    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter


class ResidentViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    # Portal roles act here on what they can see; grids.services checks each actor.
    portal_write_roles = {"*": set(Role.values)}
    queryset = Resident.objects.prefetch_related("tags")
    serializer_class = ResidentSerializer
    filterset_class = ResidentFilter

    @extend_schema(request=RevealSerializer, responses=RevealedSerializer)
    @action(detail=True, methods=["post"], serializer_class=RevealSerializer)
    def reveal(self, request, pk=None):
        """Full phone / ID number, for a role that needs them; every call is logged."""
        resident = self.get_object()
        data = RevealSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = personal_data.reveal(
            viewer=request.user,
            obj=resident,
            fields=data.validated_data["fields"],
            purpose=data.validated_data.get("purpose", ""),
        )
        return Response(values)


class KeyPlaceViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = KeyPlace.objects.all()
    serializer_class = KeyPlaceSerializer
    filterset_class = KeyPlaceFilter


class ChangeLogViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ChangeLogEntry.objects.all()
    serializer_class = ChangeLogSerializer
    filterset_class = ChangeLogFilter


class VisitViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    # Portal roles act here on what they can see; grids.services checks each actor.
    portal_write_roles = {"*": set(Role.values)}
    queryset = Visit.objects.all()
    serializer_class = VisitSerializer
    filterset_class = VisitFilter

    def perform_create(self, serializer):
        serializer.instance = services.visit_log(
            visitor=self.request.user, **serializer.validated_data
        )


class GridTaskViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    # Portal roles act here on what they can see; grids.services checks each actor.
    portal_write_roles = {"*": set(Role.values)}
    queryset = GridTask.objects.all()
    serializer_class = GridTaskSerializer
    filterset_class = GridTaskFilter

    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        task = services.grid_task_complete(
            task=self.get_object(), actor=request.user, note=str(request.data.get("note", ""))
        )
        return Response(GridTaskSerializer(task).data)


class SweepViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    # Portal roles act here on what they can see; grids.services checks each actor.
    portal_write_roles = {"*": set(Role.values)}
    queryset = Sweep.objects.prefetch_related("checks", "inspectors", "places")
    serializer_class = SweepSerializer
    filterset_class = SweepFilter

    @extend_schema(request=SweepCheckInputSerializer, responses={201: SweepCheckSerializer})
    @action(detail=True, methods=["post"], serializer_class=SweepCheckInputSerializer)
    def check(self, request, pk=None):
        sweep = self.get_object()
        data = SweepCheckInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        place = sweep.places.filter(pk=values["place"]).first()
        if place is None:
            raise ValidationError({"place": ["This place is not part of the sweep."]})
        check = services.sweep_record_check(
            sweep=sweep,
            place=place,
            actor=request.user,
            failed_items=values.get("failed_items", []),
            result="not_reached" if values["not_reached"] else None,
            notes=values["notes"],
            category=values["category"],
        )
        return Response(SweepCheckSerializer(check).data, status=status.HTTP_201_CREATED)


class AssignInput(serializers.Serializer):
    """A person (`assignee`) or a resident unit (`unit`) of the incident's community."""

    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    unit = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EscalateInput(serializers.Serializer):
    """The dispute case to open: room of the incident's community, type, both sides."""

    room = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=DisputeCase.Kind.choices)
    parties = PartyInputSerializer(many=True, allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField()


class ResolveInput(serializers.Serializer):
    resolution = serializers.CharField()


class DuplicateInput(serializers.Serializer):
    original = serializers.IntegerField()


class ReplyOutput(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    body = serializers.CharField(read_only=True)


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReplyInput(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, default="")
    template = serializers.IntegerField(required=False, allow_null=True)


def _json_datetime(value):
    """What DRF's JSON encoder writes for a datetime (ISO 8601, UTC as Z)."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_STATUSES = frozenset(Incident.Status.values)
_CATEGORIES = frozenset(Category.values)


def _plain_list_filters(params) -> dict | None:
    """The busiest request (a grid's incidents by status and category) without building
    the FilterSet: building and validating its form was a third of the request. Only for
    clean single values of these three; anything else goes through IncidentApiFilter,
    which also gives the field errors."""
    lookups = {}
    for name, values in params.lists():
        if name == "before":
            continue
        if len(values) != 1 or not values[0]:
            return None
        value = values[0]
        if name == "status" and value in _STATUSES:
            lookups["status"] = value
        elif name == "category" and value in _CATEGORIES:
            lookups["category"] = value
        elif name == "grid" and value.isdigit() and len(value) < 12:
            lookups["grid_id"] = int(value)
        else:
            return None
    return lookups


def _step(serializer):
    """A workflow step of the incident: a POST taking `serializer`, answering the incident."""

    def decorate(method):
        method = action(
            detail=True,
            methods=["post"],
            url_path=method.__name__.replace("_", "-"),
            serializer_class=serializer,
        )(method)
        return extend_schema(request=serializer, responses=IncidentSerializer)(method)

    return decorate


class IncidentViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Six-small incidents. The list is newest first with `?before=<id>` paging; every
    workflow step is a POST to /api/incidents/{id}/<action>/."""

    # Portal roles act here on what they can see; grids.services checks each actor.
    portal_write_roles = {"*": set(Role.values)}

    queryset = Incident.objects.all()
    serializer_class = IncidentSerializer
    filterset_class = IncidentApiFilter
    filter_backends = [ScopedDjangoFilterBackend]
    # JSON only: content negotiation stays trivial on the busiest list.
    renderer_classes = [JSONRenderer]
    pagination_class = IdCursorPagination

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("photos")
        return queryset

    def filter_queryset(self, queryset):
        if self.action == "list":
            lookups = _plain_list_filters(self.request.query_params)
            if lookups is not None:
                return queryset.filter(**lookups)
        return super().filter_queryset(queryset)

    @extend_schema(responses=IncidentListRowSerializer(many=True))
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset()).values(*INCIDENT_LIST_FIELDS)
        rows = self.paginate_queryset(queryset)
        # Plain strings, not lazy labels or datetimes, so the JSON encoder never calls back
        # into Python for a value (it did 100 times a page: a millisecond of a 9 ms answer).
        categories = {key: str(label) for key, label in Category.choices}
        statuses = {key: str(label) for key, label in Incident.Status.choices}
        for row in rows:
            row["category_label"] = categories.get(row["category"], row["category"])
            row["status_label"] = statuses.get(row["status"], row["status"])
            row["deadline"] = _json_datetime(row["deadline"])
            row["created_at"] = _json_datetime(row["created_at"])
        return self.get_paginated_response(rows)

    def create(self, request, *args, **kwargs):
        """Report an incident (multipart with up to six `photos`, or JSON without)."""
        grids = list(Grid.objects.visible_to(request.user).select_related("community"))
        staff = bool(grids) and administers(request.user, grids[0].community_id)
        form = IncidentReportForm(request.data, request.FILES, grids=grids, staff=staff)
        if not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        incident = services.incident_report(reporter=request.user, **form.cleaned_data)
        serializer = IncidentSerializer(incident, context=self.get_serializer_context())
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    def _act(self, request):
        """Run the workflow step this request names (see grids.services.INCIDENT_SERVICES)
        with the step's input, and answer the incident."""
        name = self.action
        incident = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if name == "mark_duplicate":
            original = Incident.objects.visible_to(request.user).filter(pk=data["original"]).first()
            if original is None:
                raise ValidationError({"original": [_("No such report.")]})
            data["original"] = original
        if name == "assign" and data.get("unit") is not None:
            unit = ResidentUnit.objects.filter(
                pk=data["unit"], community_id=incident.community_id
            ).first()
            if unit is None:
                raise ValidationError({"unit": [_("No such resident unit in this community.")]})
            data["unit"] = unit
        if name == "escalate":
            room = MediationRoom.objects.filter(
                pk=data["room"], community_id=incident.community_id
            ).first()
            if room is None:
                raise ValidationError({"room": [_("No such mediation room in this community.")]})
            data["room"] = room
            data["parties"] = [dict(party) for party in data["parties"]]
        services.INCIDENT_SERVICES[name](incident=incident, actor=request.user, **data)
        incident.refresh_from_db()
        return Response(IncidentSerializer(incident, context=self.get_serializer_context()).data)

    # One POST per step of Incident.workflow, at /api/incidents/{id}/<step>/.
    @_step(NoteInput)
    def accept(self, request, pk=None):
        return self._act(request)

    @_step(AssignInput)
    def assign(self, request, pk=None):
        return self._act(request)

    @_step(NoteInput)
    def start(self, request, pk=None):
        return self._act(request)

    @_step(ResolveInput)
    def resolve(self, request, pk=None):
        return self._act(request)

    @_step(NoteInput)
    def verify(self, request, pk=None):
        return self._act(request)

    @_step(ReasonInput)
    def send_back(self, request, pk=None):
        return self._act(request)

    @_step(NoteInput)
    def close(self, request, pk=None):
        return self._act(request)

    @_step(ReasonInput)
    def close_not_fixed(self, request, pk=None):
        return self._act(request)

    @_step(ReasonInput)
    def reject(self, request, pk=None):
        return self._act(request)

    @_step(ReasonInput)
    def reopen(self, request, pk=None):
        return self._act(request)

    @_step(DuplicateInput)
    def mark_duplicate(self, request, pk=None):
        return self._act(request)

    @_step(EscalateInput)
    def escalate(self, request, pk=None):
        return self._act(request)

    @extend_schema(request=ReplyInput, responses={201: ReplyOutput})
    @action(detail=True, methods=["post"], serializer_class=ReplyInput)
    def reply(self, request, pk=None):
        from grids.models import ReplyTemplate

        incident = self.get_object()
        data = ReplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        template = None
        if data.validated_data.get("template"):
            template = (
                ReplyTemplate.objects.visible_to(request.user)
                .filter(pk=data.validated_data["template"])
                .first()
            )
            if template is None:
                raise ValidationError({"template": ["No such template."]})
        reply = services.incident_reply(
            incident=incident,
            author=request.user,
            body=data.validated_data["body"],
            template=template,
        )
        return Response({"id": reply.pk, "body": reply.body}, status=status.HTTP_201_CREATED)


router.register("grids", GridViewSet)
router.register("households", HouseholdViewSet)
router.register("residents", ResidentViewSet)
router.register("key-places", KeyPlaceViewSet)
router.register("grid-changes", ChangeLogViewSet)
router.register("visits", VisitViewSet)
router.register("grid-tasks", GridTaskViewSet)
router.register("sweeps", SweepViewSet)
router.register("incidents", IncidentViewSet)
