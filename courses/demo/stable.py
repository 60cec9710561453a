"""The demo's horses, drivers/jockeys and trainers: latent qualities in numpy arrays, the public record beside them."""

from __future__ import annotations

import datetime as dt

import numpy as np

from courses.importers.payloads import HorseRef, PersonRef
from courses.models import Sex

from .names import horse_name, person_refs
from .params import MAX_AGE, PLAT, POOL_TARGET, TROT, age_effect


class Stable:
    """Every horse, driver/jockey and trainer of the demo; latent qualities live in numpy arrays."""

    FIELDS = (
        "ability",
        "family",
        "birth_year",
        "born",
        "monte",
        "best_distance",
        "mud",
        "gait_risk",
        "form",
        "last_run",
        "active",
        "trainer",
        "jockey",
        "earnings",
        "estimate",
    )

    def __init__(self, seed: int, start: dt.date):
        rng = np.random.default_rng([seed, start.toordinal(), 99])
        self.size = 0
        for name in self.FIELDS:
            setattr(self, name, np.zeros(0))
        self.refs: list[HorseRef] = []
        self.history: list[list[tuple[int, str]]] = []  # the public record: (year, musique token)
        self.in_training: dict[int, np.ndarray] = {}  # the active horses of each family
        self.sires = {family: [horse_name(rng, family, None) for _ in range(30)] for family in (TROT, PLAT)}
        self.skill: dict[str, np.ndarray] = {}
        self.people: dict[str, list[PersonRef]] = {}
        for key, prefix, count in (
            ("driver", "DRV", 70),
            ("jockey", "JOC", 55),
            ("trot_trainer", "ENT-T", 80),
            ("plat_trainer", "ENT-P", 60),
        ):
            self.skill[key] = rng.normal(0, 0.25, count)
            self.people[key] = person_refs(rng, prefix, count)
        for family in (TROT, PLAT):
            ages = rng.integers(3 if family == TROT else 2, MAX_AGE[family] + 1, POOL_TARGET[family])
            self._add(rng, family, start.year - ages, start, veteran=True)
        self._refresh_pools()

    def _add(self, rng, family: int, birth_years: np.ndarray, day: dt.date, *, veteran: bool = False) -> None:
        count = len(birth_years)
        ability = rng.normal(0, 1, count)
        age = day.year - birth_years
        effective = ability + age_effect(np.full(count, family), age.astype(float))
        # Veterans arrive with a career before the epoch: earnings and a handicapper's estimate, no musique.
        prior = 6000 * np.maximum(age - 2, 0) * np.exp(0.8 * ability + rng.normal(0, 0.5, count))
        new = {
            "ability": ability,
            "family": np.full(count, family),
            "birth_year": birth_years,
            # Foals are born in spring: ages are counted from 1 April of the birth year.
            "born": np.array([dt.date(int(y), 4, 1).toordinal() for y in birth_years]),
            "monte": rng.normal(-0.2, 0.5, count),
            "best_distance": rng.normal(2500, 350, count) if family == TROT else rng.normal(1900, 450, count),
            "mud": rng.normal(0, 0.4, count),
            "gait_risk": rng.normal(0, 0.7, count),
            "form": rng.normal(0, 0.3, count),
            "last_run": day.toordinal() - (rng.integers(1, 60, count) if veteran else np.full(count, 30)),
            "active": np.ones(count),
            "trainer": self._assign(rng, "trot_trainer" if family == TROT else "plat_trainer", ability),
            "jockey": self._assign(rng, "driver" if family == TROT else "jockey", ability),
            "earnings": np.round(prior, -1) if veteran else np.zeros(count),
            "estimate": effective + rng.normal(0, 0.5, count),
        }
        if self.size + count > len(self.ability):  # grow by doubling: horses join a few at a time
            capacity = max(2 * len(self.ability), self.size + count)
            for name in self.FIELDS:
                grown = np.zeros(capacity)
                grown[: self.size] = getattr(self, name)[: self.size]
                setattr(self, name, grown)
        for name, values in new.items():
            getattr(self, name)[self.size : self.size + count] = values
        sexes = rng.choice(3, size=count, p=[0.4, 0.42, 0.18])
        sires = rng.integers(len(self.sires[family]), size=count)
        dam_ages = rng.integers(5, 12, size=count)
        for i in range(count):
            birth_year = int(birth_years[i])
            self.refs.append(
                HorseRef(
                    source_id=f"{'T' if family == TROT else 'P'}{self.size + i + 1:05d}",
                    name=horse_name(rng, family, birth_year),
                    sex=(Sex.MALE, Sex.FEMALE, Sex.GELDING)[sexes[i]],
                    birth_year=birth_year,
                    country="FRA",
                    sire=self.sires[family][sires[i]],
                    dam=horse_name(rng, family, birth_year - int(dam_ages[i])),
                )
            )
            self.history.append([])
        self.size += count

    def _assign(self, rng, key: str, ability: np.ndarray) -> np.ndarray:
        """Good horses tend to land with good trainers and riders (as in life: the two are confounded)."""
        skill = self.skill[key]
        weights = np.exp(np.outer(3.0 + 2.0 * ability, skill))
        cumulative = np.cumsum(weights, axis=1)
        draws = rng.random(len(ability)) * cumulative[:, -1]
        return np.array([np.searchsorted(row, u, side="right") for row, u in zip(cumulative, draws, strict=False)])

    def _refresh_pools(self) -> None:
        active = self.active > 0
        # The padding past ``size`` is inactive, so never in training.
        self.in_training = {family: np.flatnonzero(active & (self.family == family)) for family in (TROT, PLAT)}

    def age_years(self, index: np.ndarray, day: dt.date) -> np.ndarray:
        return (day.toordinal() - self.born[index]) / 365.25

    def renew(self, rng, day: dt.date) -> None:
        """Retire the old and the unlucky; young horses take their places."""
        n = self.size
        too_old = day.year - self.birth_year[:n] > np.where(self.family[:n] == TROT, MAX_AGE[TROT], MAX_AGE[PLAT])
        injured = rng.random(n) < 1 / (365 * 4)
        self.active[:n][too_old | injured] = 0
        for family in (TROT, PLAT):
            missing = POOL_TARGET[family] - int(((self.active > 0) & (self.family == family)).sum())
            if missing > 0:  # two-year-olds on the flat wait for their races, from June
                youngest = 3 if family == TROT else 2
                self._add(rng, family, np.full(missing, day.year - youngest), day)
        self._refresh_pools()
