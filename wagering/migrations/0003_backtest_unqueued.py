"""A backtest job the task queue did not take is kept as "unqueued" and sent again by beat every minute."""

from django.db import migrations, models

TASK_NAME = "Wagering: backtest jobs the task queue did not take, sent again"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "wagering.backtest_requeue",
            "interval": every_minute,
            "enabled": True,
            "description": "Send again the backtest jobs asked for while the broker (Redis) was away.",
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("wagering", "0002_betting_limits"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AlterField(
            model_name="backtestjob",
            name="status",
            field=models.CharField(
                choices=[
                    ("unqueued", "Waiting for the task queue"),
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                ],
                default="queued",
                max_length=8,
            ),
        ),
        migrations.RunPython(schedule, unschedule),
    ]
