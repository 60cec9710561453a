"""The daily end of the past-due grace period, scheduled in django-celery-beat so staff can move it in the admin."""

from django.db import migrations

TASK_NAME = "Billing: subscriptions past due beyond the grace period"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="4", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Paris"
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "billing.expire_past_due",
            "crontab": crontab,
            "enabled": True,
            "description": "Put on the free plan the subscriptions whose payment failed more than "
            "BILLING_PAST_DUE_GRACE_DAYS ago and has not been made since.",
        },
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_subscriptions_from_user_plan"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
