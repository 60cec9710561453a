from django.db import migrations

# API keys open from premium.
API_KEYS = ["premium", "pro"]


def forward(apps, schema_editor):
    """Every account gets its subscription, on the plan ``User.plan`` names (the cheapest active one if none)."""
    User = apps.get_model("accounts", "User")
    Plan = apps.get_model("billing", "Plan")
    Subscription = apps.get_model("billing", "Subscription")
    cheapest = Plan.objects.filter(is_active=True).order_by("rank").first() or Plan.objects.order_by("rank").first()
    have = set(Subscription.objects.values_list("user_id", flat=True))
    rows = [
        Subscription(user_id=user.pk, plan_id=user.plan_id or cheapest.pk, status="active")
        for user in User.objects.exclude(pk__in=have).only("pk", "plan_id").iterator()
        if user.plan_id or cheapest
    ]
    Subscription.objects.bulk_create(rows, batch_size=1000)
    for plan in Plan.objects.filter(code__in=API_KEYS):
        if "api_keys" not in plan.features:
            plan.features = [*plan.features, "api_keys"]
            plan.save(update_fields=["features"])


def backward(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Subscription = apps.get_model("billing", "Subscription")
    Plan = apps.get_model("billing", "Plan")
    for sub in Subscription.objects.all().iterator():
        User.objects.filter(pk=sub.user_id).update(plan_id=sub.plan_id)
    for plan in Plan.objects.all():
        plan.features = [f for f in plan.features if f != "api_keys"]
        plan.save(update_fields=["features"])


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_subscriptions"), ("accounts", "0002_lifecycle")]
    operations = [migrations.RunPython(forward, backward)]
