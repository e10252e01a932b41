"""The audit trail of personal data (django-auditlog).

Every create, change and delete of a model holding personal data (declared in
hive.personal_data.registry: its personal fields, masked, and the `audited` ones) writes one
auditlog LogEntry: who (the request's user, through AuditlogMiddleware; empty for a
scheduled task), when, which fields changed. The values in the trail are masked
(`mask_for_audit`), and the entry names the record by type and number, never by the
person's name: the trail must outlive the erasure of the data it records.

The table refuses UPDATE and DELETE in the database (migration
hive/0006_audit_trail_append_only, the same triggers as the points ledger), so the
application's database role cannot rewrite history.
"""

from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.db.models.signals import pre_save

from hive.personal_data import mask_id_number, mask_name, mask_phone
from hive.personal_data.registry import DECLARATIONS, declaration_of

if TYPE_CHECKING:
    from hive.personal_data.retention import RetentionRule


def mask_for_audit(value: str) -> str:
    """Enough to tell two values apart when correcting a record, not enough to use."""
    value = (value or "").strip()
    if value in ("", "None"):
        return ""
    if len(value) == 18 and value[:17].isdigit():
        return mask_id_number(value)
    if len(value) == 11 and value.isdigit():
        return mask_phone(value)
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        return f"{value[:4]}-**-**"  # a birth date keeps its year
    return mask_name(value)


def _neutral_repr(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    """Name the record by type and number: its str() is often the person's name."""
    if instance.pk is None and instance.content_type_id:
        model = instance.content_type.model_class()
        if model is not None and _audited(model):
            instance.object_repr = f"{model._meta.label} #{instance.object_pk}"


def _audited(model: type[Model]) -> bool:
    declaration = declaration_of(model)
    return bool(declaration and declaration.personal)


def register_personal_data_models() -> None:
    from auditlog.models import LogEntry
    from auditlog.registry import auditlog
    from django.apps import apps

    for declaration in DECLARATIONS.values():
        model = apps.get_model(declaration.model)
        if not declaration.personal or auditlog.contains(model):
            continue
        auditlog.register(
            model,
            include_fields=[*declaration.audited, *declaration.personal],
            mask_fields=declaration.personal,
            mask_callable="hive.personal_data.audit.mask_for_audit",
            m2m_fields=set(),
        )
    pre_save.connect(_neutral_repr, sender=LogEntry, dispatch_uid="hive.audit.neutral_repr")


def audit_retention(*, rule: "RetentionRule", pks: list[Any]) -> None:
    """One audit entry per row a retention rule changed or deleted (the bulk UPDATE and
    DELETE bypass the signals auditlog listens to)."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    model = rule.model_class()
    if not _audited(model) or not pks:
        return
    content_type = ContentType.objects.get_for_model(model)
    if rule.action == "delete":
        action, changes = LogEntry.Action.DELETE, {}
    else:
        action = LogEntry.Action.UPDATE
        changes = {
            field: ["***", value if isinstance(value, str) else "***"]
            for field, value in rule.replacements
        }
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                content_type=content_type,
                object_pk=str(pk),
                object_id=pk,
                object_repr=f"{model._meta.label} #{pk}",
                action=action,
                changes=changes,
                changes_text="",
                additional_data={"retention_rule": rule.key},
            )
            for pk in pks
        ]
    )
