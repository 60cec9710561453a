"""The live day's two periodic tasks, in django-celery-beat so staff can move or pause them in the admin: the
morning step (today's and tomorrow's programme, their checks planned) and the tick that runs the due checks."""

from django.db import migrations

MORNING = "Live feed: the morning programme"
TICK = "Live feed: the scheduled checks"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="6", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Paris"
    )
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=MORNING,
        defaults={
            "task": "courses.feed_morning",
            "crontab": crontab,
            "enabled": True,
            "description": "Read today's and tomorrow's programme from the live feed (TURF_FEED) and plan their "
            "checks: odds before each off, the off, the results after it.",
        },
    )
    PeriodicTask.objects.get_or_create(
        name=TICK,
        defaults={
            "task": "courses.feed_tick",
            "interval": every_minute,
            "enabled": True,
            "description": "Run the live feed's scheduled checks that are due.",
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[MORNING, TICK]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0004_sched_check_started_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
