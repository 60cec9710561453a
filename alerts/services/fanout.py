"""An event's fan-out: who follows it, by which channels they asked to hear of its type, and the telling.

The followers are read in one query (an OR over the watchlist's targets, distinct users), leaving out the users
who excluded themselves from gambling (``accounts.SelfExclusion`` in force) and the inactive accounts. Each
follower's channels for the event's type come from their ``AlertPreference`` (no row: in the app only), kept
only where their plan opens them (``alerts`` for in-app and e-mail, ``webhooks`` for the webhook). In-app: an
``Alert`` row each; e-mail: the event added to the user's pending ``MailBatch`` of the race, whose send task is
queued with a countdown (``TURF_ALERT_MAIL_DELAY``) when the batch opens, so a burst of events is one mail;
webhook: ``webhooks_enqueue``. The whole is one transaction, run once per event (``fanned_out_at``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from celery import current_app
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.mail import mail_send
from accounts.models import SelfExclusion
from billing.models import Feature
from billing.selectors import plan_list
from courses.models import Runner

from ..models import Alert, AlertPreference, Channel, Event, EventType, MailBatch, WatchlistEntry
from .alerts import alert_unread_forget
from .events import odds_move_default
from .webhooks import webhooks_enqueue

logger = logging.getLogger("turf.alerts")

MAIL_TASK = "alerts.mail_batch_send"
# A batch sent while the fan-out was adding to it is replaced by a new one: this many tries, then the event waits
# in a batch of its own for the next send (never lost: the last try creates the batch it adds to).
BATCH_TRIES = 3


@dataclass
class FanOut:
    """What one fan-out did (user ids per channel)."""

    event_id: str
    already: bool = False
    followers: int = 0
    channels: dict[str, list[int]] = field(default_factory=dict)
    batches_opened: int = 0
    webhook_deliveries: int = 0


def event_followers(event: Event) -> Q:
    """The watchlist entries that make a user a follower of ``event``: its race and racecourse; for a runner's
    event its horse, jockey and trainer; for a race's event those of every runner in the race."""
    condition = Q(race_id=event.race_id)
    racecourse_id = event.race.meeting.racecourse_id if event.race_id else None
    if racecourse_id:
        condition |= Q(racecourse_id=racecourse_id)
    if event.runner_id:
        runner = event.runner
        condition |= Q(horse_id=runner.horse_id)
        if runner.jockey_id:
            condition |= Q(jockey_id=runner.jockey_id)
        if runner.trainer_id:
            condition |= Q(trainer_id=runner.trainer_id)
    elif event.race_id:
        runners = Runner.objects.filter(race_id=event.race_id)
        condition |= (
            Q(horse_id__in=runners.values("horse_id"))
            | Q(jockey_id__in=runners.filter(jockey__isnull=False).values("jockey_id"))
            | Q(trainer_id__in=runners.filter(trainer__isnull=False).values("trainer_id"))
        )
    return condition


def _plans_opening(feature: str) -> tuple[set[int], bool]:
    """The ids of the plans that open ``feature``, and whether the plan of a user without a subscription does."""
    plans = list(plan_list())
    opening = {plan.pk for plan in plans if plan.opens(feature)}
    return opening, bool(plans) and plans[0].pk in opening


def _followers(event: Event) -> list[tuple[int, int | None]]:
    """(user id, plan id or None) of every active, not self-excluded user who follows ``event``: one query."""
    User = get_user_model()
    entries = WatchlistEntry.objects.filter(event_followers(event), user=OuterRef("pk"))
    excluded = SelfExclusion.objects.in_force().filter(user=OuterRef("pk"))
    return list(
        User.objects.filter(Exists(entries), is_active=True)
        .exclude(Exists(excluded))
        .values_list("pk", "subscription__plan_id")
    )


def event_fan_out(*, event_id) -> FanOut:
    """Tell ``event``'s followers by the channels they chose; once (a second run finds ``fanned_out_at`` set)."""
    with transaction.atomic():
        event = (
            Event.objects.select_for_update(of=("self",))
            .select_related("race__meeting", "runner")
            .filter(pk=event_id)
            .first()
        )
        if event is None:
            return FanOut(event_id=str(event_id), already=True)
        report = FanOut(event_id=str(event.pk))
        if event.fanned_out_at is not None:
            report.already = True
            return report
        followers = _followers(event)
        report.followers = len(followers)
        channels = _channels(event, followers)
        report.channels = {channel: sorted(users) for channel, users in channels.items()}
        if channels[Channel.IN_APP]:
            Alert.objects.bulk_create(
                [Alert(user_id=user_id, event=event) for user_id in channels[Channel.IN_APP]],
                ignore_conflicts=True,
                batch_size=2000,
            )
            alert_unread_forget(user_ids=channels[Channel.IN_APP])
        if channels[Channel.EMAIL] and event.race_id:
            report.batches_opened = _mail_batches_add(event, channels[Channel.EMAIL])
        if channels[Channel.WEBHOOK]:
            report.webhook_deliveries = webhooks_enqueue(event=event, user_ids=channels[Channel.WEBHOOK])
        event.fanned_out_at = timezone.now()
        event.save(update_fields=["fanned_out_at"])
    logger.info(
        "event %s %s: %d followers, in-app %d, e-mail %d (%d batches opened), webhook %d",
        event.type,
        event.pk,
        report.followers,
        len(report.channels[Channel.IN_APP]),
        len(report.channels[Channel.EMAIL]),
        report.batches_opened,
        len(report.channels[Channel.WEBHOOK]),
    )
    return report


