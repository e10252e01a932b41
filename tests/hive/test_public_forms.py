"""What every public form shares (hive.ui.public_forms, hive.submissions)."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from hive.submissions import normalise_tracking_code, submission_fingerprint
from hive.ui.public_forms import HONEYPOT_FIELD, PublicSubmissionForm, clean_mobile


class _Form(PublicSubmissionForm):
    text = forms.CharField()


@pytest.mark.parametrize(
    "written", ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678"]
)
def test_a_mobile_is_stored_as_eleven_digits_however_written(written):
    assert clean_mobile(written) == "13812345678"


@pytest.mark.parametrize("bad", ["", "12812345678", "1381234567", "0105551234", "138123456789"])
def test_anything_else_is_refused(bad):
    with pytest.raises(ValidationError):
        clean_mobile(bad)


def test_the_consent_box_and_the_honeypot_come_after_the_forms_own_fields():
    assert list(_Form().fields) == ["text", "consent", HONEYPOT_FIELD]


def test_a_filled_honeypot_refuses_the_form_and_consent_is_required():
    bot = _Form({"text": "x", "consent": "on", HONEYPOT_FIELD: "http://spam"})
    assert not bot.is_valid() and bot.non_field_errors()
    person = _Form({"text": "x"})
    assert not person.is_valid() and "consent" in person.errors
    assert _Form({"text": "x", "consent": "on"}).is_valid()


def test_the_fingerprint_ignores_spacing_and_case_but_not_content():
    assert submission_fingerprint(1, "Hello  World") == submission_fingerprint(1, " hello world")
    assert submission_fingerprint(1, "a") != submission_fingerprint(2, "a")
    assert normalise_tracking_code("ab-cd 23\u3000") == "ABCD23"
