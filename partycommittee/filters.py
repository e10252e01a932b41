import django_filters
from django.utils import timezone

from hive.ui.filters import FilterSet, IsoDateTimeFilter
from partycommittee.models import (
    Campaign,
    CommitteeMember,
    DemandItem,
    JointMeeting,
    Nomination,
    Project,
    ResidentUnit,
    ResourceItem,
    Responsibility,
)


class ResidentUnitFilter(FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = ResidentUnit
        fields = ["community", "kind", "is_active", "name"]


class CommitteeMemberFilter(FilterSet):
    class Meta:
        model = CommitteeMember
        fields = ["committee", "position", "unit"]


class JointMeetingFilter(FilterSet):
    held_after = IsoDateTimeFilter(field_name="held_at", lookup_expr="gte")
    held_before = IsoDateTimeFilter(field_name="held_at", lookup_expr="lt")

    class Meta:
        model = JointMeeting
        fields = ["community", "units"]


class DemandItemFilter(FilterSet):
    title = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = DemandItem
        fields = ["community", "category", "priority", "source", "meeting", "title"]


class ResourceItemFilter(FilterSet):
    class Meta:
        model = ResourceItem
        fields = ["community", "unit", "kind", "is_available"]


class ProjectFilter(FilterSet):
    title = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Project
        fields = ["community", "status", "units", "title"]


class ResponsibilityFilter(FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Responsibility
        fields = ["community", "unit", "project", "status", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue(timezone.localdate())
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


class CampaignFilter(FilterSet):
    class Meta:
        model = Campaign
        fields = ["community", "kind"]


class NominationFilter(FilterSet):
    class Meta:
        model = Nomination
        fields = ["campaign", "nominee_kind", "unit"]
