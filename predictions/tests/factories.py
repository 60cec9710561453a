"""Hand-made races, model versions and predictions for the predictions tests."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from contextlib import contextmanager
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

from django.core.management import call_command
from django.utils import timezone

from courses.models import (
    BetType,
    Discipline,
    Dividend,
    Horse,
    Jockey,
    Meeting,
    Race,
    Racecourse,
    RaceStatus,
    Runner,
    RunnerStatus,
    Source,
    Trainer,
)
from predictions.models import ModelKind, ModelStatus, ModelVersion, Prediction, PublishedPrediction, PublishedStage
from predictions.services.probability import rank_within_races
from predictions.services.scoring import predictions_score
from predictions.services.versions import model_version_active
from turf.models import AuditAction, AuditEntry

DAY = dt.date(2025, 11, 5)


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def race_with(
    *,
    final: Sequence[float | None] | None = (2.0, 4.0, 4.0),
    morning: Sequence[float | None] | None = None,
    positions: Sequence[int | None] | None = None,
    statuses: Sequence[str] | None = None,
    win_rapports: dict[int, str] | None = None,
    date: dt.date = DAY,
    reunion: int = 1,
    course: int = 1,
    status: str = RaceStatus.FINISHED,
    racecourse: str = "VIN",
    start_time: dt.datetime | None = None,
) -> Race:
    """A race whose runner i (saddle i+1) has final[i], morning[i], positions[i], statuses[i].

    Positions shared by several runners are dead heats. ``win_rapports`` = {saddle: amount}
    becomes the race's simple gagnant rapports.
    """
    size = len(final if final is not None else morning)
    final = final if final is not None else [None] * size
    morning = morning if morning is not None else [None] * size
    positions = positions if positions is not None else [None] * size
    statuses = statuses if statuses is not None else [RunnerStatus.RUNNER] * size
    place, _ = Racecourse.objects.get_or_create(code=racecourse, defaults={"name": f"Hippodrome {racecourse}"})
    meeting, _ = Meeting.objects.get_or_create(date=date, number=reunion, defaults={"racecourse": place})
    race = Race.objects.create(
        meeting=meeting,
        number=course,
        name=f"Prix R{reunion}C{course}",
        discipline=Discipline.PLAT,
        distance=1600,
        status=status,
        start_time=start_time,
    )
    jockey, _ = Jockey.objects.get_or_create(name="J. Doe")
    trainer, _ = Trainer.objects.get_or_create(name="T. Roe")
    shared = {p for p, n in Counter(p for p in positions if p is not None).items() if n > 1}
    Runner.objects.bulk_create(
        Runner(
            race=race,
            horse=Horse.objects.create(name=f"Horse {date:%m%d}-{reunion}-{course}-{i + 1}"),
            saddle_number=i + 1,
            jockey=jockey,
            trainer=trainer,
            final_odds=_decimal(final[i]),
            morning_odds=_decimal(morning[i]),
            position=positions[i],
            dead_heat=positions[i] in shared,
            status=statuses[i],
        )
        for i in range(size)
    )
    for saddle, amount in (win_rapports or {}).items():
        Dividend.objects.create(
            race=race, bet_type=BetType.SIMPLE_GAGNANT, combination=str(saddle), amount=Decimal(amount)
        )
    return race


def live_day() -> dt.date:
    """Tomorrow: a day whose races have not gone off (``courses.clock``), the day the live tests race on."""
    return timezone.localdate() + dt.timedelta(days=1)


def live_race(**fields) -> Race:
    """``race_with`` a race still to come: scheduled, on ``live_day()`` unless another day is given."""
    return race_with(**{"date": live_day(), "status": RaceStatus.SCHEDULED, **fields})


def model_version(version: str = "test-model-1", *, kind: str = ModelKind.FUNDAMENTAL, active: bool = False):
    return ModelVersion.objects.create(
        version=version, kind=kind, status=ModelStatus.ACTIVE if active else ModelStatus.CANDIDATE
    )


def bad_copy(version: ModelVersion) -> ModelVersion:
    """A candidate with the same booster that backs the outsiders: a much worse model.

    Both the booster's score and the market's weight are turned upside down, so it is worse even
    when the fit left the fundamental score out of the blend (α = 0, the market alone).
    """
    calibration = version.params["calibration"]
    calibration = {**calibration, "kappa": -calibration["kappa"], "beta": -calibration["beta"]}
    return ModelVersion.objects.create(
        version=f"{version.version[:50]}-bad",
        kind=version.kind,
        features=version.features,
        params={**version.params, "calibration": calibration},
        metrics=version.metrics,
        artifact=version.artifact,
    )


def predict(version: ModelVersion, race: Race, probabilities: Sequence[float]) -> list[Prediction]:
    """The version's predictions for the race's runners in saddle order, ranked by probability."""
    runners = list(race.runners.order_by("saddle_number"))
    ranks = rank_within_races(probabilities, tiebreak=[r.saddle_number for r in runners])
    return Prediction.objects.bulk_create(
        Prediction(
            runner=runner,
            model_version=version,
            win_probability=p,
            place_probability=min(1.0, 2 * p),
            rank=int(rank),
            odds=runner.final_odds or runner.morning_odds,
        )
        for runner, p, rank in zip(runners, probabilities, ranks, strict=True)
    )


def race_for(
    horses: Sequence[Horse],
    *,
    date: dt.date = DAY,
    reunion: int = 1,
    course: int = 1,
    positions: Sequence[int | None] | None = None,
    final: Sequence[float | None] | None = None,
    jockeys: Sequence[Jockey] | None = None,
    status: str = RaceStatus.FINISHED,
    distance: int = 1600,
    racecourse: str = "VIN",
) -> Race:
    """A race run by the given horses (saddle i+1 = horses[i]), so that one horse can build a history."""
    size = len(horses)
    place, _ = Racecourse.objects.get_or_create(code=racecourse, defaults={"name": f"Hippodrome {racecourse}"})
    meeting, _ = Meeting.objects.get_or_create(date=date, number=reunion, defaults={"racecourse": place})
    race = Race.objects.create(
        meeting=meeting,
        number=course,
        name=f"Prix R{reunion}C{course}",
        discipline=Discipline.PLAT,
        distance=distance,
        status=status,
    )
    trainer, _ = Trainer.objects.get_or_create(name="T. Roe")
    default_jockey, _ = Jockey.objects.get_or_create(name="J. Doe")
    positions = positions if positions is not None else [None] * size
    final = final if final is not None else [3.0] * size
    shared = {p for p, n in Counter(p for p in positions if p is not None).items() if n > 1}
    Runner.objects.bulk_create(
        Runner(
            race=race,
            horse=horse,
            saddle_number=i + 1,
            jockey=jockeys[i] if jockeys else default_jockey,
            trainer=trainer,
            final_odds=_decimal(final[i]),
            position=positions[i],
            dead_heat=positions[i] in shared,
            draw=i + 1,
            weight_kg=Decimal("55.0") + i,
        )
        for i, horse in enumerate(horses)
    )
    return race


def scored_card() -> Race:
    """R1C1 on DAY, finished, priced, with a win rapport, scored by the market baseline (the active version)."""
    race = race_with(final=(2.0, 3.5, 5.0, 8.0), positions=(2, 1, 3, 4), win_rapports={2: "3.40"})
    predictions_score(start=DAY, end=DAY, model_version=model_version_active())
    return race


# -- a trained demo programme, for the commands' tests ----------------------------------------------

DEMO_START = dt.date(2025, 1, 1)
DEMO_TODAY = dt.date(2025, 3, 21)
DEMO_UNTIL = dt.date(2025, 3, 1)


def call_quiet(*args) -> str:
    """Run a management command without its progress bar; what it printed."""
    out = StringIO()
    call_command(*args, "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue()


@contextmanager
def trained_demo_programme(django_db_blocker):
    """Eleven weeks of demo racing and a model trained and promoted by the ``train`` command, committed (for a
    module-scoped fixture) and removed afterwards."""
    with django_db_blocker.unblock():
        call_command(
            "load_demo",
            "--start",
            str(DEMO_START),
            "--today",
            str(DEMO_TODAY),
            "--seed",
            "3",
            "--no-progress",
            stdout=StringIO(),
            stderr=StringIO(),
        )
        summary = json.loads(call_quiet("train", "--until", str(DEMO_UNTIL), "--source", Source.DEMO, "--promote"))
        try:
            yield SimpleNamespace(summary=summary, version=ModelVersion.objects.get(version=summary["version"]))
        finally:
            AuditEntry.objects.filter(action=AuditAction.MODEL_ACTIVATED).delete()  # committed by --promote
            Prediction.objects.all().delete()
            ModelVersion.objects.all().delete()
            Race.objects.all().delete()
            for model in (Meeting, Horse, Jockey, Trainer, Racecourse):
                model.objects.all().delete()


def _figures(log_loss: float, races: int = 120) -> dict:
    """``race_metrics``' keys, as a training stores them."""
    return {
        "races": races,
        "log_loss": log_loss,
        "uniform_log_loss": 2.2,
        "pseudo_r2": 1 - log_loss / 2.2,
        "brier": 0.8,
        "top1_accuracy": 0.3,
    }


