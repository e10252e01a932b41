import re

from django.apps import apps
from django.core import checks

from hive.workflow import Workflow


@checks.register()
def check_workflows(app_configs=None, **kwargs):
    """Every state a Workflow names must be a choice of its field."""
    errors = []
    for model in apps.get_models():
        workflow = getattr(model, "workflow", None)
        if not isinstance(workflow, Workflow):
            continue
        try:
            field = model._meta.get_field(workflow.field)
        except Exception:
            errors.append(
                checks.Error(
                    f"Workflow field {workflow.field!r} missing", obj=model, id="hive.E001"
                )
            )
            continue
        known = {value for value, _label in field.flatchoices}
        unknown = workflow.states() - known
        if unknown:
            errors.append(
                checks.Error(
                    f"Workflow names states that are not choices: {sorted(unknown)}",
                    obj=model,
                    id="hive.E002",
                )
            )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_admin_second_factor(app_configs=None, **kwargs):
    """Production keeps the admin's second factor on; turning it off must be seen."""
    from django.conf import settings

    if settings.HIVE_ADMIN_OTP_REQUIRED:
        return []
    return [
        checks.Warning(
            "HIVE_ADMIN_OTP_REQUIRED is off: a staff password alone opens the admin.",
            hint="Unset HIVE_ADMIN_OTP_REQUIRED (it defaults to on when DEBUG is off).",
            id="hive.W001",
        )
    ]


def _subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def project_model_serializers():
    """Every ModelSerializer of the project's apps (their api modules are imported by the
    URL configuration, loaded here first)."""
    from django.conf import settings
    from django.urls import get_resolver
    from rest_framework import serializers

    get_resolver().url_patterns  # noqa: B018  (imports every app's api module)
    apps_of_project = set(settings.PROJECT_APPS)
    found = {
        serializer
        for serializer in _subclasses(serializers.ModelSerializer)
        if serializer.__module__.split(".")[0] in apps_of_project
    }
    return sorted(found, key=lambda serializer: (serializer.__module__, serializer.__qualname__))


@checks.register()
def check_serializer_meta_options(app_configs=None, serializers=None, **kwargs):
    """DRF applies Meta.read_only_fields and Meta.extra_kwargs only to the fields it builds
    from the model, and silently ignores them for a field the serializer (or a parent)
    declares: such a field stays writable although Meta says otherwise (issue 18: a unit
    representative moved their unit to another community). Declare it read-only instead."""
    errors = []
    for serializer in project_model_serializers() if serializers is None else serializers:
        meta = getattr(serializer, "Meta", None)
        read_only = set(getattr(meta, "read_only_fields", None) or ())
        extra_kwargs = getattr(meta, "extra_kwargs", None) or {}
        label = f"{serializer.__module__}.{serializer.__qualname__}"
        for name, field in serializer._declared_fields.items():
            if name in read_only and not field.read_only:
                errors.append(
                    checks.Error(
                        f"{label}: declared field {name!r} is listed in Meta.read_only_fields "
                        "but is writable (DRF ignores read_only_fields for declared fields).",
                        hint=f"Declare {name!r} with read_only=True.",
                        obj=serializer,
                        id="hive.E003",
                    )
                )
            if name in extra_kwargs:
                errors.append(
                    checks.Error(
                        f"{label}: declared field {name!r} has Meta.extra_kwargs, which DRF "
                        "ignores for declared fields.",
                        hint=f"Pass {extra_kwargs[name]!r} to the declaration of {name!r}.",
                        obj=serializer,
                        id="hive.E004",
                    )
                )
    return errors


