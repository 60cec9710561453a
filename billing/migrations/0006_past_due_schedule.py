"""The daily end of the past-due grace period, scheduled in django-celery-beat so staff can move it in the admin."""

from django.db import migrations

from turf.schedules import beat_row


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_subscriptions_from_user_plan"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        beat_row(
            "Billing: subscriptions past due beyond the grace period",
            "billing.expire_past_due",
            "Put on the free plan the subscriptions whose payment failed more than "
            "BILLING_PAST_DUE_GRACE_DAYS ago and has not been made since.",
            at="04:15",
        )
    ]
