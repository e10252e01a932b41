"""The micro-wish contact erase became one rule of the general retention task
(hive.apply_retention, created after migrate by hive.queue.schedules): remove the old
periodic task, whose Celery task no longer exists. Reversing does not bring it back
(the task is gone); the general task covers it."""

from django.db import migrations


def retire(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task="volunteers.erase_wish_personal_data").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("hive", "0006_audit_trail_append_only"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(retire, migrations.RunPython.noop)]
