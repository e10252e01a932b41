from django import forms
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


class SheetForm(BootstrapFormMixin, forms.Form):
    communication = _score_field(_("two-way communication"))
    service = _score_field(_("two-way service"))
    overall = _score_field(_("overall assessment"))
    comment = forms.CharField(
        label=_("comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DutyReportForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=_("duty report"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("What the unit did this period for the community: duties, services, plans."),
    )
