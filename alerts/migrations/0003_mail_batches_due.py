"""Beat's sweep of the alerts' mail batches whose delay has passed, every minute (what sends them in the embedded
mode, where eager Celery cannot hold a countdown; with a worker, what a lost message left pending)."""

from django.db import migrations

from turf.schedules import beat_row


class Migration(migrations.Migration):
    dependencies = [("alerts", "0002_webhook_retry_due")]

    operations = [
        beat_row(
            "Alerts: mail batches whose delay has passed, sent",
            "alerts.mail_batches_due",
            "Mail each user's pending batch of a race's events once TURF_ALERT_MAIL_DELAY has passed.",
            every_minutes=1,
        )
    ]
