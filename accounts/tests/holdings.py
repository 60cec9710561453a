"""A user who has a row in every table that holds users, and the walk over those tables.

The walk reads the models Django knows (``apps.get_models()``): a table added later with a key to the user is
found by it, and fails the export and erasure tests until it is exported (its app's ``gdpr.py``) and listed
below, or listed as excluded with its reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Consent, ConsentKind, EmailCode, SelfExclusion
from accounts.services import tokens_issue
from accounts.services.api_keys import api_key_create
from alerts.models import (
    Alert,
    AlertPreference,
    Event,
    EventType,
    FollowKind,
    MailBatch,
    WatchlistEntry,
    WebhookEndpoint,
)
from billing.models import Invoice
from courses.tests.factories import make_race
from wagering.models import BacktestBet, BacktestJob, BettingLimit, LimitKind, UserBet, UserBetType

# Each table holding a user -> the export's section that carries its rows.
EXPORTED = {
    "accounts.EmailCode": "email_codes",
    "accounts.Consent": "consents",
    "accounts.ApiKey": "api_keys",
    "accounts.SelfExclusion": "self_exclusions",
    "billing.Subscription": "subscription",
    "billing.Invoice": "invoices",
    "wagering.UserBet": "bets",
    "wagering.BacktestJob": "backtests",
    "wagering.BettingLimit": "betting_limits",
    "alerts.WatchlistEntry": "watchlist",
    "alerts.AlertPreference": "alert_preferences",
    "alerts.Alert": "alerts",
    "alerts.MailBatch": "alert_mails",
    "alerts.WebhookEndpoint": "webhooks",
}
# Tables holding a user that the export leaves out, and why.
NOT_EXPORTED = {
    "token_blacklist.OutstandingToken": "the refresh tokens issued: live credentials, not information about the "
    "person; written into a file they would let its reader log in (erased with the account: blacklisted, user NULL)",
    "admin.LogEntry": "Django admin's log of what a staff member edited: staff accounts only, about the data they "
    "edited, not about them (acts on subscribers are in the audit trail, which is exported)",
}
# Tables whose rows outlive the account, their key to it set to NULL.
KEPT_ON_ERASURE = {
    "billing.Invoice": "invoices are kept as accounting law requires (10 years in France), without the account",
    "token_blacklist.OutstandingToken": "kept blacklisted until they expire, so an old refresh token is refused",
}


def user_keys() -> list[tuple[type, str]]:
    """(model, attname) of every field of every model pointing at the user model (FK, one-to-one, many-to-many)."""
    User = get_user_model()
    found = []
    for model in apps.get_models():
        for field in [*model._meta.fields, *model._meta.many_to_many]:
            if field.is_relation and field.related_model is User and model is not User:
                found.append((model, field.attname if not field.many_to_many else field.name))
    return found


def rows_of(user_id: int) -> dict[str, int]:
    """How many rows of each table point at the user with ``user_id``."""
    counts: dict[str, int] = {}
    for model, attname in user_keys():
        label = model._meta.label
        counts[label] = counts.get(label, 0) + model._default_manager.filter(**{attname: user_id}).count()
    return counts


def holdings(user) -> dict:
    """Give ``user`` a row in every table that holds users; returns what was made (the API key's key included)."""
    now = timezone.now()
    EmailCode.objects.create(
        user=user, email=user.email, code_hash="pbkdf2$secret-hash", expires_at=now + dt.timedelta(hours=24)
    )
    Consent.objects.create(user=user, kind=ConsentKind.PRIVACY, version="2026-12-04", address="192.0.2.1")
    new_key = api_key_create(user=user, name="export script", address="192.0.2.1")
    SelfExclusion.objects.create(user=user, ends_at=now + dt.timedelta(days=1))
    Invoice.objects.create(
        user=user, stripe_invoice_id=f"in_{user.pk}", number="T-0001", status="paid", amount_due=1900, amount_paid=1900
    )
    race = make_race(code=f"C{user.pk}", date=dt.date(2025, 11, 5) + dt.timedelta(days=user.pk))  # one race each
    UserBet.objects.create(
        user=user,
        runner=race.runners.first(),
        bet_type=UserBetType.SIMPLE_GAGNANT,
        stake=Decimal("2.50"),
        odds=Decimal("4.20"),
    )
    job = BacktestJob.objects.create(
        owner=user, params={"selection": "value"}, start=dt.date(2025, 11, 1), end=dt.date(2025, 11, 30)
    )
    BacktestBet.objects.create(
        job=job,
        seq=1,
        race=race,
        date=dt.date(2025, 11, 5),
        race_code="R1C1",
        racecourse="Vincennes",
        bet_type="simple_gagnant",
        selection="3",
        horse="Horse 3",
        odds=Decimal("5.0"),
        stake=Decimal("10"),
        returned=Decimal("0"),
        profit=Decimal("-10"),
        bankroll=Decimal("990"),
        settled_by="rapport",
    )
    BettingLimit.objects.create(user=user, kind=LimitKind.STAKE_DAY, amount=Decimal("20"), effective_at=now)
    LogEntry.objects.create(user=user, action_flag=ADDITION, object_repr="a plan", change_message="[]")
    WatchlistEntry.objects.create(user=user, kind=FollowKind.RACE, race=race)
    AlertPreference.objects.create(user=user, event_type=EventType.RACE_RESULT, channels=["in_app", "email"])
    event = Event.objects.create(type=EventType.RACE_RESULT, key=f"race.result:{race.pk}", race=race, payload={})
    Alert.objects.create(user=user, event=event)
    MailBatch.objects.create(user=user, race=race).events.add(event)
    webhook_secret = f"whsec_holdings-{user.pk}-secret"
    WebhookEndpoint.objects.create(
        user=user, url="https://hooks.example.com/turf", events=["race.result"], secret=webhook_secret
    )
    tokens = tokens_issue(user=user)
    return {
        "key": new_key.key,
        "tokens": tokens,
        "code_hash": "pbkdf2$secret-hash",
        "key_hash": new_key.api_key.key_hash,
        "webhook_secret": webhook_secret,
    }
