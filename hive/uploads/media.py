"""Serving uploaded files (MEDIA_ROOT): who may fetch each one, and how it leaves.

A file is served only as the file of a row: the path is looked up among the file fields
of the project's models, and the row must be visible to the user (`visible_to(user)`, the
same scoping as everywhere) or public (`public()`, where the model's queryset has one).
Anything else, a path no row names included, is a 404: nothing outside the rows' files
can be reached, whatever the path says.

Documents are downloads (Content-Disposition: attachment, named after the row); photos are
shown in the page with their image type. Every answer carries nosniff. With
HIVE_MEDIA_ACCEL_REDIRECT set (production, behind nginx) the body is left to nginx through
X-Accel-Redirect to an `internal` location; otherwise Django streams the file.
"""

import posixpath
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.db import models
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django.utils.text import get_valid_filename
from django.views.decorators.http import require_safe

from hive.uploads import CONTENT_TYPES, DocumentField, PhotoField

FALLBACK_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class FileOwner:
    """One model's file field that hive.uploads.media serves."""

    model: type[models.Model]
    field: models.FileField

    def rows(self, name: str) -> Any:
        # The model's own queryset: it offers visible_to() (check hive.E010), maybe public().
        return self.model._default_manager.filter(**{self.field.name: name})


@cache
def file_owners() -> tuple[FileOwner, ...]:
    """Every file field of the project's apps. Each model with one must offer
    `visible_to(user)` (the check hive.E010 says so)."""
    owners: list[FileOwner] = []
    for model in apps.get_models():
        if model._meta.app_label not in settings.PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                owners.append(FileOwner(model=model, field=field))
    return tuple(owners)


def clean_media_name(name: str) -> str | None:
    """The storage name a URL asks for, or None for anything that is not a plain relative
    path (`..`, `.`, empty parts, absolute paths, backslashes, NUL and control bytes)."""
    if not name or len(name) > 255 or name.startswith("/"):
        return None
    if any(ord(char) < 32 or char in "\\\x7f" for char in name):
        return None
    if any(part in ("", ".", "..") for part in name.split("/")):
        return None
    return name


def _extension(name: str) -> str:
    return posixpath.splitext(name)[1].lstrip(".").lower()


def download_name(row: models.Model, name: str) -> str:
    """A filename for the browser's download: the row's title, and the stored extension."""
    extension = _extension(name)
    stem = get_valid_filename(str(row))[:80] if str(row).strip() else ""
    stem = stem or "file"
    return f"{stem}.{extension}" if extension else stem


def file_response(
    *, row: models.Model, field: models.FileField, public: bool = False
) -> HttpResponseBase:
    """The answer that hands `row`'s file to the client (already allowed to have it)."""
    fieldfile = getattr(row, field.attname)
    name = fieldfile.name
    content_type = CONTENT_TYPES.get(_extension(name), FALLBACK_CONTENT_TYPE)
    # Only photos of a known image type are shown in the page; every other file is a
    # download. A file stored under an old, uploader-given name is typed by its extension
    # when that is an accepted type, else application/octet-stream (nosniff either way).
    inline = isinstance(field, PhotoField) and content_type.startswith("image/")
    filename = download_name(row, name) if isinstance(field, DocumentField) else None
    accel = getattr(settings, "HIVE_MEDIA_ACCEL_REDIRECT", "")
    response: HttpResponseBase
    if accel:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(name)
    else:
        try:
            handle = fieldfile.open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise Http404 from None
        response = FileResponse(handle, content_type=content_type)
    # Never None: a filename is always given.
    response["Content-Disposition"] = content_disposition_header(  # type: ignore[assignment]
        as_attachment=not inline, filename=filename or posixpath.basename(name)
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Personal files are not kept by the browser: community offices share computers.
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response


@require_safe
def serve(request: HttpRequest, name: str) -> HttpResponseBase:
    """/media/<name>: the file of a row the user may see, or 404."""
    clean_name = clean_media_name(name)
    if clean_name is None:
        raise Http404
    for owner in file_owners():
        rows = owner.rows(clean_name)
        public_row = rows.public().first() if hasattr(rows, "public") else None
        row = public_row or rows.visible_to(request.user).first()
        if row is not None:
            return file_response(row=row, field=owner.field, public=public_row is not None)
    raise Http404
