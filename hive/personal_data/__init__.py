"""Personal data (phones, ID numbers, addresses): masked by default, every reveal logged.

Templates and serializers show `mask_*` values; a view that shows the full value calls
`personal_data_reveal()`, which writes one PersonalDataAccess row (who, whose record,
which fields, when) in the same transaction as the read.
"""

import datetime
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from hive.models import User

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


class RevealLimitReached(PermissionDenied):
    """The viewer revealed HIVE_REVEAL_LIMIT records within the window: no more for now.

    A PermissionDenied, so a caller that does not handle it still answers 403, never
    500; the API makes it a 429 (hive.api.exception_handler) and the HTML pages a
    message (RevealLimitMiddleware)."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _reveal_window() -> datetime.timedelta:
    from django.conf import settings

    return datetime.timedelta(minutes=max(settings.HIVE_REVEAL_WINDOW_MINUTES, 1))


def _reveal_limit_check(*, viewer: "User", obj: Model) -> None:
    """Refuse the reveal when the viewer reached the limit; tell the street's
    administrators when they reach the alert level (or the limit, if lower).

    The log is the counter: the viewer's PersonalDataAccess rows of the window, so the
    count is exact, shared by every process and kept when the cache (Redis) is down. The
    alert is sent by a reveal that is allowed, so it is committed with it (a refused one
    rolls back), and its key names the window: once per window, not once per reveal.
    """
    from django.conf import settings
    from django.utils import timezone
    from django.utils.translation import gettext

    from hive.models import PersonalDataAccess

    limit, alert_at = settings.HIVE_REVEAL_LIMIT, settings.HIVE_REVEAL_ALERT_AT
    if not (limit or alert_at) or viewer is None or not viewer.pk:
        return
    now = timezone.now()
    window = _reveal_window()
    recent = PersonalDataAccess.objects.filter(viewer=viewer, created_at__gt=now - window)
    count = recent.count()
    if limit and count >= limit:
        oldest = recent.order_by("created_at").values_list("created_at", flat=True).first()
        wait = (oldest + window - now) if oldest else window
        minutes = max(int(wait.total_seconds() // 60) + 1, 1)
        message = gettext(
            "You have revealed personal data %(count)d times in the last %(window)d "
            "minutes, the most allowed. Try again in about %(minutes)d minutes; if your "
            "work needs more, ask your street administrator."
        ) % {
            "count": count,
            "window": settings.HIVE_REVEAL_WINDOW_MINUTES,
            "minutes": minutes,
        }
        raise RevealLimitReached(message, retry_after=int(wait.total_seconds()) + 1)
    alert_level = min(level for level in (limit, alert_at) if level)
    if count + 1 >= alert_level:
        _reveal_volume_alert(viewer=viewer, obj=obj, count=count + 1, now=now)


def _reveal_volume_alert(*, viewer: "User", obj: Model, count: int, now: datetime.datetime) -> None:
    """Notify the administrators of the viewer's street(s) (the record's street for
    someone who works in none), once per window."""
    from django.conf import settings
    from django.db.models import Q
    from django.urls import reverse
    from django.utils.translation import gettext

    from hive.access.roles import Role
    from hive.access.scoping import access_scope
    from hive.models import Community, RoleAssignment, User
    from hive.notifications import notify

    scope = access_scope(viewer)
    street_ids = set(scope.street_ids) | set(
        Community.objects.filter(pk__in=scope.member_community_ids).values_list(
            "street_id", flat=True
        )
    )
    community_id = getattr(obj, "community_id", None)
    if not street_ids and community_id:
        street_ids = set(
            Community.objects.filter(pk=community_id).values_list("street_id", flat=True)
        )
    admins = RoleAssignment.objects.filter(role=Role.STREET_ADMIN, street_id__in=street_ids)
    recipients = list(
        User.objects.filter(Q(pk__in=admins.values("user_id")), is_active=True).exclude(
            pk=viewer.pk
        )
    )
    if not recipients:
        # A street's only administrator (or someone of no street): the superusers hear.
        recipients = list(
            User.objects.filter(is_superuser=True, is_active=True).exclude(pk=viewer.pk)
        )
    window_seconds = int(_reveal_window().total_seconds())
    bucket = int(now.timestamp()) // window_seconds
    values = {
        "user": viewer.get_username(),
        "name": str(viewer),
        "count": count,
        "window": settings.HIVE_REVEAL_WINDOW_MINUTES,
    }
    notify(
        recipients=recipients,
        title=gettext("Unusually many reveals of personal data by %(name)s") % values,
        body=gettext(
            "%(name)s (%(user)s) has revealed personal data %(count)d times in the last "
            "%(window)d minutes. The access log shows which records."
        )
        % values,
        url=reverse("admin:hive_personaldataaccess_changelist") + f"?viewer__id__exact={viewer.pk}",
        key=f"reveal-volume:{viewer.pk}:{bucket}",
    )


@transaction.atomic
def personal_data_reveal(
    *, viewer: "User", obj: Model, fields: list[str], purpose: str = "", counted: bool = True
) -> dict[str, str]:
    """Return the full values of `fields` on `obj` and log that `viewer` saw them.

    At most HIVE_REVEAL_LIMIT per person and window: beyond it RevealLimitReached, and
    nothing is shown or logged. The viewer's reveals are taken one at a time (their user
    row is locked), so parallel requests cannot pass the limit together. `counted=False`
    is for a batch its caller checked once (a subject access export: a legal duty that
    may cover more rows than the limit); it is logged all the same."""
    # Imported here: settings.LOGGING loads this module (the masks) before apps are ready.
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from hive.models import PersonalDataAccess

    with transaction.atomic():
        if counted:
            if viewer is not None and viewer.pk:
                list(
                    get_user_model()
                    .objects.select_for_update()
                    .filter(pk=viewer.pk)
                    .values_list("pk")
                )
            _reveal_limit_check(viewer=viewer, obj=obj)
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


class RevealLimitMiddleware:
    """A reveal refused by the limit, on an HTML page (the admin, the portal): the
    reason as a message, back on the page the person came from. (The API turns it into a
    429 itself: DRF handles a view's exceptions before they reach a middleware.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, RevealLimitReached):
            return None
        from django.contrib import messages
        from django.http import HttpResponseRedirect
        from django.urls import reverse
        from django.utils.http import url_has_allowed_host_and_scheme

        messages.error(request, exception.message)
        back = request.META.get("HTTP_REFERER", "")
        safe = url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        # Not back to the page that was refused (a page that reveals as it opens).
        if not safe or urlsplit(back).path == request.path:
            admin_home = reverse("admin:index")
            back = admin_home if request.path.startswith(admin_home) else reverse("portal:home")
        return HttpResponseRedirect(back)
