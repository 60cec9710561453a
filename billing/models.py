"""Plans: what each subscription level may do. Staff edit these rows; code never hard-codes a plan."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Feature(models.TextChoices):
    COURSES = "courses", _("Today's races")
    RACE_PREDICTIONS = "race_predictions", _("A race's predictions")
    TOP3 = "top3", _("Top 3 picks of the day")
    PREDICTIONS_ALL = "predictions_all", _("All of the day's predictions")
    VALUEBETS = "valuebets", _("Value bets")
    COMBINATIONS = "combinations", _("A race's combinations (couplé, trio, tiercé, quinté+…)")
    METRICS = "metrics", _("Model metrics")
    BACKTEST = "backtest", _("Backtests")
    EXPORT_CSV = "export_csv", _("CSV exports")
    BANKROLL = "bankroll", _("Bankroll tracker (one's own bets)")
    HISTORY = "history", _("Prediction history with outcomes")
    API_KEYS = "api_keys", _("API keys for scripts")
    MODELS = "models", _("The model registry: every version and its held-out figures")
    WATCHLIST = "watchlist", _("Watchlist: follow horses, people, racecourses and races")
    ALERTS = "alerts", _("Alerts in the app and by e-mail")
    WEBHOOKS = "webhooks", _("Signed webhooks for integrators")


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
    watchlist_limit = models.PositiveIntegerField(default=5, help_text="Watchlist entries a user of this plan may keep")
    is_active = models.BooleanField(default=True)
    stripe_price_id = models.CharField(
        max_length=100, blank=True, help_text="The Stripe Price (monthly) that buys this plan; blank = not sold"
    )

    class Meta:
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name

    def opens(self, feature: str) -> bool:
        return feature in (self.features or [])

    def quota(self, feature: str) -> int | None:
        value = (self.daily_quotas or {}).get(feature)
        return int(value) if value is not None else None


class SubscriptionStatus(models.TextChoices):
    """Stripe's subscription statuses; ``active`` also stands for a free plan, which has no Stripe side."""

    ACTIVE = "active", _("Active")
    TRIALING = "trialing", _("Trialing")
    PAST_DUE = "past_due", _("Past due")
    UNPAID = "unpaid", _("Unpaid")
    INCOMPLETE = "incomplete", _("Incomplete")
    INCOMPLETE_EXPIRED = "incomplete_expired", _("Incomplete, expired")
    CANCELED = "canceled", _("Canceled")
    PAUSED = "paused", _("Paused")


class Subscription(models.Model):
    """The plan a user has: created free at sign-up, moved by Stripe's webhooks, staff and ``set_plan``."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=20, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE)
    stripe_customer_id = models.CharField(max_length=100, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=100, blank=True, db_index=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    past_due_since = models.DateTimeField(null=True, blank=True, help_text="When payment first failed")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id"]

    def __str__(self) -> str:
        return f"{self.user} on {self.plan} ({self.status})"


class StripeEvent(models.Model):
    """A Stripe webhook event, recorded once: the unique event id makes a second delivery change nothing."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    livemode = models.BooleanField(default=False)
    created = models.DateTimeField(null=True, blank=True, help_text="When Stripe created the event")
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class Invoice(models.Model):
    """A paid (or failed) Stripe invoice: kept after the account is erased, as the law requires."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices"
    )
    stripe_invoice_id = models.CharField(max_length=100, unique=True)
    stripe_customer_id = models.CharField(max_length=100, blank=True)
    number = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=30)
    amount_due = models.PositiveIntegerField(default=0, help_text="cents")
    amount_paid = models.PositiveIntegerField(default=0, help_text="cents")
    currency = models.CharField(max_length=3, default="eur")
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    hosted_invoice_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.number or self.stripe_invoice_id} {self.status}"
