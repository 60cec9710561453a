"""The public track record's closing, scheduled in django-celery-beat (staff can move it in the admin)."""

from django.db import migrations

TASK_NAME = "Track record: close the days whose races have all gone off"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "predictions.track_record_close",
            "interval": every,
            "enabled": True,
            "description": "Hash each finished day's pre-off predictions into the public, verifiable chain.",
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("predictions", "0009_track_record"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
