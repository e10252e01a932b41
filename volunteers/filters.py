"""FilterSets shared by the API and the portal lists."""

import django_filters
from django.utils.translation import gettext_lazy as _

from volunteers.models import MicroWish


class WishFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=MicroWish.Status.choices)
    category = django_filters.ChoiceFilter(
        choices=MicroWish.Category.choices, empty_label=_("All kinds")
    )
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("Submitted from")
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=_("Submitted before")
    )

    class Meta:
        model = MicroWish
        fields = ["community", "status", "category", "claimed_by"]
