"""A person's rights over their data (PIPL arts. 44–47): see everything held on them,
have it corrected, have it deleted.

Staff search by ID number or mobile number within the communities they manage
(`managed_by`). `subject_export` returns everything found as one JSON-ready dict and logs
one PersonalDataAccess per record. Correcting is the ordinary admin change form of each
record (the audit trail records it). `subject_erase` anonymises: every record stays,
because ledgers, case statistics and the points ledger count them, but the person's
name, numbers and address are replaced — the erase values of each model's declaration
(hive.personal_data.registry), as the retention rules write them. Where a person is
searched and what is exported come from the declarations too.
Consent records and the audit trail keep no plain personal data and are not changed.
"""

from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hive.personal_data import personal_data_reveal
from hive.personal_data.registry import DECLARATIONS, PersonalData

if TYPE_CHECKING:
    from hive.models import User


def _condition(declaration: PersonalData, *, id_number: str, phone: str) -> Q | None:
    condition = Q()
    if id_number and declaration.by_id_number:
        condition |= Q(**{declaration.by_id_number: id_number})
    if phone and declaration.by_phone:
        condition |= Q(**{declaration.by_phone: phone})
    return condition or None


def subject_find(*, user: "User", id_number: str = "", phone: str = "") -> dict[str, list[Model]]:
    """Every record in the user's communities that names this ID number or phone,
    by model label. Needs at least one of the two."""
    id_number, phone = (id_number or "").strip().upper(), (phone or "").strip()
    if not id_number and not phone:
        raise ValidationError(_("Give an ID number or a mobile number."), code="required")
    found = {}
    for declaration in DECLARATIONS.values():
        condition = _condition(declaration, id_number=id_number, phone=phone)
        if condition is None:
            continue
        model = apps.get_model(declaration.model)
        rows = list(model.objects.managed_by(user).filter(condition).order_by("pk"))
        if rows:
            found[declaration.model] = rows
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
    records: dict[str, list[dict[str, Any]]] = {}
    records_checked = False
    for label, rows in found.items():
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
                fields=DECLARATIONS[label].export_fields,
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


def _erased_value(row: Model, value: Any) -> Any:
    """A constant as it is; an expression (TruncYear …) computed on the row."""
    if not hasattr(value, "resolve_expression"):
        return value
    rows = type(row)._base_manager.filter(pk=row.pk)
    return rows.annotate(erased=value).values_list("erased", flat=True).get()


@transaction.atomic
def subject_erase(*, actor: "User", id_number: str = "", phone: str = "") -> int:
    """Anonymise every record of one person in the actor's communities; return how many.
    Saved one by one, so the audit trail records each change with the actor."""
    from auditlog.context import set_actor

    found = subject_find(user=actor, id_number=id_number, phone=phone)
    erased = 0
    with set_actor(actor):
        for label, rows in found.items():
            replacements = DECLARATIONS[label].erasure
            for row in rows:
                for name, value in replacements.items():
                    setattr(row, name, _erased_value(row, value))
                row.save(update_fields=list(replacements))
                erased += 1
    return erased
