from django.db import migrations

from billing.plan_features import plans_open

# A race's combinations (couplé, trio, tiercé, quinté+…: GET courses/{race}/combinations and the race card's top
# combinations) open from premium up, like the value bets.
OPENS = {"combinations": ["premium", "pro"]}


class Migration(migrations.Migration):
    dependencies = [("billing", "0007_models_feature")]
    operations = [plans_open(OPENS)]
