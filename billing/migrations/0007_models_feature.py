from django.db import migrations

from billing.plan_features import plans_open

# The model registry (GET /api/v1/models) opens from premium, as the model's metrics do.
OPENS = {"models": ["premium", "pro"]}


class Migration(migrations.Migration):
    dependencies = [("billing", "0006_past_due_schedule")]
    operations = [plans_open(OPENS)]
