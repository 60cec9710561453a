"""The model registry and the predictions each model version made.

Predictions are stored per runner *and* model version: a new model adds rows of its own and
never rewrites what an older version said, so the history a subscriber saw stays reproducible.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ModelKind(models.TextChoices):
    MARKET = "market", _("Market baseline (normalised 1/odds)")
    FUNDAMENTAL = "fundamental", _("Fundamental (form, people, conditions)")
    COMBINED = "combined", _("Combined (fundamental + market, Benter)")


class ModelStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


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
    fingerprint = models.CharField(
        max_length=64,
        blank=True,
        help_text="SHA-256 of what the training read: the races and results it covered, the feature and training "
        "code, the kind, source and hyper-parameters (predictions.services.registry.training_fingerprint)",
    )
    rerun = models.BooleanField(
        default=False,
        help_text="Trained on the same input as the version active then (same fingerprint): promoted only if "
        "strictly better",
    )
    promoted_at = models.DateTimeField(null=True, blank=True, help_text="When it was last made the active version")

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


class PublishedStage(models.TextChoices):
    MORNING = "morning", "Morning (the programme's first scoring, against the morning line)"
    OFF = "off", "At the off (the last prediction before the race)"


class PublishedPrediction(models.Model):
    """What Turf published about one runner before its race, frozen: written once per stage, never rewritten.

    The ``off`` row is the prediction served when the race went off; history, metrics and backtests judge
    the model by it, against the market at the same moment (``market_probability``, from ``odds``).
    """

    runner = models.ForeignKey("courses.Runner", on_delete=models.CASCADE, related_name="published", db_index=False)
    stage = models.CharField(max_length=8, choices=PublishedStage.choices)
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="published")
    win_probability = models.FloatField()
    place_probability = models.FloatField()
    market_probability = models.FloatField(null=True, blank=True, help_text="Normalised 1/odds at the same moment")
    rank = models.PositiveSmallIntegerField()
    odds = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True, help_text="The odds it saw")
    odds_at = models.DateTimeField(null=True, blank=True, help_text="When those odds were taken")
    scored_at = models.DateTimeField(help_text="When the prediction was computed")
    published_at = models.DateTimeField(help_text="When it was frozen")

    class Meta:
        ordering = ["runner_id", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["runner", "stage"], name="published_unique_runner_stage"),
            models.CheckConstraint(
                condition=Q(win_probability__gte=0) & Q(win_probability__lte=1), name="published_win_0_1"
            ),
            models.CheckConstraint(
                condition=Q(place_probability__gte=0) & Q(place_probability__lte=1), name="published_place_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.runner_id} {self.stage}: {self.win_probability:.3f}"


class RecordChain(models.TextChoices):
    REAL = "real", _("Real races")
    DEMO = "demo", _("Synthetic demo races")


class TrackRecordDay(models.Model):
    """A closed day of the public track record: its lines (``TrackRecordLine``), hashed and chained to the day before
    in the same chain (``predictions.services.track_record``). Written once, never changed."""

    chain = models.CharField(max_length=4, choices=RecordChain.choices)
    day = models.DateField()
    races = models.PositiveIntegerField()
    runners = models.PositiveIntegerField()
    lines_hash = models.CharField(max_length=64, help_text='sha256 of the lines joined by "\\n", hex')
    previous_day_hash = models.CharField(max_length=64, help_text="the chain's previous day_hash, or 64 zeros")
    day_hash = models.CharField(max_length=64, help_text="sha256(previous_day_hash + lines_hash), hex")
    closed_at = models.DateTimeField()

    class Meta:
        ordering = ["chain", "day"]
        constraints = [models.UniqueConstraint(fields=["chain", "day"], name="trackrecordday_unique_chain_day")]

    def __str__(self) -> str:
        return f"{self.chain} {self.day} {self.day_hash[:12]}"


class TrackRecordLine(models.Model):
    """One runner's frozen pre-off prediction as published in the record: the canonical text exactly as hashed."""

    day = models.ForeignKey(TrackRecordDay, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveIntegerField(help_text="Order in the day: by réunion, course, saddle number")
    race_code = models.CharField(max_length=12)
    saddle_number = models.PositiveSmallIntegerField()
    text = models.TextField(help_text="Canonical JSON: sorted keys, no spaces, decimals as fixed-place strings")
    published = models.ForeignKey(
        PublishedPrediction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["day_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["day", "position"], name="trackrecordline_unique_day_position"),
        ]

    def __str__(self) -> str:
        return f"{self.race_code} #{self.saddle_number}"
