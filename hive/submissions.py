"""What the public submissions (micro-wishes, residents' reports, suggestions, …) share
below the forms (hive.ui.public_forms):

- **Tracking codes** (`new_tracking_code`, `normalise_tracking_code`): what a resident
  notes down to follow what they sent.
- **The duplicate window** (`submission_fingerprint`, `duplicate_window_seconds`): the
  same person sending the same thing again within the window gets the stored one back.
"""

import hashlib
import secrets

from django.conf import settings

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
