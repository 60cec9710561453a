from django.db import migrations

# A race's combinations (couplé, trio, tiercé, quinté+…: GET courses/{race}/combinations and the race card's top
# combinations) open from premium up, like the value bets.
FEATURE = "combinations"
PLANS = ["premium", "pro"]


def add(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for plan in Plan.objects.filter(code__in=PLANS):
        if FEATURE not in plan.features:
            plan.features = [*plan.features, FEATURE]
            plan.save(update_fields=["features"])


def remove(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for plan in Plan.objects.all():
        if FEATURE in plan.features:
            plan.features = [f for f in plan.features if f != FEATURE]
            plan.save(update_fields=["features"])


class Migration(migrations.Migration):
    dependencies = [("billing", "0006_past_due_schedule")]
    operations = [migrations.RunPython(add, remove)]
