from decimal import Decimal

from django.db import migrations

FREE = ["courses", "race_predictions", "top3"]
PREMIUM = FREE + ["predictions_all", "valuebets", "metrics"]
PRO = PREMIUM + ["backtest", "export_csv"]

PLANS = [
    # code, name, rank, monthly price (EUR), features, per minute, per day, daily quotas
    ("free", "Free", 0, Decimal("0.00"), FREE, 10, 1_000, {"top3": 1}),
    ("premium", "Premium", 1, Decimal("19.90"), PREMIUM, 60, 10_000, {}),
    ("pro", "Pro", 2, Decimal("49.90"), PRO, 500, 100_000, {}),
]


def create_plans(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for code, name, rank, price, features, per_minute, per_day, quotas in PLANS:
        Plan.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "rank": rank,
                "monthly_price": price,
                "features": features,
                "requests_per_minute": per_minute,
                "requests_per_day": per_day,
                "daily_quotas": quotas,
            },
        )


def remove_plans(apps, schema_editor):
    apps.get_model("billing", "Plan").objects.filter(code__in=[p[0] for p in PLANS]).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(create_plans, remove_plans)]
