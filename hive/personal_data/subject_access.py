"""A person's rights over their data (PIPL arts. 44–47): see everything held on them,
have it corrected, have it deleted.

Staff search by ID number or mobile number within the communities they manage
(`managed_by`). `subject_export` returns everything found as one JSON-ready dict and logs
one PersonalDataAccess per record. Correcting is the ordinary admin change form of each
record (the audit trail records it). `subject_erase` anonymises: every record stays,
because ledgers, case statistics and the points ledger count them, but the person's
name, numbers and address are replaced — the same replacements as the retention rules.
Consent records and the audit trail keep no plain personal data and are not changed.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hive.personal_data import ERASED, personal_data_reveal

if TYPE_CHECKING:
    from hive.models import User


@dataclass(frozen=True)
class SubjectSource:
    """Where a kind of personal data lives and how a person is found in it."""

    model: str
    fields: tuple[str, ...]  # exported and revealed
    by_id_number: str = ""  # field compared with the ID number ("" = not searchable)
    by_phone: str = ""
    # What erasing writes (as in the matching retention rule); a callable gets the row.
    erase: tuple[tuple[str, object], ...] = field(default_factory=tuple)


SOURCES = [
    SubjectSource(
        "grids.Resident",
        ("name", "gender", "birth_date", "id_number", "phone", "status", "household_id"),
        by_id_number="id_number",
        by_phone="phone",
        erase=(
            ("name", ERASED),
            ("id_number", ""),
            ("phone", ""),
            # The year stays, so age statistics still add up.
            ("birth_date", lambda row: row.birth_date and row.birth_date.replace(month=1, day=1)),
        ),
    ),
    SubjectSource(
        "grids.Household",
        ("number", "head_name", "phone", "address", "room", "notes"),
        by_phone="phone",
        erase=(("head_name", ERASED), ("phone", ""), ("notes", "")),
    ),
    SubjectSource(
        "volunteers.MicroWish",
        ("tracking_code", "title", "status", "resident_name", "resident_phone", "address"),
        by_phone="resident_phone",
        erase=(("resident_name", ERASED), ("resident_phone", ""), ("address", ERASED)),
    ),
    SubjectSource(
        "disputes.CaseParty",
        ("case_id", "role", "name", "phone", "address"),
        by_phone="phone",
        erase=(("name", ERASED), ("phone", ""), ("address", "")),
    ),
    SubjectSource(
        "partycommittee.ResidentUnit",
        ("name", "contact_name", "contact_phone"),
        by_phone="contact_phone",
        erase=(("contact_name", ""), ("contact_phone", "")),
    ),
    SubjectSource(
        "open311.ServiceRequest",
        (
            "incident_id",
            "service_code",
            "description",
            "address_string",
            "phone",
            "email",
            "device_id",
            "account_id",
            "created_at",
        ),
        by_phone="phone",
        # The report stays (its incident is the community's); the contacts go.
        erase=(("phone", ""), ("email", ""), ("device_id", ""), ("account_id", "")),
    ),
    SubjectSource(
        "hive.User",
        ("username", "name", "phone", "email", "is_active"),
        by_phone="phone",
        erase=(("phone", ""),),
    ),
]


def _condition(source: SubjectSource, *, id_number: str, phone: str) -> Q | None:
    condition = Q()
    if id_number and source.by_id_number:
        condition |= Q(**{source.by_id_number: id_number})
    if phone and source.by_phone:
        condition |= Q(**{source.by_phone: phone})
    return condition or None


def subject_find(*, user: "User", id_number: str = "", phone: str = "") -> dict[str, list[Model]]:
    """Every record in the user's communities that names this ID number or phone,
    by model label. Needs at least one of the two."""
    id_number, phone = (id_number or "").strip().upper(), (phone or "").strip()
    if not id_number and not phone:
        raise ValidationError(_("Give an ID number or a mobile number."), code="required")
    found: dict[str, list[Model]] = {}
    for source in SOURCES:
        condition = _condition(source, id_number=id_number, phone=phone)
        if condition is None:
            continue
        model = apps.get_model(source.model)
        # Every source's model has a ScopedQuerySet manager (managed_by).
        manager: Any = model.objects
        rows = list(manager.managed_by(user).filter(condition).order_by("pk"))
        if rows:
            found[source.model] = rows
    return found


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


@transaction.atomic
def subject_export(*, viewer: "User", id_number: str = "", phone: str = "") -> dict[str, Any]:
    """Everything held on one person, for a subject access request; each record shown
    is logged as a personal-data access."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from hive.models import ConsentRecord
    from hive.personal_data.consent import subject_digest

    found = subject_find(user=viewer, id_number=id_number, phone=phone)
    sources = {source.model: source for source in SOURCES}
    records: dict[str, list[dict[str, Any]]] = {}
    records_checked = False
    for label, rows in found.items():
        source = sources[label]
        content_type = ContentType.objects.get_for_model(apps.get_model(label))
        history = LogEntry.objects.filter(
            content_type=content_type, object_id__in=[row.pk for row in rows]
        ).order_by("timestamp", "id")
        by_object: dict[str, list[dict[str, Any]]] = {}
        for entry in history:
            by_object.setdefault(entry.object_id, []).append(
                {
                    "time": entry.timestamp.isoformat(),
                    "action": entry.get_action_display(),
                    "actor": str(entry.actor) if entry.actor_id else "",
                    "changes": entry.changes,
                }
            )
        records[label] = []
        for row in rows:
            # The export is one request under the reveal limit, checked at its first
            # row: a subject with more rows than the limit must still get them all.
            values = personal_data_reveal(
                viewer=viewer,
                obj=row,
                fields=list(source.fields),
                purpose=_("Subject access request"),
                counted=not records_checked,
            )
            records_checked = True
            records[label].append(
                {
                    "id": row.pk,
                    **{name: _plain(value) for name, value in values.items()},
                    "history": by_object.get(row.pk, []),
                }
            )
    consents = []
    if phone:
        for consent in ConsentRecord.objects.managed_by(viewer).filter(
            subject_digest=subject_digest(phone.strip())
        ):
            consents.append(
                {
                    "notice": consent.notice,
                    "notice_version": consent.notice_version,
                    "channel": consent.channel,
                    "accepted_at": consent.accepted_at.isoformat(),
                }
            )
    return {
        "exported_at": timezone.now().isoformat(),
        "exported_by": viewer.get_username(),
        "records": records,
        "consents": consents,
    }


@transaction.atomic
def subject_erase(*, actor: "User", id_number: str = "", phone: str = "") -> int:
    """Anonymise every record of one person in the actor's communities; return how many.
    Saved one by one, so the audit trail records each change with the actor."""
    from auditlog.context import set_actor

    found = subject_find(user=actor, id_number=id_number, phone=phone)
    sources = {source.model: source for source in SOURCES}
    erased = 0
    with set_actor(actor):
        for label, rows in found.items():
            replacements = dict(sources[label].erase)
            for row in rows:
                for name, value in replacements.items():
                    setattr(row, name, value(row) if callable(value) else value)
                row.save(update_fields=list(replacements))
                erased += 1
    return erased
