"""Send the webhook deliveries that are due, in this process (what the worker's retries do, without a broker:
the embedded mode runs it from cron)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from alerts.models import DeliveryStatus, WebhookDelivery
from alerts.services.webhooks import webhook_attempt


class Command(BaseCommand):
    help = "Attempt every webhook delivery pending or whose retry is due; print how each went."

    def handle(self, *args, **options):
        now = timezone.now()
        due = WebhookDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.RETRYING, next_attempt_at__lte=now)
        ).values_list("id", flat=True)
        outcomes: dict[str, int] = {}
        for pk in list(due[:10_000]):
            status = webhook_attempt(delivery_id=str(pk)).status
            outcomes[status] = outcomes.get(status, 0) + 1
        summary = ", ".join(f"{count} {status}" for status, count in sorted(outcomes.items())) or "nothing due"
        self.stdout.write(summary)
