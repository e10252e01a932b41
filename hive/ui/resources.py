"""Spreadsheet import/export shared by every app (django-import-export).

Headers are the fields' verbose names in the user's language, the same on the sheet an
export gives and the sheet an import reads. Rows carry their community by code; a user
who works in a single community may leave the column empty. A code outside the importing
user's scope is a row error, and the admin imports all rows or none.
"""

import contextlib
import datetime
import json

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm
from import_export.resources import modelresource_factory

from hive.models import Community


class ScopedForeignKeyWidget(widgets.ForeignKeyWidget):
    """Looks rows up only among what the importing user may see."""

    def __init__(self, model, field="pk", user=None, **kwargs):
        super().__init__(model, field=field, **kwargs)
        self.user = user

    def get_queryset(self, value, row, *args, **kwargs):
        queryset = self.model._default_manager.all()
        if self.user is not None and hasattr(queryset, "managed_by"):
            queryset = queryset.managed_by(self.user)
        return queryset

    def clean(self, value, row=None, **kwargs):
        # A ValueError becomes a message on the row's cell, not a traceback.
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(
                _("“%(value)s” is not a %(model)s you manage.")
                % {"value": value, "model": self.model._meta.verbose_name}
            ) from None
        except self.model.MultipleObjectsReturned:
            raise ValueError(
                _("More than one %(model)s is called “%(value)s”.")
                % {"value": value, "model": self.model._meta.verbose_name}
            ) from None


class WholeNumberWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except (ArithmeticError, ValueError, TypeError):
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value}) from None


class ChoiceWidget(widgets.Widget):
    """A choice column: the label on the sheet (get_FOO_display), the code in the
    database; a sheet handed back may carry either."""

    def __init__(self, choices, empty="", **kwargs):
        super().__init__(**kwargs)
        self.choices = list(choices)
        self.empty = empty  # what an empty cell stores: None where the column may be NULL

    def render(self, value, obj=None, **kwargs):
        if value in (None, ""):
            return ""
        return str(dict(self.choices).get(value, value))

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return self.empty
        text = str(value).strip()
        for code, label in self.choices:
            if text in (str(code), str(label)):
                return code
        raise ValueError(_("“%(value)s” is not one of the choices.") % {"value": value})


DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"


def local_text(value):
    """A date as YYYY-MM-DD, a moment as YYYY-MM-DD HH:MM in local time; else unchanged."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, datetime.date):
        return value.strftime(DATE_FORMAT)
    return value


class ScopedResource(resources.ModelResource):
    """A sheet of the rows `user` manages (managed_by): existing rows are looked up, and
    related rows named, only among them. A column without a header of its own is headed
    by its model field's verbose name, translated (`grid__code`: the grid's). A choice
    column shows its labels and takes them back; dates and moments are local text; an XLSX
    sheet is named after the model."""

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        opts = self._meta.model._meta
        for name, field in self.fields.items():
            if field.column_name == name:
                with contextlib.suppress(FieldDoesNotExist, AttributeError):
                    field.column_name = str(opts.get_field(name.split("__")[0]).verbose_name)
            model_field = self._model_field(field)
            if model_field is not None and model_field.choices and not model_field.is_relation:
                field.widget = ChoiceWidget(
                    model_field.flatchoices, empty=None if model_field.null else ""
                )
            widget = field.widget
            if isinstance(widget, widgets.DateTimeWidget) and widget.formats[0] != DATETIME_FORMAT:
                widget.formats = (DATETIME_FORMAT, *widget.formats)
            elif isinstance(widget, widgets.DateWidget) and widget.formats[0] != DATE_FORMAT:
                widget.formats = (DATE_FORMAT, *widget.formats)
            if isinstance(widget, widgets.ForeignKeyWidget):
                field.widget = ScopedForeignKeyWidget(
                    widget.model, field=widget.field, user=user, key_is_id=widget.key_is_id
                )

    def _model_field(self, field):
        """The model field a column's attribute ends at (`grid__code`: Grid.code)."""
        if not field.attribute:
            return None
        model = self._meta.model
        model_field = None
        for part in field.attribute.split("__"):
            if model is None:
                return None
            try:
                model_field = model._meta.get_field(part)
            except FieldDoesNotExist:
                return None
            model = model_field.related_model
        return model_field

    def export_field(self, field, instance, **kwargs):
        return local_text(super().export_field(field, instance, **kwargs))

    def export(self, *args, **kwargs):
        dataset = super().export(*args, **kwargs)
        dataset.title = str(self._meta.model._meta.verbose_name_plural)[:31]
        return dataset

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.user is not None and hasattr(queryset, "managed_by"):
            queryset = queryset.managed_by(self.user)
        return queryset


