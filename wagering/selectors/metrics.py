"""``GET metrics``: the active model's quality and its value bets' ROI on the last finished races, beside the
market's, from the one engine (``model_scores``) the model report uses."""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db.models import Q

from courses.models import RaceStatus
from predictions.services.probability import market_probabilities, normalise_within_races
from predictions.services.runners import runner_columns
from predictions.services.versions import VersionArg, model_version_resolve

from ..services.model_scores import Scored, score_models, win_payouts
from ..services.rapports import win_dividends
from ..services.settlement import cents
from ..services.value import VALUE_BET_EDGE, VALUE_BET_MIN_ODDS


def metrics_compute(
    *,
    start: dt.date,
    end: dt.date,
    model_version: VersionArg = None,
    min_odds: float = VALUE_BET_MIN_ODDS,
    edge: float = VALUE_BET_EDGE,
) -> dict:
    """Log loss, Brier, top-1 and value-bet ROI of the version and of the market, on the same finished races.

    A race counts when it is finished, has a recorded winner, the version predicted every
    runner that ran, and every one of them has final odds (the market baseline). Targets:
    y = 1 for the winner; a dead heat between k runners gives each y = 1/k, so its log loss is
    the mean of −ln p over the dead-heaters and the top pick scores 1/k if it is one of them,
    as the split rapport pays.
    """
    version = model_version_resolve(model_version)
    empty = {
        "model_version": version.version if version else None,
        "races": 0,
        "races_skipped": {},
        "uniform_log_loss": None,
        "model": None,
        "market": None,
    }
    if version is None:
        return empty
    window = Q(race__meeting__date__range=(start, end), race__status=RaceStatus.FINISHED)
    frame = runner_columns(window, model_version=version)
    frame = frame.take(frame.runs)
    predicted = np.isfinite(frame.win_probability)
    frame = frame.take(np.isin(frame.race_id, np.unique(frame.race_id[predicted])))
    model_p = normalise_within_races(frame.win_probability, frame.race_id)
    market_p = market_probabilities(frame.final_odds, frame.race_id)

    race_ids, codes = np.unique(frame.race_id, return_inverse=True)
    codes = codes.reshape(-1)

    def any_in_race(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=mask, minlength=race_ids.size) > 0

    no_winner = ~any_in_race(frame.position == 1)
    no_prediction = ~no_winner & any_in_race(np.isnan(model_p))
    no_odds = ~no_winner & ~no_prediction & any_in_race(np.isnan(market_p))
    skipped = {
        "no winner recorded": int(no_winner.sum()),
        "runners without a prediction": int(no_prediction.sum()),
        "runners without final odds": int(no_odds.sum()),
    }
    keep = np.isin(frame.race_id, race_ids[~(no_winner | no_prediction | no_odds)])
    frame, model_p, market_p = frame.take(keep), model_p[keep], market_p[keep]
    result = {**empty, "races_skipped": {k: v for k, v in skipped.items() if v}}
    if not keep.any():
        return result

    won = frame.position == 1
    winners = frame.winners_per_race()
    odds, _ = frame.market_odds()
    scored = Scored(
        race_id=frame.race_id,
        saddle=frame.saddle,
        won=np.where(won, 1.0 / np.array([winners.get(r, 1) for r in frame.race_id.tolist()], dtype=float), 0.0),
        odds=odds,
        payout=win_payouts(
            race_id=frame.race_id,
            saddle=frame.saddle,
            won=won,
            price_cents=cents(frame.final_odds_decimal),
            source=[frame.races[r].source for r in frame.race_id.tolist()],
            dividends=win_dividends(window),
        ),
        probabilities={"model": model_p, "market": market_p},
    )
    scores = score_models(scored, edge=edge, min_odds=min_odds)
    market = scores["models"]["market"]
    return {
        **result,
        "races": scores["races"],
        "uniform_log_loss": market["uniform_log_loss"],
        "model": scores["models"]["model"],
        "market": market,
    }
