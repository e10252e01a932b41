from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm


class BootstrapFormMixin:
    """Give every widget the vendored Bootstrap classes, and mark invalid fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else "form-control"
            if isinstance(widget, forms.Select):
                css = "form-select"
            if self.is_bound and name in self.errors:
                css += " is-invalid"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    pass


class PortalPasswordChangeForm(BootstrapFormMixin, PasswordChangeForm):
    pass
