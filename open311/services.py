"""Writes and rules of the Open311 door: issuing and revoking partner keys, checking a
key, the service catalogue, and filing a report (through grids.services.incident_report,
the one way an incident is created)."""

import datetime
import decimal
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids import services as grid_services
from grids.models import Category, Grid
from grids.services import Placement
from hive import geo
from hive.access.authentication import token_digest
from hive.access.authorization import NotAuthorized, require_administers
from hive.models import Community, User
from hive.personal_data import mobile_number
from hive.uploads import clean_image_upload
from hive.validators import validate_date_bounds
from open311.models import PartnerKey, Service, ServiceAttribute, ServiceRequest

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# --- Partner keys ----------------------------------------------------------------------


@transaction.atomic
def partner_key_issue(
    *,
    actor: User,
    community: Community,
    name: str,
    reporter: User,
    default_grid: Grid | None = None,
) -> tuple[PartnerKey, str]:
    """A new key for a partner. Returns the row and the key itself, which is shown once
    and never stored (only its hash is).

    Authorization: checked here (require_administers).
    """
    require_administers(actor, community)
    prefix = secrets.token_hex(4)
    raw_key = f"{prefix}.{secrets.token_urlsafe(32)}"
    key = PartnerKey(
        community=community,
        name=name,
        prefix=prefix,
        key_hash=token_digest(raw_key),
        reporter=reporter,
        default_grid=default_grid,
    )
    key.full_clean()
    key.save()
    return key, raw_key


def partner_key_revoke(*, key: PartnerKey, actor: User) -> bool:
    """Revoke a key; it answers 403 from the next request on. Returns False when it
    was already revoked (a conditional update: revoking twice changes nothing).

    Authorization: checked here (require_administers).
    """
    require_administers(actor, key.community_id)
    return bool(
        PartnerKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor, updated_at=timezone.now()
        )
    )


def partner_key_check(*, raw_key: str, community: Community) -> PartnerKey:
    """The partner behind `raw_key` for `community`, or NotAuthorized."""
    if not raw_key:
        raise NotAuthorized(_("An api_key is required."))
    key = (
        PartnerKey.objects.select_related("reporter", "default_grid")
        .filter(key_hash=token_digest(raw_key))
        .first()
    )
    if key is None or key.community_id != community.pk:
        raise NotAuthorized(_("Invalid api_key for this jurisdiction."))
    if key.is_revoked:
        raise NotAuthorized(_("This api_key has been revoked."))
    return key


# --- The catalogue ---------------------------------------------------------------------

CATEGORY_DESCRIPTIONS: "dict[str, StrPromise]" = {
    Category.DISPUTE: gettext_lazy("A quarrel between neighbours or in a family, still small."),
    Category.HIDDEN_DANGER: gettext_lazy(
        "A safety hazard: loose wiring, blocked fire exits, a cracked wall."
    ),
    Category.SIGN: gettext_lazy("An early sign that trouble may be brewing."),
    Category.LOOPHOLE: gettext_lazy("A gap in management or services that needs closing."),
    Category.DEMAND: gettext_lazy("A small request from residents."),
    Category.EVENT: gettext_lazy("Something that happened and needs the community's attention."),
}
GRID_ATTRIBUTE = "grid"


@dataclass
class AttributeEntry:
    code: str
    description: str
    datatype: str
    required: bool = False
    variable: bool = True
    datatype_description: str = ""
    order: int = 0
    values: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ServiceEntry:
    """One service as Open311 shows it: a built-in category or a staff-defined service."""

    code: str
    name: str
    description: str
    category: str
    keywords: str = ""
    group: str = ""
    service: Service | None = None


def _builtin_entries() -> list[ServiceEntry]:
    return [
        ServiceEntry(
            code=value,
            name=str(label),
            description=str(CATEGORY_DESCRIPTIONS[value]),
            category=value,
            group=_("Six small"),
        )
        for value, label in Category.choices
    ]


def _custom_entry(service: Service) -> ServiceEntry:
    return ServiceEntry(
        code=service.code,
        name=service.name,
        description=service.description,
        category=service.category,
        keywords=service.keywords,
        group=service.group,
        service=service,
    )


def service_catalogue(*, community: Community) -> list[ServiceEntry]:
    """The six categories, then the community's offered staff-defined services."""
    custom = Service.objects.filter(community=community, active=True)
    return _builtin_entries() + [_custom_entry(service) for service in custom]


def service_find(*, community: Community, code: str) -> ServiceEntry | None:
    if code in Category.values:
        return next(entry for entry in _builtin_entries() if entry.code == code)
    service = Service.objects.filter(community=community, active=True, code=code).first()
    return _custom_entry(service) if service is not None else None


