from typing import cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hive.ui.forms import BootstrapFormMixin, PublicTextField
from hive.ui.public_forms import PublicSubmissionForm, clean_mobile
from partycommittee.models import Campaign, Nomination, ResidentUnit, ResourceItem, Responsibility


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


class NominationForm(BootstrapFormMixin, forms.Form):
    """Nominate in a campaign: a resident unit of the community, a family or a person."""

    nominee_kind = forms.ChoiceField(
        label=_("Whom you nominate"), choices=Nomination.NomineeKind.choices
    )
    unit = forms.ModelChoiceField(
        label=_("Resident unit"),
        queryset=ResidentUnit.objects.none(),
        required=False,
        help_text=_("When you nominate a resident unit."),
    )
    nominee_name = PublicTextField(
        label=_("Name of the family or person"),
        required=False,
        max_length=120,
        help_text=_("When you nominate a family or a person, e.g. “Zhang Wei's family”."),
    )
    reason = PublicTextField(
        label=_("Reason"),
        min_length=10,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What they did for the community (at most 1000 characters)."),
    )

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        unit_field = cast(forms.ModelChoiceField, self.fields["unit"])
        unit_field.queryset = ResidentUnit.objects.filter(
            community_id=campaign.community_id, is_active=True
        ).order_by("name")

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("nominee_kind")
        if kind == Nomination.NomineeKind.UNIT:
            if not cleaned.get("unit"):
                self.add_error("unit", _("Choose the resident unit you nominate."))
        elif kind and not cleaned.get("nominee_name", "").strip():
            self.add_error("nominee_name", _("Name the family or person you nominate."))
        if kind != Nomination.NomineeKind.UNIT:
            cleaned["unit"] = None
        return cleaned


def _nominator_retention() -> str:
    days = settings.HIVE_NOMINATOR_RETENTION_DAYS
    return ngettext(
        "How long we keep it: until voting has closed, then %(days)s day, after which your "
        "name and phone are erased.",
        "How long we keep it: until voting has closed, then %(days)s days, after which your "
        "name and phone are erased.",
        days,
    ) % {"days": days}


class PublicNominationForm(NominationForm, PublicSubmissionForm):
    """The public form: no account, works without JavaScript (hive.ui.public_forms)."""

    refusal_message = _(
        "Your nomination could not be accepted. Please phone your community office."
    )

    @property
    def notice(self):
        return (
            _("What we collect: your name and mobile phone, with your nomination."),
            _("Why: so that the community office can ask you about your nomination."),
            _(
                "Who sees it: the staff of your community office. The public pages show the "
                "nominee, never your name or phone."
            ),
            _nominator_retention(),
        )

    nominator_name = forms.CharField(label=_("Your name"), max_length=30)
    nominator_phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_nominator_phone(self):
        return clean_mobile(self.cleaned_data["nominator_phone"])

    def clean_nominator_name(self):
        return " ".join(self.cleaned_data["nominator_name"].split())


class ObjectionForm(PublicSubmissionForm):
    """An objection to announced results, from the public page (no account)."""

    refusal_message = _("Your objection could not be accepted. Please phone your community office.")

    @property
    def notice(self):
        return (
            _("What we collect: your name and mobile phone, with your objection."),
            _(
                "Why: so that the community office can look into your objection and tell you "
                "the outcome."
            ),
            _(
                "Who sees it: the staff of your community office. Your objection is never "
                "published."
            ),
            _nominator_retention(),
        )

    nomination = forms.ModelChoiceField(
        label=_("Nominee you object to"),
        queryset=Nomination.objects.none(),
        required=False,
        empty_label=_("The results as a whole"),
    )
    reason = PublicTextField(
        label=_("Your objection"),
        min_length=10,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is wrong, and what you know of it (at most 1000 characters)."),
    )
    name = forms.CharField(label=_("Your name"), max_length=30)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        nomination_field = cast(forms.ModelChoiceField, self.fields["nomination"])
        nomination_field.queryset = campaign.nominations.order_by("nominee_name")

    def clean_phone(self):
        return clean_mobile(self.cleaned_data["phone"])

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())
