"""Remove the ``celery.backend_cleanup`` row beat added: Redis expires results itself (``turf/beat.py``)."""

from django.db import migrations

BACKEND_CLEANUP = "celery.backend_cleanup"


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=BACKEND_CLEANUP, task=BACKEND_CLEANUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("turf", "0001_audit_trail"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(remove, migrations.RunPython.noop)]
