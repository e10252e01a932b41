"""Staff's door to grids: everything, scoped to their community; .xlsx import of buildings,
households and residents (row-level errors) and .xlsx export of every list."""

import copy
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.formats.base_formats import XLSX
from import_export.widgets import ForeignKeyWidget

from grids import services
from grids.forms import DispatchForm, MoveGridForm
from grids.models import (
    Building,
    ChangeLogEntry,
    Grid,
    GridTask,
    Household,
    Incident,
    IncidentPhoto,
    IncidentTimeLimit,
    KeyPersonTag,
    KeyPlace,
    ReplyTemplate,
    Resident,
    ResidentReport,
    Sweep,
    SweepCheck,
    Visit,
)
from grids.selectors import community_overlaps, late_q, overdue_q
from grids.views import admin_map
from hive import geo
from hive.access.authorization import administers, require_administers
from hive.access.roles import Role
from hive.admin import (
    CreateThroughServiceMixin,
    KeepChosenValueMixin,
    PersonalDataAdminMixin,
    ReadOnlyAdminMixin,
    ScopedAdminMixin,
    run_for_each,
)
from hive.models import Community, User
from hive.personal_data import mask_id_number, mask_phone
from hive.personal_data.registry import declared
from hive.ui.admin_lists import WorkQueueAdminMixin, short_text_column
from hive.ui.forms import add_service_errors
from hive.ui.resources import (
    GeoJSONExportMixin,
    GeoJSONResource,
    ScopedImportExportMixin,
    ScopedResource,
)

# --- Spreadsheets ----------------------------------------------------------------------


class GridsResource(ScopedResource):
    def before_import_row(self, row, **kwargs):
        # Empty spreadsheet cells arrive as None; text columns store "" for "nothing".
        for key in list(row.keys()):
            if row[key] is None:
                row[key] = ""


def _related(model, natural_key):
    # Looked up among the rows the user administers (ScopedResource).
    return fields.Field(
        attribute=model._meta.model_name, widget=ForeignKeyWidget(model, natural_key)
    )


class BuildingResource(GridsResource):
    grid = _related(Grid, "code")

    class Meta:
        model = Building
        fields = ["id", "grid", "name", "address", "floors"]
        import_id_fields = ["id"]
        clean_model_instances = True

    def before_save_instance(self, instance, row, **kwargs):
        instance.community_id = instance.grid.community_id

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if instance.grid_id:
            instance.community_id = instance.grid.community_id


class HouseholdResource(GridsResource):
    grid = _related(Grid, "code")
    building = _related(Building, "name")

    class Meta:
        model = Household
        fields = [
            "id",
            "grid",
            "building",
            "number",
            "room",
            "address",
            "head_name",
            "phone",
            "is_rental",
            "notes",
        ]
        import_id_fields = ["id"]
        clean_model_instances = True

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if instance.grid_id:
            instance.community_id = instance.grid.community_id

    def dehydrate_phone(self, household):
        return mask_phone(household.phone)


class ResidentResource(GridsResource):
    """New residents imported are logged as move-ins, like those added by hand."""

    household = _related(Household, "number")

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
        ]
        import_id_fields = ["id"]
        clean_model_instances = True

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if instance.household_id:
            instance.community_id = instance.household.community_id

    def save_instance(self, instance, is_create, row, **kwargs):
        super().save_instance(instance, is_create, row, **kwargs)
        if is_create and not kwargs.get("dry_run"):
            services.change_log_record(
                kind=ChangeLogEntry.Kind.MOVE_IN,
                household=instance.household,
                resident=instance,
                actor=self.user,
                occurred_on=instance.moved_in_on,
            )

    # Exports are ledgers: personal data leaves masked.
    def dehydrate_phone(self, resident):
        return mask_phone(resident.phone)

    def dehydrate_id_number(self, resident):
        return mask_id_number(resident.id_number)


class SpreadsheetMixin(ScopedImportExportMixin):
    """.xlsx only; import needs the add permission, export the view permission."""

    import_formats = [XLSX]
    export_formats = [XLSX]

    def has_import_permission(self, request):
        return self.has_add_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)


class ExportOnly(SpreadsheetMixin, ExportMixin):
    pass


