"""FilterSets shared by the API and the portal lists."""

import django_filters
from django.utils.translation import gettext_lazy as _

from hive.ui.filters import FilterSet, IsoDateTimeFilter
from volunteers.models import (
    Activity,
    MicroWish,
    PartyMember,
    PointAward,
    PointEntry,
    PointRule,
    SignUp,
    StarRating,
    Team,
)


class WishFilter(FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=MicroWish.Status.choices, label=_("Status")
    )
    category = django_filters.ChoiceFilter(
        choices=MicroWish.Category.choices, empty_label=_("All kinds"), label=_("Category")
    )
    created_after = IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("Submitted from")
    )
    created_before = IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=_("Submitted before")
    )

    class Meta:
        model = MicroWish
        fields = ["community", "status", "category", "claimed_by"]


class ActivityFilter(FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=Activity.Kind.choices, empty_label=_("All kinds"), label=_("Kind")
    )
    status = django_filters.MultipleChoiceFilter(choices=Activity.Status.choices, label=_("Status"))
    unit = django_filters.NumberFilter(field_name="units", label=_("Co-organising unit"))
    starts_after = IsoDateTimeFilter(
        field_name="starts_at", lookup_expr="gte", label=_("Starts from")
    )
    starts_before = IsoDateTimeFilter(
        field_name="starts_at", lookup_expr="lt", label=_("Starts before")
    )

    class Meta:
        model = Activity
        fields = ["community", "kind", "status", "team"]


class TeamFilter(FilterSet):
    class Meta:
        model = Team
        fields = ["community", "kind", "is_active"]


class SignUpFilter(FilterSet):
    class Meta:
        model = SignUp
        fields = ["activity", "user", "status", "attended"]


class PartyMemberFilter(FilterSet):
    class Meta:
        model = PartyMember
        fields = ["community", "is_in_service", "registered_unit", "is_active", "branch"]


class PointEntryFilter(FilterSet):
    awarded_after = IsoDateTimeFilter(
        field_name="awarded_at", lookup_expr="gte", label=_("Counts from")
    )
    awarded_before = IsoDateTimeFilter(
        field_name="awarded_at", lookup_expr="lt", label=_("Counts before")
    )
    category = django_filters.ChoiceFilter(
        field_name="rule__category", choices=PointRule.Category.choices
    )

    class Meta:
        model = PointEntry
        fields = ["community", "member", "rule"]


class PointAwardFilter(FilterSet):
    class Meta:
        model = PointAward
        fields = ["community", "member", "rule", "status"]


class StarRatingFilter(FilterSet):
    class Meta:
        model = StarRating
        fields = ["community", "member", "period_start", "period_label", "stars"]