def registered_version(
    version: str = "combined-all-20251101-1",
    *,
    log_loss: float = 1.95,
    market_log_loss: float = 1.97,
    rerun: bool = False,
    active: bool = False,
    sources: Sequence[str] = ("pmu", "hkjc"),
) -> ModelVersion:
    """A trained combined version as ``model_train`` stores it (no booster): its window, data sets, fingerprint and
    held-out figures beside the market's, and its promotion record."""
    now = timezone.now()
    return ModelVersion.objects.create(
        version=version,
        kind=ModelKind.COMBINED,
        status=ModelStatus.ACTIVE if active else ModelStatus.CANDIDATE,
        trained_from=dt.date(2024, 1, 1),
        trained_until=dt.date(2025, 10, 31),
        races_used=4000,
        runners_used=40000,
        features=["age", "weight", "draw"],
        params={"source": None, "sources": list(sources), "validation": {"race_ids": list(range(500))}},
        metrics={
            "validation": {
                "start": "2025-09-01",
                "end": "2025-10-31",
                "races": 130,
                "priced_races": {
                    "combined": _figures(log_loss),
                    "fundamental": _figures(2.05),
                    "market": _figures(market_log_loss),
                },
            },
            "promotion": {
                "against": "market-baseline-1",
                "races": 120,
                "candidate_log_loss": log_loss,
                "active_log_loss": market_log_loss,
                "promoted": active,
                "rule": "strictly better (a rerun)" if rerun else "at least as good",
                "at": now.isoformat(),
            },
        },
        fingerprint="f" * 64,
        rerun=rerun,
        promoted_at=now if active else None,
    )