def grid_attribute_required(*, grid_count: int, partner: PartnerKey | None) -> bool:
    """Whether a report may need `attribute[grid]` to be filed: unless the community has
    one grid or the key names a default grid, a report placed by address alone does.
    Declared so in the service definition: a partner that leaves out an attribute
    declared optional must not be refused for it (request_grid)."""
    has_default = partner is not None and partner.default_grid_id is not None
    return grid_count != 1 and not has_default


def service_attributes(
    *, community: Community, entry: ServiceEntry, partner: PartnerKey | None = None
) -> list[AttributeEntry]:
    """The built-in `grid` question (which grid the report is for), then the questions
    staff defined for the service."""
    grids = list(Grid.objects.for_people().filter(community=community).values_list("code", "name"))
    attributes = [
        AttributeEntry(
            code=GRID_ATTRIBUTE,
            description=_("Which grid is this in? (Optional when lat/long lie in a grid.)"),
            datatype=ServiceAttribute.Datatype.SINGLEVALUELIST,
            required=grid_attribute_required(grid_count=len(grids), partner=partner),
            order=0,
            values=grids,
        )
    ]
    rows = ServiceAttribute.objects.filter(community=community)
    rows = (
        rows.filter(service=entry.service)
        if entry.service
        else rows.filter(category=entry.category, service__isnull=True)
    )
    for row in rows:
        attributes.append(
            AttributeEntry(
                code=row.code,
                description=row.description,
                datatype=row.datatype,
                required=row.required,
                variable=row.variable,
                datatype_description=row.datatype_description,
                order=row.order,
                values=row.value_pairs(),
            )
        )
    return attributes


# --- Filing a report -------------------------------------------------------------------


def request_grid(
    *,
    partner: PartnerKey,
    grid_code: str,
    latitude: decimal.Decimal | None,
    longitude: decimal.Decimal | None,
) -> Placement:
    """Which grid a report goes to: the grid named in attribute[grid]; else the grid whose
    boundary holds lat/long; else the key's default grid; else the community's only grid;
    else the community's holding grid of unplaced reports, with the reason (the one rule:
    grids.services.place_incident, which refuses a point in another community's grid)."""
    community = partner.community
    grids: list[Grid] = list(Grid.objects.for_people().filter(community_id=community.pk))
    if grid_code:
        for grid in grids:
            if grid.code == grid_code:
                return grid_services.place_incident(
                    community=community, latitude=latitude, longitude=longitude, grid=grid
                )
        raise ValidationError({"attribute[grid]": _("No grid of this community has this code.")})
    fallback = partner.default_grid
    if fallback is None and len(grids) == 1:
        fallback = grids[0]
    try:
        return grid_services.place_incident(
            community=community, latitude=latitude, longitude=longitude, fallback=fallback
        )
    except ValidationError as exc:
        raise ValidationError({"lat": exc.message_dict.get("latitude", exc.messages)}) from None


def _check_answers(
    attributes: list[AttributeEntry], answers: dict[str, list[str]]
) -> tuple[dict[str, list[str]], list[str]]:
    """Validate the attribute[…] answers: required ones present, numbers, datetimes and
    list keys well formed. Returns the answers kept and readable lines for the incident."""
    errors: dict[str, list[str]] = {}
    kept: dict[str, list[str]] = {}
    lines: list[str] = []
    for attribute in attributes:
        if not attribute.variable:
            continue
        name = f"attribute[{attribute.code}]"
        values = [v.strip() for v in answers.get(attribute.code, []) if v.strip()]
        if not values:
            # Without attribute[grid], lat/long may still place the report: request_grid
            # decides, and says why when nothing does.
            if attribute.required and attribute.code != GRID_ATTRIBUTE:
                errors[name] = [_("This attribute is required.")]
            continue
        kind = attribute.datatype
        keys = dict(attribute.values)
        if kind != ServiceAttribute.Datatype.MULTIVALUELIST and len(values) > 1:
            errors[name] = [_("Give one value.")]
            continue
        if kind == ServiceAttribute.Datatype.NUMBER:
            try:
                decimal.Decimal(values[0])
            except decimal.InvalidOperation:
                errors[name] = [_("Not a number.")]
                continue
        elif kind == ServiceAttribute.Datatype.DATETIME:
            try:
                parse_iso_datetime(values[0], field=name)
            except ValidationError as exc:
                errors.update(exc.message_dict)
                continue
        elif kind in ServiceAttribute.LIST_TYPES:
            unknown = [v for v in values if v not in keys]
            if unknown:
                errors[name] = [_("Not one of the listed values.")]
                continue
        kept[attribute.code] = values
        if attribute.code == GRID_ATTRIBUTE:
            continue  # the grid is the incident's own field, not a line of text
        shown = ", ".join(keys.get(v, v) for v in values)
        lines.append(f"{attribute.description}: {shown}")
    if errors:
        raise ValidationError(errors)
    return kept, lines


