"""Where personal data lives: one declaration per model, the only list of it.

Each app declares its models in `<app>/personal_data.py` (the core's in
hive.personal_data.declarations) with `declare(PersonalData(...))`; hive's AppConfig.ready
imports them all. A declaration names the person's fields (each with how screens mask it
and what erasure writes), the fields a subject access search compares, and the retention
rule. From it: the audit trail (hive.personal_data.audit), retention (…retention),
subject access (…subject_access), the admin's masks (hive.admin.PersonalDataAdminMixin)
and the check that no personal-looking field is left undeclared (hive.checks, hive.E007).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from django.db.models import Model

from hive.personal_data.retention import ANONYMISE, RetentionRule, register

KEEP = object()  # an erase value: erasure leaves the field as it is


@dataclass(frozen=True)
class PersonalField:
    # How screens show the field until a logged reveal (None: shown as it is; the audit
    # trail masks every personal field all the same).
    mask: Callable[[str], str] | None = None
    # What erasure and retention write: a value or an expression (TruncYear …), or KEEP.
    erase: object = KEEP
    # A copy of another field in another form (a masked phone kept for search): erased
    # with it, never audited, exported nor revealed.
    derived: bool = False


@dataclass(frozen=True)
class PersonalData:
    model: str  # "app_label.ModelName"
    fields: Mapping[str, PersonalField] = field(default_factory=dict)
    # Recorded as they are beside the personal fields: in the audit trail and the export.
    audited: tuple[str, ...] = ()
    # Context of a subject access export only (what the record is about).
    exported: tuple[str, ...] = ()
    # The field a subject access search compares with an ID number, a mobile number.
    by_id_number: str = ""
    by_phone: str = ""
    # How long the data is kept; its model and (anonymising) replacements come from here.
    retention: RetentionRule | None = None
    # Who may see which field in full: reveal(viewer=, obj=, fields=, purpose=) → values,
    # logged; personal_data_reveal (whoever may see the record) when not given.
    reveal: Callable[..., dict[str, str]] | None = None

    @property
    def personal(self) -> list[str]:
        return [name for name, spec in self.fields.items() if not spec.derived]

    @property
    def masks(self) -> dict[str, Callable[[str], str]]:
        return {name: spec.mask for name, spec in self.fields.items() if spec.mask}

    @property
    def erasure(self) -> dict[str, object]:
        return {name: spec.erase for name, spec in self.fields.items() if spec.erase is not KEEP}

    @property
    def export_fields(self) -> list[str]:
        return [*self.exported, *self.audited, *self.personal]


DECLARATIONS: dict[str, PersonalData] = {}


def declare(*declarations: PersonalData) -> None:
    for declaration in declarations:
        DECLARATIONS[declaration.model] = declaration
        rule = declaration.retention
        if rule is not None:
            erasure = tuple(declaration.erasure.items()) if rule.action == ANONYMISE else ()
            register(replace(rule, model=declaration.model, replacements=erasure))


def declaration_of(model: "str | Model | type[Model]") -> PersonalData | None:
    """The declaration of a model (class or instance) or label, if any."""
    label = model if isinstance(model, str) else model._meta.label
    return DECLARATIONS.get(label)


def declared(model: "str | Model | type[Model]") -> PersonalData:
    """The declaration of a model that must have one (LookupError otherwise)."""
    declaration = declaration_of(model)
    if declaration is None:
        raise LookupError(f"{model} declares no personal data")
    return declaration


def autodiscover() -> None:
    """Import the core's declarations and each app's `personal_data` module."""
    from django.utils.module_loading import autodiscover_modules

    from hive.personal_data import declarations  # noqa: F401

    autodiscover_modules("personal_data")
