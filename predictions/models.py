"""The model registry and the predictions each model version made.

Predictions are stored per runner *and* model version: a new model adds rows of its own and
never rewrites what an older version said, so the history a subscriber saw stays reproducible.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ModelKind(models.TextChoices):
    MARKET = "market", "Market baseline (normalised 1/odds)"
    FUNDAMENTAL = "fundamental", "Fundamental (form, people, conditions)"
    COMBINED = "combined", "Combined (fundamental + market, Benter)"


class ModelStatus(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class ModelVersion(models.Model):
    """One trained (or rule-based) model. At most one is active: the one the API serves."""

    version = models.CharField(max_length=60, unique=True, help_text='e.g. "market-baseline-1"')
    kind = models.CharField(max_length=12, choices=ModelKind.choices)
    status = models.CharField(max_length=10, choices=ModelStatus.choices, default=ModelStatus.CANDIDATE)
    created_at = models.DateTimeField(auto_now_add=True)
    trained_from = models.DateField(null=True, blank=True, help_text="First race date of the training window")
    trained_until = models.DateField(null=True, blank=True, help_text="Last race date of the training window")
    races_used = models.PositiveIntegerField(null=True, blank=True)
    runners_used = models.PositiveIntegerField(null=True, blank=True)
    features = models.JSONField(default=list, blank=True, help_text="Names of the inputs, in order")
    params = models.JSONField(default=dict, blank=True, help_text="Hyper-parameters and rules")
    metrics = models.JSONField(default=dict, blank=True, help_text="Held-out evaluation, as computed")
    artifact = models.TextField(blank=True, help_text="Serialised model (XGBoost JSON); empty for rule-based ones")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="modelversion_at_most_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.status})"


class Prediction(models.Model):
    """What one model version said about one runner before its race."""

    # No index of its own: the unique (runner, model_version) index starts with runner.
    runner = models.ForeignKey("courses.Runner", on_delete=models.CASCADE, related_name="predictions", db_index=False)
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="predictions")
    win_probability = models.FloatField(help_text="Normalised within the race: the race's runners sum to 1")
    place_probability = models.FloatField(help_text="P(finishing in the places paid), Harville")
    market_probability = models.FloatField(null=True, blank=True, help_text="Normalised 1/odds, where odds exist")
    rank = models.PositiveSmallIntegerField(help_text="1 = the model's top pick in the race")
    odds = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, help_text="The odds the market view used"
    )
    explanation = models.JSONField(
        default=list,
        blank=True,
        help_text="The strongest reasons for the runner's chance: [{feature, label, contribution}], "
        "contribution in log-odds against an average rival (XGBoost pred_contribs)",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    scored_at = models.DateTimeField(
        default=timezone.now, help_text="Last (re)scoring; rows a rescore did not touch are stale"
    )

    class Meta:
        ordering = ["runner_id", "model_version_id"]
        constraints = [
            models.UniqueConstraint(fields=["runner", "model_version"], name="prediction_unique_runner_version"),
            models.CheckConstraint(
                condition=Q(win_probability__gte=0) & Q(win_probability__lte=1),
                name="prediction_win_probability_0_1",
            ),
            models.CheckConstraint(
                condition=Q(place_probability__gte=0) & Q(place_probability__lte=1),
                name="prediction_place_probability_0_1",
            ),
            models.CheckConstraint(condition=Q(rank__gte=1), name="prediction_rank_positive"),
        ]
        indexes = [
            # A day's races for one version reach predictions from the runner side through the unique
            # (runner, model_version) index; this one serves version-first reads (top picks, metrics).
            models.Index(fields=["model_version", "rank", "runner"], name="prediction_version_rank_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.runner_id} {self.model_version_id}: {self.win_probability:.3f}"


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
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


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
