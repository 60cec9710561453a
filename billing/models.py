"""Plans: what each subscription level may do. Staff edit these rows; code never hard-codes a plan."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class Feature(models.TextChoices):
    COURSES = "courses", "Today's races"
    RACE_PREDICTIONS = "race_predictions", "A race's predictions"
    TOP3 = "top3", "Top 3 picks of the day"
    PREDICTIONS_ALL = "predictions_all", "All of the day's predictions"
    VALUEBETS = "valuebets", "Value bets"
    METRICS = "metrics", "Model metrics"
    BACKTEST = "backtest", "Backtests"
    EXPORT_CSV = "export_csv", "CSV exports"
    BANKROLL = "bankroll", "Bankroll tracker (one's own bets)"
    HISTORY = "history", "Prediction history with outcomes"


class Plan(models.Model):
    """A subscription level: its price, the features it opens and its request limits."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=60)
    rank = models.PositiveSmallIntegerField(unique=True, help_text="Order from the cheapest (0) up")
    monthly_price = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"), help_text="EUR")
    features = models.JSONField(default=list, blank=True, help_text="Feature codes this plan opens")
    requests_per_minute = models.PositiveIntegerField()
    requests_per_day = models.PositiveIntegerField()
    daily_quotas = models.JSONField(
        default=dict, blank=True, help_text='Calls a day per feature, e.g. {"top3": 1}; absent = unlimited'
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name

    def opens(self, feature: str) -> bool:
        return feature in (self.features or [])

    def quota(self, feature: str) -> int | None:
        value = (self.daily_quotas or {}).get(feature)
        return int(value) if value is not None else None
