"""What a bet pays, as stored: subscribers' own bets (the bankroll tracker) and the backtests they run.

Predictions (what we think will happen) are ``predictions``'; these rows say what backing them paid.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class UserBetType(models.TextChoices):
    SIMPLE_GAGNANT = "simple_gagnant", "Simple gagnant"
    SIMPLE_PLACE = "simple_place", "Simple placé"


class UserBetStatus(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    REFUNDED = "refunded", "Refunded (non-partant or cancelled race)"


class UserBet(models.Model):
    """A bet a subscriber really placed, recorded in their bankroll tracker and settled from the result."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bets")
    runner = models.ForeignKey("courses.Runner", on_delete=models.PROTECT, related_name="user_bets")
    bet_type = models.CharField(max_length=20, choices=UserBetType.choices)
    stake = models.DecimalField(max_digits=10, decimal_places=2)
    odds = models.DecimalField(max_digits=8, decimal_places=2, help_text="the decimal odds taken")
    status = models.CharField(max_length=10, choices=UserBetStatus.choices, default=UserBetStatus.OPEN)
    returned = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    placed_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [models.Index(fields=["user", "status"], name="userbet_user_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(stake__gt=0), name="userbet_stake_positive"),
            models.CheckConstraint(condition=Q(odds__gte=1), name="userbet_odds_at_least_1"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.bet_type} {self.stake} @ {self.odds}"

    @property
    def profit(self):
        return None if self.returned is None else self.returned - self.stake


class BacktestStatus(models.TextChoices):
    # Asked for, but the task queue did not take it: re-sent by the wagering.backtest_requeue beat task.
    UNQUEUED = "unqueued", _("Waiting for the task queue")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BacktestJob(models.Model):
    """One backtest a subscriber asked for: its strategy, window, progress and, when done, its result."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="backtest_jobs")
    params = models.JSONField(default=dict, help_text="The validated strategy parameters")
    start = models.DateField()
    end = models.DateField()
    status = models.CharField(max_length=8, choices=BacktestStatus.choices, default=BacktestStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0-100")
    result = models.JSONField(
        default=dict, blank=True, help_text="summary, baselines, equity curve, unsettled and skipped bets"
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="backtestjob_owner_created_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="backtestjob_progress_0_100"),
            models.CheckConstraint(condition=Q(start__lte=models.F("end")), name="backtestjob_start_before_end"),
        ]

    def __str__(self) -> str:
        return f"backtest {self.pk} {self.start}..{self.end} ({self.status})"


class BacktestBet(models.Model):
    """A settled bet of a backtest job, as it was settled then (race details copied, not joined)."""

    job = models.ForeignKey(BacktestJob, on_delete=models.CASCADE, related_name="bets", db_index=False)
    seq = models.PositiveIntegerField(help_text="Order of the bet in the run, from 1")
    race = models.ForeignKey("courses.Race", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    date = models.DateField()
    race_code = models.CharField(max_length=12)
    racecourse = models.CharField(max_length=120)
    bet_type = models.CharField(max_length=20)
    selection = models.CharField(max_length=20, help_text='Saddle numbers, e.g. "7" or "7-3-9"')
    horse = models.CharField(max_length=400)
    odds = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    probability = models.FloatField(null=True, blank=True)
    expected_value = models.FloatField(null=True, blank=True)
    stake = models.DecimalField(max_digits=14, decimal_places=2)
    returned = models.DecimalField(max_digits=16, decimal_places=2)
    profit = models.DecimalField(max_digits=16, decimal_places=2)
    bankroll = models.DecimalField(max_digits=16, decimal_places=2, help_text="After this bet")
    settled_by = models.CharField(max_length=60)
    model_version = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["job", "seq"]
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="backtestbet_unique_job_seq")]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.seq} {self.race_code} {self.selection}"


class LimitKind(models.TextChoices):
    STAKE_DAY = "stake_day", _("Stakes per day")
    STAKE_WEEK = "stake_week", _("Stakes per week")
    STAKE_MONTH = "stake_month", _("Stakes per month")
    LOSS_MONTH = "loss_month", _("Net loss per month")


class BettingLimit(models.Model):
    """A limit the user set on their bankroll tracker, one row per change (the history is the user's to read).

    The limit of a kind in force at a moment is the latest row whose ``effective_at`` has come; ``amount``
    None lifts the limit. A lower limit takes effect at once; a higher one (or lifting it) 48 hours later
    (``RG_LIMIT_RAISE_DELAY_HOURS``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="betting_limits")
    kind = models.CharField(max_length=20, choices=LimitKind.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True, help_text="EUR; blank = none")
    requested_at = models.DateTimeField(auto_now_add=True)
    effective_at = models.DateTimeField()

    class Meta:
        ordering = ["-effective_at", "-id"]
        indexes = [models.Index(fields=["user", "kind", "effective_at"], name="betlimit_user_kind_eff_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0), name="betlimit_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.amount} from {self.effective_at}"
