"""Bets and backtests move to the ``wagering`` app: the tables are renamed, every row kept.

The database work is here (the tables take the new app's names); ``wagering.0001_initial`` only
declares the models in the new app's state.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("predictions", "0005_backtests"),
    ]

    operations = [
        migrations.AlterModelTable(name="userbet", table="wagering_userbet"),
        migrations.AlterModelTable(name="backtestjob", table="wagering_backtestjob"),
        migrations.AlterModelTable(name="backtestbet", table="wagering_backtestbet"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="BacktestBet"),
                migrations.DeleteModel(name="BacktestJob"),
                migrations.DeleteModel(name="UserBet"),
            ],
        ),
    ]
