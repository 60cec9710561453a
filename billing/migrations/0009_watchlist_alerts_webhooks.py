from django.db import migrations, models

from billing.plan_features import plans_open

# Following horses, people, racecourses and races, and the alerts they raise, are open to every plan (a watchlist
# of 5, 50 or 500 entries); signed webhooks are for the integrators of the pro plan.
OPENS = {"watchlist": ["free", "premium", "pro"], "alerts": ["free", "premium", "pro"], "webhooks": ["pro"]}
LIMITS = {"free": 5, "premium": 50, "pro": 500}


def set_limits(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for code, limit in LIMITS.items():
        Plan.objects.filter(code=code).update(watchlist_limit=limit)


class Migration(migrations.Migration):
    dependencies = [("billing", "0008_combinations_feature")]
    operations = [
        migrations.AddField(
            model_name="plan",
            name="watchlist_limit",
            field=models.PositiveIntegerField(default=5, help_text="Watchlist entries a user of this plan may keep"),
        ),
        migrations.RunPython(set_limits, migrations.RunPython.noop),
        plans_open(OPENS),
    ]
