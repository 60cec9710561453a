"""``GET metrics``: the quality and the value bets' ROI of what Turf predicted before the last finished races,
beside the market's at the same moment, from the one engine (``model_scores``) the model report uses.

Each race is judged by the prediction made before it (``wagering.services.pre_race``: the one published at its
off, else the walk-forward one), whatever model is active now, so a model promoted today is never measured on
the races it learnt from. The races are read through the backtests' frame, so both judge a race alike.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db.models import Q

from courses.models import RaceStatus
from predictions.services.metrics import race_metrics, reliability_bins
from predictions.services.probability import market_probabilities, normalise_within_races
from predictions.services.races import Races
from predictions.services.versions import VersionArg, model_version_resolve

from ..services.backtest.frame import BacktestFrame, backtest_frame_load, pre_race_attach
from ..services.model_scores import Scored, score_models, win_payouts
from ..services.pre_race import NO_PREDICTION, TRAINED_ON
from ..services.rapports import win_dividends
from ..services.value import VALUE_BET_EDGE, VALUE_BET_MIN_ODDS

NO_WINNER = "no winner recorded"
PARTLY_PREDICTED = "runners without a prediction"
NO_MARKET = "runners without odds when the prediction was made"


def _window(start: dt.date, end: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}race__meeting__date__range": (start, end), f"{prefix}race__status": RaceStatus.FINISHED})


def metrics_compute(
    *,
    start: dt.date,
    end: dt.date,
    model_version: VersionArg = None,
    min_odds: float = VALUE_BET_MIN_ODDS,
    edge: float = VALUE_BET_EDGE,
) -> dict:
    """Log loss, Brier, top-1 and value-bet ROI of the predictions made before the finished races of the window,
    and of the market at the same moment, on the same races.

    Each race is judged by its pre-race prediction (published at the off, else walk-forward); with
    ``model_version``, by that version's predictions, never on a race it was trained on. The market is the
    market's probability stored with that prediction (normalised 1/odds of the odds it saw; recomputed from
    those odds where it was not stored), never the final odds; value bets of both are judged at the odds the
    prediction saw and settled by what the race paid.

    A race counts when it is finished, has a recorded winner, has a prediction made before it pricing every
    runner that ran, and the odds it saw priced every one of them. Targets: y = 1 for the winner; a dead heat
    between k runners gives each y = 1/k, so its log loss is the mean of −ln p over the dead-heaters and the
    top pick scores 1/k if it is one of them, as the split rapport pays. ``races_skipped`` says why races were
    left out; ``basis`` and ``versions`` how many of those scored were judged on published and walk-forward
    predictions, and by which version.
    """
    result, frame, scored_race, scored, _ = _scored_window(start, end, model_version)
    if scored is None:
        return result
    scores = score_models(scored, edge=edge, min_odds=min_odds)
    market = scores["models"]["market"]
    versions, basis = frame.judged_by(np.flatnonzero(scored_race))
    return {
        **result,
        "races": scores["races"],
        "basis": basis,
        "versions": versions,
        "uniform_log_loss": market["uniform_log_loss"],
        "model": scores["models"]["model"],
        "market": market,
    }


def metrics_by_month(*, start: dt.date, end: dt.date) -> dict:
    """The quality of what was predicted before the finished races of the window, month by month, beside the
    market's at the same moment, and the predictions' calibration: on the races ``metrics_compute`` scores,
    each judged by its pre-race prediction.

    ``months``: per calendar month, its races and the race log loss and Brier of the model and of the market;
    ``calibration``: the model's reliability bins (``reliability_bins``) over every runner scored, whose counts
    add up to ``runners``; ``sources``: the data sources of the window's finished races."""
    result, frame, _, scored, race = _scored_window(start, end, None)
    answer = {
        "races": 0,
        "runners": 0,
        "races_skipped": result["races_skipped"],
        "sources": sorted({str(source) for source in frame.race_source.tolist()}),
        "months": [],
        "calibration": [],
    }
    if scored is None:
        return answer
    days = frame.race_day[race]
    months = np.array([dt.date.fromordinal(int(day)).replace(day=1).toordinal() for day in days])
    for month in np.unique(months):
        rows = scored.take(months == month)
        races = Races.of(rows.race_id)
        figures = {
            side: race_metrics(rows.probabilities[side], rows.won, races, rows.saddle) for side in ("model", "market")
        }
        answer["months"].append(
            {
                "month": dt.date.fromordinal(int(month)),
                "races": races.n,
                **{side: {"log_loss": f["log_loss"], "brier": f["brier"]} for side, f in figures.items()},
            }
        )
    answer.update(
        races=Races.of(scored.race_id).n,
        runners=int(scored.race_id.size),
        calibration=reliability_bins(scored.probabilities["model"], scored.won),
    )
    return answer


