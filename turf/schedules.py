"""Beat's rows (django-celery-beat's ``PeriodicTask``) as migrations write them: ``beat_row`` is the one operation a
migration adds to schedule a task, which staff then move, pause or edit in the admin."""

from __future__ import annotations

from django.db import migrations

TIMEZONE = "Europe/Paris"  # the racing day's clock: a crontab row's hours are French hours


def beat_row(
    name: str, task: str, description: str, *, every_minutes: int | None = None, at: str | None = None
) -> migrations.RunPython:
    """The operation that adds beat's row ``name``, running ``task`` every ``every_minutes`` minutes or daily ``at``
    ("HH:MM", French time), enabled; a row of that name already there is left as staff left it. Unapplied, the
    row is removed."""
    if (every_minutes is None) == (at is None):
        raise ValueError("beat_row: give every_minutes or at, not both")

    def schedule(apps, schema_editor):
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        if at is not None:
            hour, minute = (str(int(part)) for part in at.split(":"))
            crontab, _ = apps.get_model("django_celery_beat", "CrontabSchedule").objects.get_or_create(
                minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone=TIMEZONE
            )
            when = {"crontab": crontab}
        else:
            interval, _ = apps.get_model("django_celery_beat", "IntervalSchedule").objects.get_or_create(
                every=every_minutes, period="minutes"
            )
            when = {"interval": interval}
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "enabled": True, "description": description, **when}
        )

    def unschedule(apps, schema_editor):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name).delete()

    return migrations.RunPython(schedule, unschedule)
