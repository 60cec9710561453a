"""Pre-race features for every runner of a window of races, computed in bulk and time-safe.

One query (after a count) loads the runners of the window *and* of the ``LOAD_DAYS`` before it
(the race, horse and people columns joined in, streamed into compact columns by
``feature_rows``); everything else is numpy/pandas, and the features go straight into one
float32 block, what the models read. ``feature_frames`` does the same a block of days at a
time, for memory bounded by a block rather than the range. A runner's features in a race dated
``d`` use only:

- what is known before the off about that runner and race (draw, weight, rating, age, the
  musique, declared career earnings, distance, going…), and
- the finished races dated strictly before ``d`` (same-day races count neither way: their
  order within the day is not reliably known, and a result of the afternoon must not reach a
  race of the morning).

Never the race's own result, finishing time, lengths, rapports or status beyond "non-partant",
nor anything of a later race. The market's view (odds-implied probabilities, the morning-to-
final drift) is a separate group of columns, ``MARKET_FEATURES``: the fundamental model never
sees it, the combined model blends it in afterwards (Benter).

Trailing statistics ("over the previous 365 days", "the last 100 rides") are range sums over a
table sorted by (entity, day): one ``searchsorted`` per window finds, for every runner at
once, where its entity's history before ``d`` starts and ends. Every window is relative to the
race's own date, so a feature never depends on how much history happens to be loaded.

Deliberately unused: the PMU CSV author's ``avg_place_last_5``, ``nb_races_last_5``,
``nb_dai_last_5`` and ``avg_red_km_last_5`` (runner ``extra``) include the race's own result —
for horses with one previous run, ``avg_place_last_5`` equals the race's finishing place in
44% of rows — so they leak it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import Max, Min, Q

from courses.models import Discipline, RaceStatus, Runner, RunnerStatus, Sex

from .feature_rows import runner_frame

# Horse history: "career" means the last four years (a flat horse's racing life, and a bound
# on what has to be loaded).
HISTORY_DAYS = 4 * 365 + 1
# A past run's speed figure compares it with the course-and-distance standard of the two years
# before *it*: a race's features depend on nothing older than HISTORY_DAYS + STANDARD_DAYS,
# which is exactly what is loaded, so they never depend on how much history the database has.
STANDARD_DAYS = 2 * 365
LOAD_DAYS = HISTORY_DAYS + STANDARD_DAYS
RECENT_DAYS = 365  # "recent" horse rates: the last year
PEOPLE_DAYS = 365
PAIR_DAYS = 2 * 365
LAST_RIDES = 100
# Pseudo-rides of prior in the shrunk rates: a jockey with 3 rides and 1 win is not a 33% jockey.
SHRINK = 10.0
_DAY_BITS = 1 << 22  # (entity, day) keys: entity * _DAY_BITS + day, days since 1970 < 4M
_QUANTUM = float(1 << 20)  # trailing sums are exact integer sums of values rounded to 2^-20
# Race days per block of ``feature_frames``: each block also loads the LOAD_DAYS before it, so
# longer blocks load less history twice and shorter ones hold less at once.
CHUNK_DAYS = 3 * 365

DISCIPLINES = {
    Discipline.TROT_ATTELE: 0,
    Discipline.TROT_MONTE: 1,
    Discipline.PLAT: 2,
    Discipline.HAIES: 3,
    Discipline.STEEPLE: 4,
    Discipline.CROSS: 5,
}
SEXES = {Sex.MALE: 0, Sex.FEMALE: 1, Sex.GELDING: 2}
# Going on one firm (1) to heavy (7) scale, across the sources' vocabularies (HK, PMU, UK).
GOINGS = {
    "FIRM": 1, "FAST": 1, "SEC": 1, "HARD": 1,
    "GOOD TO FIRM": 2, "BON LEGER": 2, "BON LÉGER": 2,
    "GOOD": 3, "BON": 3, "STANDARD": 3, "WET FAST": 3,
    "GOOD TO YIELDING": 4, "GOOD TO SOFT": 4, "BON SOUPLE": 4, "STANDARD TO SLOW": 4, "WET SLOW": 4,
    "YIELDING": 5, "SOFT": 5, "SOUPLE": 5, "SLOW": 5,
    "YIELDING TO SOFT": 6, "TRES SOUPLE": 6, "TRÈS SOUPLE": 6, "SOFT TO HEAVY": 6, "COLLANT": 6,
    "HEAVY": 7, "LOURD": 7, "TRES LOURD": 7, "TRÈS LOURD": 7,
}  # fmt: skip
SURFACES = {"turf": 0, "dirt": 1, "all-weather": 1, "sand": 1}
# Trot: which shoes were removed (a known performance factor), from shod (0) to barefoot (3).
SHOEING = {
    "FERRE": 0,
    "DEFERRE_ANTERIEURS": 1,
    "DEFERRE_POSTERIEURS": 2,
    "PROTEGE_ANTERIEURS": 1,
    "PROTEGE_POSTERIEURS": 1,
    "DEFERRE_ANTERIEURS_POSTERIEURS": 3,
}
_CLASS_DIGITS = re.compile(r"(\d+)")
_MUSIQUE_YEAR = re.compile(r"\(\d+\)")
_MUSIQUE_TOKEN = re.compile(r"([0-9A-Z])([a-z])")
_MUSIQUE_RUNS = 5
_MUSIQUE_COLUMNS = ("musique_runs", "musique_last", "musique_mean5", "musique_wins5", "musique_top3_5",
                    "musique_faults5")  # fmt: skip

# name -> plain label, in model input order. The market group is kept apart.
FUNDAMENTAL_LABELS: dict[str, str] = {
    "field_size": "Number of runners",
    "distance": "Race distance",
    "discipline": "Discipline",
    "surface": "Surface",
    "going": "Going (firm to heavy)",
    "race_class": "Race class",
    "handicap": "Handicap race",
    "log_prize": "Prize money",
    "age": "Age",
    "sex": "Sex",
    "draw": "Draw (stall)",
    "draw_share": "Draw relative to the field",
    "weight": "Weight carried",
    "weight_rel": "Weight vs the field",
    "handicap_distance_rel": "Handicap distance vs the field",
    "rating": "Official rating",
    "rating_rel": "Rating vs the field",
    "rating_change": "Rating change since last run",
    "body_weight": "Declared body weight",
    "body_weight_change": "Body weight change since last run",
    "shoeing": "Shoes removed (trot)",
    "equipment_changed": "Gear changed since last run",
    "log_earnings": "Career earnings",
    "earnings_rank": "Earnings rank in the field",
    "musique_runs": "Runs listed in the musique",
    "musique_last": "Last place in the musique",
    "musique_mean5": "Mean place, last 5 in the musique",
    "musique_wins5": "Wins, last 5 in the musique",
    "musique_top3_5": "Top-3 finishes, last 5 in the musique",
    "musique_faults5": "Disqualified or stopped, last 5 in the musique",
    "h_runs": "Runs in the last 4 years",
    "h_win_rate": "Win rate (career)",
    "h_place_rate": "Place rate (career)",
    "h_log_prize_won": "Prize money won (career)",
    "h_runs_365": "Runs in the last year",
    "h_win_rate_365": "Win rate (last year)",
    "h_place_rate_365": "Place rate (last year)",
    "h_last1": "Last finish (share of the field beaten)",
    "h_last3": "Mean finish, last 3 runs",
    "h_last5": "Mean finish, last 5 runs",
    "h_last3_rel": "Recent form vs the field",
    "h_won_last": "Won last time out",
    "h_lengths3": "Mean lengths beaten, last 3 runs",
    "h_days_since": "Days since last run",
    "h_figure_last": "Speed figure, last run",
    "h_figure_best3": "Best speed figure, last 3 runs",
    "h_figure_mean3": "Mean speed figure, last 3 runs",
    "h_figure_rel": "Best recent speed figure vs the field",
    "h_prev_market3": "Market's view in its last 3 runs",
    "h_prev_market_rel": "Past market view vs the field",
    "h_distance_change": "Distance change since last run",
    "h_class_change": "Class change since last run",
    "h_win_rate_rel": "Win rate vs the field",
    "h_early_last": "Early position, last run (share of the field ahead)",
    "h_early3": "Early position, last 3 runs",
    "h_early_rel": "Early speed vs the field",
    "pace_leaders": "Habitual front-runners in the field",
    "early_draw": "Early position × draw",
    "h_closing_last": "Last-section time vs the race's, last run",
    "h_closing3": "Last-section time vs the race's, last 3 runs",
    "h_gain_last": "Ground made up from the first call, last run",
    "h_gain3": "Ground made up from the first call, last 3 runs",
    "s_distance_runs": "Runs at this distance band",
    "s_distance_form": "Form at this distance band",
    "s_going_runs": "Runs on this going",
    "s_going_form": "Form on this going",
    "s_course_runs": "Runs at this racecourse",
    "s_course_form": "Form at this racecourse",
    "s_discipline_runs": "Runs in this discipline",
    "s_discipline_form": "Form in this discipline",
    "s_surface_form": "Form on this surface",
    "j_rides_365": "Jockey/driver rides (last year)",
    "j_strike_365": "Jockey/driver wins vs expected (last year)",
    "j_place_365": "Jockey/driver place rate (last year)",
    "j_strike_100": "Jockey/driver wins vs expected (last 100 rides)",
    "j_strike_rel": "Jockey/driver vs the others in the race",
    "t_runners_365": "Trainer runners (last year)",
    "t_strike_365": "Trainer wins vs expected (last year)",
    "t_place_365": "Trainer place rate (last year)",
    "t_strike_100": "Trainer wins vs expected (last 100 runners)",
    "t_strike_rel": "Trainer vs the others in the race",
    "jt_rides": "Jockey-trainer rides together (2 years)",
    "jt_strike": "Jockey-trainer wins vs expected (2 years)",
    "jh_rides": "Rides of this jockey on this horse",
    "jockey_changed": "Jockey changed since last run",
}
MARKET_LABELS: dict[str, str] = {
    "mkt_morning_logp": "Morning odds (market probability)",
    "mkt_final_logp": "Final odds (market probability)",
    "mkt_drift": "Odds drift, morning to final",
}
FUNDAMENTAL_FEATURES: tuple[str, ...] = tuple(FUNDAMENTAL_LABELS)
MARKET_FEATURES: tuple[str, ...] = tuple(MARKET_LABELS)
FEATURE_LABELS: dict[str, str] = {**FUNDAMENTAL_LABELS, **MARKET_LABELS}

# Identifiers and outcomes carried beside the features (never model inputs).
ID_COLUMNS = (
    "runner_id", "race_id", "date", "day", "reunion", "race_number", "saddle", "source", "source_race_id",
    "horse_id", "position", "placed_raw", "morning_odds", "final_odds", "rated_price", "race_status",
)  # fmt: skip

@dataclass
class FeatureFrame:
    """One row per target runner that runs (non-partants and cancelled races left out).

    ``data`` holds the identifiers (runner_id, race_id, date, source, saddle…), the outcome
    where known (position, ``won`` = 1/k for each of k dead-heaters, None-safe), the odds, and
    every feature column (float32, one block), in programme order (date, R, C, saddle).
    """

    data: pd.DataFrame

    @property
    def fundamental(self) -> list[str]:
        return list(FUNDAMENTAL_FEATURES)

    @property
    def market(self) -> list[str]:
        return list(MARKET_FEATURES)

    def __len__(self) -> int:
        return len(self.data)

    def matrix(self, columns: list[str] | tuple[str, ...] = FUNDAMENTAL_FEATURES) -> np.ndarray:
        return self.data.loc[:, list(columns)].to_numpy(dtype=np.float32)


# -- the range-sum engine -----------------------------------------------------------------------


class _Trail:
    """History rows of one kind of entity sorted by (entity, day), with prefix sums of some values.

    ``bounds(window_days=...)`` finds, for every query row, the entity's history rows dated in
    [d − window, d); ``sums`` adds up the ``summed`` values over them (``last_n`` keeps the
    latest n rows only); ``lag(k)`` is a ``lagged`` value k runs back (1 = the latest before d).
    Only what is asked for is kept: a prefix-sum column per summed value; lagged values are
    read in place, through ``rows`` (each sorted history row's index in the frame).
    """

    def __init__(self, entity: np.ndarray, day: np.ndarray, *, summed: dict[str, np.ndarray],
                 lagged: dict[str, np.ndarray] | None = None):  # fmt: skip
        rows = np.flatnonzero(entity >= 0)
        keys = entity[rows].astype(np.int64) * _DAY_BITS + day[rows]
        order = np.argsort(keys, kind="stable")
        self.rows = rows[order]
        self.keys = keys[order]
        del keys, order
        self.lagged = {"day": day, **{name: np.asarray(v, dtype=float) for name, v in (lagged or {}).items()}}
        # Running sums restart at each entity and are exact integers (values on a 2^-20 grid):
        # floating-point sums would carry other rows — the race's own result, or history older
        # than the window — into every difference, if only as rounding.
        group = self.keys // _DAY_BITS
        self.cumulative = {
            name: pd.Series(np.rint(np.nan_to_num(np.asarray(v, dtype=float)[self.rows]) * _QUANTUM).astype(np.int64))
            .groupby(group).cumsum().to_numpy()
            for name, v in summed.items()
        }  # fmt: skip

    def bounds(self, entity: np.ndarray, day: np.ndarray, window_days: int | None) -> tuple[np.ndarray, np.ndarray]:
        lo, hi, _ = self._bounds(entity, day, window_days)
        return lo, hi

    def _bounds(self, entity: np.ndarray, day: np.ndarray, window_days: int | None):
        """[lo, hi): the entity's rows dated in [d − window, d); and where the entity's rows start."""
        base = entity.astype(np.int64) * _DAY_BITS
        hi = np.searchsorted(self.keys, base + day, side="left")
        low_day = np.zeros_like(day) if window_days is None else np.maximum(day - window_days, 0)
        lo = np.searchsorted(self.keys, base + low_day, side="left")
        first = np.searchsorted(self.keys, base, side="left")
        missing = entity < 0
        hi[missing] = lo[missing] = first[missing] = 0
        return lo, hi, first

    def sums(
        self, entity: np.ndarray, day: np.ndarray, *, window_days: int | None = None, last_n: int | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        lo, hi, first = self._bounds(entity, day, window_days)
        if last_n is not None:
            lo = np.maximum(lo, hi - last_n)
        count = (hi - lo).astype(float)
        out = {}
        for name, running in self.cumulative.items():
            if not running.size:
                out[name] = np.zeros(entity.size)
                continue
            upto_hi = np.where(hi > first, running[np.maximum(hi - 1, 0)], 0)
            upto_lo = np.where(lo > first, running[np.maximum(lo - 1, 0)], 0)
            out[name] = (upto_hi - upto_lo) / _QUANTUM
        return count, out

    def lag(self, bounds: tuple[np.ndarray, np.ndarray], k: int, name: str) -> np.ndarray:
        """The value k runs back within ``bounds`` (from ``bounds()``: one search serves every lag)."""
        lo, hi = bounds
        at = hi - k
        ok = at >= lo
        out = np.full(lo.size, np.nan)
        out[ok] = self.lagged[name][self.rows[at[ok]]]
        return out

    def recent_mean(self, bounds: tuple[np.ndarray, np.ndarray], k: int, name: str) -> np.ndarray:
        """Mean of ``name`` over the last k runs (NaN-aware: runs without the value are skipped)."""
        total = np.zeros(bounds[0].size)
        count = np.zeros(bounds[0].size)
        for back in range(1, k + 1):
            value = self.lag(bounds, back, name)
            seen = np.isfinite(value)
            total[seen] += value[seen]
            count[seen] += 1
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / count, np.nan)


def _codes(*columns) -> np.ndarray:
    """Dense int codes of a (possibly composite) key; -1 where any part is missing."""
    frame = pd.DataFrame({str(i): pd.Series(c) for i, c in enumerate(columns)})
    missing = frame.isna().any(axis=1).to_numpy()
    codes = frame.fillna(0).groupby(list(frame.columns), sort=False).ngroup().to_numpy().astype(np.int64)
    codes[missing] = -1
    return codes


def _shrunk(wins: np.ndarray, count: np.ndarray, prior: np.ndarray | float) -> np.ndarray:
    return (wins + SHRINK * prior) / (count + SHRINK)


def _race_relative(values: np.ndarray, race_codes: np.ndarray, n_races: int) -> np.ndarray:
    """value − the mean of the race's runners that have one (NaN stays NaN)."""
    seen = np.isfinite(values)
    total = np.bincount(race_codes, weights=np.where(seen, values, 0.0), minlength=n_races)
    count = np.bincount(race_codes, weights=seen, minlength=n_races)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    return values - mean[race_codes]


def _race_rank_share(values: np.ndarray, race_codes: np.ndarray) -> np.ndarray:
    """Rank of the value within its race as a share of the field (1/n = the highest), NaN where missing."""
    frame = pd.DataFrame({"race": race_codes, "v": values})
    ranks = frame.groupby("race")["v"].rank(ascending=False, method="average", pct=True)
    return ranks.to_numpy(dtype=float)


# -- pre-race columns of the race itself ---------------------------------------------------------


def _parse_musique(text: str) -> tuple[float, float, float, float, float, float]:
    """(runs listed, last place, mean place of last 5, wins, top-3s, faults among the last 5).

    A place 0 means tenth or worse (counted 10); a letter (D, A, T, R…) is a fault, counted 10
    in the mean.
    """
    tokens = _MUSIQUE_TOKEN.findall(_MUSIQUE_YEAR.sub("", text or ""))
    if not tokens:
        return (np.nan,) * 6
    places = [int(p) if p.isdigit() else None for p, _ in tokens]
    recent = places[:_MUSIQUE_RUNS]
    counted = [10 if p in (None, 0) else p for p in recent]
    return (
        float(len(places)),
        float(counted[0]),
        sum(counted) / len(counted),  # small integers: exact, as numpy's mean was
        float(sum(p == 1 for p in recent)),
        float(sum(p is not None and 1 <= p <= 3 for p in recent)),
        float(sum(p is None for p in recent)),
    )


def _musique_columns(musique: pd.Series) -> np.ndarray:
    """The six musique numbers of every row, (rows, 6): each distinct text parsed once."""
    codes, distinct = pd.factorize(musique.fillna(""))
    # Straight into one array: a tuple of six floats per row would weigh ten times as much.
    numbers = itertools.chain.from_iterable(map(_parse_musique, distinct))
    return np.fromiter(numbers, dtype=float, count=6 * len(distinct)).reshape(-1, 6)[codes]


def _by_value(values: pd.Series, convert: Callable[[pd.Series], object]) -> np.ndarray:
    """``convert`` applied to the distinct values only, spread back to every row.

    A text column repeats a handful of values (goings, classes) over a million rows: string
    methods on the rows would build a million new strings.
    """
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return np.asarray(convert(pd.Series(distinct, dtype=values.dtype)))[codes]


def _class_number(raw: pd.Series, letter: pd.Series) -> np.ndarray:
    """HK class digits ("4", "11"), else a UK class letter A..G as 1..7, else NaN."""
    number = _by_value(raw, lambda v: pd.to_numeric(v.fillna("").str.extract(_CLASS_DIGITS, expand=False),
                                                    errors="coerce").to_numpy(dtype=float))  # fmt: skip
    letters = {c: float(i + 1) for i, c in enumerate("ABCDEFG")}
    from_letter = _by_value(letter, lambda v: v.fillna("").str.upper().str.strip().map(letters).to_numpy(dtype=float))
    return np.where(np.isnan(number), from_letter, number)


def _distance_band(distance: np.ndarray, discipline: np.ndarray) -> np.ndarray:
    """Sprint / mile / middle / long within the flat; trot and jumps on their own scales."""
    edges_flat = np.array([1300, 1700, 2100, 2700])
    edges_trot = np.array([2200, 2750])
    edges_jump = np.array([4000, 5000, 6000])
    flat = np.searchsorted(edges_flat, distance, side="right")
    trot = 10 + np.searchsorted(edges_trot, distance, side="right")
    jump = 20 + np.searchsorted(edges_jump, distance, side="right")
    return np.where(discipline <= 1, trot, np.where(discipline == 2, flat, jump))


# -- the frame -----------------------------------------------------------------------------------


def _speed_figures(frame: pd.DataFrame, hist: np.ndarray, race_codes: np.ndarray, n_races: int) -> np.ndarray:
    """Each run's speed against the standard of its course and distance, in percent (+ = faster).

    Speed is metres per second from the finishing time (flat) or the reduction kilométrique
    (trot: seconds per km). The standard is the mean speed of every run at the same racecourse,
    distance and surface over the two years *before* that run's day (at least 20 runs), and
    the day's variant (the mean figure of the day's runs at that course: going, wind) is taken
    out. A figure is computed from its own race's times, so it only ever reaches later races,
    through the horse's history.
    """
    distance = frame["distance"].to_numpy(float) + np.nan_to_num(frame["handicap_distance_raw"].to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = np.where(frame["finish_time"].to_numpy() > 0, distance / frame["finish_time"].to_numpy(), np.nan)
        trot = np.where(frame["reduction_km"].to_numpy() > 0, 1000.0 / frame["reduction_km"].to_numpy(), np.nan)
    speed = np.where(np.isfinite(speed), speed, trot)
    usable = hist & np.isfinite(speed)
    if not usable.any():
        return np.full(len(frame), np.nan)
    track = _codes(frame["racecourse_id"].to_numpy(), frame["distance"].to_numpy(), frame["surface_raw"].to_numpy())
    day = frame["day"].to_numpy()
    trail = _Trail(np.where(usable, track, -1), day, summed={"speed": np.where(usable, speed, 0.0)})
    count, sums = trail.sums(track, day, window_days=STANDARD_DAYS)
    with np.errstate(invalid="ignore", divide="ignore"):
        standard = np.where(count >= 20, sums["speed"] / count, np.nan)
        figure = np.where(usable, 100.0 * (speed / standard - 1.0), np.nan)
    meeting = _codes(frame["racecourse_id"].to_numpy(), day)
    meeting = np.where(np.isfinite(figure), meeting, -1)
    seen = meeting >= 0
    n = int(meeting.max()) + 1 if seen.any() else 0
    total = np.bincount(meeting[seen], weights=figure[seen], minlength=n)
    runs = np.bincount(meeting[seen], minlength=n)
    variant = np.full(len(frame), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        variant[seen] = (total / runs)[meeting[seen]]
    return figure - variant


def _outcomes(frame: pd.DataFrame, race_codes: np.ndarray, n_races: int, field: np.ndarray,
              hist: np.ndarray) -> dict[str, np.ndarray]:
    """What each past run tells a later race (only read for races strictly before it)."""
    position = frame["position"].to_numpy()
    won = (position == 1).astype(float)
    has_position = np.isfinite(position)
    # A full finishing order: more than one runner placed. Betfair records only the winner.
    full_order = (np.bincount(race_codes, weights=has_position, minlength=n_races) > 1)[race_codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        beaten = np.where(has_position, (position - 1) / np.maximum(field - 1, 1), 1.0)
    # Share of the field beaten: 1 = won, 0 = last (or did not finish).
    finish = np.where(full_order, 1.0 - np.clip(beaten, 0, 1), np.nan)
    paid = np.where(field >= 8, 3, np.where(field >= 4, 2, 1))
    placed = frame["placed_raw"].to_numpy(dtype=object).astype(float)  # None -> NaN
    derived = np.where(full_order | (won > 0), (position <= paid) & has_position, np.nan)
    placed = np.where(np.isfinite(placed), placed, derived)
    prize = np.nan_to_num(frame["prize"].to_numpy()) * won
    # The market's view of each past run: final odds, else the morning's (PMU CSV has no final odds).
    odds = frame["final_odds"].fillna(frame["morning_odds"]).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        implied = np.where(odds >= 1, 1.0 / odds, np.nan)
    total = np.bincount(race_codes, weights=np.nan_to_num(implied), minlength=n_races)[race_codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        market = np.log(implied / total) + np.log(field)  # log of p × field: 0 = an average runner
    lengths = np.minimum(frame["lengths_behind"].to_numpy(), 30.0)
    lengths = np.where(won > 0, 0.0, lengths)
    # Sectionals (where the source times them): where it raced early (share of the field ahead of
    # it, 0 = leading), how fast it finished against the race's median last section, and the
    # ground it made up from the first call to the line.
    with np.errstate(invalid="ignore", divide="ignore"):
        early = (frame["early_position"].to_numpy() - 1) / np.maximum(field - 1, 1)
        late = np.where(has_position, (position - 1) / np.maximum(field - 1, 1), np.nan)
    last_section = pd.Series(frame["last_section_time"].to_numpy())
    closing = (last_section - last_section.groupby(race_codes).transform("median")).to_numpy()
    return {
        "won": won,
        "placed": placed.astype(float),
        "finish": finish,
        "prize": prize,
        "expected": 1.0 / field,
        "market": market,
        "lengths": lengths,
        "figure": _speed_figures(frame, hist, race_codes, n_races),
        "early": early,
        "closing": closing,
        "gain": early - late,
    }


class _Columns:
    """The feature columns of the targets, written as they are computed into one float32 block.

    float32 is what the models read (``FeatureFrame.matrix``), so nothing they see changes; each
    column is computed in float64 and rounded once, on the way in. The few columns that others
    are computed from are also ``kept`` in float64 until the frame is done.
    """

    KEPT = ("h_last3", "h_win_rate", "h_figure_best3", "h_prev_market3", "h_early3", "j_strike_365", "t_strike_365")

    def __init__(self, rows: int):
        # Column-major: each column is contiguous, and the transpose is the block pandas stores.
        self.block = np.full((rows, len(FEATURE_LABELS)), np.nan, dtype=np.float32, order="F")
        self.index = {name: i for i, name in enumerate(FEATURE_LABELS)}
        self.kept: dict[str, np.ndarray] = {}

    def __setitem__(self, name: str, values: np.ndarray) -> None:
        self.block[:, self.index[name]] = values
        if name in self.KEPT:
            self.kept[name] = np.asarray(values, dtype=float)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.kept[name]


def _horse_features(frame, hist, target, outcomes, keys, out: _Columns) -> None:
    """History of the horse: career and last-year rates, recent form, suitability."""
    day = frame["day"].to_numpy()
    horse = keys["horse"]
    h_entity = np.where(hist, horse, -1)
    summed = {name: outcomes[name] for name in ("won", "placed", "prize")}
    summed["has_placed"] = np.isfinite(outcomes["placed"]).astype(float)
    lagged = {name: outcomes[name] for name in ("won", "finish", "market", "lengths", "figure", "early", "closing",
                                                 "gain")}  # fmt: skip
    lagged.update(
        distance=frame["distance"].to_numpy(float),
        rating=frame["rating_raw"].to_numpy(),
        body=frame["body_weight_raw"].to_numpy(),
        equipment=keys["equipment"],
        jockey=np.where(keys["jockey"] >= 0, keys["jockey"], np.nan),
        **{"class": keys["race_class"]},
    )
    trail = _Trail(h_entity, day, summed=summed, lagged=lagged)
    del summed, lagged
    q_horse, q_day = horse[target], day[target]
    runs, s = trail.sums(q_horse, q_day, window_days=HISTORY_DAYS)
    out["h_runs"] = runs
    prior = 1.0 / keys["field"][target]
    out["h_win_rate"] = _shrunk(s["won"], runs, prior)
    out["h_place_rate"] = _shrunk(s["placed"], s["has_placed"], np.minimum(3 * prior, 1))
    out["h_log_prize_won"] = np.log1p(s["prize"])
    runs365, s365 = trail.sums(q_horse, q_day, window_days=RECENT_DAYS)
    out["h_runs_365"] = runs365
    out["h_win_rate_365"] = _shrunk(s365["won"], runs365, prior)
    out["h_place_rate_365"] = _shrunk(s365["placed"], s365["has_placed"], np.minimum(3 * prior, 1))
    del s, s365
    w = trail.bounds(q_horse, q_day, HISTORY_DAYS)
    out["h_last1"] = trail.lag(w, 1, "finish")
    out["h_last3"] = trail.recent_mean(w, 3, "finish")
    out["h_last5"] = trail.recent_mean(w, 5, "finish")
    out["h_won_last"] = trail.lag(w, 1, "won")
    out["h_lengths3"] = trail.recent_mean(w, 3, "lengths")
    out["h_days_since"] = q_day - trail.lag(w, 1, "day")
    out["h_figure_last"] = trail.lag(w, 1, "figure")
    out["h_figure_mean3"] = trail.recent_mean(w, 3, "figure")
    recent = np.column_stack([trail.lag(w, k, "figure") for k in (1, 2, 3)])
    with warnings.catch_warnings():  # an all-NaN row (no figure yet) is NaN, as it should be
        warnings.simplefilter("ignore", RuntimeWarning)
        out["h_figure_best3"] = np.nanmax(recent, axis=1)
    del recent
    out["h_prev_market3"] = trail.recent_mean(w, 3, "market")
    for name in ("early", "closing", "gain"):
        out[f"h_{name}_last"] = trail.lag(w, 1, name)
        out[f"h_{name}3"] = trail.recent_mean(w, 3, name)
    out["h_distance_change"] = frame["distance"].to_numpy(float)[target] - trail.lag(w, 1, "distance")
    out["h_class_change"] = keys["race_class"][target] - trail.lag(w, 1, "class")
    out["rating_change"] = frame["rating_raw"].to_numpy()[target] - trail.lag(w, 1, "rating")
    out["body_weight_change"] = frame["body_weight_raw"].to_numpy()[target] - trail.lag(w, 1, "body")
    last_equipment = trail.lag(w, 1, "equipment")
    out["equipment_changed"] = np.where(
        np.isfinite(last_equipment), (last_equipment != keys["equipment"][target]).astype(float), np.nan
    )
    last_jockey = trail.lag(w, 1, "jockey")
    this_jockey = keys["jockey"][target].astype(float)
    out["jockey_changed"] = np.where(
        np.isfinite(last_jockey) & (this_jockey >= 0), (last_jockey != this_jockey).astype(float), np.nan
    )
    del trail, w

    # Suitability: the horse's record under this race's conditions.
    summed = {"finish": outcomes["finish"], "won": outcomes["won"],
              "has_finish": np.isfinite(outcomes["finish"]).astype(float)}  # fmt: skip
    for name, part in (
        ("distance", keys["band"]),
        ("going", keys["going_code"]),
        ("course", keys["racecourse"]),
        ("discipline", keys["discipline"]),
        ("surface", keys["surface_code"]),
    ):
        entity = _codes(horse, np.where(part >= 0, part, np.nan))
        sub = _Trail(np.where(hist, entity, -1), day, summed=summed)
        count, sums = sub.sums(entity[target], q_day, window_days=HISTORY_DAYS)
        with np.errstate(invalid="ignore", divide="ignore"):
            finish_mean = np.where(sums["has_finish"] > 0, sums["finish"] / sums["has_finish"], np.nan)
        # Without a finishing order (Betfair), the win rate is the form that remains.
        form = np.where(np.isfinite(finish_mean), finish_mean, _shrunk(sums["won"], count, prior))
        if name != "surface":
            out[f"s_{name}_runs"] = count
        out[f"s_{name}_form"] = np.where(count > 0, form, np.nan)


def _people_features(frame, hist, target, outcomes, keys, out: _Columns) -> None:
    """Jockey/driver and trainer strike rates against expectation (1/field per ride), and the pairing."""
    day = frame["day"].to_numpy()
    q_day = day[target]
    summed = {"won": outcomes["won"], "placed": outcomes["placed"], "expected": outcomes["expected"],
              "has_placed": np.isfinite(outcomes["placed"]).astype(float)}  # fmt: skip
    for prefix, entity, count_name in (("j", keys["jockey"], "rides"), ("t", keys["trainer"], "runners")):
        trail = _Trail(np.where(hist, entity, -1), day, summed=summed)
        q = entity[target]
        rides, s = trail.sums(q, q_day, window_days=PEOPLE_DAYS)
        out[f"{prefix}_{count_name}_365"] = np.where(q >= 0, rides, np.nan)
        out[f"{prefix}_strike_365"] = np.where(q >= 0, (s["won"] + SHRINK) / (s["expected"] + SHRINK), np.nan)
        out[f"{prefix}_place_365"] = np.where(q >= 0, _shrunk(s["placed"], s["has_placed"], 0.3), np.nan)
        rides100, s100 = trail.sums(q, q_day, window_days=HISTORY_DAYS, last_n=LAST_RIDES)
        out[f"{prefix}_strike_100"] = np.where(q >= 0, (s100["won"] + SHRINK) / (s100["expected"] + SHRINK), np.nan)
    jockey = np.where(keys["jockey"] >= 0, keys["jockey"], np.nan)
    pair = _codes(jockey, np.where(keys["trainer"] >= 0, keys["trainer"], np.nan))
    trail = _Trail(np.where(hist, pair, -1), day, summed={"won": outcomes["won"], "expected": outcomes["expected"]})
    rides, s = trail.sums(pair[target], q_day, window_days=PAIR_DAYS)
    known = pair[target] >= 0
    out["jt_rides"] = np.where(known, rides, np.nan)
    out["jt_strike"] = np.where(known, (s["won"] + SHRINK) / (s["expected"] + SHRINK), np.nan)
    jh = _codes(jockey, keys["horse"])
    trail = _Trail(np.where(hist, jh, -1), day, summed={})
    rides, _ = trail.sums(jh[target], q_day, window_days=HISTORY_DAYS)
    out["jh_rides"] = np.where(jh[target] >= 0, rides, np.nan)


def _market_features(data: pd.DataFrame, race_codes: np.ndarray, n_races: int, out: _Columns) -> None:
    for name, column in (("mkt_morning_logp", "morning_odds"), ("mkt_final_logp", "final_odds")):
        odds = data[column].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            implied = np.where(odds >= 1, 1.0 / odds, np.nan)
        total = np.bincount(race_codes, weights=np.nan_to_num(implied), minlength=n_races)[race_codes]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[name] = np.log(implied / total)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mkt_drift"] = np.log(data["morning_odds"].to_numpy() / data["final_odds"].to_numpy())


def _target_filter(start, end, source, races, finished_only) -> Q:
    target_q = Q()
    if start is not None:
        target_q &= Q(race__meeting__date__gte=start)
    if end is not None:
        target_q &= Q(race__meeting__date__lte=end)
    if source is not None:
        target_q &= Q(race__source=source)
    if races is not None:
        target_q &= races
    if finished_only:
        target_q &= Q(race__status=RaceStatus.FINISHED)
    return target_q


# Non-partants and cancelled races take no part in anything (neither targets nor history).
_RUNS = ~Q(status=RunnerStatus.NON_PARTANT) & ~Q(race__status=RaceStatus.CANCELLED)


def feature_frame(
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    source: str | None = None,
    races: Q | None = None,
    finished_only: bool = False,
    chunk_days: int | None = None,
) -> FeatureFrame:
    """Features of every runner that runs in the races dated ``start``..``end`` (either may be open).

    ``source`` restricts both the targets and the history to one source; ``races`` (a Q on
    Runner) narrows the targets further; ``finished_only`` keeps only finished races as targets
    (training). One query for the rows, whatever the number of races — or, with ``chunk_days``,
    one per block of that many days (``feature_frames``, concatenated: the same frame).
    """
    if chunk_days is not None:
        parts = [part.data for part in feature_frames(start=start, end=end, source=source, races=races,
                                                      finished_only=finished_only, chunk_days=chunk_days)]  # fmt: skip
        if not parts:
            return _build(pd.DataFrame(), np.zeros(0, dtype=bool))
        return FeatureFrame(pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0])
    target_q = _target_filter(start, end, source, races, finished_only)
    # The history the trailing windows reach back to, plus the targets themselves.
    load_q = _RUNS & (Q(race__source=source) if source is not None else Q())
    if end is not None:
        load_q &= Q(race__meeting__date__lte=end)
    if start is not None:
        load_q &= Q(race__meeting__date__gte=start - dt.timedelta(days=LOAD_DAYS))
    frame = runner_frame(load_q)
    if not len(frame):
        return _build(frame, np.zeros(0, dtype=bool))
    if races is not None:
        # An arbitrary filter: let the database say which of the loaded runners it selects.
        target_ids = Runner.objects.filter(target_q).values_list("id", flat=True)
        target = frame["runner_id"].isin(set(target_ids)).to_numpy()
    else:
        target = np.ones(len(frame), dtype=bool)
        if start is not None:
            target &= (frame["date"] >= start).to_numpy()
        if finished_only:
            target &= (frame["race_status"] == RaceStatus.FINISHED).to_numpy()
    return _build(frame, target)


def feature_frames(
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    source: str | None = None,
    races: Q | None = None,
    finished_only: bool = False,
    chunk_days: int = CHUNK_DAYS,
) -> Iterator[FeatureFrame]:
    """``feature_frame``'s rows, ``chunk_days`` race days at a time (blocks without a runner skipped).

    Each block loads its own days and the LOAD_DAYS before them, no more: memory is bounded by
    a block and its history, not by the whole range. Every window is relative to the race's
    own date, so the blocks, concatenated, are ``feature_frame`` over the range, row for row.
    """
    if chunk_days < 1:
        raise ValueError("chunk_days must be at least 1")
    span = Runner.objects.filter(_RUNS & _target_filter(start, end, source, races, finished_only)).aggregate(
        first=Min("race__meeting__date"), last=Max("race__meeting__date")
    )
    if span["first"] is None:
        return
    block_start = span["first"]
    while block_start <= span["last"]:
        block_end = min(block_start + dt.timedelta(days=chunk_days - 1), span["last"])
        part = feature_frame(start=block_start, end=block_end, source=source, races=races, finished_only=finished_only)
        if len(part):
            yield part
        block_start = block_end + dt.timedelta(days=1)


def features_from_frame(frame: pd.DataFrame, target: np.ndarray) -> FeatureFrame:
    """Features of the ``target`` rows of an already loaded frame (the evaluation loads once)."""
    return _build(frame, target)


def load_runners(*, source: str | None = None, end: dt.date | None = None) -> pd.DataFrame:
    """Every runner that runs (of ``source``, up to ``end``) as the raw frame ``features_from_frame`` takes."""
    window = _RUNS
    if source is not None:
        window &= Q(race__source=source)
    if end is not None:
        window &= Q(race__meeting__date__lte=end)
    return runner_frame(window)


def _build(frame: pd.DataFrame, target: np.ndarray) -> FeatureFrame:
    if not len(frame):
        return FeatureFrame(pd.DataFrame(columns=[*ID_COLUMNS, "field", "won", "has_winner", *FEATURE_LABELS]))
    runs = (frame["status"] != RunnerStatus.NON_PARTANT).to_numpy() & (
        frame["race_status"] != RaceStatus.CANCELLED
    ).to_numpy()
    if not runs.all():  # the loaders leave them out already: no copy then
        frame = frame.loc[runs].reset_index(drop=True)
        target = np.asarray(target)[runs]
    target = np.asarray(target, dtype=bool)
    hist = (frame["race_status"] == RaceStatus.FINISHED).to_numpy()

    race_codes = _codes(frame["race_id"].to_numpy())
    n_races = int(race_codes.max()) + 1 if race_codes.size else 0
    field = np.bincount(race_codes, minlength=n_races)[race_codes].astype(float)
    discipline = frame["discipline_raw"].map(DISCIPLINES).to_numpy(dtype=float)
    going = _by_value(frame["going_raw"], lambda v: v.fillna("").str.upper().str.strip().to_numpy(dtype=object))
    keys = {
        "field": field,
        "horse": _codes(frame["horse_id"].to_numpy()),
        "jockey": _codes(frame["jockey_id"].to_numpy()),
        "trainer": _codes(frame["trainer_id"].to_numpy()),
        "racecourse": _codes(frame["racecourse_id"].to_numpy()),
        "discipline": np.nan_to_num(discipline, nan=-1).astype(np.int64),
        "band": _distance_band(frame["distance"].to_numpy(), np.nan_to_num(discipline, nan=2)),
        "going_code": _codes(np.where(going != "", going, None)),
        "surface_code": _codes(frame["surface_raw"].where(frame["surface_raw"] != "", None).to_numpy()),
        "race_class": _class_number(frame["class_raw"], frame["class_letter"]),
        "equipment": _codes(frame["equipment"].fillna("").to_numpy()).astype(float),
    }
    outcomes = _outcomes(frame, race_codes, n_races, field, hist)

    columns = _Columns(int(target.sum()))
    _horse_features(frame, hist, target, outcomes, keys, columns)
    _people_features(frame, hist, target, outcomes, keys, columns)
    del outcomes

    ids = frame.loc[target, list(ID_COLUMNS)].reset_index(drop=True)

    def at_targets(name: str) -> np.ndarray:
        # One column at a time: a copy of every target row's raw columns would outweigh the features.
        return frame[name].to_numpy()[target]

    t_codes = _codes(ids["race_id"].to_numpy())
    t_races = int(t_codes.max()) + 1 if t_codes.size else 0
    t_field = field[target]
    columns["field_size"] = t_field
    columns["distance"] = at_targets("distance").astype(float)
    columns["discipline"] = discipline[target]
    columns["surface"] = frame["surface_raw"].map(SURFACES).to_numpy(dtype=float)[target]
    columns["going"] = pd.Series(going[target]).map(GOINGS).to_numpy(dtype=float)
    columns["race_class"] = keys["race_class"][target]
    columns["handicap"] = _by_value(frame["class_raw"], lambda v: v.fillna("").str.contains("Hcap", case=False)
                                    .to_numpy(dtype=float))[target]  # fmt: skip
    columns["log_prize"] = np.log1p(at_targets("prize"))
    columns["age"] = at_targets("age_raw")
    columns["sex"] = frame["sex_raw"].map(SEXES).to_numpy(dtype=float)[target]
    draw = at_targets("draw_raw")
    columns["draw"] = draw
    columns["draw_share"] = draw / t_field
    weight = at_targets("weight_raw")
    columns["weight"] = weight
    columns["weight_rel"] = _race_relative(weight, t_codes, t_races)
    columns["handicap_distance_rel"] = _race_relative(at_targets("handicap_distance_raw"), t_codes, t_races)
    rating = at_targets("rating_raw")
    columns["rating"] = rating
    columns["rating_rel"] = _race_relative(rating, t_codes, t_races)
    columns["body_weight"] = at_targets("body_weight_raw")
    columns["shoeing"] = frame["shoeing_raw"].map(SHOEING).to_numpy(dtype=float)[target]
    earnings = np.log1p(at_targets("earnings_raw"))
    columns["log_earnings"] = earnings
    columns["earnings_rank"] = _race_rank_share(earnings, t_codes)
    musique = _musique_columns(frame["musique"][target])
    for i, name in enumerate(_MUSIQUE_COLUMNS):
        columns[name] = musique[:, i]
    del draw, weight, rating, earnings, musique
    columns["h_last3_rel"] = _race_relative(columns["h_last3"], t_codes, t_races)
    columns["h_win_rate_rel"] = _race_relative(columns["h_win_rate"], t_codes, t_races)
    columns["h_figure_rel"] = _race_relative(columns["h_figure_best3"], t_codes, t_races)
    columns["h_prev_market_rel"] = _race_relative(columns["h_prev_market3"], t_codes, t_races)
    early = columns["h_early3"]
    columns["h_early_rel"] = _race_relative(early, t_codes, t_races)
    # The pace of the race: how many of its runners usually lead early (NaN: nobody's sectionals known).
    known = np.bincount(t_codes, weights=np.isfinite(early), minlength=t_races)[t_codes]
    leaders = np.bincount(t_codes, weights=np.nan_to_num(early, nan=1.0) < 0.25, minlength=t_races)[t_codes]
    columns["pace_leaders"] = np.where(known > 0, leaders, np.nan)
    columns["early_draw"] = early * at_targets("draw_raw")
    del early, known, leaders
    columns["j_strike_rel"] = _race_relative(columns["j_strike_365"], t_codes, t_races)
    columns["t_strike_rel"] = _race_relative(columns["t_strike_365"], t_codes, t_races)
    _market_features(ids, t_codes, t_races, columns)

    ids["field"] = t_field
    k = np.bincount(t_codes, weights=(ids["position"].to_numpy() == 1), minlength=t_races)[t_codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        ids["won"] = np.where(ids["position"].to_numpy() == 1, 1.0 / k, 0.0)
    ids["has_winner"] = k > 0
    features = pd.DataFrame(columns.block, columns=list(FEATURE_LABELS), copy=False)
    return FeatureFrame(pd.concat([ids, features], axis=1))
