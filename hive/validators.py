from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# Mainland mobile numbers: 11 digits starting 13-19.
mobile_phone_validator = RegexValidator(
    regex=r"^1[3-9]\d{9}$",
    message=_("Enter an 11-digit mainland mobile number, e.g. 13812345678."),
    code="invalid_phone",
)
