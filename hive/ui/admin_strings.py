"""Strings of Django's admin templates that Django's own Simplified Chinese catalogue
lacks (new in Django 5.x): named here so that makemessages puts them in the project's
catalogue, which translates them (LOCALE_PATHS comes before Django's). The app list's
headers are read by screen readers only; "Error:" precedes a form's error messages."""

from django.utils.translation import gettext_noop

ADMIN_TEMPLATE_STRINGS = [
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Error:"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("In case you’ve forgotten, you are:"),
]
