"""What a subscriber follows (``WatchlistEntry``), what happened that they may want to know (``Event``, produced
once by the pipeline that causes it), how they want to be told (``AlertPreference``: per event type, in-app,
e-mail, webhook), and the telling: in-app ``Alert`` rows, e-mails batched per race (``MailBatch``), and signed
webhook deliveries (``WebhookEndpoint``, ``WebhookDelivery``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FollowKind(models.TextChoices):
    HORSE = "horse", _("Horse")
    JOCKEY = "jockey", _("Jockey or driver")
    TRAINER = "trainer", _("Trainer")
    RACECOURSE = "racecourse", _("Racecourse")
    RACE = "race", _("Race")


# The target column each kind of entry fills (exactly that one).
TARGET_FIELDS = {
    FollowKind.HORSE: "horse",
    FollowKind.JOCKEY: "jockey",
    FollowKind.TRAINER: "trainer",
    FollowKind.RACECOURSE: "racecourse",
    FollowKind.RACE: "race",
}


def _one_target(kind: str) -> Q:
    """The entry of ``kind`` fills its own target column and no other."""
    condition = Q(kind=kind)
    for other_kind, field in TARGET_FIELDS.items():
        condition &= Q(**{f"{field}__isnull": other_kind != kind})
    return condition


class WatchlistEntry(models.Model):
    """A horse, a jockey or driver, a trainer, a racecourse or a single race a user follows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watchlist")
    kind = models.CharField(max_length=12, choices=FollowKind.choices)
    horse = models.ForeignKey("courses.Horse", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    jockey = models.ForeignKey("courses.Jockey", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    trainer = models.ForeignKey("courses.Trainer", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    racecourse = models.ForeignKey(
        "courses.Racecourse", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    race = models.ForeignKey("courses.Race", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "watchlist entries"
        constraints = [
            models.CheckConstraint(
                condition=_one_target(FollowKind.HORSE)
                | _one_target(FollowKind.JOCKEY)
                | _one_target(FollowKind.TRAINER)
                | _one_target(FollowKind.RACECOURSE)
                | _one_target(FollowKind.RACE),
                name="watchlist_one_target_of_its_kind",
            ),
            *(
                models.UniqueConstraint(
                    fields=["user", field], condition=Q(kind=kind), name=f"watchlist_unique_{field}"
                )
                for kind, field in TARGET_FIELDS.items()
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.kind} {self.target_id}"

    @property
    def target(self):
        return getattr(self, TARGET_FIELDS[self.kind])

    @property
    def target_id(self) -> int:
        return getattr(self, f"{TARGET_FIELDS[self.kind]}_id")


class EventType(models.TextChoices):
    RUNNER_DECLARED = "runner.declared", _("A followed horse or person is declared")
    VALUEBET_CREATED = "valuebet.created", _("A value bet appears")
    VALUEBET_REMOVED = "valuebet.removed", _("A value bet is gone")
    ODDS_MOVED = "odds.moved", _("A followed runner's odds move")
    RACE_RESULT = "race.result", _("A race's result and rapports")
    PREDICTION_UPDATED = "prediction.updated", _("A race's predictions are updated")


class Event(models.Model):
    """Something that happened, once: ``key`` names its cause (``runner.declared:<runner>``, ``race.result:<race>``,
    ...) so a pipeline that runs twice produces it once. ``payload`` is what every channel sends."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=30, choices=EventType.choices)
    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    race = models.ForeignKey("courses.Race", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    runner = models.ForeignKey("courses.Runner", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    payload = models.JSONField(default=dict)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.key}"


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class AlertPreference(models.Model):
    """How a user wants to hear of one event type: the channels (a user with no row for a type gets it in the app
    only), and for ``odds.moved`` the move that counts (percent of the previous cote)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preferences")
    event_type = models.CharField(max_length=30, choices=EventType.choices)
    channels = models.JSONField(default=list, blank=True, help_text='e.g. ["in_app", "email"]; [] = not told')
    odds_move_percent = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)

    class Meta:
        ordering = ["user_id", "event_type"]
        constraints = [models.UniqueConstraint(fields=["user", "event_type"], name="alert_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event_type}: {', '.join(self.channels) or '-'}"


class Alert(models.Model):
    """An event told to a user in the app (the alerts list and the pages' badge)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="alerts")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="alert_unique_user_event")]
        indexes = [models.Index(fields=["user", "read_at"], name="alert_user_unread_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event_id}"


class MailBatch(models.Model):
    """The events of one race waiting to be mailed to one user together: at most one pending batch per user and
    race, sent once (``sent_at``) by a task queued when the batch opens."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_batches")
    race = models.ForeignKey("courses.Race", on_delete=models.CASCADE, related_name="+")
    events = models.ManyToManyField(Event, related_name="mail_batches")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "mail batches"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "race"], condition=Q(sent_at__isnull=True), name="mail_batch_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} race {self.race_id}"


class WebhookEndpoint(models.Model):
    """A pro user's URL that receives the events it lists, signed with its ``secret`` (shown once at creation;
    kept to sign, never logged nor shown again)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)
    failing_since = models.DateTimeField(null=True, blank=True, help_text="First failure since the last success")
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")
    REFUSED = "refused", _("Refused (address not allowed)")


class WebhookDelivery(models.Model):
    """One event sent to one endpoint: the exact body signed, and how its attempts went."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries")
    event_type = models.CharField(max_length=30)
    body = models.TextField(help_text="The JSON body as signed and sent")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], condition=Q(event__isnull=False), name="delivery_once_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.endpoint_id} ({self.status})"
