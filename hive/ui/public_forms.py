"""What every public (no-login) form does the same way: micro-wishes, residents' reports,
suggestions, solicitation submissions, nominations.

- **The form** (`PublicSubmissionForm`): a honeypot field people never see (bots fill
  every field they find), the consent box for the personal-data notice, the mainland
  mobile number written any usual way (`clean_mobile`).
- **Rate limits** (`over_address_limit`, `over_phone_limit`): django-ratelimit's counters
  (cache.add + cache.incr: atomic in Redis) keyed on the client address (REMOTE_ADDR, or
  settings.RATELIMIT_IP_META_KEY behind a proxy) and on the phone number given, one group
  per form. With the cache (Redis) down the resident is let through
  (settings.RATELIMIT_FAIL_OPEN): the duplicate window still stops a double submission.

The duplicate window and the tracking codes are in hive.submissions (models use them).
"""

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited

from hive.ui.forms import BootstrapFormMixin
from hive.validators import mobile_phone_validator

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

HONEYPOT_FIELD = "website"


def clean_mobile(value: str) -> str:
    """A mainland mobile number as stored (11 digits), from "138 1234-5678" or "+86…";
    a ValidationError otherwise."""
    phone = re.sub(r"[\s-]", "", value or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    mobile_phone_validator(phone)
    return phone


def over_address_limit(request: HttpRequest, *, group: str, rate: str) -> bool:
    """Count one submission from this address; whether it is over `rate` ("20/h")."""
    return bool(
        is_ratelimited(request, group=f"{group}.address", key="ip", rate=rate, increment=True)
    )


def over_phone_limit(request: HttpRequest, *, group: str, phone: str, rate: str) -> bool:
    """Count one submission for this phone number; whether it is over `rate`."""
    return bool(
        is_ratelimited(
            request,
            group=f"{group}.phone",
            key=lambda _group, _request: phone,
            rate=rate,
            increment=True,
        )
    )


class PublicSubmissionForm(BootstrapFormMixin, forms.Form):
    """A public form: no account, works without JavaScript. Subclasses add their fields
    (shown before the consent box and the honeypot) and may name the refusal a bot gets."""

    refusal_message = _("This could not be accepted. Please phone your community office.")
    # False where contact details are optional: the form then asks for consent only
    # when some are given (its own clean()).
    consent_required = True
    # What the personal-data notice above the consent box says this form collects, why,
    # who sees it and how long it is kept (hive/_public_notice.html adds the rights).
    notice: Sequence["str | _StrPromise"] = ()

    consent = forms.BooleanField(
        label=_("I have read the personal-data notice above and agree."),
        error_messages={"required": _("Please read and accept the personal-data notice.")},
    )
    # A field people never see; bots fill every field they find.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("consent", HONEYPOT_FIELD):  # after the subclass's own fields
            self.fields[name] = self.fields.pop(name)
        self.fields["consent"].required = self.consent_required

    def clean(self):
        cleaned = super().clean()
        if self.data.get(HONEYPOT_FIELD):
            raise forms.ValidationError(self.refusal_message, code="honeypot")
        return cleaned


class TrackLookupForm(BootstrapFormMixin, forms.Form):
    """Look up what one sent by its tracking code. Room for the dashes and spaces a
    resident may type; hive.submissions.normalise_tracking_code removes them."""

    code = forms.CharField(label=_("Tracking code"), max_length=40)


# A satisfaction rating (5 = very satisfied first), as residents give it at the end.
RATING_CHOICES = [(n, str(n)) for n in range(5, 0, -1)]
