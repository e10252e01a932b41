"""The system check behind issue 18: DRF ignores Meta.read_only_fields and
Meta.extra_kwargs for a field the serializer declares, so a field Meta calls read-only
stayed writable. The check makes that mistake fail `manage.py check` (and CI)."""

import pytest
from django.utils import translation
from rest_framework import serializers

from hive.api import ModelCleanMixin, ScopedPrimaryKeyRelatedField
from hive.checks import (
    check_serializer_meta_options,
    check_serializers_clean_models,
    project_model_serializers,
)
from hive.models import Community
from partycommittee.api import UnitProfileSerializer
from partycommittee.models import ResidentUnit
from volunteers.models import PointsScheme


class _Unit(serializers.ModelSerializer):
    community = ScopedPrimaryKeyRelatedField(queryset=Community.objects.all())
    name = serializers.CharField()

    class Meta:
        model = ResidentUnit
        fields = ["id", "community", "name", "address"]


class _Profile(_Unit):
    """The issue's shape: the parent declares `community`, the child's Meta lists it."""

    class Meta(_Unit.Meta):
        read_only_fields = ["community", "address"]
        extra_kwargs = {"name": {"read_only": True}}


class _Fixed(_Unit):
    community = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta(_Unit.Meta):
        read_only_fields = ["community", "address"]


def test_a_declared_field_listed_read_only_but_writable_is_an_error():
    errors = check_serializer_meta_options(serializers=[_Profile])
    assert [(error.id, error.obj) for error in errors] == [
        ("hive.E003", _Profile),
        ("hive.E004", _Profile),
    ]
    assert "'community'" in errors[0].msg and "'name'" in errors[1].msg
    # What DRF does with it: the field is writable, which is why this check exists.
    assert not _Profile().fields["community"].read_only


def test_a_field_declared_read_only_passes():
    assert check_serializer_meta_options(serializers=[_Fixed]) == []
    assert _Fixed().fields["address"].read_only  # a model field: Meta applies


def test_the_project_serializers_pass_the_check():
    found = project_model_serializers()
    names = {serializer.__qualname__ for serializer in found}
    # Every app's API is seen (the URL configuration imports them).
    assert {"UnitProfileSerializer", "SessionSerializer", "PointAwardSerializer"} <= names
    assert check_serializer_meta_options() == []


def test_a_model_serializer_that_skips_the_models_validation_is_an_error():
    """hive.E008: the model's rules (clean(), validators, constraints) must hold at the API."""
    errors = check_serializers_clean_models(serializers=[_Unit, UnitProfileSerializer])
    assert [(error.id, error.obj) for error in errors] == [("hive.E008", _Unit)]
    assert check_serializers_clean_models() == []


class _Scheme(ModelCleanMixin, serializers.ModelSerializer):
    class Meta:
        model = PointsScheme
        fields = ["star2_from", "star3_from", "star4_from", "star5_from"]


@pytest.mark.django_db
def test_a_rule_of_the_whole_row_is_a_non_field_error_of_the_api():
    data = {"star2_from": 50, "star3_from": 40, "star4_from": 60, "star5_from": 70}
    with translation.override("en"):
        serializer = _Scheme(data=data)
        assert not serializer.is_valid()
    assert (
        "Each star threshold must be higher than the one below it."
        in (serializer.errors["non_field_errors"])
    )


def test_the_mixin_after_model_serializer_does_not_count():
    """DRF's run_validation comes first in such a class, so the model's rules never run."""

    class _Late(serializers.ModelSerializer, ModelCleanMixin):
        class Meta:
            model = ResidentUnit
            fields = ["name"]

    errors = check_serializers_clean_models(serializers=[_Late])
    assert [(error.id, error.obj) for error in errors] == [("hive.E008", _Late)]