def parse_iso_datetime(raw: str, *, field: str) -> datetime.datetime:
    """An ISO 8601 datetime with its time zone (the spec requires one), between the
    years 1900 and 2999 with an offset within ±15:59 (hive.validators); else a
    ValidationError naming `field` (the spec's 400). The one way Open311 reads a date."""
    try:
        value = parse_datetime((raw or "").strip())
    except (ValueError, OverflowError):
        value = None
    if value is None or timezone.is_naive(value):
        raise ValidationError({field: _("Not a date and time in ISO 8601 with a time zone.")})
    try:
        validate_date_bounds(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    return value


def _resident_name(first_name: str, last_name: str) -> str:
    first_name, last_name = first_name.strip(), last_name.strip()
    if (first_name + last_name).isascii():
        return f"{first_name} {last_name}".strip()
    # Chinese names: family name first, no space.
    return f"{last_name}{first_name}"


def _token() -> str:
    return secrets.token_hex(16)


@dataclass
class RequestInput:
    """What a POST /requests carries, as text (the view copies it from the form)."""

    service_code: str = ""
    description: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    media: "File[bytes] | None" = None


@transaction.atomic
def request_create(*, partner: PartnerKey, data: RequestInput) -> ServiceRequest:
    """File a six-small report from a partner system. The incident is created by
    grids.services.incident_report with the key's staff member as reporter, on behalf of
    the resident (or of the partner when no name is given); the deadline, first timeline
    entry and photos come from there. Anything refused leaves nothing stored.

    Authorization: the caller's (partner_key_check); the reporter's through incident_report.
    """
    community = partner.community
    if not data.service_code:
        raise ValidationError({"service_code": _("service_code is required.")})
    entry = service_find(community=community, code=data.service_code)
    if entry is None:
        raise ValidationError({"service_code": _("Unknown service_code.")})
    latitude = longitude = None
    if data.lat.strip() or data.long.strip():
        if not (data.lat.strip() and data.long.strip()):
            raise ValidationError({"long": _("Give both lat and long, or neither.")})
        try:
            latitude, longitude = geo.clean_point(data.lat.strip(), data.long.strip())
        except ValidationError as exc:
            names = {"latitude": "lat", "longitude": "long"}
            raise ValidationError(
                {names.get(field, field): messages for field, messages in exc.message_dict.items()}
            ) from None
    address = data.address_string.strip() or data.address_id.strip()
    if latitude is None and not address:
        raise ValidationError(
            {"lat": _("A location is required: lat and long, address_string or address_id.")}
        )
    attributes = service_attributes(community=community, entry=entry, partner=partner)
    answers, lines = _check_answers(attributes, data.attributes)
    placement = request_grid(
        partner=partner,
        grid_code=(answers.pop(GRID_ATTRIBUTE, [""]) or [""])[0],
        latitude=latitude,
        longitude=longitude,
    )
    photos = [clean_image_upload(data.media)] if data.media else []
    resident = _resident_name(data.first_name, data.last_name)
    on_behalf_of = (resident or partner.name)[:60]
    header = _("Filed through Open311 by %(partner)s: %(service)s") % {
        "partner": partner.name,
        "service": entry.name,
    }
    description = "\n".join([data.description.strip(), "", header, *lines]).strip()
    location = address or f"{latitude}, {longitude}"
    try:
        incident = grid_services.incident_report(
            reporter=partner.reporter,
            grid=placement.grid,
            placement_note=placement.reason,
            category=entry.category,
            location=location[:200],
            description=description,
            latitude=latitude,
            longitude=longitude,
            on_behalf_of=on_behalf_of,
            photos=photos,
        )
    except NotAuthorized:
        raise NotAuthorized(
            _("This api_key's staff member no longer works in this community; ask for a new key.")
        ) from None
    service_request = ServiceRequest(
        incident=incident,
        community=community,
        partner=partner,
        service_code=entry.code,
        service=entry.service,
        token=_token(),
        description=data.description.strip(),
        address_string=address[:200],
        media_url=data.media_url.strip(),
        attributes=answers,
        account_id=data.account_id.strip(),
        email=data.email.strip(),
        # A mainland mobile in one spelling (subject access searches the 11 digits);
        # anything else as sent.
        phone=mobile_number(data.phone) or data.phone.strip(),
        device_id=data.device_id.strip(),
    )
    service_request.full_clean(exclude=["incident", "partner", "community"])
    service_request.save()
    PartnerKey.objects.filter(pk=partner.pk).update(last_used_at=timezone.now())
    return service_request


# --- Reading ---------------------------------------------------------------------------

MAX_SPAN = datetime.timedelta(days=90)
MAX_RESULTS = 1000
