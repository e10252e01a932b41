"""GeoReport v2 endpoints under /open311/v2/, one jurisdiction per community (its code).

Plain Django views rather than DRF: the answers are the specification's, in JSON or XML,
including errors, which DRF's renderers and exception handler would reshape. Each view
is thin: it reads parameters, calls a selector or a service, renders."""

import functools
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import get_usage

from hive.models import Community
from hive.selectors import community_by_code
from open311 import formats, selectors, services
from open311.models import ServiceRequest

_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](?:\[\])?$")


class Open311Error(Exception):
    def __init__(self, status: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def error_answer(path: str, status: int, description: str, field=None):
    """The spec's error answer for a request no view of ours answered (an unknown path,
    a request refused before any view: hive.ui.errors), in the format of the path's
    extension; JSON where it has none. A field at fault is named "field: message"."""
    description = f"{field}: {description}" if field else description
    fmt = "xml" if path.endswith(".xml") else "json"
    return formats.render_errors(fmt, [(status, description)], status=status)


def _validation_errors(exc: ValidationError) -> list[tuple[int, str]]:
    if hasattr(exc, "error_dict"):
        return [
            (400, f"{name}: {message}")
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [(400, message) for message in exc.messages]


def _over_limit(request, *, group: str, key, rate: str) -> int | None:
    """Count one request. Over the limit: the seconds until the window ends, else None.
    With the cache down it is let through (RATELIMIT_FAIL_OPEN: no usage)."""
    usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(usage["time_left"], 1)


def _limit(request, partner=None) -> None:
    if partner is not None:
        over = _over_limit(
            request,
            group="open311.key",
            key=lambda group, request: partner.prefix,
            rate=settings.HIVE_OPEN311_RATE_PER_KEY,
        )
    else:
        over = _over_limit(
            request, group="open311.address", key="ip", rate=settings.HIVE_OPEN311_RATE_PER_ADDRESS
        )
    if over is not None:
        raise Open311Error(
            429, _("Too many requests: slow down and try again later."), retry_after=over
        )


def _param(request, name: str) -> str:
    """A parameter of the request: from a POST's body, else from the query string (the
    spec's examples put jurisdiction_id and api_key in either)."""
    if request.method == "POST" and name in request.POST:
        return request.POST[name]
    return request.GET.get(name, "")


def _jurisdiction(request) -> Community:
    code = _param(request, "jurisdiction_id").strip()
    if not code:
        raise Open311Error(400, _("jurisdiction_id is required."))
    community = community_by_code(code)
    if community is None:
        raise Open311Error(404, _("Unknown jurisdiction_id."))
    return community


def _partner(request, community):
    """GET may carry an api_key (then it counts against the key); POST must."""
    raw_key = _param(request, "api_key").strip()
    if request.method == "GET" and not raw_key:
        return None
    return services.partner_key_check(raw_key=raw_key, community=community)


def open311_endpoint(methods: tuple[str, ...]):
    """Jurisdiction, key, rate limit, then the view; every refusal in the spec's error
    format with its HTTP status (400 bad input, 403 key, 404 unknown, 429 too many)."""

    def decorator(view):
        @csrf_exempt
        @never_cache
        @functools.wraps(view)
        def wrapper(request, fmt, **kwargs):
            try:
                if request.method not in methods:
                    raise Open311Error(405, _("Method not allowed."))
                community = _jurisdiction(request)
                partner = _partner(request, community)
                _limit(request, partner)
                return view(request, fmt, community=community, partner=partner, **kwargs)
            except Open311Error as exc:
                response = formats.render_errors(
                    fmt, [(exc.status, exc.description)], status=exc.status
                )
                if exc.retry_after is not None:
                    response["Retry-After"] = str(exc.retry_after)
            except PermissionDenied as exc:
                response = formats.render_errors(
                    fmt, [(403, str(exc) or _("Forbidden."))], status=403
                )
            except ValidationError as exc:
                response = formats.render_errors(fmt, _validation_errors(exc), status=400)
            if response.status_code == 405:
                response["Allow"] = ", ".join(methods)
            return response

        return wrapper

    return decorator


@open311_endpoint(("GET",))
def service_list(request, fmt, *, community, partner):
    entries = services.service_catalogue(community=community)
    data = [
        {
            "service_code": entry.code,
            "service_name": entry.name,
            "description": entry.description,
            # Every service has at least the built-in `grid` attribute.
            "metadata": True,
            "type": "realtime",
            "keywords": entry.keywords,
            "group": entry.group,
        }
        for entry in entries
    ]
    return formats.render(fmt, "services", data)


@open311_endpoint(("GET",))
def service_definition(request, fmt, *, community, partner, code):
    entry = services.service_find(community=community, code=code)
    if entry is None:
        raise Open311Error(404, _("Unknown service_code."))
    attributes = services.service_attributes(community=community, entry=entry, partner=partner)
    data = {
        "service_code": entry.code,
        "attributes": [
            {
                "variable": attribute.variable,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description or None,
                "order": attribute.order,
                "description": attribute.description,
                "values": [{"key": key, "name": name} for key, name in attribute.values],
            }
            for attribute in attributes
        ],
    }
    return formats.render(fmt, "service_definition", data)


def _request_input(request) -> services.RequestInput:
    data = request.POST
    answers: dict[str, list[str]] = {}
    for name in data:
        match = _ATTRIBUTE.match(name)
        if match:
            answers.setdefault(match.group(1), []).extend(data.getlist(name))
    text = {
        name: data.get(name, "")
        for name in (
            "service_code",
            "description",
            "lat",
            "long",
            "address_string",
            "address_id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "device_id",
            "account_id",
            "media_url",
        )
    }
    return services.RequestInput(**text, attributes=answers, media=request.FILES.get("media"))


@open311_endpoint(("GET", "POST"))
def request_list(request, fmt, *, community, partner):
    if request.method == "POST":
        row = services.request_create(partner=partner, data=_request_input(request))
        incident = row.incident
        hours = round((incident.deadline - incident.created_at).total_seconds() / 3600)
        data = [
            {
                "service_request_id": incident.pk,
                "token": row.token,
                "service_notice": _(
                    "Received by %(community)s; it is to be handled within %(hours)s hours."
                )
                % {"community": community.name, "hours": hours},
                "account_id": row.account_id or None,
            }
        ]
        return formats.render(fmt, "service_requests", data)
    rows = selectors.requests_query(community=community, params=request.GET)
    data = [selectors.request_public(row, community=community) for row in rows]
    return formats.render(fmt, "service_requests", data)


@open311_endpoint(("GET",))
def request_detail(request, fmt, *, community, partner, request_id):
    row = selectors.request_by_id(community=community, request_id=request_id)
    if row is None:
        raise Open311Error(404, _("Unknown service_request_id."))
    return formats.render(
        fmt, "service_requests", [selectors.request_public(row, community=community)]
    )


@open311_endpoint(("GET",))
def token_detail(request, fmt, *, community, partner, token):
    incident_id = (
        ServiceRequest.objects.filter(community=community, token=token)
        .values_list("incident_id", flat=True)
        .first()
    )
    if incident_id is None:
        raise Open311Error(404, _("Unknown token."))
    return formats.render(
        fmt, "service_requests", [{"service_request_id": incident_id, "token": token}]
    )
