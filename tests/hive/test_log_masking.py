"""Logs never contain a full mobile number or ID number."""

import logging

from django.conf import settings

from hive.personal_data import mask_personal_text
from hive.personal_data.log_filters import MaskPersonalData

PHONE = "13812345678"
ID_NUMBER = "11010119900307123X"


def _record(msg, *args, exc_info=None):
    return logging.LogRecord("hive.test", logging.INFO, __file__, 1, msg, args, exc_info)


def test_phone_and_id_number_in_the_message_are_masked():
    record = _record(f"resident {ID_NUMBER} phoned from {PHONE}")
    MaskPersonalData().filter(record)
    assert record.getMessage() == "resident 1101**********123X phoned from 138****5678"


def test_values_in_the_arguments_are_masked_and_cannot_come_back():
    record = _record("phone %s id %s", PHONE, ID_NUMBER.lower())
    MaskPersonalData().filter(record)
    assert PHONE not in record.getMessage()
    assert ID_NUMBER.lower() not in record.getMessage()
    assert record.args is None


def test_exception_text_is_masked():
    try:
        raise ValueError(f"bad phone {PHONE}")
    except ValueError:
        import sys

        record = _record("failed", exc_info=sys.exc_info())
    MaskPersonalData().filter(record)
    assert PHONE not in record.exc_text
    assert "138****5678" in record.exc_text


def test_longer_digit_runs_and_dates_are_left_alone():
    text = "order 2026112812345678901 on 2026-11-28, room 1302"
    assert mask_personal_text(text) == text


def test_every_configured_handler_masks():
    # Django applied settings.LOGGING at start-up; pytest adds capture handlers of its own.
    for name in ("", "django", "django.server"):
        handlers = [
            handler
            for handler in logging.getLogger(name).handlers
            if handler.__module__.startswith("logging")
        ]
        assert handlers, name
        for handler in handlers:
            assert any(isinstance(f, MaskPersonalData) for f in handler.filters), name


def test_the_celery_worker_keeps_the_masked_handlers():
    assert settings.CELERY_WORKER_HIJACK_ROOT_LOGGER is False


def test_phone_and_id_numbers_in_other_spellings_are_masked_in_logs():
    from tests.hive.test_personal_data import NOT_PERSONAL, SPELLINGS

    for text, shown in SPELLINGS:
        record = _record("resident wrote %s", text)
        MaskPersonalData().filter(record)
        assert record.getMessage() == f"resident wrote {shown}"
    for text in NOT_PERSONAL:
        record = _record("resident wrote %s", text)
        MaskPersonalData().filter(record)
        assert record.getMessage() == f"resident wrote {text}"
