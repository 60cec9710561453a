"""The demo generator: simulates day by day from its epoch and builds the payloads the one writer stores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterator
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from courses.importers.payloads import RacePayload, RunnerPayload
from courses.models import RaceStatus, RunnerStatus, Source

from .calendar import official_at, plan_day, programme_days
from .params import (
    DEFAULT_START,
    GENERATOR_VERSION,
    MUSIQUE_RUNS,
    PRIZE_SHARES,
    day_rng,
    tenths,
)
from .race import SimulatedRace
from .rapports import race_dividends
from .stable import Stable


def musique(history: list[tuple[int, str]], year: int) -> str:
    """PMU musique from (year, token) results in date order: most recent first, "(yy)" before older seasons."""
    parts, current = [], year
    for run_year, token in reversed(history[-MUSIQUE_RUNS:]):
        if run_year != current:
            parts.append(f"({run_year % 100:02d})")
            current = run_year
        parts.append(token)
    return "".join(parts)


@dataclass
class DemoRace:
    """One generated race: the payload to write, and the truth behind it (for tests and benches)."""

    payload: RacePayload
    win_probability: np.ndarray  # true chance of each runner in saddle order (0 for a non-partant)
    ability: np.ndarray  # latent ability of each runner, age included, in saddle order
    official_at: dt.datetime  # when the arrival and the rapports are out: the off, the running, the photo


class DemoGenerator:
    """Simulates the demo racing from ``start`` forward and yields what ``today`` may publish."""

    def __init__(self, *, seed: int = 42, start: dt.date = DEFAULT_START, today: dt.date):
        if start > today:
            raise ValueError(f"start {start} is after today {today}")
        self.seed, self.start, self.today = seed, start, today
        # Stored on every race: a finished race written under the same fingerprint is final.
        self.fingerprint = {"seed": seed, "start": start.isoformat(), "version": GENERATOR_VERSION}

    def races(self, *, skip: Container[str] = (), reveal: Container[dt.date] = ()) -> Iterator[DemoRace]:
        """Every race from start to tomorrow in programme order; ``skip``ped source ids are simulated, not built.

        The races of a ``reveal``ed day (today, tomorrow) are built with their results, which the public record
        does not learn: the live demo feed shows them once their off has passed (``courses.feeds.demo``). A
        day's races never share a horse, so a race's outcome is the same revealed today as published tomorrow.
        """
        stable = Stable(self.seed, self.start)
        for day in programme_days(self.start, self.today):
            stable.renew(day_rng(self.seed, day, 2), day)
            rng = day_rng(self.seed, day, 1)
            published = day < self.today
            for plan in plan_day(self.seed, day):
                race = SimulatedRace(stable, plan, rng)
                if plan.source_id not in skip:
                    yield self._demo_race(race, published or day in reveal)
                if published:
                    self._publish(race)

    @staticmethod
    def _publish(race: SimulatedRace) -> None:
        """A finished race enters the public record: musique, earnings, the handicapper's estimate."""
        s, plan = race.stable, race.plan
        for i, horse in enumerate(race.horses.tolist()):
            if not race.starters[i]:
                continue
            s.history[horse].append((plan.date.year, race.token(i)))
            position = race.position[i]
            if 0 < position <= len(PRIZE_SHARES):
                s.earnings[horse] += round(plan.prize * PRIZE_SHARES[position - 1])
            s.estimate[horse] = 0.7 * s.estimate[horse] + 0.3 * (race.merit[i] + race.rating_noise[i])

    def _demo_race(self, race: SimulatedRace, published: bool) -> DemoRace:
        plan, s = race.plan, race.stable
        dividends, paid = race_dividends(race) if published else ([], set())
        reductions = race.reductions() if published and race.trot else {}
        riders = s.people["driver" if race.trot else "jockey"]
        trainers = s.people["trot_trainer" if race.trot else "plat_trainer"]
        year = plan.date.year
        columns = zip(
            race.horses.tolist(),
            race.riders.tolist(),
            race.starters.tolist(),
            race.out.tolist(),
            race.position.tolist(),
            race.draw.tolist(),
            race.weight.tolist(),
            race.extra_metres.tolist(),
            race.rating.tolist(),
            race.shoeing.tolist(),
            race.blinkers.tolist(),
            strict=False,
        )
        runners = []
        for i, (horse, rider, starter, out, position, draw, weight, metres, rating, shoeing, blinkers) in enumerate(
            columns
        ):
            status = RunnerStatus.RUNNER
            if published and not starter:
                status = RunnerStatus.NON_PARTANT
            elif published and out:
                status = RunnerStatus.DISQUALIFIED if race.trot else RunnerStatus.PULLED_UP
            runners.append(
                RunnerPayload(
                    saddle_number=i + 1,
                    horse=s.refs[horse],
                    jockey=riders[rider],
                    trainer=trainers[int(s.trainer[horse])],
                    draw=None if race.trot else draw,
                    weight_kg=None if race.trot else tenths(round(weight * 10)),
                    handicap_distance=plan.distance + int(metres) if race.trot else None,
                    age=year - int(s.birth_year[horse]),
                    rating=None if race.trot else int(rating),
                    career_earnings=Decimal(int(s.earnings[horse])),
                    musique=musique(s.history[horse], year),
                    shoeing=shoeing,
                    equipment="oeillères" if blinkers and not race.trot else "",
                    morning_odds=race.morning_odds[i],
                    final_odds=race.final_odds[i] if published else None,
                    status=status,
                    position=position if published and position else None,
                    placed=(i in paid) if published and starter else None,
                    reduction_km=reductions.get(i),
                )
            )
        payload = RacePayload(
            source=Source.DEMO,
            source_id=plan.source_id,
            location=f"demo {plan.date} {plan.hippodrome.code} C{plan.number}",
            date=plan.date,
            racecourse_code=f"DEMO-{plan.hippodrome.code}",
            racecourse_name=f"{plan.hippodrome.name} (synthetic)",
            number=plan.number,
            discipline=plan.discipline,
            distance=plan.distance,
            country="FRA",
            name=plan.name,
            going=plan.going,
            surface=plan.surface,
            race_class=plan.race_class,
            prize=Decimal(plan.prize),
            currency="EUR",
            start_time=plan.start_time,
            is_quinte=plan.is_quinte,
            status=RaceStatus.FINISHED if published else RaceStatus.SCHEDULED,
            declared_runners=len(runners),
            extra={
                "synthetic": True,
                "demo": self.fingerprint,
                **({"start": "autostart" if plan.autostart else "volté"} if race.trot else {}),
            },
            runners=runners,
            dividends=dividends,
        )
        return DemoRace(
            payload=payload,
            win_probability=race.win_probability,
            ability=race.ability,
            official_at=official_at(plan),
        )
