"""Uploaded files: one set of rules for every app.

Photos (incident photos, fulfilled wishes): the type is decided by the file's content
(Pillow), never by its name or the browser's content type; the image is re-encoded, which
drops EXIF (GPS position included) after applying the camera's orientation.

Image bombs: a small file can declare a huge image (a 150 KB PNG of 40 megapixels decodes
to 120 MB). The pixel count is read from the header and bounded per image and per form
before anything is decoded; a JPEG is decoded already reduced (DCT scaling, `draft`), and
every photo is stored at most `HIVE_IMAGE_MAX_EDGE` pixels on its longer side.

Documents (charters, agreements): PDF, Word or an image, by content. Every file, photo or
document, is stored under a random name with the extension of the type its content shows
(DocumentField, PhotoField): a PDF named `x.html` must never be served as a web page.
"""

from __future__ import annotations

import io
import math
import uuid
import zipfile
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import models
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

# Pillow format → file extension
ALLOWED_IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# Extension → content type, for every type a stored file can have (hive.uploads.media serves them).
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_PILLOW_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    Image.DecompressionBombError,
)


def max_image_bytes() -> int:
    return getattr(settings, "HIVE_MAX_IMAGE_BYTES", 8 * 1024 * 1024)


def max_image_pixels(image_format: str) -> int:
    """The most pixels one photo may declare. PNG and WebP are decoded in full, so 24 MP
    (72 MB as RGB); a JPEG is decoded at half its size or less, so a 50-megapixel phone
    photo (8160 × 6120) fits under 64 MP and still decodes to at most 16 MP."""
    if image_format == "JPEG":
        return getattr(settings, "HIVE_MAX_JPEG_PIXELS", 64_000_000)
    return getattr(settings, "HIVE_MAX_IMAGE_PIXELS", 24_000_000)


def max_request_pixels() -> int:
    """The most pixels the photos of one form may declare together: six 24-MP photos or
    two full-resolution 50-MP phone shots, never six bombs."""
    return getattr(settings, "HIVE_MAX_UPLOAD_PIXELS", 150_000_000)


def image_max_edge() -> int:
    return getattr(settings, "HIVE_IMAGE_MAX_EDGE", 2560)


def largest_accepted_pixels() -> int:
    """What Pillow's own bomb guard is set to (HiveConfig.ready): nothing in this process
    opens an image bigger than the largest one the rules accept."""
    return max(max_image_pixels("JPEG"), max_image_pixels("PNG"))


def _probe_image(upload: File[bytes]) -> tuple[str, int]:
    """The format and pixel count the file's header declares; nothing is decoded (PNG's
    verify() checks the chunks' checksums, it does not inflate the pixels)."""
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
    except Image.DecompressionBombError:
        raise ValidationError(_("The photo has too many pixels."), code="too_many_pixels") from None
    except _PILLOW_ERRORS:
        raise ValidationError(
            _("This file is not a photo. Upload a JPEG, PNG or WebP image."), code="not_image"
        ) from None
    finally:
        upload.seek(0)
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(_("Only JPEG, PNG and WebP photos are accepted."), code="bad_format")
    pixels = width * height
    limit = max_image_pixels(image_format)
    if pixels > limit:
        raise ValidationError(
            _("The photo has too many pixels (at most %(limit)s megapixels)."),
            code="too_many_pixels",
            params={"limit": limit // 1_000_000},
        )
    return image_format, pixels


def _reencode(upload: File[bytes], image_format: str) -> ContentFile[bytes]:
    """Decode once, bounded: a JPEG at the smallest DCT scale still as big as the stored
    size, then shrunk to the stored size, turned upright, saved without EXIF."""
    edge = image_max_edge()
    upload.seek(0)
    image: Image.Image  # opened as an ImageFile, then transformed into plain Images
    try:
        with Image.open(upload) as image:
            if image_format == "JPEG":
                # The stored size, in the photo's own proportions: draft() picks its
                # scale from the smaller ratio, so (edge, edge) left a 16000 × 4000
                # panorama at full size.
                width, height = image.size
                ratio = max(width, height) / edge
                if ratio > 1:
                    image.draft("RGB", (math.ceil(width / ratio), math.ceil(height / ratio)))
            orientation = image.getexif().get(ExifTags.Base.Orientation)
            image.thumbnail((edge, edge))
            if orientation:
                # thumbnail() kept the EXIF that says how the camera was held.
                image = ImageOps.exif_transpose(image)
            if image_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            output = io.BytesIO()
            save_options = {"quality": 85} if image_format in ("JPEG", "WEBP") else {}
            # No exif= argument: the saved copy carries no EXIF, GPS or maker notes.
            image.save(output, format=image_format, **save_options)
    except _PILLOW_ERRORS:
        # A header that promised an image the data does not hold (truncated, corrupt).
        raise ValidationError(
            _("This file is not a photo. Upload a JPEG, PNG or WebP image."), code="not_image"
        ) from None
    extension = ALLOWED_IMAGE_FORMATS[image_format]
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


def clean_image_upload(upload: File[bytes]) -> ContentFile[bytes]:
    """Check one uploaded photo and return a clean copy, or raise ValidationError."""
    image_format, _pixels = _probe_image(upload)
    return _reencode(upload, image_format)


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"accept": "image/jpeg,image/png,image/webp", **(attrs or {})})


