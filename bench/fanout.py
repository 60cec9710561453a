"""Fan one ``runner.declared`` event out to 10,000 followers of one horse: in-app alerts and mail batches.

    .venv/bin/python bench/fanout.py [--followers 10000] [--runs 3] [--sqlite]

Creates ``--followers`` users (bulk-created, each on the free plan, each following the same horse and asking for
``runner.declared`` in the app and by e-mail) in a fresh database (``turf_bench_fanout`` on
``BENCH_DATABASE_URL``'s PostgreSQL server, default ``postgres://postgres@127.0.0.1:5432``; ``--sqlite`` or no
PostgreSQL: a temporary SQLite file). Each run declares the horse in a new race (``events_runner_declared``) and
times ``event_fan_out`` of the event: the followers' query, the preferences, 10,000 ``Alert`` rows, 10,000 mail
batches opened and the event added to each, the sends queued (counted here, not sent: a batch's mail goes after
``TURF_ALERT_MAIL_DELAY``, by its own task). The baseline, measured in the same run: ``bulk_create`` of as many
bare ``Alert`` rows for another event, in one transaction — the least any fan-out writes. Prints seconds, best of
``--runs``, and the ratio; then the time of sending 100 of the batches' mails (rendered, locmem backend) for scale.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench_database import in_bench_database

ROOT = Path(__file__).resolve().parents[1]
PG_DB = "turf_bench_fanout"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.child:
        in_bench_database(
            __file__,
            PG_DB,
            sqlite=args.sqlite,
            env={"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend", "REDIS_URL": None},
        )
    _measure(args)


def _measure(args) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import datetime as dt
    from decimal import Decimal
    from unittest import mock

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core import mail
    from django.db import connection, transaction
    from django.test.utils import override_settings
    from django.utils import timezone

    from alerts.models import Alert, AlertPreference, Channel, Event, EventType, FollowKind, MailBatch, WatchlistEntry
    from alerts.services import events as producers
    from alerts.services import fanout
    from billing.models import Plan, Subscription
    from courses.models import Discipline, Horse, Meeting, Race, Racecourse, Runner

    n = args.followers
    print(f"fan-out: {connection.vendor}, {n} followers of one horse, in-app + e-mail, best of {args.runs}")
    User = get_user_model()
    password = make_password(None)
    started = time.perf_counter()
    users = User.objects.bulk_create(
        [User(email=f"follower{i}@bench.test", password=password) for i in range(n)], batch_size=2000
    )
    free = Plan.objects.get(code="free")
    Subscription.objects.bulk_create([Subscription(user=user, plan=free) for user in users], batch_size=2000)
    horse = Horse.objects.create(name="Bench Horse")
    WatchlistEntry.objects.bulk_create(
        [WatchlistEntry(user=user, kind=FollowKind.HORSE, horse=horse) for user in users], batch_size=2000
    )
    AlertPreference.objects.bulk_create(
        [
            AlertPreference(user=user, event_type=EventType.RUNNER_DECLARED, channels=[Channel.IN_APP, Channel.EMAIL])
            for user in users
        ],
        batch_size=2000,
    )
    racecourse = Racecourse.objects.create(code="BENCH", name="Bench")
    print(f"setup (not timed): {time.perf_counter() - started:.1f} s")

    queued: list[int] = []
    sends = mock.Mock()
    sends.signature.side_effect = lambda name, args=(), **kw: mock.Mock(
        apply_async=lambda countdown: queued.append(args[0]), delay=lambda: None
    )
    fan_outs, baselines = [], []
    for run in range(args.runs):
        day = timezone.localdate() + dt.timedelta(days=run + 1)
        meeting = Meeting.objects.create(date=day, number=1, racecourse=racecourse)
        race = Race.objects.create(
            meeting=meeting,
            number=1,
            discipline=Discipline.PLAT,
            distance=1600,
            start_time=timezone.now() + dt.timedelta(days=run + 1),
        )
        Runner.objects.create(race=race, horse=horse, saddle_number=1, morning_odds=Decimal("4.0"))
        # Fanned out below, timed: the producer's queueing is left out.
        with mock.patch.object(producers, "event_fan_out_queue"), transaction.atomic():
            (event,) = producers.events_runner_declared(race_ids=[race.pk])
        queued.clear()
        with mock.patch.object(fanout, "current_app", sends):
            clock = time.perf_counter()
            report = fanout.event_fan_out(event_id=event.pk)
            fan_outs.append(time.perf_counter() - clock)
        assert report.followers == n and report.batches_opened == n and len(queued) == n, report.batches_opened
        assert Alert.objects.filter(event=event).count() == n
        bare = Event.objects.create(type=EventType.RUNNER_DECLARED, key=f"bench:{run}", race=race)
        clock = time.perf_counter()
        with transaction.atomic():
            Alert.objects.bulk_create([Alert(user=user, event=bare) for user in users], batch_size=2000)
        baselines.append(time.perf_counter() - clock)
        print(f"run {run + 1}: fan-out {fan_outs[-1]:.3f} s, baseline {baselines[-1]:.3f} s")
    best, base = min(fan_outs), min(baselines)
    print(
        f"fan-out of one event to {n} followers: {best:.3f} s (in-app alerts + {n} mail batches); "
        f"baseline bulk_create of {n} bare alerts: {base:.3f} s; ratio {best / base:.1f}x"
    )
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        batches = list(MailBatch.objects.filter(sent_at__isnull=True).values_list("pk", flat=True)[:100])
        clock = time.perf_counter()
        for pk in batches:
            fanout.mail_batch_send(batch_id=pk)
        elapsed = time.perf_counter() - clock
    print(f"sending {len(batches)} batches' mails (one each, rendered): {elapsed:.3f} s, {len(mail.outbox)} mails")


if __name__ == "__main__":
    main()
