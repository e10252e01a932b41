"""Personal data (phones, ID numbers, addresses): masked by default, every reveal logged.

Templates and serializers show `mask_*` values; a view that shows the full value calls
`personal_data_reveal()`, which writes one PersonalDataAccess row (who, whose record,
which fields, when) in the same transaction as the read.
"""

from django.db import transaction

# What an erased or anonymised name or address reads (stored, so in the deployment's
# language, not translated per viewer).
ERASED = "（已删除）"


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; shorter numbers show only their last two digits."""
    value = (value or "").strip()
    if len(value) >= 11:
        return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"
    return "*" * max(len(value) - 2, 0) + value[-2:]


def mask_id_number(value: str) -> str:
    """110101199003071234 → 1101**********1234: region and birth date hidden."""
    value = (value or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_name(value: str) -> str:
    """张三丰 → 张**: enough for a resident to recognise their own record."""
    value = (value or "").strip()
    return f"{value[0]}{'*' * (len(value) - 1)}" if value else ""


def mask_address(value: str) -> str:
    """Keep the first part (street, compound), hide the building and room."""
    value = (value or "").strip()
    if len(value) <= 6:
        return "*" * len(value)
    return f"{value[:6]}****"


@transaction.atomic
def personal_data_reveal(*, viewer, obj, fields: list[str], purpose: str = "") -> dict[str, str]:
    """Return the full values of `fields` on `obj` and log that `viewer` saw them."""
    # Imported here: settings.LOGGING loads this module (the masks) before apps are ready.
    from django.contrib.contenttypes.models import ContentType

    from hive.models import PersonalDataAccess

    values = {field: getattr(obj, field) or "" for field in fields}
    PersonalDataAccess.objects.create(
        viewer=viewer,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        community_id=getattr(obj, "community_id", None),
        fields=",".join(fields),
        purpose=purpose[:200],
    )
    return values