def publish(race, probabilities, version=None):
    """What the live day freezes at the off: one ``off`` row per runner, in saddle order."""
    version = version or ModelVersion.objects.get_or_create(version="published-1")[0]
    runners = list(race.runners.order_by("saddle_number"))
    noon = dt.datetime.combine(race.meeting.date, dt.time(11), tzinfo=dt.UTC)
    for runner, p in zip(runners, probabilities, strict=True):
        PublishedPrediction.objects.create(
            runner=runner,
            stage=PublishedStage.OFF,
            model_version=version,
            win_probability=p,
            place_probability=min(1.0, 2 * p),
            market_probability=p,
            rank=1,
            odds=runner.final_odds,
            scored_at=noon,
            published_at=noon + dt.timedelta(seconds=runner.saddle_number),
        )
    return version


def closed_track_record() -> None:
    """Two real days (DAY and the next, saddle 2 winning at 0.3, rapport 4.20) and one demo race on DAY, published
    at their offs and closed into their chains."""
    from predictions.services.track_record import track_record_close_due

    for date in (DAY, DAY + dt.timedelta(days=1)):
        race = race_with(final=(2.0, 4.0, 8.0), positions=(2, 1, 3), win_rapports={2: "4.20"}, date=date)
        publish(race, (0.5, 0.3, 0.2))
    demo = race_with(date=DAY, course=2, positions=(1, 2, 3))
    Race.objects.filter(pk=demo.pk).update(source=Source.DEMO)
    publish(demo, (0.4, 0.4, 0.2))
    assert all(closing.record for closing in track_record_close_due())
