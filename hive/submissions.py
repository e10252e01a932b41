"""What the public submissions (micro-wishes, residents' reports, suggestions, …) share
below the forms (hive.ui.public_forms):

- **Tracking codes** (`new_tracking_code`, `normalise_tracking_code`): what a resident
  notes down to follow what they sent.
- **The duplicate window** (`submission_fingerprint`, `duplicate_window_seconds`,
  `store_once`): the same person sending the same thing again within the window gets
  the stored one back.
"""

import datetime
import hashlib
import secrets
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Model

# No 0/O, 1/I/L: a resident reads the code aloud or types it from a note without doubt.
TRACKING_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_CODE_LENGTH = 12  # 31**12 ≈ 7.9e17 codes (59 bits): not guessable, not sequential


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_CODE_ALPHABET) for _ in range(TRACKING_CODE_LENGTH))


def normalise_tracking_code(code: str) -> str:
    """The code as stored: residents copy it from a text message or a note as
    "ab-cd 12…", so spaces and dashes go and letters are upper-cased."""
    return "".join(ch for ch in (code or "") if ch not in " -\u3000\t").upper()


def _normalise(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def submission_fingerprint(*parts: object) -> str:
    """The same submission (the same parts, whitespace and case aside) hashes the same."""
    return hashlib.sha256("\x1f".join(_normalise(str(part)) for part in parts).encode()).hexdigest()


def duplicate_window_seconds() -> int:
    return int(getattr(settings, "HIVE_WISH_DUPLICATE_WINDOW_SECONDS", 600))


_Row = TypeVar("_Row", bound=Model)


def store_once(
    row: _Row,
    *,
    now: datetime.datetime,
    window: int | None = None,
    since_field: str = "created_at",
    prepare: Callable[[_Row], None] = lambda row: None,
    record: Callable[[_Row], None] = lambda row: None,
    exclude: Iterable[str] = (),
) -> tuple[_Row, bool]:
    """Save `row` (with its `fingerprint` set) unless the same one came within the
    duplicate window; return (row, created). `record(row)` runs in the same transaction
    (the consent record, the first timeline entry), `prepare(row)` before the row is saved
    (what it points to). Two copies racing each other are
    stopped by the model's unique (fingerprint, dedup_window) constraint, the check over
    the last `window` seconds (by `since_field`) catches a resend across a window edge.
    Only field rules are checked here (phone format, lengths, choices): the database
    enforces the constraints, and checking them would cost a query each per submission."""
    window = window or duplicate_window_seconds()
    manager: Any = type(row)._default_manager
    fingerprint = row.fingerprint  # type: ignore[attr-defined]
    existing = (
        manager.filter(
            fingerprint=fingerprint,
            **{f"{since_field}__gte": now - datetime.timedelta(seconds=window)},
        )
        .order_by(since_field)
        .first()
    )
    if existing is not None:
        return existing, False
    row.dedup_window = int(now.timestamp()) // window  # type: ignore[attr-defined]
    row.clean_fields(
        exclude=["community", "tracking_code", "fingerprint", "dedup_window", *exclude]
    )
    try:
        with transaction.atomic():
            prepare(row)
            row.save()
            record(row)
    except IntegrityError:
        # A copy sent at the same moment won the race; that one is the stored row.
        existing = manager.filter(
            fingerprint=fingerprint,
            dedup_window=row.dedup_window,  # type: ignore[attr-defined]
        ).first()
        if existing is None:
            raise
        return existing, False
    return row, True