class CommunityResource(ScopedResource):
    community = fields.Field(
        attribute="community",
        column_name=_("community code"),
        widget=widgets.ForeignKeyWidget(Community, field="code"),
    )

    def get_instance(self, instance_loader, row):
        # A bad value in an identifying column (an unknown community) is reported by that
        # field's own cleaning, as a cell error shown with all the others.
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None

    def before_import_row(self, row, **kwargs):
        column = str(_("community code"))
        if not row.get(column) and self.user is not None:
            # The communities the user administers: a portal role elsewhere is no
            # community to import into.
            communities = list(
                Community.objects.managed_by(self.user).values_list("code", flat=True)
            )
            if len(communities) == 1:
                row[column] = communities[0]


class HeadedExportForm(SelectableFieldsExportForm):
    """The export page's boxes name each column by its sheet header (translated), not by
    its code name ("Grid Code")."""

    def _get_field_label(self, resource, field_name):
        field = resource().fields.get(field_name)
        return str(field.column_name) if field is not None else field_name


class ScopedImportExportMixin:
    """Admin mixin: every sheet is a ScopedResource told the request's user; a model
    without a resource of its own gets a plain one; the export page names the columns by
    their headers."""

    export_form_class = HeadedExportForm

    def get_resource_classes(self, request):
        return self.resource_classes or [
            modelresource_factory(self.model, resource_class=ScopedResource)
        ]

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}


# --- GeoJSON: another export format of the same export pages ---------------------------------


class GeoJSONFormat(base_formats.Format):
    """A GeoJSON FeatureCollection of points: one feature per row that has a point (the
    "longitude" and "latitude" columns), the other columns as properties. Used with an
    admin's `geojson_resource_class` (GeoJSONExportMixin), whose columns carry no
    personal data; rows without a point are left out."""

    def get_title(self):
        return "geojson"

    def get_extension(self):
        return "geojson"

    def get_content_type(self):
        return "application/geo+json"

    def is_binary(self):
        return False

    def can_export(self):
        return True

    def export_data(self, dataset, **kwargs):
        headers = list(dataset.headers or [])
        features = []
        for row in dataset.dict:
            longitude, latitude = row.get("longitude"), row.get("latitude")
            if longitude in (None, "") or latitude in (None, ""):
                continue
            properties = {
                key: value
                for key, value in row.items()
                if key not in ("longitude", "latitude") and key in headers
            }
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [float(longitude), float(latitude)],
                    },
                    "properties": properties,
                }
            )
        return json.dumps(
            {"type": "FeatureCollection", "features": features},
            ensure_ascii=False,
            default=str,
        )


class GeoJSONResource(ScopedResource):
    """The rows of a GeoJSON export: columns named by their code (GeoJSON property names),
    not by translated headers."""

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        for name, field in self.fields.items():
            field.column_name = name

    def export(self, *args, **kwargs):
        kwargs.pop("export_fields", None)  # every column of this resource, whatever was ticked
        return super().export(*args, **kwargs)


class GeoJSONExportMixin:
    """Admin mixin: GeoJSON beside the spreadsheet on the export page (and the filtered
    changelist's export), its rows from `geojson_resource_class` whatever columns the
    form ticked: points only, no personal data."""

    geojson_resource_class: type[GeoJSONResource]

    def get_export_formats(self):
        formats = list(super().get_export_formats())
        return [*formats, GeoJSONFormat] if GeoJSONFormat not in formats else formats

    def _exports_geojson(self, export_form) -> bool:
        if export_form is None or not hasattr(export_form, "cleaned_data"):
            return False
        try:
            chosen = self.get_export_formats()[int(export_form.cleaned_data["format"])]
        except (KeyError, IndexError, TypeError, ValueError):
            return False
        return chosen is GeoJSONFormat

    def get_data_for_export(self, request, queryset, **kwargs):
        if self._exports_geojson(kwargs.get("export_form")):
            resource = self.geojson_resource_class(
                **self.get_export_resource_kwargs(request, **kwargs)
            )
            return resource.export(queryset=queryset, force_native_type=True)
        return super().get_data_for_export(request, queryset, **kwargs)