# --- Filters ---------------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("Overdue")),
            ("no", _("Not overdue")),
            ("late", _("Ran past the deadline")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(overdue_q())
        if self.value() == "no":
            return queryset.exclude(overdue_q())
        if self.value() == "late":
            # Still open after the deadline or closed after it (the dashboard's trend).
            return queryset.filter(late_q())
        return queryset


class GridListFilter(KeepChosenValueMixin, admin.RelatedFieldListFilter):
    """Only the grids the staff member may see."""

    def field_choices(self, field, request, model_admin):
        return [(grid.pk, str(grid)) for grid in Grid.objects.visible_to(request.user)]


# --- Grids -----------------------------------------------------------------------------


class BoundaryWidget(forms.Textarea):
    """The boundary's GeoJSON text, with a map above it where staff draw or edit the
    polygon (static/grids/boundary_map.js, Leaflet-Geoman); the community's other grids
    are drawn faintly. Without JavaScript the textarea alone is the field."""

    template_name = "grids/widgets/boundary_map.html"

    def __init__(self, attrs=None, others=()):
        super().__init__({"rows": 6, **(attrs or {})})
        self.others = list(others)

    @property
    def media(self):
        return forms.Media(
            css={
                "all": [
                    "vendor/leaflet/leaflet.css",
                    "vendor/leaflet-geoman/leaflet-geoman.css",
                    "hive/map.css",
                ]
            },
            js=[
                "vendor/leaflet/leaflet.js",
                "vendor/leaflet-geoman/leaflet-geoman.min.js",
                "hive/map.js",
                "grids/boundary_map.js",
            ],
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["widget"]["others"] = self.others
        context["widget"]["others_id"] = f"{widget_id}_others"
        context["widget"]["datum_id"] = "id_datum"
        context["widget"]["center"] = "35,105"
        context["widget"]["zoom"] = 4
        return context


class GridAdminForm(forms.ModelForm):
    datum = forms.ChoiceField(
        choices=geo.DATUM_CHOICES,
        initial=geo.WGS84,
        required=False,
        label=_("Datum of the boundary"),
        help_text=_(
            "WGS-84 for GPS, 天地图 and what the map above writes; GCJ-02 for coordinates "
            "copied from 高德 or Tencent maps (converted once, stored as WGS-84)."
        ),
    )

    class Meta:
        model = Grid
        fields = ["community", "code", "name", "boundary", "datum", "member", "deputies"]
        widgets = {"boundary": BoundaryWidget}

    def clean(self):
        cleaned = super().clean()
        if "boundary" in cleaned:
            try:
                cleaned["boundary"] = geo.clean_boundary(
                    cleaned["boundary"], datum=cleaned.get("datum") or geo.WGS84
                )
            except ValidationError as exc:
                self.add_error("boundary", exc)
        cleaned.pop("datum", None)
        community = cleaned.get("community")
        if community is not None:
            try:
                services.grid_validate_people(
                    community_id=community.pk,
                    member=cleaned.get("member"),
                    deputies=list(cleaned.get("deputies") or []),
                )
            except ValidationError as exc:
                add_service_errors(self, exc)
        return cleaned


class BoundaryImportForm(forms.Form):
    community = forms.ModelChoiceField(queryset=Community.objects.none(), label=_("Community"))
    file = forms.FileField(
        label=_("GeoJSON or KML file"),
        help_text=_(
            "A FeatureCollection (or KML placemarks) of the community's grids, each named by "
            "its grid code in a `code` property, else by the grid's name."
        ),
    )
    datum = forms.ChoiceField(choices=geo.DATUM_CHOICES, initial=geo.WGS84, label=_("Datum"))
    check_only = forms.BooleanField(required=False, label=_("Only check the file; store nothing"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.managed_by(user).order_by("name")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.HIVE_MAP_MAX_IMPORT_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)s MB.")
                % {"size": round(settings.HIVE_MAP_MAX_IMPORT_BYTES / 1024 / 1024, 1)}
            )
        return upload


def _grid_member_users(request):
    return (
        User.objects.visible_to(request.user)
        .filter(role_assignments__role=Role.GRID_MEMBER)
        .distinct()
    )


@admin.register(Grid)
class GridAdmin(CreateThroughServiceMixin, ScopedAdminMixin, ExportOnly, admin.ModelAdmin):
    form = GridAdminForm
    list_display = ["code", "name", "community", "member", "has_boundary"]
    list_filter = ["community"]
    search_fields = ["code", "name", "member__name"]
    list_select_related = ["community", "member"]
    filter_horizontal = ["deputies"]
    change_list_template = "admin/grids/grid/change_list.html"

    @admin.display(description=_("boundary"), boolean=True)
    def has_boundary(self, obj):
        return bool(obj.boundary)

    def create_through_service(self, request, obj, form):
        fields = ["community", "code", "name", "boundary", "member", "deputies"]
        return services.grid_create(**{name: form.cleaned_data.get(name) for name in fields})

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        boundary = form.base_fields.get("boundary")
        if boundary is not None:
            others = (
                Grid.objects.managed_by(request.user).for_people().filter(boundary__isnull=False)
            )
            if obj is not None:
                others = others.filter(community_id=obj.community_id).exclude(pk=obj.pk)
            boundary.widget = BoundaryWidget(
                others=[
                    {"name": f"{code} {name}", "boundary": shape}
                    for code, name, shape in others.order_by("code").values_list(
                        "code", "name", "boundary"
                    )[:500]
                ]
            )
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        grid = form.instance
        if grid.pk and grid.boundary:
            overlapping = [
                other
                for pair in community_overlaps(grid.community_id)
                if grid in pair
                for other in pair
                if other != grid
            ]
            if overlapping:
                messages.warning(
                    request,
                    gettext("The boundary of %(grid)s overlaps %(others)s: check both.")
                    % {"grid": grid, "others": ", ".join(str(other) for other in overlapping)},
                )

    def get_urls(self):
        return [
            path(
                "import-boundaries/",
                self.admin_site.admin_view(self.import_boundaries_view),
                name="grids_grid_import_boundaries",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        extra_context["can_import_boundaries"] = self.has_change_permission(request)
        return super().changelist_view(request, extra_context)

    def import_boundaries_view(self, request):
        """Upload a GeoJSON/KML file of a community's grids; grids.services.boundary_import
        stores every boundary or none and reports each bad feature."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = BoundaryImportForm(request.POST or None, request.FILES or None, user=request.user)
        result = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services.boundary_import(
                    actor=request.user,
                    community=form.cleaned_data["community"],
                    data=upload.read(),
                    filename=upload.name or "",
                    datum=form.cleaned_data["datum"],
                    check_only=form.cleaned_data["check_only"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if result.stored:
                    self.message_user(
                        request,
                        gettext("%(count)s grid boundaries stored.") % {"count": len(result.rows)},
                        messages.SUCCESS,
                    )
                elif result.errors:
                    self.message_user(
                        request,
                        gettext("Nothing was stored: %(count)s features need correcting.")
                        % {"count": len(result.errors)},
                        messages.ERROR,
                    )
                for first, second in result.overlaps:
                    self.message_user(
                        request,
                        gettext("The boundaries of %(first)s and %(second)s overlap.")
                        % {"first": first, "second": second},
                        messages.WARNING,
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import grid boundaries"),
            "form": form,
            "result": result,
            "max_mb": round(settings.HIVE_MAP_MAX_IMPORT_BYTES / 1024 / 1024, 1),
        }
        return TemplateResponse(request, "admin/grids/grid/import_boundaries.html", context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "member":
            kwargs["queryset"] = _grid_member_users(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "deputies":
            kwargs["queryset"] = _grid_member_users(request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class GridChildAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Rows of a grid: the community follows from the grid."""

    exclude = ["community"]

    def get_list_filter(self, request):
        return [("grid", GridListFilter), *super().get_list_filter(request)]

    def save_model(self, request, obj, form, change):
        obj.community_id = obj.grid.community_id
        super().save_model(request, obj, form, change)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        base_clean = form._post_clean

        def _post_clean(self):
            grid = self.cleaned_data.get("grid")
            if grid is not None:
                self.instance.community_id = grid.community_id
            base_clean(self)

        form._post_clean = _post_clean
        return form


@admin.register(Building)
class BuildingAdmin(SpreadsheetMixin, ImportExportMixin, GridChildAdmin):
    resource_classes = [BuildingResource]
    list_display = ["name", "grid", "address", "floors"]
    search_fields = ["name", "address"]
    list_select_related = ["grid"]


@admin.register(Household)
class HouseholdAdmin(
    CreateThroughServiceMixin,
    PersonalDataAdminMixin,
    SpreadsheetMixin,
    ImportExportMixin,
    GridChildAdmin,
):
    resource_classes = [HouseholdResource]
    list_display = ["number", "head_name", "grid", "building", "room", "masked_phone", "is_rental"]
    list_filter = ["is_rental"]
    search_fields = ["number", "head_name", "phone_mask"]
    list_select_related = ["grid", "building"]

    def create_through_service(self, request, obj, form):
        data = {name: value for name, value in form.cleaned_data.items() if name != "grid"}
        return services.household_create(actor=request.user, grid=obj.grid, **data)


class ResidentAdminForm(forms.ModelForm):
    key_person_tags = forms.ModelMultipleChoiceField(
        queryset=KeyPersonTag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Key-person tags"),
    )

    class Meta:
        model = Resident
        fields = [
            "household",
            "name",
            "gender",
            "birth_date",
            "id_number",
            "phone",
            "relation",
            "moved_in_on",
        ]


@admin.register(Resident)
class ResidentAdmin(
    CreateThroughServiceMixin,
    PersonalDataAdminMixin,
    SpreadsheetMixin,
    ImportExportMixin,
    ScopedAdminMixin,
    admin.ModelAdmin,
):
    """Residents: masked in the list and on the change form, whose reveal is logged.
    Moving out and death are actions (they write the change log)."""

    form = ResidentAdminForm
    resource_classes = [ResidentResource]
    list_display = [
        "name",
        "household",
        "gender",
        "relation",
        "masked_id_number",
        "masked_phone",
        "status",
    ]
    list_filter = ["status", "gender", "tags"]
    search_fields = ["name", "household__number", "phone_mask"]
    list_select_related = ["household"]
    actions = ["mark_moved_out", "mark_deceased"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.base_fields["key_person_tags"].queryset = KeyPersonTag.objects.visible_to(request.user)
        if obj is not None:
            form.base_fields["key_person_tags"].initial = list(obj.tags.all())
        base_clean = form._post_clean

        def _post_clean(self):
            household = self.cleaned_data.get("household")
            if household is not None:
                self.instance.community_id = household.community_id
            base_clean(self)

        form._post_clean = _post_clean
        return form

    def create_through_service(self, request, obj, form):
        data = {name: form.cleaned_data[name] for name in services.RESIDENT_EDITABLE_FIELDS}
        return services.resident_add(
            actor=request.user, household=form.cleaned_data["household"], **data
        )

    def change_through_service(self, request, obj, form):
        editable = {name: form.cleaned_data[name] for name in services.RESIDENT_EDITABLE_FIELDS}
        services.resident_update(actor=request.user, resident=obj, **editable)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.resident_set_tags(
            actor=request.user, resident=form.instance, tags=form.cleaned_data["key_person_tags"]
        )

    @admin.action(description=_("Record as moved out"))
    def mark_moved_out(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda obj, user: services.resident_move_out(actor=user, resident=obj),
            success_message=_("%(count)s residents recorded as moved out."),
        )

    @admin.action(description=_("Record as deceased"))
    def mark_deceased(self, request, queryset):
        run_for_each(
            self,
            request,
            queryset,
            lambda obj, user: services.resident_record_death(actor=user, resident=obj),
            success_message=_("%(count)s residents recorded as deceased."),
        )


@admin.register(KeyPersonTag)
class KeyPersonTagAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "community"]

    def has_change_permission(self, request, obj=None):
        # The built-in tags are shared by every community: only superusers edit them.
        if obj is not None and obj.community_id is None and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    has_delete_permission = has_change_permission


@admin.register(KeyPlace)
class KeyPlaceAdmin(PersonalDataAdminMixin, ExportOnly, GridChildAdmin):
    list_display = ["name", "kind", "grid", "address", "contact_name"]
    list_filter = ["kind"]
    search_fields = ["name", "address"]
    list_select_related = ["grid"]


@admin.register(GridTask)
class GridTaskAdmin(WorkQueueAdminMixin, ExportOnly, GridChildAdmin):
    queue_open_states = [GridTask.Status.OPEN]
    deadline_field = "deadline"
    due_soon = timedelta(days=2)
    list_display = [
        short_text_column(GridTask, "title"),
        "grid",
        "responsible",
        "deadline_column",
        "status",
    ]
    list_filter = ["status"]
    search_fields = ["title"]
    list_select_related = ["grid", "responsible"]
    readonly_fields = ["done_at", "done_note"]


@admin.register(ChangeLogEntry)
class ChangeLogEntryAdmin(ReadOnlyAdminMixin, ExportOnly, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["occurred_on", "kind", "household", "resident", "detail", "grid", "actor"]
    list_filter = ["kind", ("grid", GridListFilter)]
    list_select_related = ["household", "resident", "grid", "actor"]
    date_hierarchy = "occurred_on"


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdminMixin, ExportOnly, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["visited_at", "household", "resident", "visitor", "role", "grid"]
    list_filter = ["role", ("grid", GridListFilter)]
    list_select_related = ["household", "resident", "visitor", "grid"]
    date_hierarchy = "visited_at"


@admin.register(IncidentTimeLimit)
class IncidentTimeLimitAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["community", "category", "hours"]
    list_filter = ["community"]


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["title", "community"]
    list_filter = ["community"]


class IncidentPhotoInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = IncidentPhoto
    extra = 0
    fields = ["preview", "uploaded_by", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("photo"))
    def preview(self, photo):
        url = reverse("grids:incident_photo", args=[photo.incident_id, photo.pk])
        return format_html('<a href="{}"><img src="{}" style="max-height:80px"></a>', url, url)


class IncidentResource(ScopedResource):
    class Meta:
        model = Incident
        fields = [
            "id",
            "grid__code",
            "category",
            "priority",
            "status",
            "location",
            "description",
            "reporter__name",
            "on_behalf_of",
            "assignee__name",
            "assigned_unit__name",
            "deadline",
            "created_at",
            "closed_at",
            "resolution",
            "rejection_reason",
        ]


class IncidentGeoResource(GeoJSONResource):
    """The GeoJSON export of a filtered incident list: the point, what and where it stands;
    no description, reporter, phone or address."""

    class Meta:
        model = Incident
        fields = ["id", "grid__code", "category", "status", "created_at", "latitude", "longitude"]


class UnplacedFilter(admin.SimpleListFilter):
    """Reports waiting in the community's holding grid: their point lay in no grid."""

    title = _("placement")
    parameter_name = "unplaced"

    def lookups(self, request, model_admin):
        return [("yes", _("Open, not in any grid"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(grid__holds_unplaced=True, status__in=Incident.OPEN_STATES)
        return queryset


@admin.register(Incident)
class IncidentAdmin(
    WorkQueueAdminMixin,
    CreateThroughServiceMixin,
    GeoJSONExportMixin,
    ExportOnly,
    GridChildAdmin,
):
    """Staff report on a resident's behalf here; the workflow steps are actions, and the
    portal page of each incident offers every step with its inputs. The list puts open
    reports first, overdue at the top."""

    resource_classes = [IncidentResource]
    geojson_resource_class = IncidentGeoResource
    queue_open_states = Incident.OPEN_STATES
    deadline_field = "deadline"
    due_soon = timedelta(hours=24)
    # What happened, where it stands and by when first: at 1366 px beside the sidebar
    # they show without scrolling the table sideways.
    list_display = [
        "id",
        short_text_column(Incident, "description", length=16),
        "status",
        "deadline_column",
        "category",
        "priority",
        short_text_column(Incident, "location", length=10),
        "grid",
        "assignee",
        "assigned_unit",
        "created_at",
    ]
    list_filter = ["category", "status", "priority", OverdueFilter, UnplacedFilter]
    search_fields = ["location", "description", "on_behalf_of"]
    list_select_related = ["grid", "assignee", "assigned_unit"]
    date_hierarchy = "created_at"
    inlines = [IncidentPhotoInline]
    actions = ["accept", "verify", "close"]
    add_fields = [
        "grid",
        "category",
        "priority",
        "location",
        "latitude",
        "longitude",
        "description",
        "on_behalf_of",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_fields
        return [
            *self.add_fields,
            "placement_note",
            "status",
            "reporter",
            "deadline",
            "assignee",
            "assigned_unit",
            "rejected_by",
            "rejection_reason",
            "resolution",
            "duplicate_of",
            "closed_at",
            "portal_link",
            "resident_contact",
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    @admin.display(description=_("resident who reported"))
    def resident_contact(self, obj):
        """A report from the public form (随手拍): the contact masked, and the link to its
        record, where the full contact can be shown (and that view is logged)."""
        report = getattr(obj, "resident_report", None) if obj.reporter_id is None else None
        if report is None:
            return "—"
        masks = declared(ResidentReport).masks
        return format_html(
            '{} · {} · <a href="{}">{}</a>',
            masks["contact_name"](report.contact_name),
            masks["contact_phone"](report.contact_phone),
            reverse("admin:grids_residentreport_change", args=[report.pk]),
            _("Contact details (viewing them is logged)"),
        )

    @admin.display(description=_("workflow"))
    def portal_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', obj.get_absolute_url(), _("Open the incident page")
        )

    def queue_overdue_q(self, now):
        # The same rows as the "overdue" filter and the dashboard's count.
        return overdue_q(now)

    def create_through_service(self, request, obj, form):
        data = {name: form.cleaned_data.get(name) for name in self.add_fields}
        return services.incident_report(reporter=request.user, **data)

    def change_through_service(self, request, obj, form):
        pass  # the workflow changes incidents (the portal page, the actions)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        base_clean = form._post_clean

        def _post_clean(self):
            # The reporter and deadline come from the service; validate the rest.
            self.instance.reporter = request.user
            base_clean(self)

        form._post_clean = _post_clean
        return form

    # --- the dispatch panel: accept and assign in one step, above the fieldsets ---------

    def get_urls(self):
        return [
            path(
                "<int:pk>/dispatch/",
                self.admin_site.admin_view(self.dispatch_view),
                name="grids_incident_dispatch",
            ),
            path(
                "<int:pk>/move-grid/",
                self.admin_site.admin_view(self.move_grid_view),
                name="grids_incident_move_grid",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        # Every field is read-only here (the workflow changes incidents): no Save buttons.
        extra_context.update(
            show_save=False, show_save_and_continue=False, show_save_and_add_another=False
        )
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The dispatch panel, from the incident the page already read (a refused dispatch
        # brings its own bound form).
        if (
            obj is not None
            and "dispatch_form" not in context
            and obj.status in Incident.DISPATCH_STATES
            and administers(request.user, obj.community_id)
        ):
            context["dispatch_form"] = DispatchForm(incident=obj)
        if (
            obj is not None
            and "move_grid_form" not in context
            and administers(request.user, obj.community_id)
        ):
            context["move_grid_form"] = MoveGridForm(incident=obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def move_grid_view(self, request, pk):
        """POST only: grids.services.incident_move_grid decides; a refusal shows the change
        page again with the errors on the panel's form."""
        incident = get_object_or_404(
            self.get_queryset(request).select_related("community", "grid"), pk=pk
        )
        require_administers(request.user, incident.community_id)
        change_url = reverse("admin:grids_incident_change", args=[incident.pk])
        if request.method != "POST":
            return redirect(change_url)
        form = MoveGridForm(request.POST, incident=incident)
        if form.is_valid():
            try:
                services.incident_move_grid(
                    incident=incident,
                    grid=form.cleaned_data["grid"],
                    actor=request.user,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(
                    request,
                    gettext("Report #%(id)s moved to grid %(grid)s.")
                    % {"id": incident.pk, "grid": incident.grid},
                    messages.SUCCESS,
                )
                return redirect(change_url)
        page_request = copy.copy(request)
        page_request.method = "GET"
        page_request.POST = QueryDict()
        return self.change_view(
            page_request, str(incident.pk), extra_context={"move_grid_form": form}
        )

    def dispatch_view(self, request, pk):
        """POST only: the service decides; a refusal shows the change page again with
        the errors on the panel's form, and nothing is stored."""
        # Out of the user's scope is a 404, as on the change page; in scope but not run by
        # the user (a read-only view of it) is a 403 (NotAuthorized).
        incident = get_object_or_404(self.get_queryset(request).select_related("community"), pk=pk)
        require_administers(request.user, incident.community_id)
        change_url = reverse("admin:grids_incident_change", args=[incident.pk])
        if request.method != "POST":
            return redirect(change_url)
        form = DispatchForm(request.POST, incident=incident)
        if form.is_valid():
            try:
                incident = services.incident_dispatch(
                    incident=incident, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(
                    request,
                    gettext("Report #%(id)s is assigned to %(name)s.")
                    % {"id": incident.pk, "name": incident.assignee or incident.assigned_unit},
                    messages.SUCCESS,
                )
                return redirect(change_url)
        # The change page as on a GET (its own form is not submitted), with this form.
        page_request = copy.copy(request)
        page_request.method = "GET"
        page_request.POST = QueryDict()
        return self.change_view(
            page_request, str(incident.pk), extra_context={"dispatch_form": form}
        )

    def _run(self, request, queryset, service, message):
        run_for_each(
            self,
            request,
            queryset,
            lambda obj, user: service(incident=obj, actor=user),
            success_message=message,
        )

    @admin.action(description=_("Accept the selected reports"))
    def accept(self, request, queryset):
        self._run(request, queryset, services.incident_accept, _("%(count)s reports accepted."))

    @admin.action(description=_("Verify the selected reports"))
    def verify(self, request, queryset):
        self._run(request, queryset, services.incident_verify, _("%(count)s reports verified."))

    @admin.action(description=_("Close the selected reports"))
    def close(self, request, queryset):
        self._run(request, queryset, services.incident_close, _("%(count)s reports closed."))


class SweepCheckInline(admin.TabularInline):
    model = SweepCheck
    extra = 0
    fields = ["place", "result", "notes", "checked_by", "incident"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class SweepAdminForm(forms.ModelForm):
    class Meta:
        model = Sweep
        fields = [
            "community",
            "grid",
            "title",
            "scope",
            "place_kind",
            "scheduled_on",
            "checklist",
            "inspectors",
            "places",
        ]

    def clean(self):
        cleaned = super().clean()
        community = cleaned.get("community")
        if community is not None:
            try:
                services.sweep_check(
                    community=community,
                    grid=cleaned.get("grid"),
                    places=list(cleaned.get("places") or []),
                )
            except ValidationError as exc:
                add_service_errors(self, exc)
        return cleaned


@admin.register(Sweep)
class SweepAdmin(CreateThroughServiceMixin, ScopedAdminMixin, ExportOnly, admin.ModelAdmin):
    form = SweepAdminForm
    list_display = ["title", "scope", "scheduled_on", "grid", "status"]
    list_filter = ["scope", "status", "community"]
    list_select_related = ["grid"]
    filter_horizontal = ["inspectors", "places"]
    inlines = [SweepCheckInline]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "inspectors":
            kwargs["queryset"] = _grid_member_users(request)
        elif db_field.name == "places":
            kwargs["queryset"] = KeyPlace.objects.visible_to(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def create_through_service(self, request, obj, form):
        data = form.cleaned_data
        return services.sweep_create(
            actor=request.user,
            community=data["community"],
            grid=data.get("grid"),
            title=data["title"],
            scope=data["scope"],
            place_kind=data.get("place_kind") or "",
            scheduled_on=data["scheduled_on"],
            checklist=data["checklist"],
            inspectors=list(data["inspectors"]),
            places=list(data.get("places") or []) or None,
        )

    def save_related(self, request, form, formsets, change):
        sweep = form.instance
        if change:
            super().save_related(request, form, formsets, change)
        else:
            # The service set the inspectors and places; saving the form's would undo
            # the places it chose.
            for formset in formsets:
                self.save_formset(request, form, formset, change=change)
        if change and not sweep.places.exists():
            sweep.places.set(
                services.sweep_default_places(
                    community=sweep.community, grid=sweep.grid, place_kind=sweep.place_kind
                )
            )
        if not form.cleaned_data.get("places"):
            messages.info(
                request,
                _("The sweep covers %(count)s key places.") % {"count": sweep.places.count()},
            )


@admin.register(ResidentReport)
class ResidentReportAdmin(PersonalDataAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Residents' own reports (随手拍): the contact masked, shown in full with the button
    beside it (logged); the incident itself is worked on its own page."""

    list_display = [
        "tracking_code",
        "incident",
        "masked_contact_name",
        "masked_contact_phone",
        "rating",
        "created_at",
    ]
    list_select_related = ["incident"]
    list_filter = ["rating"]
    search_fields = ["tracking_code"]
    fields = [
        "incident",
        "tracking_code",
        "contact_name",
        "contact_phone",
        "consent_at",
        "rating",
        "rating_note",
        "rated_at",
    ]
    readonly_fields = [
        "incident",
        "tracking_code",
        "consent_at",
        "rating",
        "rating_note",
        "rated_at",
    ]

    def has_add_permission(self, request):
        return False  # residents send them from the public form

    def has_delete_permission(self, request, obj=None):
        return False  # retention erases the contact; the incident keeps its history


# The staff map (一张图), a page of the admin: admin/map/.
admin.site.register_view("map/", admin_map, "map")
