"""Personal data declared once per model (hive.personal_data.registry): the check that
finds an undeclared personal-looking field, the declarations feeding retention and
subject access, and the one admin mixin that masks and logs reveals."""

import datetime

from django.db import models
from django.test.utils import isolate_apps
from django.urls import reverse

from grids.models import Resident
from hive.checks import check_personal_data_declared
from hive.models import PersonalDataAccess
from hive.personal_data import ERASED
from hive.personal_data.registry import DECLARATIONS, PersonalData, PersonalField, declaration_of
from hive.personal_data.retention import RETENTION_RULES
from hive.personal_data.subject_access import subject_erase, subject_find
from tests.grids.factories import GridFactory, HouseholdFactory, ResidentFactory
from tests.partycommittee.factories import ResidentUnitFactory


def test_the_projects_models_declare_every_personal_looking_field():
    assert check_personal_data_declared() == []


@isolate_apps("hive")
def test_an_undeclared_phone_fails_the_check_until_it_is_declared(monkeypatch):
    class Member(models.Model):
        name = models.CharField(max_length=20)
        mobile_phone = models.CharField(max_length=11)
        home_address = models.TextField()
        notify_by_email = models.BooleanField(default=False)  # not text: not data

        class Meta:
            app_label = "hive"

        def __str__(self):
            return self.name

    errors = check_personal_data_declared(models=[Member])
    assert {(error.id, error.msg.split(":")[0]) for error in errors} == {
        ("hive.E007", "mobile_phone"),
        ("hive.E007", "home_address"),
    }

    monkeypatch.setitem(
        DECLARATIONS,
        Member._meta.label,
        PersonalData(
            Member._meta.label,
            fields={"mobile_phone": PersonalField(), "home_address": PersonalField()},
        ),
    )
    assert check_personal_data_declared(models=[Member]) == []

    monkeypatch.setitem(
        DECLARATIONS,
        Member._meta.label,
        PersonalData(Member._meta.label, fields={"fone": PersonalField()}),
    )
    assert "missing field 'fone'" in check_personal_data_declared(models=[Member])[0].msg


def test_every_retention_rule_comes_from_a_declaration_with_its_erase_values():
    declared = {d.retention.key: d for d in DECLARATIONS.values() if d.retention}
    assert {rule.key for rule in RETENTION_RULES} == set(declared)
    for rule in RETENTION_RULES:
        declaration = declared[rule.key]
        assert rule.model == declaration.model
        if rule.action == "anonymise":
            assert dict(rule.replacements) == declaration.erasure
    resident = dict(next(r for r in RETENTION_RULES if r.key == "grids.resident").replacements)
    assert resident["name"] == ERASED and resident["phone_mask"] == ""


def test_subject_access_searches_and_erases_as_declared(world):
    home = HouseholdFactory(grid=GridFactory(community=world.a), phone="13811112222")
    resident = ResidentFactory(
        household=home, name="李四", phone="13811112222", birth_date=datetime.date(1980, 5, 17)
    )
    unit = ResidentUnitFactory(community=world.a, contact_name="赵六", contact_phone="13811112222")

    found = subject_find(user=world.staff_a, phone="13811112222")
    assert set(found) == {"grids.Resident", "grids.Household", "partycommittee.ResidentUnit"}
    assert all(declaration_of(label).by_phone for label in found)

    assert subject_erase(actor=world.staff_a, phone="13811112222") == 3
    resident.refresh_from_db()
    # The declared erase values, the birth date's expression (TruncYear) included.
    assert (resident.name, resident.phone, resident.phone_mask) == (ERASED, "", "")
    assert resident.birth_date == datetime.date(1980, 1, 1)
    unit.refresh_from_db()
    assert (unit.contact_name, unit.contact_phone) == ("", "")
    assert Resident.objects.get(pk=resident.pk).id_number == ""


def test_the_admin_mixin_masks_declared_fields_and_logs_a_reveal(world, client):
    unit = ResidentUnitFactory(community=world.a, contact_phone="13712345678")
    client.force_login(world.staff_a)
    url = reverse("admin:partycommittee_residentunit_change", args=[unit.pk])
    page = client.get(url).content.decode()
    assert "137****5678" in page and "13712345678" not in page
    client.post(reverse("admin:partycommittee_residentunit_reveal", args=[unit.pk]))
    entry = PersonalDataAccess.objects.get()
    assert (entry.viewer, entry.object_id, entry.fields) == (
        world.staff_a,
        unit.pk,
        "contact_phone",
    )
    assert "13712345678" in client.get(url).content.decode()


def test_the_admin_list_shows_declared_fields_masked(world, client):
    home = HouseholdFactory(grid=GridFactory(community=world.a))
    ResidentFactory(household=home, phone="13612345678")
    client.force_login(world.staff_a)
    page = client.get(reverse("admin:grids_resident_changelist")).content.decode()
    assert "136****5678" in page and "13612345678" not in page
    assert not PersonalDataAccess.objects.exists()