def _channels(event: Event, followers: list[tuple[int, int | None]]) -> dict[str, set[int]]:
    """The followers per channel: their preference for the event's type (none: in-app), what their plan opens,
    and for an odds move the size of move they asked for."""
    channels: dict[str, set[int]] = {channel: set() for channel in Channel.values}
    if not followers:
        return channels
    alerts_plans, alerts_default = _plans_opening(Feature.ALERTS)
    webhook_plans, webhook_default = _plans_opening(Feature.WEBHOOKS)
    preferences = {
        user_id: (chosen, percent)
        for user_id, chosen, percent in AlertPreference.objects.filter(
            event_type=event.type, user_id__in=[user_id for user_id, _ in followers]
        ).values_list("user_id", "channels", "odds_move_percent")
    }
    move = abs(Decimal(event.payload.get("move_percent") or 0)) if event.type == EventType.ODDS_MOVED else None
    default_percent = odds_move_default()
    for user_id, plan_id in followers:
        chosen, percent = preferences.get(user_id, ([Channel.IN_APP], None))
        if move is not None and move < (percent if percent is not None else default_percent):
            continue
        opens_alerts = plan_id in alerts_plans if plan_id is not None else alerts_default
        opens_webhooks = plan_id in webhook_plans if plan_id is not None else webhook_default
        for channel in chosen or ():
            if channel == Channel.WEBHOOK:
                if opens_webhooks:
                    channels[channel].add(user_id)
            elif channel in channels and opens_alerts:
                channels[channel].add(user_id)
    return channels


def _mail_batches_add(event: Event, user_ids: set[int]) -> int:
    """Add ``event`` to each user's pending batch of its race (opened where none is); queue the send of each batch
    opened here with the mail delay. The batches opened."""
    through = MailBatch.events.through
    opened: list[int] = []
    waiting = set(user_ids)
    for _attempt in range(BATCH_TRIES):
        pending = MailBatch.objects.filter(race_id=event.race_id, user_id__in=waiting, sent_at__isnull=True)
        before = set(pending.values_list("pk", flat=True))
        # The partial unique constraint (one pending batch per user and race) makes a concurrent opening a no-op.
        MailBatch.objects.bulk_create(
            [MailBatch(user_id=user_id, race_id=event.race_id) for user_id in waiting],
            ignore_conflicts=True,
            batch_size=2000,
        )
        # Locked: a batch being sent now is waited for, then no longer pending (and its user tried again).
        batches = dict(pending.select_for_update().values_list("user_id", "pk"))
        through.objects.bulk_create(
            [through(mailbatch_id=pk, event_id=event.pk) for pk in batches.values()],
            ignore_conflicts=True,
            batch_size=2000,
        )
        opened.extend(pk for pk in batches.values() if pk not in before)
        waiting -= batches.keys()
        if not waiting:
            break
    if waiting:
        logger.warning("event %s: %d users' mail batches could not be opened", event.pk, len(waiting))
    delay = settings.TURF_ALERT_MAIL_DELAY
    transaction.on_commit(
        lambda: [current_app.signature(MAIL_TASK, args=(pk,)).apply_async(countdown=delay) for pk in opened]
    )
    return len(opened)


# ---------------------------------------------------------------------------------------------------- the mail

MAIL_TEMPLATE = "alert_batch"


def mail_batch_send(*, batch_id: int) -> bool:
    """Send a pending batch as one mail to its user, in their language, and mark it sent; True once mailed. A
    batch already sent is left alone; a user who has since excluded themselves or lost the feature gets none."""
    with transaction.atomic():
        batch = (
            MailBatch.objects.select_for_update(of=("self",))
            .select_related("user", "race__meeting__racecourse")
            .filter(pk=batch_id, sent_at__isnull=True)
            .first()
        )
        if batch is None:
            return False
        batch.sent_at = timezone.now()
        batch.save(update_fields=["sent_at"])
        user = batch.user
        events = list(batch.events.order_by("created_at"))
        if not events or not _may_be_mailed(user):
            return False
        race = batch.race
        # Sent inside the transaction: a failed send rolls the batch back to pending, and the task retries.
        mail_send(
            to=user.email,
            template=MAIL_TEMPLATE,
            subject=format_lazy(
                _("Turf: news of {race} at {racecourse}"), race=race.code, racecourse=race.meeting.racecourse.name
            ),
            context={"race": race, "events": [_mail_line(event) for event in events]},
            user=user,
        )
    return True


def mail_batches_due(*, now: dt.datetime | None = None) -> int:
    """Send every pending batch opened at least ``TURF_ALERT_MAIL_DELAY`` seconds before ``now``; the mails sent.
    Beat runs it every minute: in the embedded mode (eager Celery, no broker to hold a countdown) it is what sends
    the batches, one mail per race and user for the events of the delay; with a worker it sends what a lost message
    left pending."""
    due = (now or timezone.now()) - dt.timedelta(seconds=settings.TURF_ALERT_MAIL_DELAY)
    pending = MailBatch.objects.filter(sent_at__isnull=True, created_at__lte=due).order_by("created_at")
    return sum(mail_batch_send(batch_id=pk) for pk in list(pending.values_list("pk", flat=True)))


def _may_be_mailed(user) -> bool:
    if not user.is_active or not user.email:
        return False
    if SelfExclusion.objects.filter(user=user).in_force().exists():
        return False
    opening, default = _plans_opening(Feature.ALERTS)
    plan_id = getattr(getattr(user, "subscription", None), "plan_id", None)
    return plan_id in opening if plan_id is not None else default


def _mail_line(event: Event) -> dict:
    """An event as the mail lists it: its type's label and the payload's figures."""
    return {"type": event.type, "label": EventType(event.type).label, "payload": event.payload, "at": event.created_at}
