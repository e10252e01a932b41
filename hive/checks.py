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
