"""Beat's sweep of the webhook deliveries whose retry is overdue, every minute."""

from django.db import migrations

from turf.schedules import beat_row


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        beat_row(
            "Alerts: webhook deliveries whose retry is overdue, sent again",
            "alerts.webhook_retry_due",
            "Send again the webhook deliveries no retry message holds (a lost message, a killed worker).",
            every_minutes=1,
        )
    ]
