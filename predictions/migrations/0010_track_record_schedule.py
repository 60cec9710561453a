"""The public track record's closing, scheduled in django-celery-beat (staff can move it in the admin)."""

from django.db import migrations

from turf.schedules import beat_row


class Migration(migrations.Migration):
    dependencies = [
        ("predictions", "0009_track_record"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        beat_row(
            "Track record: close the days whose races have all gone off",
            "predictions.track_record_close",
            "Hash each finished day's pre-off predictions into the public, verifiable chain.",
            every_minutes=10,
        )
    ]
