from django.db import migrations

# Which plans open the two new features: the bankroll tracker for everyone, history from premium.
OPENS = {"bankroll": ["free", "premium", "pro"], "history": ["premium", "pro"]}


def add(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for feature, codes in OPENS.items():
        for plan in Plan.objects.filter(code__in=codes):
            if feature not in plan.features:
                plan.features = [*plan.features, feature]
                plan.save(update_fields=["features"])


def remove(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for plan in Plan.objects.all():
        plan.features = [f for f in plan.features if f not in OPENS]
        plan.save(update_fields=["features"])


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_default_plans")]
    operations = [migrations.RunPython(add, remove)]
