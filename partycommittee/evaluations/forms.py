from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hive.ui.forms import BootstrapFormMixin


def _score_field(label):
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 100}),
        help_text=_("0–100"),
    )


if TYPE_CHECKING:
    # What the mixin is mixed into (a form), for the type checker only.
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class ServiceErrorsMixin(_FormBase):
    """Put a service's ValidationError on the matching fields (the rest on top)."""

    def add_service_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                field = name if name in self.fields else None
                for error in errors:
                    self.add_error(field, error)
        else:
            self.add_error(None, exc)


class SheetForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    communication = _score_field(_("two-way communication"))
    service = _score_field(_("two-way service"))
    overall = _score_field(_("overall assessment"))
    comment = forms.CharField(
        label=_("comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DutyReportForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=_("duty report"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("What the unit did this period for the community: duties, services, plans."),
    )
