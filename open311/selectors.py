"""Reads of the Open311 door: the requests a GET asks for, and how one looks in an answer
(GeoReport v2 field names; no personal data)."""

import datetime
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Category, Incident
from hive.models import Community
from hive.personal_data import mask_personal_text
from open311.models import ServiceRequest
from open311.services import MAX_RESULTS, MAX_SPAN, parse_iso_datetime


def _iso(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _split(raw: str) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


# A request's id is the incident's: a positive 64-bit integer, so at most 18 digits
# (more cannot exist, and Python refuses to convert 4,300 of them). Only 0-9: str.isdigit()
# also holds for superscripts and other scripts' digits, which int() may refuse.
_REQUEST_ID = re.compile(r"[0-9]+")
_MAX_ID_DIGITS = 18


def _request_id(value: str) -> int | None:
    """The id `value` names, or None when no request can have it."""
    if len(value) > _MAX_ID_DIGITS:
        return None
    return int(value)


def requests_query(*, community: Community, params: Mapping[str, str]) -> list[ServiceRequest]:
    """GET requests: service_request_id (comma-separated; overrides everything else),
    service_code, start_date / end_date (ISO 8601 with a time zone; at most 90 days,
    the last 90 days by default), status (open, closed). Newest first, at most 1000."""
    rows = ServiceRequest.objects.filter(community=community).select_related(
        "incident__grid", "incident__assigned_unit", "service"
    )
    ids = _split(params.get("service_request_id", ""))
    if ids:
        if not all(_REQUEST_ID.fullmatch(value) for value in ids):
            raise ValidationError({"service_request_id": _("Give numbers, comma-separated.")})
        wanted = [_request_id(value) for value in ids]
        return list(rows.filter(incident_id__in=[pk for pk in wanted if pk])[:MAX_RESULTS])
    codes = _split(params.get("service_code", ""))
    if codes:
        rows = rows.filter(service_code__in=codes)
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    for name in ("start_date", "end_date"):
        raw = params.get(name, "")
        if raw:
            value = parse_iso_datetime(raw, field=name)
            if name == "start_date":
                start = value
            else:
                end = value
    if start is None:
        end = end or timezone.now()
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise ValidationError({"end_date": _("end_date is before start_date.")})
    if end - start > MAX_SPAN:
        raise ValidationError({"end_date": _("The date range may span at most 90 days.")})
    rows = rows.filter(incident__created_at__gte=start, incident__created_at__lte=end)
    statuses = set(_split(params.get("status", "")))
    if statuses - {"open", "closed"}:
        raise ValidationError({"status": _("status is open, closed or both.")})
    if statuses == {"open"}:
        rows = rows.filter(incident__status__in=Incident.OPEN_STATES)
    elif statuses == {"closed"}:
        rows = rows.exclude(incident__status__in=Incident.OPEN_STATES)
    return list(rows[:MAX_RESULTS])


def request_by_id(*, community: Community, request_id: str) -> ServiceRequest | None:
    pk = _request_id(request_id) if _REQUEST_ID.fullmatch(request_id) else None
    if pk is None:
        return None
    return (
        ServiceRequest.objects.filter(community=community, incident_id=pk)
        .select_related("incident__grid", "incident__assigned_unit", "service")
        .first()
    )


def service_name(row: ServiceRequest) -> str:
    if row.service is not None:
        return row.service.name
    if row.service_code in Category.values:
        return str(Category(row.service_code).label)
    return row.service_code


def request_public(row: ServiceRequest, *, community: Community) -> dict[str, Any]:
    """One request in GeoReport v2 terms. Hive's statuses map onto open/closed (open =
    Incident.OPEN_STATES) with the Hive status label in status_notes; expected_datetime
    is the deadline; agency_responsible is the resident unit the work is assigned to, else
    the community and grid that handle it (people's names are not published). No
    reporter, resident name, phone, email, device or account here."""
    incident = row.incident
    return {
        "service_request_id": incident.pk,
        "status": "open" if incident.is_open else "closed",
        "status_notes": str(incident.get_status_display()),
        "service_name": service_name(row),
        "service_code": row.service_code,
        "description": mask_personal_text(row.description),
        "agency_responsible": incident.assigned_unit.name
        if incident.assigned_unit is not None
        else f"{community.name} · {incident.grid.name}",
        "service_notice": None,
        "requested_datetime": _iso(incident.created_at),
        "updated_datetime": _iso(incident.updated_at),
        "expected_datetime": _iso(incident.deadline),
        "address": mask_personal_text(row.address_string) or None,
        "address_id": None,
        "zipcode": None,
        "lat": float(incident.latitude) if incident.latitude is not None else None,
        "long": float(incident.longitude) if incident.longitude is not None else None,
        "media_url": row.media_url or None,
    }
