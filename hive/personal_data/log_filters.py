"""Logs never carry a full mobile number or ID number.

`MaskPersonalData` is installed on every handler in settings.LOGGING. It formats the
record's message with its arguments first (a phone can come in either), masks what
matches, and stores the result as the message with no arguments left, so no formatter
downstream can bring the raw values back. Exception text is masked too.
"""

import logging

# One reader of phone and ID numbers for logs and public texts, whatever their spelling.
from hive.personal_data import mask_personal_text


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
