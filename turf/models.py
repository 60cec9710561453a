"""The audit trail: an append-only log of the acts that change what a user may do or pays, chained by SHA-256."""

from __future__ import annotations

from django.db import models


class AuditAction(models.TextChoices):
    PLAN_CHANGED = "plan_changed", "Plan changed"
    SUBSCRIPTION_CHANGED = "subscription_changed", "Subscription changed"
    MODEL_ACTIVATED = "model_activated", "Model version activated"
    API_KEY_CREATED = "api_key_created", "API key created"
    API_KEY_REVOKED = "api_key_revoked", "API key revoked"
    LIMIT_CHANGED = "limit_changed", "Betting limit changed"
    LIMIT_REFUSED = "limit_refused", "Bet refused by a betting limit"
    SELF_EXCLUDED = "self_excluded", "Self-exclusion"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    EMAIL_CHANGED = "email_changed", "E-mail address changed"
    ACCOUNT_DELETED = "account_deleted", "Account deleted"


class ActorKind(models.TextChoices):
    USER = "user", "The user"
    STAFF = "staff", "Staff (admin)"
    STRIPE = "stripe", "Stripe webhook"
    COMMAND = "command", "Management command"
    SYSTEM = "system", "The system (tasks)"


class AuditEntry(models.Model):
    """Who did what, to whom, before and after, when, from which address.

    Rows are never updated or deleted: each row's ``hash`` is SHA-256 over the previous row's hash and this
    row's canonical content (``turf.audit.entry_digest``), so an edited, inserted or deleted row breaks the
    chain that ``manage.py audit_verify`` recomputes. People are referred to by id, not by a foreign key:
    an erased account leaves its entries (and the chain) intact, pointing at no row.
    """

    at = models.DateTimeField(db_index=True)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="The acting user's id, if any")
    subject_id = models.PositiveBigIntegerField(
        null=True, blank=True, db_index=True, help_text="The user the act concerns, if any"
    )
    action = models.CharField(max_length=32, choices=AuditAction.choices, db_index=True)
    target = models.CharField(max_length=120, blank=True, help_text='What was acted on, e.g. "plan", "api_key:7"')
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.target}"