def _scored_window(
    start: dt.date, end: dt.date, model_version: VersionArg
) -> tuple[dict, BacktestFrame, np.ndarray, Scored | None, np.ndarray | None]:
    """The finished races of the window that can be judged, each by its pre-race prediction, beside the market:
    the result's skeleton (with why races were left out), the frame, which of its races are scored, the scored
    runners (None when no race is) and each scored runner's race (an index into the frame's races)."""
    version = model_version_resolve(model_version) if model_version is not None else None
    result = {
        "model_version": version.version if version else None,
        "races": 0,
        "races_skipped": {},
        "basis": {},
        "versions": {},
        "uniform_log_loss": None,
        "model": None,
        "market": None,
    }
    if version is not None:
        frame = backtest_frame_load(_window(start, end), model_version=version)
    else:
        frame = backtest_frame_load(_window(start, end))
        pre_race_attach(frame, _window(start, end, prefix="runner__"))
    runs = np.flatnonzero(frame.runs)
    runs_race = frame.race[runs]

    def any_in_race(mask: np.ndarray) -> np.ndarray:
        return np.bincount(runs_race, weights=mask, minlength=frame.n_races) > 0

    model_p = normalise_within_races(frame.p[runs], runs_race)
    # The market when the prediction was made: as stored with it, else from the odds it saw (the same figure).
    stored = ~any_in_race(np.isnan(frame.market_p[runs]))[runs_race]
    seen = market_probabilities(frame.odds[runs], runs_race)
    market_p = normalise_within_races(np.where(stored, frame.market_p[runs], seen), runs_race)

    no_winner = ~any_in_race(frame.position[runs] == 1)
    unpredicted = ~no_winner & (frame.version < 0)
    partly = ~no_winner & ~unpredicted & any_in_race(np.isnan(model_p))
    no_market = ~no_winner & ~unpredicted & ~partly & any_in_race(np.isnan(market_p))
    skipped = {
        NO_WINNER: int(no_winner.sum()),
        NO_PREDICTION: int(unpredicted.sum()),
        TRAINED_ON: int((unpredicted & frame.trained_on).sum()),
        PARTLY_PREDICTED: int(partly.sum()),
        NO_MARKET: int(no_market.sum()),
    }
    result["races_skipped"] = {reason: count for reason, count in skipped.items() if count}
    scored_race = ~(no_winner | unpredicted | partly | no_market)
    keep = scored_race[runs_race]
    if not keep.any():
        return result, frame, scored_race, None, None

    rows, race, model_p, market_p = runs[keep], runs_race[keep], model_p[keep], market_p[keep]
    won = frame.position[rows] == 1
    winners = np.bincount(race, weights=won, minlength=frame.n_races)
    race_id = frame.race_id[race]
    scored = Scored(
        race_id=race_id,
        saddle=frame.saddle[rows],
        won=np.where(won, 1.0 / np.maximum(winners[race], 1), 0.0),
        odds=frame.odds[rows],
        payout=win_payouts(
            race_id=race_id,
            saddle=frame.saddle[rows],
            won=won,
            price_cents=frame.final_cents[rows],
            source=frame.race_source[race],
            dividends=win_dividends(_window(start, end)),
        ),
        probabilities={"model": model_p, "market": market_p},
    )
    return result, frame, scored_race, scored, race