class PhotosField(forms.FileField):
    """Up to `max_count` photos in one field; cleans to a list of ContentFile copies.

    Every file's header is read first: one refused file, or more pixels together than one
    form may bring, refuses the lot before a single pixel is decoded."""

    widget = MultiplePhotoInput

    def __init__(self, *args: Any, max_count: int = 6, **kwargs: Any) -> None:
        self.max_count = max_count
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[ContentFile[bytes]]:
        uploads = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > self.max_count:
            raise ValidationError(
                _("At most %(count)s photos."), code="too_many", params={"count": self.max_count}
            )
        probed: list[tuple[File[bytes], str, int]] = []
        errors: list[str] = []
        for upload in uploads:
            try:
                probed.append((upload, *_probe_image(upload)))
            except ValidationError as exc:
                errors.extend(f"{upload.name}: {message}" for message in exc.messages)
        if errors:
            raise ValidationError(errors)
        limit = max_request_pixels()
        if sum(pixels for _upload, _format, pixels in probed) > limit:
            raise ValidationError(
                _("Together the photos have too many pixels (at most %(limit)s megapixels)."),
                code="too_many_pixels_together",
                params={"limit": limit // 1_000_000},
            )
        cleaned: list[ContentFile[bytes]] = []
        for upload, image_format, _pixels in probed:
            try:
                cleaned.append(_reencode(upload, image_format))
            except ValidationError as exc:
                errors.extend(f"{upload.name}: {message}" for message in exc.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


# --- Documents (charters, agreements): PDF, Word or an image ----------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc


def max_document_bytes() -> int:
    return getattr(settings, "HIVE_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024)


def document_extension(upload: File[bytes]) -> str | None:
    """The extension of the document type the content shows (pdf, doc, docx, or an image
    format's), or None when it is none of those."""
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
    return image_extension(upload)


def image_extension(upload: File[bytes]) -> str | None:
    """The extension of an accepted image format, read from the header (not decoded)."""
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            image_format = probe.format
            probe.verify()
    except _PILLOW_ERRORS:
        return None
    finally:
        upload.seek(0)
    return ALLOWED_IMAGE_FORMATS.get(image_format) if image_format else None


def validate_document_upload(value: File[bytes]) -> None:
    """Model-field validator: PDF, Word (.doc/.docx) or a JPEG/PNG/WebP image, by content."""
    upload = getattr(value, "file", value)
    limit = max_document_bytes()
    if value.size > limit:
        raise ValidationError(
            _("The file is larger than %(limit)s MB."),
            code="too_large",
            params={"limit": limit // (1024 * 1024)},
        )
    if document_extension(upload) is None:
        raise ValidationError(
            _("Only PDF, Word documents and JPEG/PNG/WebP images are accepted."),
            code="bad_document",
        )


# --- Model fields: the stored name comes from the content -------------------------------


class _ContentNamedFileField(models.FileField):
    """A FileField that stores every new file as `<random>.<extension of its content>`,
    whatever name it came with: the name a file is served by decides its content type,
    so it must never be the uploader's. A file whose content is not an accepted type is
    refused here too, so a write that skipped the validators stores nothing."""

    # Served as a download (documents) or shown in the page (photos): hive.uploads.media asks.
    as_attachment = True
    refusal = _("Only PDF, Word documents and JPEG/PNG/WebP images are accepted.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # hive.uploads.media finds the row that owns a requested path by this column.
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def content_extension(self, upload: File[bytes]) -> str | None:
        raise NotImplementedError

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        file = getattr(model_instance, self.attname)
        # A new file (not yet stored), named or not: its name is made here.
        if not file._committed and file._file is not None:
            extension = self.content_extension(file._file)
            if extension is None:
                raise ValidationError(self.refusal, code="bad_type")
            # FileField.pre_save stores it under upload_to with this name.
            file.name = f"{uuid.uuid4().hex}.{extension}"
        return super().pre_save(model_instance, add)


class DocumentField(_ContentNamedFileField):
    """PDF, Word or an image, checked by content (validate_document_upload); downloaded."""

    default_validators = [validate_document_upload]

    def content_extension(self, upload: File[bytes]) -> str | None:
        return document_extension(upload)


class PhotoField(_ContentNamedFileField):
    """A photo that hive.uploads cleaned (clean_image_upload, PhotosField); shown inline."""

    as_attachment = False
    refusal = _("This file is not a photo. Upload a JPEG, PNG or WebP image.")

    def content_extension(self, upload: File[bytes]) -> str | None:
        return image_extension(upload)