@checks.register()
def check_file_owners(app_configs=None, **kwargs):
    """hive.uploads.media serves a file only to whom its row is visible: every model with a file
    field needs `visible_to(user)` on its queryset, and content-named storage."""
    from hive.uploads import DocumentField, PhotoField
    from hive.uploads.media import file_owners

    errors = []
    for owner in file_owners():
        if not hasattr(owner.model._default_manager.all(), "visible_to"):
            errors.append(
                checks.Error(
                    f"{owner.field.name}: a model with a file field needs visible_to(user)",
                    obj=owner.model,
                    id="hive.E010",
                )
            )
        if not isinstance(owner.field, DocumentField | PhotoField):
            errors.append(
                checks.Error(
                    f"{owner.field.name}: use hive.uploads.DocumentField or PhotoField",
                    obj=owner.model,
                    id="hive.E011",
                )
            )
    return errors


# A field whose name says it holds a phone, email, ID number or address (pinyin too).
PERSONAL_LOOKING = re.compile(
    r"(^|_)(phone|mobile|tel|telephone|email|address|id_number|id_card|idcard"
    r"|shouji|dianhua|youxiang|shenfenzheng|sfz|dizhi|zhuzhi)(_|$)"
)
# Fields named like personal data that hold none: an organisation's or a place's.
NOT_PERSONAL = {
    "hive.Community.address",  # the community office's, on the public pages
    "hive.Community.phone",  # the community office's public number
    "grids.Building.address",  # a building's street address, not a person's
    "grids.KeyPlace.address",  # where a shop or site is (its contact person is declared)
    "disputes.MediationRoom.address",  # where residents go to mediate, public
    "partycommittee.ResidentUnit.address",  # an organisation's (its contact is declared)
    "open311.ServiceRequest.address_string",  # where the reported problem is, published
}


@checks.register()
def check_personal_data_declared(app_configs=None, models=None, **kwargs):
    """Every text field named like a phone, email, ID number or address is covered by its
    model's personal-data declaration (hive.personal_data.registry), which feeds masking,
    the audit trail, retention and subject access; and a declaration names real fields."""
    from django.conf import settings
    from django.db.models import CharField, TextField

    from hive.personal_data.registry import declaration_of

    if models is None:
        configs = app_configs or [apps.get_app_config(label) for label in settings.PROJECT_APPS]
        models = [model for config in configs for model in config.get_models()]
    errors = []
    for model in models:
        declaration = declaration_of(model)
        declared = set(declaration.fields) if declaration else set()
        names = {field.name for field in model._meta.get_fields()}
        for name in sorted(declared - names):
            errors.append(
                checks.Error(
                    f"Personal data declared for a missing field {name!r}",
                    obj=model,
                    id="hive.E007",
                )
            )
        for field in model._meta.local_concrete_fields:
            if (
                isinstance(field, CharField | TextField)
                and PERSONAL_LOOKING.search(field.name)
                and field.name not in declared
                and f"{model._meta.label}.{field.name}" not in NOT_PERSONAL
            ):
                errors.append(
                    checks.Error(
                        f"{field.name}: looks like personal data, but no declaration covers it",
                        hint="Declare it in the app's personal_data.py "
                        "(hive.personal_data.registry), or list it in "
                        "hive.checks.NOT_PERSONAL with the reason.",
                        obj=model,
                        id="hive.E007",
                    )
                )
    return errors


@checks.register()
def check_serializers_clean_models(app_configs=None, serializers=None, **kwargs):
    """Every ModelSerializer of the project runs the model's own validation, so a rule
    written once on the model holds at the API too."""
    from rest_framework.serializers import ModelSerializer

    from hive.api import ModelCleanMixin

    def runs_clean(serializer):
        # The mixin must come before ModelSerializer, or DRF's run_validation wins.
        mro = serializer.__mro__
        return ModelCleanMixin in mro and mro.index(ModelCleanMixin) < mro.index(ModelSerializer)

    return [
        checks.Error(
            f"{serializer.__module__}.{serializer.__qualname__} does not run the model's "
            "validation.",
            hint="Put hive.api.ModelCleanMixin first among its bases.",
            obj=serializer,
            id="hive.E008",
        )
        for serializer in (project_model_serializers() if serializers is None else serializers)
        if not runs_clean(serializer)
    ]
