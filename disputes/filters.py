"""FilterSets shared by the API and the portal lists."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from disputes.models import Consultation, DisputeCase, MediationRoom, Mediator
from hive.ui.filters import DateFilter, FilterSet


class CaseFilter(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=DisputeCase.Status.choices)
    kind = django_filters.MultipleChoiceFilter(choices=DisputeCase.Kind.choices)
    source = django_filters.ChoiceFilter(choices=DisputeCase.Source.choices)
    room = django_filters.ModelChoiceFilter(queryset=MediationRoom.objects.all())
    mediator = django_filters.ModelChoiceFilter(
        field_name="mediators",
        queryset=Mediator.objects.all(),
        label=_("Mediator"),
        distinct=True,
    )
    mediator_user = django_filters.NumberFilter(
        field_name="mediators__user", label=_("Mediator (user id)"), distinct=True
    )
    registered_after = DateFilter(
        field_name="registered_at", lookup_expr="date__gte", label=_("Registered from")
    )
    registered_before = DateFilter(
        field_name="registered_at", lookup_expr="date__lte", label=_("Registered until")
    )

    class Meta:
        model = DisputeCase
        fields = ["community", "status", "kind", "source", "room", "mediator", "year"]


class PortalCaseFilter(FilterSet):
    status = django_filters.ChoiceFilter(
        choices=DisputeCase.Status.choices,
        empty_label=_("All statuses"),
        label=_("Status"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    kind = django_filters.ChoiceFilter(
        choices=DisputeCase.Kind.choices,
        empty_label=_("All types"),
        label=_("Type"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    class Meta:
        model = DisputeCase
        fields = ["status", "kind"]


class ConsultationFilter(FilterSet):
    held_after = DateFilter(field_name="held_on", lookup_expr="gte")
    held_before = DateFilter(field_name="held_on", lookup_expr="lte")

    class Meta:
        model = Consultation
        fields = ["community", "property_company", "related_case"]
