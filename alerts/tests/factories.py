"""Small rows for the alerts' tests: a race still to come with named people, followers, preferences."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import SelfExclusion
from alerts.models import AlertPreference, FollowKind, WatchlistEntry
from courses.models import Discipline, Horse, Jockey, Meeting, Race, Racecourse, Runner, Trainer


def race_to_come(*, runners: int = 3, days: int = 1, code: str = "ALR", number: int = 1) -> Race:
    """A race ``days`` ahead (not gone off), its runners with a horse, a jockey and a trainer each."""
    day = timezone.localdate() + dt.timedelta(days=days)
    racecourse, _ = Racecourse.objects.get_or_create(code=code, defaults={"name": f"Hippodrome {code}"})
    meeting = Meeting.objects.filter(date=day, racecourse=racecourse).first() or Meeting.objects.create(
        date=day, number=Meeting.objects.filter(date=day).count() + 1, racecourse=racecourse
    )
    race = Race.objects.create(
        meeting=meeting,
        number=number,
        discipline=Discipline.PLAT,
        distance=1600,
        name=f"Prix {code} {number}",
        start_time=timezone.now() + dt.timedelta(days=days),
    )
    for saddle in range(1, runners + 1):
        Runner.objects.create(
            race=race,
            saddle_number=saddle,
            horse=Horse.objects.create(name=f"Cheval {race.pk}-{saddle}"),
            jockey=Jockey.objects.create(name=f"Jockey {race.pk}-{saddle}"),
            trainer=Trainer.objects.create(name=f"Entraîneur {race.pk}-{saddle}"),
            morning_odds=Decimal("5.00"),
        )
    return race


def follow(user, target) -> WatchlistEntry:
    """``user`` follows ``target`` (a Horse, Jockey, Trainer, Racecourse or Race)."""
    kinds = {
        Horse: FollowKind.HORSE,
        Jockey: FollowKind.JOCKEY,
        Trainer: FollowKind.TRAINER,
        Racecourse: FollowKind.RACECOURSE,
        Race: FollowKind.RACE,
    }
    kind = kinds[type(target)]
    return WatchlistEntry.objects.create(user=user, kind=kind, **{kind.value: target})


def prefer(user, event_type: str, channels: list[str], odds_move_percent=None) -> AlertPreference:
    return AlertPreference.objects.create(
        user=user, event_type=event_type, channels=channels, odds_move_percent=odds_move_percent
    )


def exclude(user) -> SelfExclusion:
    return SelfExclusion.objects.create(user=user, ends_at=timezone.now() + dt.timedelta(days=30))
