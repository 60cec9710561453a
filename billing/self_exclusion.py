"""What a self-excluded user may not open: every feature that tells what to bet on (value bets, picks, a race's
predictions and combinations, the day's predictions, backtests, the predictions' CSV). The programme, the metrics,
the history of past races, one's own bets and account stay open. Asked by the plan gate, for the API and the pages
alike."""

from __future__ import annotations

from accounts.services.self_exclusion import self_exclusion_current, self_exclusion_message
from turf.errors import SelfExcluded

from .models import Feature

CLOSED_FEATURES = frozenset(
    {
        Feature.VALUEBETS,
        Feature.COMBINATIONS,
        Feature.TOP3,
        Feature.RACE_PREDICTIONS,
        Feature.PREDICTIONS_ALL,
        Feature.BACKTEST,
        Feature.EXPORT_CSV,
    }
)


def self_exclusion_check(request, view) -> None:
    """SelfExcluded (403, naming the end date) when the user excluded themselves and ``view`` opens a closed
    feature; before the plan is asked, so that nobody is told to upgrade to what they shut themselves out of."""
    user = getattr(request, "user", None)
    if view.required_feature not in CLOSED_FEATURES or not (user and user.is_authenticated):
        return
    exclusion = self_exclusion_current(user=user)  # the request's user as authenticated, current: no query
    if exclusion is not None:
        raise SelfExcluded(self_exclusion_message(exclusion))
