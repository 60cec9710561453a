"""Beat's sweep of the webhook deliveries whose retry is overdue, every minute."""

from django.db import migrations

TASK_NAME = "Alerts: webhook deliveries whose retry is overdue, sent again"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "alerts.webhook_retry_due",
            "interval": every_minute,
            "enabled": True,
            "description": "Send again the webhook deliveries no retry message holds (a lost message, a killed worker).",
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
