"""The nightly retrain-and-rescore, scheduled in django-celery-beat so staff can move it in the admin."""

from django.db import migrations

from turf.schedules import beat_row


class Migration(migrations.Migration):
    dependencies = [
        ("predictions", "0002_prediction_explanation"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        beat_row(
            "Nightly retrain and rescore",
            "predictions.nightly",
            "Train a candidate on every finished race, promote it if at least as good, "
            "then score today's and tomorrow's races.",
            at="03:30",
        )
    ]
