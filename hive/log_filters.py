"""Logs never carry a full mobile number or ID number.

`MaskPersonalData` is installed on every handler in settings.LOGGING. It formats the
record's message with its arguments first (a phone can come in either), masks what
matches, and stores the result as the message with no arguments left, so no formatter
downstream can bring the raw values back. Exception text is masked too.
"""

import logging
import re

from hive.personal_data import mask_id_number, mask_phone

# 18-character resident ID numbers (17 digits + digit or X) and mainland mobiles, not
# inside a longer run of digits (order numbers, timestamps).
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_personal_text(text: str) -> str:
    text = ID_NUMBER.sub(lambda match: mask_id_number(match.group()), text)
    return MOBILE.sub(lambda match: mask_phone(match.group()), text)


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must still be logged, masked
            message = str(record.msg)
        record.msg = mask_personal_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_text(record.exc_text)
        return True
