import django_filters
from django import forms
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend

from hive.models import Community, RoleAssignment, TimelineEntry
from hive.ui.forms import BootstrapFormMixin
from hive.validators import validate_date_bounds


class BoundedDateField(forms.DateField):
    default_validators = [validate_date_bounds]


class BoundedIsoDateTimeField(IsoDateTimeField):
    default_validators = [validate_date_bounds]


class BoundedDateTimeField(forms.DateTimeField):
    default_validators = [validate_date_bounds]


class DateFilter(django_filters.DateFilter):
    """django-filter's DateFilter, refusing years outside 1900-2999 with a field error
    (hive.validators.validate_date_bounds) instead of reaching the database with them."""

    field_class = BoundedDateField


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """django-filter's IsoDateTimeFilter, refusing years outside 1900-2999 and offsets
    beyond ±15:59 with a field error: PostgreSQL refuses such an offset (a 500), and a
    datetime near year 1 or 9999 overflows when converted to UTC."""

    field_class = BoundedIsoDateTimeField


class DateTimeFilter(django_filters.DateTimeFilter):
    field_class = BoundedDateTimeField


class FilterSet(django_filters.FilterSet):
    """Every FilterSet of Hive: the filters django-filter makes for date and datetime
    fields named in Meta.fields are bounded like the declared ones."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.DateField: {"filter_class": DateFilter},
        models.DateTimeField: {"filter_class": DateTimeFilter},
    }


class PortalFilterForm(BootstrapFormMixin, forms.Form):
    """The form of a FilterSet shown in the portal (`Meta.form`): Bootstrap widgets, full
    width on a phone; dates picked from the phone's calendar; yes/no filters reading
    全部 / 是 / 否 instead of django-filter's "unknown". What a filter accepts is unchanged
    (the API, which parses the same FilterSet, takes true/false/1/0 as before)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget.input_type = "date"
            elif isinstance(field, forms.NullBooleanField):
                field.widget = forms.Select(
                    choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))],
                    attrs={"class": "form-select"},
                )


def scope_choice_filters(filterset, user) -> None:
    """Narrow every foreign-key filter of `filterset` to the rows `user` may see (where
    the model's queryset has visible_to): an id outside the user's scope is then refused
    like one that does not exist, so a filter cannot confirm that another community's
    row exists. Filters are copied per FilterSet instance; this changes only this one."""
    for item in filterset.filters.values():
        if not isinstance(
            item, (django_filters.ModelChoiceFilter, django_filters.ModelMultipleChoiceFilter)
        ):
            continue
        queryset = item.queryset
        if isinstance(queryset, QuerySet) and hasattr(queryset, "visible_to"):
            item.queryset = queryset.visible_to(user)


class ScopedDjangoFilterBackend(DjangoFilterBackend):
    """django-filter, with foreign-key filters offering only what the user may see: an id
    of another community's row is a 400 like an id that does not exist, not a 200 with
    an empty list that would confirm it exists (hive.ui.filters.scope_choice_filters)."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            scope_choice_filters(filterset, request.user)
        return filterset


class CommunityFilter(FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Community
        fields = ["street", "code", "name"]


class RoleAssignmentFilter(FilterSet):
    class Meta:
        model = RoleAssignment
        fields = ["role", "community", "street", "user"]


class TimelineEntryFilter(FilterSet):
    model = django_filters.CharFilter(field_name="content_type__model")
    since = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = TimelineEntry
        fields = ["community", "object_id", "actor", "to_state"]
