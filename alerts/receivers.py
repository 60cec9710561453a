"""What alerts does when the pipelines below announce their news (courses and predictions never import alerts).

Each receiver runs a producer (``alerts.services.events``) after the sender committed; the senders use
``send_robust``, so a failing producer is logged there and the import, the feed or the scoring stands.

- ``courses.signals.results_written`` (an import or a feed step wrote races): the runners declared in races still
  to come (``runner.declared``), and the results that arrived (``race.result``).
- ``courses.signals.races_changed`` (the live feed: programme, odds, non-partants of races still to come): the
  declared runners on a programme step, the odds moves on the others.
- ``predictions.signals.races_rescored``: the races' value bets and top picks compared to the last ones told.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver

from courses.signals import races_changed, results_written
from predictions.signals import races_rescored

from .services.events import (
    events_odds_moved,
    events_prediction_updated,
    events_race_result,
    events_runner_declared,
    events_value_bets,
)

logger = logging.getLogger("turf.alerts")

PROGRAMME = "programme"


@receiver(results_written, dispatch_uid="alerts.events_on_results_written")
def events_on_results_written(sender, source: str, **kwargs) -> None:
    declared = events_runner_declared()
    results = events_race_result()
    if declared or results:
        logger.info("%s written: %d runner.declared, %d race.result events", source, len(declared), len(results))


@receiver(races_changed, dispatch_uid="alerts.events_on_races_changed")
def events_on_races_changed(sender, race_ids, reason: str, **kwargs) -> None:
    if reason == PROGRAMME:
        made = events_runner_declared(race_ids=race_ids)
    else:
        made = events_odds_moved(race_ids=race_ids)
    if made:
        logger.info("races_changed (%s): %d events", reason, len(made))


@receiver(races_rescored, dispatch_uid="alerts.events_on_races_rescored")
def events_on_races_rescored(sender, race_ids, **kwargs) -> None:
    bets = events_value_bets(race_ids=race_ids)
    updated = events_prediction_updated(race_ids=race_ids)
    if bets or updated:
        logger.info("races rescored: %d value-bet events, %d prediction.updated", len(bets), len(updated))
