"""The live day's two periodic tasks, in django-celery-beat so staff can move or pause them in the admin: the
morning step (today's and tomorrow's programme, their checks planned) and the tick that runs the due checks."""

from django.db import migrations

from turf.schedules import beat_row


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0004_sched_check_started_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        beat_row(
            "Live feed: the morning programme",
            "courses.feed_morning",
            "Read today's and tomorrow's programme from the live feed (TURF_FEED) and plan their "
            "checks: odds before each off, the off, the results after it.",
            at="06:30",
        ),
        beat_row(
            "Live feed: the scheduled checks",
            "courses.feed_tick",
            "Run the live feed's scheduled checks that are due.",
            every_minutes=1,
        ),
    ]
