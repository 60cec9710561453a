"""The alerts' Celery tasks, a module per concern: ``events`` (fan-out, mails), ``webhooks`` (deliveries)."""

from . import events, webhooks  # noqa: F401
