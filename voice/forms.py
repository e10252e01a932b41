from django import forms
from django.utils.translation import gettext_lazy as _

from hive.ui.forms import BootstrapFormMixin, PublicTextField
from hive.ui.public_forms import PublicSubmissionForm, clean_mobile
from partycommittee.models import DemandItem, ResidentUnit
from voice.models import Topic, WishDemand


class _PublicContactForm(PublicSubmissionForm):
    """The optional contact and the consent it needs (hive.ui.public_forms), shared by
    the public suggestion and demand forms."""

    refusal_message = _("Your message could not be accepted. Please phone your community office.")
    consent_required = False
    notice = (
        _("What we collect: only if you give them, your name and mobile phone."),
        _("Why: so that the community office can reply to you."),
        _(
            "Who sees it: the staff of your community office; every such view is logged. "
            "Public pages never show your name or phone."
        ),
        _(
            "How long we keep it: until your message is answered or handled, then for one "
            "year, after which it is deleted."
        ),
    )

    resident_name = forms.CharField(label=_("Your name (optional)"), max_length=30, required=False)
    resident_phone = forms.CharField(
        label=_("Mobile phone (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("Only if you want the community office to reply to you."),
    )

    def clean_resident_phone(self):
        phone = self.cleaned_data["resident_phone"]
        return clean_mobile(phone) if phone.strip() else ""

    def clean_resident_name(self):
        return " ".join(self.cleaned_data["resident_name"].split())

    def clean(self):
        cleaned = super().clean()
        has_contact = cleaned.get("resident_name") or cleaned.get("resident_phone")
        if has_contact and not cleaned.get("consent"):
            self.add_error(
                "consent",
                _("Please read and accept the personal-data notice, or leave no name and phone."),
            )
        return cleaned


class SuggestionForm(_PublicContactForm):
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    text = PublicTextField(
        label=_("Your suggestion"),
        min_length=5,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Plain text, at most 1000 characters."),
    )
    field_order = ["topic", "text", "resident_name", "resident_phone"]


class SubmissionForm(_PublicContactForm):
    text = PublicTextField(
        label=_("What is needed"),
        min_length=5,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Plain text, at most 1000 characters."),
    )
    field_order = ["text", "resident_name", "resident_phone"]


class UnitSubmissionForm(BootstrapFormMixin, forms.Form):
    """The portal form of a unit representative: the unit and the demand."""

    unit: "forms.ModelChoiceField[ResidentUnit]" = forms.ModelChoiceField(
        label=_("Resident unit"), queryset=None
    )
    text = PublicTextField(
        label=_("What is needed"),
        min_length=5,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class MergeForm(forms.Form):
    """Used in the admin: the demand the selected submissions become."""

    category = forms.ChoiceField(label=_("Category"), choices=DemandItem.Category.choices)
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=DemandItem.Priority.choices,
        coerce=int,
        initial=DemandItem.Priority.NORMAL,
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Empty: the first submission's text."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Empty: the submissions' texts."),
    )


class DemandCategoryForm(forms.Form):
    """Used in the admin: the category and priority of the demands micro-wishes become."""

    category = forms.ChoiceField(label=_("Category"), choices=DemandItem.Category.choices)
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=DemandItem.Priority.choices,
        coerce=int,
        initial=DemandItem.Priority.NORMAL,
    )


class AnswerForm(forms.Form):
    """Used in the admin: the answer to one or several suggestions."""

    text = forms.CharField(
        label=_("Answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    public = forms.BooleanField(
        label=_("Publish the answer on the community's page (without personal data)"),
        required=False,
    )


class WishToDemandForm(forms.ModelForm):
    """Used in the admin: the micro-wish to turn into a demand, and the demand's category
    (the view narrows the wishes to those the user manages)."""

    category = forms.ChoiceField(label=_("Category"), choices=DemandItem.Category.choices)
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=DemandItem.Priority.choices,
        coerce=int,
        initial=DemandItem.Priority.NORMAL,
    )

    class Meta:
        model = WishDemand
        fields = ["wish"]

    def _post_clean(self):
        # The service builds the row: the demand it points at does not exist yet.
        pass
