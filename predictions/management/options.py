"""What the prediction commands share: their options (dates, windows, model versions) and the training's turn."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from django.core.management.base import CommandError

from predictions.models import ModelVersion
from predictions.services.registry import TRAINING_LOCK
from predictions.services.versions import model_version_active
from turf.locks import held

T = TypeVar("T")


def option_date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} {value!r} is not a date: use YYYY-MM-DD") from None


def option_window(start: str, end: str) -> tuple[dt.date, dt.date]:
    first, last = option_date(start, "--start"), option_date(end, "--end")
    if last < first:
        raise CommandError(f"--end {last} is before --start {first}")
    return first, last


def option_model_version(name: str | None) -> ModelVersion:
    """The version named by --model, or the active one."""
    if not name:
        return model_version_active()
    try:
        return ModelVersion.objects.get(version=name)
    except ModelVersion.DoesNotExist:
        raise CommandError(f"no model version {name!r}") from None


def in_training_turn(command: str, stderr, run: Callable[[], T]) -> T:
    """``run()`` holding the training lock (``registry.TRAINING_LOCK``): a training that promotes takes its turn with
    the nightly retrain (``predictions.retrain``), never two candidates trained and promoted at once. When another
    holds it, say so on ``stderr`` and wait for it."""
    with held(TRAINING_LOCK) as free:
        if free:
            return run()
    stderr.write(f"{command}: another training that promotes is running; waiting for it to finish")
    with held(TRAINING_LOCK, wait=True):
        return run()
