"""Spreadsheet import/export shared by every app (django-import-export).

Rows carry their community by code; a user who works in a single community may leave
the column empty. A code outside the importing user's scope is a row error, and the
admin imports all rows or none.
"""

from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

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


class CommunityResource(resources.ModelResource):
    community = fields.Field(
        attribute="community",
        column_name=_("community code"),
        widget=widgets.ForeignKeyWidget(Community, field="code"),
    )

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, widgets.ForeignKeyWidget):
                field.widget = ScopedForeignKeyWidget(widget.model, field=widget.field, user=user)

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


class ScopedImportExportMixin:
    """Admin mixin: hands the request's user to the resource (see CommunityResource)."""

    def get_import_resource_kwargs(self, request, **kwargs):
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}
