"""The models of bets and backtests, moved here from ``predictions`` with every row.

``predictions.0006`` renamed their tables to this app's names; this migration only declares the
models in this app's state (no table is created), and moves their content types and permissions
over so that staff keep their rights on them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ("userbet", "backtestjob", "backtestbet")


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="predictions", model__in=MOVED).update(app_label="wagering")


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="wagering", model__in=MOVED).update(app_label="predictions")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("courses", "0002_runner_sectionals"),
        ("predictions", "0006_bets_and_backtests_to_wagering"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="BacktestJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("params", models.JSONField(default=dict, help_text="The validated strategy parameters")),
                        ("start", models.DateField()),
                        ("end", models.DateField()),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Running"),
                                    ("done", "Done"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=8,
                            ),
                        ),
                        ("progress", models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0-100")),
                        (
                            "result",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                help_text="summary, baselines, equity curve, unsettled and skipped bets",
                            ),
                        ),
                        ("error", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="backtest_jobs",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="BacktestBet",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("seq", models.PositiveIntegerField(help_text="Order of the bet in the run, from 1")),
                        ("date", models.DateField()),
                        ("race_code", models.CharField(max_length=12)),
                        ("racecourse", models.CharField(max_length=120)),
                        ("bet_type", models.CharField(max_length=20)),
                        ("selection", models.CharField(help_text='Saddle numbers, e.g. "7" or "7-3-9"', max_length=20)),
                        ("horse", models.CharField(max_length=400)),
                        ("odds", models.DecimalField(blank=True, decimal_places=2, max_digits=8, null=True)),
                        ("probability", models.FloatField(blank=True, null=True)),
                        ("expected_value", models.FloatField(blank=True, null=True)),
                        ("stake", models.DecimalField(decimal_places=2, max_digits=14)),
                        ("returned", models.DecimalField(decimal_places=2, max_digits=16)),
                        ("profit", models.DecimalField(decimal_places=2, max_digits=16)),
                        ("bankroll", models.DecimalField(decimal_places=2, help_text="After this bet", max_digits=16)),
                        ("settled_by", models.CharField(max_length=60)),
                        ("model_version", models.CharField(blank=True, max_length=60)),
                        (
                            "race",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="courses.race",
                            ),
                        ),
                        (
                            "job",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="bets",
                                to="wagering.backtestjob",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["job", "seq"],
                    },
                ),
                migrations.CreateModel(
                    name="UserBet",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "bet_type",
                            models.CharField(
                                choices=[("simple_gagnant", "Simple gagnant"), ("simple_place", "Simple placé")],
                                max_length=20,
                            ),
                        ),
                        ("stake", models.DecimalField(decimal_places=2, max_digits=10)),
                        (
                            "odds",
                            models.DecimalField(decimal_places=2, help_text="the decimal odds taken", max_digits=8),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("open", "Open"),
                                    ("won", "Won"),
                                    ("lost", "Lost"),
                                    ("refunded", "Refunded (non-partant or cancelled race)"),
                                ],
                                default="open",
                                max_length=10,
                            ),
                        ),
                        ("returned", models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                        ("placed_at", models.DateTimeField(auto_now_add=True)),
                        ("settled_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "runner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="user_bets",
                                to="courses.runner",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="bets",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-placed_at", "-id"],
                    },
                ),
                migrations.AddIndex(
                    model_name="backtestjob",
                    index=models.Index(fields=["owner", "-created_at"], name="backtestjob_owner_created_idx"),
                ),
                migrations.AddConstraint(
                    model_name="backtestjob",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("progress__lte", 100)), name="backtestjob_progress_0_100"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="backtestjob",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("start__lte", models.F("end"))), name="backtestjob_start_before_end"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="backtestbet",
                    constraint=models.UniqueConstraint(fields=("job", "seq"), name="backtestbet_unique_job_seq"),
                ),
                migrations.AddIndex(
                    model_name="userbet",
                    index=models.Index(fields=["user", "status"], name="userbet_user_status_idx"),
                ),
                migrations.AddConstraint(
                    model_name="userbet",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("stake__gt", 0)), name="userbet_stake_positive"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="userbet",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("odds__gte", 1)), name="userbet_odds_at_least_1"
                    ),
                ),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_back),
    ]
