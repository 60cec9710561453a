"""A backtest job the task queue did not take is kept as "unqueued" and sent again by beat every minute."""

from django.db import migrations, models

from turf.schedules import beat_row


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
        beat_row(
            "Wagering: backtest jobs the task queue did not take, sent again",
            "wagering.backtest_requeue",
            "Send again the backtest jobs asked for while the broker (Redis) was away.",
            every_minutes=1,
        ),
    ]
