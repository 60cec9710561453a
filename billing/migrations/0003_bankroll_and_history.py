from django.db import migrations

from billing.plan_features import plans_open

# Which plans open the two new features: the bankroll tracker for everyone, history from premium.
OPENS = {"bankroll": ["free", "premium", "pro"], "history": ["premium", "pro"]}


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_default_plans")]
    operations = [plans_open(OPENS)]
