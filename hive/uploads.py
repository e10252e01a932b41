"""Photo uploads (incident photos, fulfilled wishes): one set of rules for every app.

The type is decided by the file's content (Pillow), never by its name or the browser's
content type; the image is re-encoded, which drops EXIF (GPS position included) after
applying the camera's orientation; size and pixel count are bounded.
"""

import io
import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow format → file extension
ALLOWED_IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_IMAGE_PIXELS = 40_000_000  # a 40-megapixel photo; bigger is refused, not decoded


def max_image_bytes() -> int:
    return getattr(settings, "HIVE_MAX_IMAGE_BYTES", 8 * 1024 * 1024)


def clean_image_upload(upload) -> ContentFile:
    """Check one uploaded photo and return a clean copy, or raise ValidationError."""
    limit = max_image_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("The photo is larger than %(limit)s MB."),
            code="too_large",
            params={"limit": limit // (1024 * 1024)},
        )
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("This file is not a photo. Upload a JPEG, PNG or WebP image."), code="not_image"
        ) from None
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(_("Only JPEG, PNG and WebP photos are accepted."), code="bad_format")
    if width * height > MAX_IMAGE_PIXELS:
        raise ValidationError(_("The photo has too many pixels."), code="too_many_pixels")
    upload.seek(0)
    with Image.open(upload) as image:
        # Turn the pixels the way the camera meant, since the EXIF that said so goes.
        image = ImageOps.exif_transpose(image)
        if image_format == "JPEG" and image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        output = io.BytesIO()
        save_options = {"quality": 85} if image_format in ("JPEG", "WEBP") else {}
        # No exif= argument: the saved copy carries no EXIF, GPS or maker notes.
        image.save(output, format=image_format, **save_options)
    extension = ALLOWED_IMAGE_FORMATS[image_format]
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True

    def __init__(self, attrs=None):
        super().__init__({"accept": "image/jpeg,image/png,image/webp", **(attrs or {})})


class PhotosField(forms.FileField):
    """Up to `max_count` photos in one field; cleans to a list of ContentFile copies."""

    widget = MultiplePhotoInput

    def __init__(self, *args, max_count: int = 6, **kwargs):
        self.max_count = max_count
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > self.max_count:
            raise ValidationError(
                _("At most %(count)s photos."), code="too_many", params={"count": self.max_count}
            )
        cleaned, errors = [], []
        for upload in uploads:
            try:
                cleaned.append(clean_image_upload(upload))
            except ValidationError as exc:
                errors.extend(f"{upload.name}: {message}" for message in exc.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


# --- Documents (charters, agreements): PDF, Word or an image ----------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc


def max_document_bytes() -> int:
    return getattr(settings, "HIVE_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024)


def _document_kind(upload) -> str | None:
    import zipfile

    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head == _OLE_MAGIC:
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
        return "docx" if "word/document.xml" in names else None
    try:
        with Image.open(upload) as probe:
            image_format = probe.format
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        upload.seek(0)
    return "image" if image_format in ALLOWED_IMAGE_FORMATS else None


def validate_document_upload(value) -> None:
    """Model-field validator: PDF, Word (.doc/.docx) or a JPEG/PNG/WebP image, by content."""
    upload = getattr(value, "file", value)
    limit = max_document_bytes()
    if value.size > limit:
        raise ValidationError(
            _("The file is larger than %(limit)s MB."),
            code="too_large",
            params={"limit": limit // (1024 * 1024)},
        )
    if _document_kind(upload) is None:
        raise ValidationError(
            _("Only PDF, Word documents and JPEG/PNG/WebP images are accepted."),
            code="bad_document",
        )
