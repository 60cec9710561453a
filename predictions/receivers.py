"""What predictions does when courses announces the live day's news (courses never imports predictions).

The feed sends these signals with ``send_robust`` after it has committed: a receiver that fails is logged by
the sender, and the feed's data stands. The receivers run in the sender's process (the scheduled check's
worker), in order: a race is rescored before it can be frozen.

The API's answers about races are cached (``turf.cache``): the scoring, the freezing and a model's activation make
them stale themselves (bulk writes); the receivers below do it for rows written one by one (the admin).
"""

from __future__ import annotations

import logging

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from courses.clock import not_gone_off
from courses.models import Race
from courses.signals import races_changed, races_off
from turf.cache import answers_invalidate

from .models import ModelVersion, Prediction, PublishedPrediction, PublishedStage
from .services.published import predictions_freeze
from .services.scoring import predictions_score_races

logger = logging.getLogger("turf.predictions")

# The feed's morning step: the programme (and its morning line) is what the morning prediction is made of.
PROGRAMME = "programme"


@receiver(races_changed, dispatch_uid="predictions.rescore_changed_races")
def rescore_changed_races(sender, race_ids, reason: str, **kwargs) -> None:
    """New programme, odds or non-partants: rescore the races still to come with the active version (a non-partant
    leaves the probabilities, the others renormalised); after the programme step, freeze the morning prediction."""
    to_come = list(
        Race.objects.filter(not_gone_off(timezone.now()), pk__in=list(race_ids)).values_list("pk", flat=True)
    )
    if not to_come:
        return
    report = predictions_score_races(race_ids=to_come)
    logger.info(
        "races_changed (%s): %s rescored %d of %d races, %d rows, %d removed",
        reason,
        report.model_version,
        report.races_scored,
        len(to_come),
        report.predictions,
        report.removed,
    )
    if reason == PROGRAMME:
        frozen = predictions_freeze(race_ids=to_come, stage=PublishedStage.MORNING)
        logger.info(
            "morning freeze: %d races, %d rows; not frozen %s", frozen.races_frozen, frozen.predictions, frozen.skipped
        )


@receiver(races_off, dispatch_uid="predictions.freeze_at_the_off")
def freeze_at_the_off(sender, race_ids, **kwargs) -> None:
    """Races reached their off: freeze the prediction served then (scored before the off), never to be rewritten."""
    frozen = predictions_freeze(race_ids=race_ids, stage=PublishedStage.OFF)
    logger.info("off freeze: %d races, %d rows; not frozen %s", frozen.races_frozen, frozen.predictions, frozen.skipped)


@receiver(post_save, sender=ModelVersion, dispatch_uid="predictions.answers_stale_version_saved")
@receiver(post_delete, sender=ModelVersion, dispatch_uid="predictions.answers_stale_version_deleted")
@receiver(post_save, sender=Prediction, dispatch_uid="predictions.answers_stale_prediction_saved")
@receiver(post_delete, sender=Prediction, dispatch_uid="predictions.answers_stale_prediction_deleted")
@receiver(post_save, sender=PublishedPrediction, dispatch_uid="predictions.answers_stale_published_saved")
@receiver(post_delete, sender=PublishedPrediction, dispatch_uid="predictions.answers_stale_published_deleted")
def answers_stale(sender, **kwargs) -> None:
    answers_invalidate()
