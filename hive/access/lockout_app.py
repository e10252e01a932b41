"""django-axes (the record of failed logins and lock-outs) under a name in the interface
language: its own AppConfig has none, and the admin index showed "Axes"."""

from axes.apps import AppConfig as AxesConfig
from django.utils.translation import gettext_lazy as _


class LockoutConfig(AxesConfig):  # type: ignore[misc]  # axes ships no types
    verbose_name = _("Login lock-outs")
