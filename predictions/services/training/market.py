"""The market's view of a race, as the models take it: normalised 1/odds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..races import Races


def market_view(final_odds: np.ndarray, morning_odds: np.ndarray, races: Races) -> np.ndarray:
    """The market's probabilities per runner: normalised 1/odds within the race, NaN where unpriced.

    Final odds where every runner of the race has them, else the morning odds (today's races;
    the PMU CSV), else whatever final odds there are, normalised over the runners that have
    them. A race with no odds at all has none.
    """

    def implied(odds: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(np.isfinite(odds) & (odds >= 1.0), 1.0 / odds, np.nan)

    final, morning = implied(np.asarray(final_odds, float)), implied(np.asarray(morning_odds, float))
    complete_final = races.sum(np.isnan(final).astype(float)) == 0
    any_morning = (races.sum(np.isfinite(morning).astype(float)) > 0)[races.codes]
    use = np.where(complete_final[races.codes], final, np.where(any_morning, morning, final))
    total = races.sum(np.nan_to_num(use))[races.codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, use / total, np.nan)


def strict_market(data: pd.DataFrame, races: Races) -> np.ndarray:
    """The market baseline's view (as ``market-baseline-1`` scores): complete final odds, else
    complete morning odds, else none. NaN for every runner of a race it cannot price."""
    out = np.full(len(data), np.nan)
    for column in ("final_odds", "morning_odds"):
        odds = data[column].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            implied = np.where(np.isfinite(odds) & (odds >= 1.0), 1.0 / odds, np.nan)
        complete = (races.sum(np.isnan(implied).astype(float)) == 0)[races.codes]
        fill = complete & np.isnan(out)
        total = races.sum(np.nan_to_num(implied))[races.codes]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[fill] = (implied / total)[fill]
    return out
