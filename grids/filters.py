"""django-filter FilterSets shared by the API and the portal lists."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
    Visit,
)
from grids.selectors import household_search
from hive.ui.filters import DateFilter, FilterSet, IsoDateTimeFilter, PortalFilterForm


class GridFilter(FilterSet):
    class Meta:
        model = Grid
        fields = ["community", "code", "member"]


class HouseholdFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or phone"))

    class Meta:
        model = Household
        fields = ["grid", "building", "is_rental"]

    def search(self, queryset, name, value):
        return household_search(queryset, value)


class ResidentFilter(FilterSet):
    grid = django_filters.NumberFilter(field_name="household__grid")
    tag = django_filters.CharFilter(field_name="tags__code", label=_("Key-person tag"))
    key_persons = django_filters.BooleanFilter(
        method="only_key_persons", label=_("Key persons only")
    )

    class Meta:
        model = Resident
        fields = ["household", "status", "gender"]

    def only_key_persons(self, queryset, name, value):
        if value:
            return queryset.filter(tags__isnull=False).distinct()
        return queryset


class KeyPlaceFilter(FilterSet):
    class Meta:
        model = KeyPlace
        fields = ["grid", "kind"]


class GridTaskFilter(FilterSet):
    mine = django_filters.BooleanFilter(method="only_mine", label=_("My tasks"))

    class Meta:
        model = GridTask
        fields = ["grid", "status", "responsible"]

    def only_mine(self, queryset, name, value):
        return queryset.filter(responsible=self.request.user) if value else queryset


class ChangeLogFilter(FilterSet):
    since = DateFilter(field_name="occurred_on", lookup_expr="gte")
    until = DateFilter(field_name="occurred_on", lookup_expr="lte")

    class Meta:
        model = ChangeLogEntry
        fields = ["grid", "household", "resident", "kind"]


class VisitFilter(FilterSet):
    since = IsoDateTimeFilter(field_name="visited_at", lookup_expr="gte")
    until = IsoDateTimeFilter(field_name="visited_at", lookup_expr="lt")

    class Meta:
        model = Visit
        fields = ["grid", "household", "resident", "visitor", "role"]


class IncidentFilter(FilterSet):
    # Labels given, not derived from the model: a derived label is fixed in whatever
    # language was active when django-filter first computed it.
    category = django_filters.ChoiceFilter(choices=Category.choices, label=_("Category"))
    status = django_filters.ChoiceFilter(choices=Incident.Status.choices, label=_("Status"))
    reported_from = DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("Reported from")
    )
    reported_to = DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Reported until")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    assigned_to_me = django_filters.BooleanFilter(
        method="filter_assigned_to_me", label=_("Assigned to me")
    )

    class Meta:
        model = Incident
        fields = ["grid", "category", "status", "priority", "assignee", "reporter"]
        form = PortalFilterForm  # the grid member's list on a phone

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = queryset.filter(status__in=Incident.OPEN_STATES, deadline__lt=timezone.now())
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def filter_assigned_to_me(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if value and user is not None:
            return queryset.filter(assignee_id=user.pk)
        return queryset


class SweepFilter(FilterSet):
    class Meta:
        model = Sweep
        fields = ["grid", "scope", "status"]


class IncidentApiFilter(IncidentFilter):
    """The API's variant: ids are filtered as numbers, without loading the grid or user row
    to validate it (rows outside the user's scope are excluded by visible_to anyway)."""

    grid = django_filters.NumberFilter(field_name="grid_id")
    assignee = django_filters.NumberFilter(field_name="assignee_id")
    reporter = django_filters.NumberFilter(field_name="reporter_id")
