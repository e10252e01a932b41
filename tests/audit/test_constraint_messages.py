"""A rule the database enforces, broken in a form, is told in words a community worker
reads: every check constraint and every conditional or expression unique constraint of
the project's models carries a translatable message of its own, not Django's default
"Constraint “name” is violated." (a plain unique constraint on fields gets Django's own
translated "… with this … already exists", so it needs none)."""

import pytest
from django.apps import apps
from django.conf import settings
from django.db.models import UniqueConstraint
from django.utils import translation


def _told_by_message(constraint) -> bool:
    if isinstance(constraint, UniqueConstraint):
        return constraint.condition is not None or bool(constraint.expressions)
    return True


def _constraints():
    for model in apps.get_models():
        if model._meta.app_label not in settings.PROJECT_APPS:
            continue
        for constraint in model._meta.constraints:
            if _told_by_message(constraint):
                yield model, constraint


def test_every_constraint_a_form_can_break_has_a_message_of_its_own():
    missing = [
        f"{model._meta.label}.{constraint.name}"
        for model, constraint in _constraints()
        if constraint.violation_error_message
        in (None, type(constraint).default_violation_error_message)
    ]
    assert missing == []


@pytest.mark.parametrize("language", ["zh-hans"])
def test_the_messages_are_in_chinese(language):
    with translation.override(language):
        untranslated = [
            constraint.name
            for _model, constraint in _constraints()
            if str(constraint.violation_error_message).isascii()
        ]
    assert untranslated == []
