from django import forms

from hive.ui.forms import BootstrapFormMixin
from partycommittee.models import ResidentUnit, ResourceItem, Responsibility


class UnitProfileForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = ResidentUnit
        fields = [
            "address",
            "contact_name",
            "contact_phone",
            "party_org_name",
            "party_org_head",
            "party_member_count",
        ]


class ResourceItemForm(BootstrapFormMixin, forms.ModelForm):
    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if units is not None and len(units) == 1:
            self.fields["unit"].initial = units[0]

    class Meta:
        model = ResourceItem
        fields = [
            "unit",
            "kind",
            "title",
            "description",
            "capacity",
            "availability",
            "is_available",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def _post_clean(self):
        # The resource belongs to the unit's community; set it before model validation.
        unit = self.cleaned_data.get("unit")
        if unit is not None:
            self.instance.community = unit.community
        super()._post_clean()


class ResponsibilityProgressForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(choices=Responsibility.Status.choices)
    progress_note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
