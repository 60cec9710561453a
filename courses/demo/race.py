"""One demo race simulated: the field, riders, handicap, strengths, finishing order and the win market."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from courses.models import Discipline, Sex

from .calendar import RacePlan
from .params import (
    DISCIPLINE_LETTER,
    KAPPA,
    LONGSHOT_BIAS,
    MARKET_NOISE,
    MIN_REST_DAYS,
    MORNING_NOISE,
    TAKEOUT_SIMPLE,
    TROT,
    age_effect,
    softmax,
    tenths,
)
from .stable import Stable


class SimulatedRace:
    """One race simulated in a fixed sequence of random draws, whatever will be published of it."""

    def __init__(self, stable: Stable, plan: RacePlan, rng: np.random.Generator):
        self.stable, self.plan, self.rng = stable, plan, rng
        self.trot = plan.hippodrome.family == TROT
        self.day = plan.date.toordinal()
        self.horses = self._select()
        n = len(self.horses)
        stable.form[self.horses] = 0.6 * stable.form[self.horses] + rng.normal(0, 0.3, n)
        stable.last_run[self.horses] = self.day
        self.riders = self._riders()
        self._handicap()
        if self.trot:
            self.shoeing = np.where(rng.random(n) < 0.35, "D4", np.where(rng.random(n) < 0.3, "DA", ""))
        else:
            self.shoeing = np.full(n, "")
        self.blinkers = rng.random(n) < 0.12
        self._strength()
        self.scratched = rng.random(n) < 0.025
        self.gumbel = rng.gumbel(size=n)
        self.market_error = rng.normal(0, MARKET_NOISE, n)
        self.morning_error = rng.normal(0, MORNING_NOISE, n)
        self.incident = rng.random(n)
        self.win_pool = float(rng.lognormal(0, 0.35)) * (900_000 if plan.is_quinte else 60_000)
        self.combo_noise = rng.lognormal(0, 0.25, 4)
        self.dead_heat = rng.random() < 0.004 and not plan.is_quinte
        self.rk_noise = rng.normal(0, 0.4, n + 1)
        self.rating_noise = rng.normal(0, 0.5, n)
        self._finish()
        self._market()

    def _select(self) -> np.ndarray:
        """Trainers enter horses of the race's class and distance that have rested enough."""
        s, plan = self.stable, self.plan
        pool = s.in_training[plan.hippodrome.family]
        age, rest = plan.date.year - s.birth_year[pool], self.day - s.last_run[pool]
        # Short of fresh horses of the right age, relax the rest, then the age condition.
        for min_rest, (youngest, oldest) in ((MIN_REST_DAYS, plan.ages), (7, plan.ages), (1, plan.ages), (1, (0, 99))):
            candidates = pool[(rest >= min_rest) & (age >= youngest) & (age <= oldest)]
            if len(candidates) >= 2 * plan.size:
                break
        eff = s.ability[candidates] + age_effect(s.family[candidates], s.age_years(candidates, plan.date))
        k = min(len(eff) - 1, int(plan.quantile * len(eff)))
        level = np.partition(eff, k)[k]
        log_weight = -((eff - level) ** 2) / (2 * 0.6**2)
        log_weight += np.log(np.clip((self.day - s.last_run[candidates] - 8) / 30, 0.05, 1.0))
        log_weight -= 0.5 * ((s.best_distance[candidates] - plan.distance) / 700) ** 2
        if plan.discipline == Discipline.TROT_MONTE:
            log_weight += 1.5 * s.monte[candidates]
        # Weighted sampling without replacement: the top keys of log-weight + Gumbel noise.
        keys = log_weight + self.rng.gumbel(size=len(candidates))
        size = min(plan.size, len(candidates))
        return candidates[np.argsort(-keys, kind="stable")[:size]]

    def _riders(self) -> np.ndarray:
        """The usual driver or jockey most of the time, else a spare one (the busy ones are the good ones)."""
        s, rng, n = self.stable, self.rng, len(self.horses)
        skill = s.skill["driver" if self.trot else "jockey"]
        usual = rng.random(n) < 0.7
        spares = iter(np.argsort(-(2 * skill + rng.gumbel(size=len(skill))), kind="stable").tolist())
        taken: set[int] = set()
        riders = []
        for i, horse in enumerate(self.horses.tolist()):
            rider = int(s.jockey[horse])
            if not usual[i] or rider in taken:
                rider = next(r for r in spares if r not in taken)
            taken.add(rider)
            riders.append(rider)
        return np.array(riders)

    def _handicap(self) -> None:
        """Trot: the richest start 25 m (or 50 m) behind. Plat: weight from the handicapper's rating."""
        s, plan, rng, n = self.stable, self.plan, self.rng, len(self.horses)
        self.extra_metres = np.zeros(n)
        self.rating = np.round(38 + 7 * s.estimate[self.horses]).clip(10, 70)
        if self.trot:
            self.weight = np.zeros(n)
            if plan.handicap and not plan.autostart:
                earnings = s.earnings[self.horses]
                self.extra_metres += 25 * (earnings > np.quantile(earnings, 0.6))
                if plan.is_quinte:
                    self.extra_metres += 25 * (earnings > np.quantile(earnings, 0.9))
            order = np.lexsort((rng.random(n), self.extra_metres))  # front line first
        elif plan.handicap:
            self.weight = np.round(2 * (56 + 0.8 * (self.rating - np.median(self.rating))).clip(50.5, 61)) / 2
            order = np.lexsort((rng.random(n), -self.weight))  # top weight is number 1
        else:
            age = plan.date.year - s.birth_year[self.horses]
            female = np.array([s.refs[h].sex == Sex.FEMALE for h in self.horses.tolist()])
            self.weight = np.where(age >= 4, 58.0, 56.0) - 1.5 * female
            order = rng.permutation(n)
        self.draw = rng.permutation(n) + 1
        self.horses, self.riders = self.horses[order], self.riders[order]
        self.extra_metres, self.weight, self.rating = self.extra_metres[order], self.weight[order], self.rating[order]

    def _strength(self) -> None:
        """What each runner brings on the day; ``merit`` leaves out the handicap, ``strength`` includes it."""
        s, plan, h = self.stable, self.plan, self.horses
        self.ability = s.ability[h] + age_effect(s.family[h], s.age_years(h, plan.date))
        merit = self.ability + s.form[h] - 0.6 * ((plan.distance - s.best_distance[h]) / 1000) ** 2
        merit += s.mud[h] * plan.softness
        if plan.discipline == Discipline.TROT_MONTE:
            merit += s.monte[h]
        rider = s.skill["driver" if self.trot else "jockey"][self.riders]
        trainer = s.skill["trot_trainer" if self.trot else "plat_trainer"][s.trainer[h].astype(int)]
        merit += 0.8 * rider + 0.6 * trainer
        if self.trot:
            merit += np.where(self.shoeing == "D4", 0.12, np.where(self.shoeing == "DA", 0.05, 0.0))
            strength = merit - 0.28 * self.extra_metres / 25
        else:
            strength = merit - 0.045 * (self.weight - self.weight.mean())
            if plan.distance <= 1600:  # a low draw helps over a sprint
                strength -= 0.02 * (self.draw - self.draw.mean())
        self.merit, self.strength = merit, strength

    def _finish(self) -> None:
        """Who starts, the order (Plackett–Luce by the Gumbel-max trick) and who is disqualified."""
        if self.scratched.sum() > len(self.horses) - 7:  # never scratch a race below seven starters
            self.scratched[:] = False
        self.starters = ~self.scratched
        if self.trot:  # trotters break into a gallop: the nervous, the ridden and the barefoot more often
            risk = -3.3 + self.stable.gait_risk[self.horses] + 0.5 * (self.plan.discipline == Discipline.TROT_MONTE)
            risk += 0.4 * (self.shoeing == "D4")
            self.out = self.starters & (self.incident < 1 / (1 + np.exp(-risk)))
        else:
            self.out = self.starters & (self.incident < 0.005)
        performance = KAPPA * self.strength + self.gumbel
        self.ranked = [
            i for i in np.argsort(-performance, kind="stable").tolist() if self.starters[i] and not self.out[i]
        ]
        self.position = np.zeros(len(self.horses), dtype=int)
        self.position[self.ranked] = np.arange(1, len(self.ranked) + 1)
        if self.dead_heat and len(self.ranked) > 2:
            self.position[self.ranked[1]] = 1
        chances = np.where(self.starters, np.exp(KAPPA * (self.strength - self.strength.max())), 0.0)
        self.win_probability = chances / chances.sum()

    def _market(self) -> None:
        """Pari-mutuel: the public's stakes follow a noisy, flattened view of the true chances."""
        starters, n = self.starters, len(self.horses)
        view = np.exp(LONGSHOT_BIAS * KAPPA * (self.strength + self.market_error - self.strength.max()))
        view = np.where(starters, view, 0.0)
        # Someone always backs the outsiders: a little money is spread evenly over the field.
        self.shares = 0.97 * view / view.sum() + 0.03 * starters / starters.sum()
        morning = softmax(LONGSHOT_BIAS * KAPPA * (self.strength + self.market_error + self.morning_error))
        morning = 0.97 * morning + 0.03 / n
        self.morning_odds = [tenths(t) for t in np.maximum(11, np.round(10 * (1 - TAKEOUT_SIMPLE) / morning)).tolist()]
        self.stakes = np.where(starters, np.maximum(1.0, np.round(self.win_pool * self.shares)), 0.0)
        self.net = self.stakes.sum() * (1 - TAKEOUT_SIMPLE)
        odds = np.maximum(11, np.floor(10 * self.net / np.where(starters, self.stakes, 1.0) + 1e-9)).tolist()
        self.final_odds = [tenths(t) if starter else None for t, starter in zip(odds, starters.tolist(), strict=False)]

    def token(self, i: int) -> str:
        """This run's musique entry: the place (0 for tenth or worse) or D/A, then the discipline."""
        letter = DISCIPLINE_LETTER[self.plan.discipline]
        if self.out[i]:
            return ("D" if self.trot else "A") + letter
        return f"{min(self.position[i], 10) % 10}{letter}"

    def reductions(self) -> dict[int, Decimal]:
        """Trot: each classified runner's time per km, slower down the order."""
        plan = self.plan
        time = 72.0 + 1.0 * (plan.discipline == Discipline.TROT_MONTE) + 0.8 * (plan.distance - 2100) / 750
        time += 0.6 * plan.softness + 0.6 * (not plan.autostart) - 0.8 * (plan.quantile - 0.5) + self.rk_noise[-1]
        out = {}
        for k, i in enumerate(self.ranked):
            if k:
                time += 0.05 + abs(self.rk_noise[i]) * 0.4
            out[i] = tenths(round(time * 10))
        return out
