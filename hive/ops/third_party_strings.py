"""Strings of third-party apps that staff see, so makemessages puts them in our catalogue.

django-axes ships no Simplified Chinese; its lock-out records appear in the admin to
street administrators. Never imported: the gettext_noop calls only mark the strings.
"""

from django.utils.translation import gettext_noop

AXES_ADMIN = [
    gettext_noop("Access Attempt"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access lock out"),
    gettext_noop("Attempt Time"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Expires At"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("Locked Out"),
    gettext_noop("Meta Data"),
    gettext_noop("Path"),
    gettext_noop("User Agent"),
    gettext_noop("Username"),
    gettext_noop("Not set"),
    gettext_noop("Clean up expired attempts"),
]
