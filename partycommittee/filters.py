import django_filters
from django.utils import timezone

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


class ResidentUnitFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = ResidentUnit
        fields = ["community", "kind", "is_active", "name"]


class CommitteeMemberFilter(django_filters.FilterSet):
    class Meta:
        model = CommitteeMember
        fields = ["committee", "position", "unit"]


class JointMeetingFilter(django_filters.FilterSet):
    held_after = django_filters.IsoDateTimeFilter(field_name="held_at", lookup_expr="gte")
    held_before = django_filters.IsoDateTimeFilter(field_name="held_at", lookup_expr="lt")

    class Meta:
        model = JointMeeting
        fields = ["community", "units"]


class DemandItemFilter(django_filters.FilterSet):
    title = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = DemandItem
        fields = ["community", "category", "priority", "source", "meeting", "title"]


class ResourceItemFilter(django_filters.FilterSet):
    class Meta:
        model = ResourceItem
        fields = ["community", "unit", "kind", "is_available"]


class ProjectFilter(django_filters.FilterSet):
    title = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Project
        fields = ["community", "status", "units", "title"]


class ResponsibilityFilter(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Responsibility
        fields = ["community", "unit", "project", "status", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue(timezone.localdate())
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


class CampaignFilter(django_filters.FilterSet):
    class Meta:
        model = Campaign
        fields = ["community", "kind"]


class NominationFilter(django_filters.FilterSet):
    class Meta:
        model = Nomination
        fields = ["campaign", "nominee_kind", "unit"]
