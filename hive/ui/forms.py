from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hive.personal_data import contains_personal_number

CHECK_WIDGETS = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)


if TYPE_CHECKING:
    from hive.models import Community

    # What the mixin is mixed into (a form), for the type checker only.
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class BootstrapFormMixin(_FormBase):
    """Give every widget the vendored Bootstrap classes (boxes and radios are check
    inputs, selects form-select, the rest form-control), and mark invalid fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = "form-control"
            if isinstance(widget, CHECK_WIDGETS):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        # Marked after validation, never in __init__: touching self.errors there would
        # validate before a subclass narrows a field's choices.
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on `form`: each message on the field it names when the
    form has that field, the others (and a plain list) above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


class PublicTextField(forms.CharField):
    """Free text a resident types on a public form that may be shown to others: no phone
    or ID number in any spelling (+86, dashes, spaces, dots, full-width digits). The same
    reader masks what public pages show (hive.personal_data.mask_personal_text)."""

    default_error_messages = {
        "contact_in_text": _(
            "Please leave phone and ID numbers out of this text; give your phone in the "
            "contact part."
        ),
    }

    def validate(self, value):
        super().validate(value)
        if contains_personal_number(value):
            raise forms.ValidationError(
                self.error_messages["contact_in_text"], code="contact_in_text"
            )


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    pass


class PortalPasswordChangeForm(BootstrapFormMixin, PasswordChangeForm):
    pass


class NotificationSettingsForm(BootstrapFormMixin, forms.ModelForm):
    """The person's own channels: the portal always; email when they give an address and
    leave it on (no address, no email, whatever the box says)."""

    class Meta:
        from hive.models import User

        model = User
        fields = ["email", "notify_by_email"]


class DashboardFilterForm(forms.Form):
    """The dashboard's filters: the period, and (for a street) one community or all."""

    period = forms.ChoiceField(label=_("Period"), required=False)
    community: "forms.ModelChoiceField[Community]" = forms.ModelChoiceField(
        label=_("Community"), queryset=None, required=False, empty_label=_("All communities")
    )

    def __init__(self, *args, communities, **kwargs):
        from hive.dashboard import DEFAULT_PERIOD, PERIODS

        super().__init__(*args, **kwargs)
        self.fields["period"].choices = list(PERIODS.items())
        self.fields["period"].initial = DEFAULT_PERIOD
        if len(communities) < 2:
            # Staff of one community: nothing to choose.
            del self.fields["community"]
        else:
            self.fields["community"].queryset = communities
