"""The race's own pre-race columns: codings of the raw values, classes, distance bands, the musique, the market."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from courses.models import Discipline, Sex

from .trail import _Columns

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
    "FIRM": 1,
    "FAST": 1,
    "SEC": 1,
    "HARD": 1,
    "GOOD TO FIRM": 2,
    "BON LEGER": 2,
    "BON LÉGER": 2,
    "GOOD": 3,
    "BON": 3,
    "STANDARD": 3,
    "WET FAST": 3,
    "GOOD TO YIELDING": 4,
    "GOOD TO SOFT": 4,
    "BON SOUPLE": 4,
    "STANDARD TO SLOW": 4,
    "WET SLOW": 4,
    "YIELDING": 5,
    "SOFT": 5,
    "SOUPLE": 5,
    "SLOW": 5,
    "YIELDING TO SOFT": 6,
    "TRES SOUPLE": 6,
    "TRÈS SOUPLE": 6,
    "SOFT TO HEAVY": 6,
    "COLLANT": 6,
    "HEAVY": 7,
    "LOURD": 7,
    "TRES LOURD": 7,
    "TRÈS LOURD": 7,
}
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
_MUSIQUE_COLUMNS = (
    "musique_runs",
    "musique_last",
    "musique_mean5",
    "musique_wins5",
    "musique_top3_5",
    "musique_faults5",
)


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
    number = _by_value(
        raw,
        lambda v: pd.to_numeric(v.fillna("").str.extract(_CLASS_DIGITS, expand=False), errors="coerce").to_numpy(
            dtype=float
        ),
    )
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
