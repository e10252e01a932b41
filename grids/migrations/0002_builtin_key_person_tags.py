"""The built-in key-person tags every community uses (staff add their own per community)."""

from django.db import migrations

BUILTIN_TAGS = [
    ("elderly_alone", "独居老人"),
    ("disabled", "残疾人"),
    ("low_income", "低保户"),
    ("veteran", "退役军人"),
    ("community_correction", "社区矫正人员"),
]


def create_tags(apps, schema_editor):
    KeyPersonTag = apps.get_model("grids", "KeyPersonTag")
    for code, name in BUILTIN_TAGS:
        KeyPersonTag.objects.get_or_create(community=None, code=code, defaults={"name": name})


def remove_tags(apps, schema_editor):
    KeyPersonTag = apps.get_model("grids", "KeyPersonTag")
    KeyPersonTag.objects.filter(
        community=None, code__in=[code for code, _name in BUILTIN_TAGS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("grids", "0001_grids_four_clears_incidents_sweeps")]

    operations = [migrations.RunPython(create_tags, remove_tags)]
