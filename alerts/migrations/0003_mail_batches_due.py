"""Beat's sweep of the alerts' mail batches whose delay has passed, every minute (what sends them in the embedded
mode, where eager Celery cannot hold a countdown; with a worker, what a lost message left pending)."""

from django.db import migrations

TASK_NAME = "Alerts: mail batches whose delay has passed, sent"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "alerts.mail_batches_due",
            "interval": every_minute,
            "enabled": True,
            "description": "Mail each user's pending batch of a race's events once TURF_ALERT_MAIL_DELAY has passed.",
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("alerts", "0002_webhook_retry_due")]

    operations = [migrations.RunPython(schedule, unschedule)]
