from django import forms
from django.utils.translation import gettext_lazy as _

from hive.access.roles import Role
from hive.models import Community, User
from hive.ui.forms import BootstrapFormMixin, PublicTextField
from hive.ui.public_forms import RATING_CHOICES, PublicSubmissionForm, clean_mobile
from hive.uploads import PhotosField
from partycommittee.models import ResidentUnit
from volunteers.models import MicroWish


class WishForm(PublicSubmissionForm):
    """The public form: no account, works without JavaScript."""

    refusal_message = _("Your wish could not be accepted. Please phone your community office.")
    notice = (
        _("What we collect: your name, mobile phone and address or grid, with your wish."),
        _("Why: to review your wish and so that the party member who takes it on can reach you."),
        _(
            "Who sees it: the staff of your community office, and only the party member who "
            "claims your wish, after claiming it. Every such view is logged. The public wish "
            "wall shows your wish and its kind, never your name, phone or address."
        ),
        _(
            "How long we keep it: until your wish is closed, then for two years in the "
            "community's ledger, after which it is deleted."
        ),
    )

    community = forms.ModelChoiceField(
        label=_("Your community"),
        queryset=Community.objects.select_related("street"),
        empty_label=_("Choose your community"),
    )
    category = forms.ChoiceField(label=_("Kind of wish"), choices=MicroWish.Category.choices)
    title = PublicTextField(
        label=_("Your wish"),
        min_length=4,
        max_length=60,
        help_text=_("In one line, e.g. “Someone to go with me to the hospital on Tuesday”."),
    )
    description = PublicTextField(
        label=_("Details"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Anything that helps (at most 500 characters)."),
    )
    resident_name = forms.CharField(label=_("Your name"), max_length=30)
    resident_phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=_("Address or grid"),
        max_length=120,
        help_text=_("Building and room, or the name of your grid."),
    )

    def clean_resident_phone(self):
        return clean_mobile(self.cleaned_data["resident_phone"])

    def clean_resident_name(self):
        return " ".join(self.cleaned_data["resident_name"].split())


class WithdrawForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Why (optional)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ConfirmForm(BootstrapFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you? (5 = very)"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("A word of thanks or a remark (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StaffConfirmForm(ConfirmForm):
    note = forms.CharField(
        label=_("How the resident confirmed"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FulfilForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photos = PhotosField(label=_("Photos (optional)"), max_count=6)


class RejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason shown to the resident"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AssignForm(forms.Form):
    """Used in the admin: no Bootstrap classes."""

    member = forms.ModelChoiceField(
        label=_("Party member"), queryset=User.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(
        label=_("or a resident unit"), queryset=ResidentUnit.objects.none(), required=False
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, community_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        # The stubs type form.fields as plain Fields; these are choice fields.
        self.fields["member"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            is_active=True,
            role_assignments__role=Role.PARTY_MEMBER,
            role_assignments__community_id=community_id,
        ).order_by("name", "username")
        self.fields["unit"].queryset = ResidentUnit.objects.filter(  # type: ignore[attr-defined]
            community_id=community_id, is_active=True
        )

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("member")) == bool(cleaned.get("unit")):
            raise forms.ValidationError(
                _("Choose either a party member or a resident unit."), code="one_target"
            )
        return cleaned
