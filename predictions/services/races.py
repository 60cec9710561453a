"""Rows grouped by race, each race's rows contiguous: the shape every per-race computation of the models uses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Races:
    """Rows grouped by race, each race's rows contiguous: sums and maxima per race by ``reduceat``."""

    codes: np.ndarray
    starts: np.ndarray

    @classmethod
    def of(cls, race_id: np.ndarray) -> Races:
        race_id = np.asarray(race_id)
        if race_id.size == 0:
            return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        change = np.r_[True, race_id[1:] != race_id[:-1]]
        starts = np.flatnonzero(change)
        if np.unique(race_id).size != starts.size:
            raise ValueError("the rows of each race must be contiguous")
        return cls(np.cumsum(change) - 1, starts)

    @property
    def n(self) -> int:
        return int(self.starts.size)

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(np.r_[self.starts, self.codes.size])

    def sum(self, values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, self.starts) if self.n else np.zeros(0)

    def softmax(self, scores: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """exp(s) / Σ exp(s) within each race, over the rows in ``mask`` (0 elsewhere)."""
        s = scores if mask is None else np.where(mask, scores, -np.inf)
        top = np.maximum.reduceat(s, self.starts)
        top = np.where(np.isfinite(top), top, 0.0)
        e = np.exp(s - top[self.codes])
        total = self.sum(e)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total[self.codes] > 0, e / total[self.codes], 0.0)

    def demean(self, values: np.ndarray) -> np.ndarray:
        return values - (self.sum(values) / self.sizes)[self.codes]
