"""Personal data (phones, ID numbers, addresses): masked by default, every reveal logged.

Templates and serializers show `mask_*` values; a view that shows the full value calls
`personal_data_reveal()`, which writes one PersonalDataAccess row (who, whose record,
which fields, when) in the same transaction as the read.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.db import transaction

# What an erased or anonymised name or address reads (stored, so in the deployment's
# language, not translated per viewer).
ERASED = "（已删除）"


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; shorter numbers show only their last two digits."""
    value = (value or "").strip()
    if len(value) >= 11:
        return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"
    return "*" * max(len(value) - 2, 0) + value[-2:]


def mask_id_number(value: str) -> str:
    """110101199003071234 → 1101**********1234: region and birth date hidden."""
    value = (value or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_name(value: str) -> str:
    """张三丰 → 张**: enough for a resident to recognise their own record."""
    value = (value or "").strip()
    return f"{value[0]}{'*' * (len(value) - 1)}" if value else ""


def mask_address(value: str) -> str:
    """Keep the first part (street, compound), hide the building and room."""
    value = (value or "").strip()
    if len(value) <= 6:
        return "*" * len(value)
    return f"{value[:6]}****"


# --- Personal numbers in free text --------------------------------------------------
# Residents type phone and ID numbers into text that is shown to the public (Open311
# descriptions, wishes) or leaves for log collectors. One reader finds them, whatever the
# spelling: digits in any script (full-width １３８…), runs of digits joined by spaces,
# dashes, dots or brackets (138-1234-5678, (010) 6512 3456, 110101 19900307 123X), a
# +86 / 0086 / 86 in front. A match is whole runs of digits only, so a longer number (an
# order number) never hides a phone inside it, and a date (2026-11-28, 2026年11月28日),
# time, room (3-2-501) or amount (1,380.50) matches none of the forms below.

# Any decimal digit (Python's \d on text is Unicode: full-width and other scripts too).
_DIGITS = re.compile(r"\d+")
# What may stand between two runs of one number: up to three spaces (any, U+3000 too),
# dashes, dots or brackets.
_JOINER = re.compile(r"[\s\-\u2010-\u2015\u2212\uff0d.\uff0e()\uff08\uff09]{1,3}")
_DECIMAL_POINT = (".", "\uff0e")
_OPENING = ("(", "\uff08")
_CLOSING = (")", "\uff09")
_PLUS = ("+", "\uff0b")
_X = ("X", "x", "\uff38", "\uff58")
_LONGEST = 18  # digits: an ID number; a phone with 0086 has at most 15
# A mainland mobile, after an optional country code.
_MOBILE = re.compile(r"(?:0086|86)?(1[3-9][0-9]{9})")
# A landline with its area code (010, 02x, or 0 and three digits) and a 7-8 digit local
# number that does not start with 0; without the area code it is any eight digits.
_LANDLINE = re.compile(r"0((?:10|2[0-9])[1-9][0-9]{7}|[3-9][0-9]{2}[1-9][0-9]{6,7})")
# The same from abroad: the area code loses its 0. Only after "+" or 0086 (a bare 86 in
# front of ten digits is too likely something else).
_LANDLINE_ABROAD = re.compile(
    r"(?:0086|86)((?:10|2[0-9])[1-9][0-9]{7}|[3-9][0-9]{2}[1-9][0-9]{6,7})"
)


def _ascii_digits(run: str) -> str:
    return "".join(str(unicodedata.decimal(char)) for char in run)


def _is_id_number(value: str) -> bool:
    """17 digits + a digit or X, a region code not starting with 0 and a birth date
    (1900-2099) in the middle: an order number of 18 digits rarely has one."""
    if value[0] == "0" or not 1900 <= int(value[6:10]) <= 2099:
        return False
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return True


MOBILE, LANDLINE, ID_NUMBER = "mobile", "landline", "id_number"


@dataclass(frozen=True)
class _Found:
    kind: str  # MOBILE, LANDLINE or ID_NUMBER
    plain: str  # written plainly: 13812345678, 01065123456, 11010119900307123X
    takes_x: bool = False  # the X after the digits is the ID number's last character
    abroad: bool = False  # starts with a country code (a "+" before it goes too)

    @property
    def masked(self) -> str:
        return mask_id_number(self.plain) if self.kind == ID_NUMBER else mask_phone(self.plain)


def _personal_number(digits: str, *, plus: bool, x_follows: bool) -> _Found | None:
    """What `digits` (ASCII, one number's whole runs) is, if it is personal."""
    if len(digits) == 17 and x_follows and _is_id_number(digits + "X"):
        return _Found(ID_NUMBER, digits + "X", takes_x=True)
    if len(digits) == 18 and _is_id_number(digits):
        return _Found(ID_NUMBER, digits)
    if match := _MOBILE.fullmatch(digits):
        return _Found(MOBILE, match.group(1), abroad=len(digits) > 11)
    if _LANDLINE.fullmatch(digits):
        return _Found(LANDLINE, digits)
    if (plus or digits.startswith("0086")) and (match := _LANDLINE_ABROAD.fullmatch(digits)):
        return _Found(LANDLINE, "0" + match.group(1), abroad=True)
    return None


def _personal_numbers(text: str) -> list[tuple[int, int, _Found]]:
    """(start, end, what) of every phone and ID number in `text`, left to right."""
    runs = [(m.start(), m.end(), _ascii_digits(m.group())) for m in _DIGITS.finditer(text)]
    found = []
    i = 0
    while i < len(runs):
        start = runs[i][0]
        plus = start > 0 and text[start - 1] in _PLUS
        digits, gaps, best = "", [], None
        for j in range(i, len(runs)):
            if j > i:
                gap = text[runs[j - 1][1] : runs[j][0]]
                if not _JOINER.fullmatch(gap):
                    break
                gaps.append(gap)
            digits += runs[j][2]
            if len(digits) > _LONGEST:
                break
            if len(gaps) == 1 and gaps[0] in _DECIMAL_POINT:
                continue  # 13812345.67: one decimal point makes an amount, not a phone
            end = runs[j][1]
            number = _personal_number(
                digits, plus=plus, x_follows=end < len(text) and text[end] in _X
            )
            if number is not None:
                best = (j, end, number)  # the longest wins: +86 138…, not 86 alone
        if best is None:
            i += 1
            continue
        j, end, number = best
        end += number.takes_x
        if plus and number.abroad:
            start -= 1
        if (
            start > 0
            and text[start - 1] in _OPENING
            and any(c in text[start:end] for c in _CLOSING)
        ):
            start -= 1  # (010) 6512 3456: the bracket goes with the area code
        found.append((start, end, number))
        i = j + 1
    return found


def mask_personal_text(text: str | None) -> str:
    """`text` with every mobile, landline (with area code) and ID number masked, in any
    spelling: what every public text and every log line shows."""
    text = text or ""
    pieces, last = [], 0
    for start, end, number in _personal_numbers(text):
        pieces += [text[last:start], number.masked]
        last = end
    return "".join(pieces) + text[last:]


def contains_personal_number(text: str | None) -> bool:
    """Whether `text` holds a mobile, landline (with area code) or ID number, in any
    spelling (the same reader as mask_personal_text)."""
    return bool(_personal_numbers(text or ""))


def mobile_number(value: str | None) -> str:
    """The 11-digit mainland mobile `value` is, in whatever spelling (+86 138-1234-5678,
    full-width digits …); "" when it is anything else. Stored this way, a subject access
    search by the 11 digits finds it whatever way it was typed."""
    text = (value or "").strip()
    found = _personal_numbers(text)
    if len(found) == 1:
        start, end, number = found[0]
        if number.kind == MOBILE and (start, end) == (0, len(text)):
            return number.plain
    return ""


@transaction.atomic
def personal_data_reveal(*, viewer, obj, fields: list[str], purpose: str = "") -> dict[str, str]:
    """Return the full values of `fields` on `obj` and log that `viewer` saw them."""
    # Imported here: settings.LOGGING loads this module (the masks) before apps are ready.
    from django.contrib.contenttypes.models import ContentType

    from hive.models import PersonalDataAccess

    values = {field: getattr(obj, field) or "" for field in fields}
    PersonalDataAccess.objects.create(
        viewer=viewer,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        community_id=getattr(obj, "community_id", None),
        fields=",".join(fields),
        purpose=purpose[:200],
    )
    return values
