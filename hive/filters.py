import django_filters

from hive.models import Community, RoleAssignment, TimelineEntry


class CommunityFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Community
        fields = ["street", "code", "name"]


class RoleAssignmentFilter(django_filters.FilterSet):
    class Meta:
        model = RoleAssignment
        fields = ["role", "community", "street", "user"]


class TimelineEntryFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(field_name="content_type__model")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = TimelineEntry
        fields = ["community", "object_id", "actor", "to_state"]
