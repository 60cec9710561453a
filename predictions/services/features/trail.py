"""The range-sum engine over (entity, day) history, the float32 feature block, and small numpy helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .labels import FEATURE_LABELS

# Pseudo-rides of prior in the shrunk rates: a jockey with 3 rides and 1 win is not a 33% jockey.
SHRINK = 10.0
_DAY_BITS = 1 << 22  # (entity, day) keys: entity * _DAY_BITS + day, days since 1970 < 4M
_QUANTUM = float(1 << 20)  # trailing sums are exact integer sums of values rounded to 2^-20


class _Trail:
    """History rows of one kind of entity sorted by (entity, day), with prefix sums of some values.

    ``bounds(window_days=...)`` finds, for every query row, the entity's history rows dated in
    [d − window, d); ``sums`` adds up the ``summed`` values over them (``last_n`` keeps the
    latest n rows only); ``lag(k)`` is a ``lagged`` value k runs back (1 = the latest before d).
    Only what is asked for is kept: a prefix-sum column per summed value; lagged values are
    read in place, through ``rows`` (each sorted history row's index in the frame).
    """

    def __init__(
        self,
        entity: np.ndarray,
        day: np.ndarray,
        *,
        summed: dict[str, np.ndarray],
        lagged: dict[str, np.ndarray] | None = None,
    ):
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
            .groupby(group)
            .cumsum()
            .to_numpy()
            for name, v in summed.items()
        }

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
