"""Command-line options the prediction commands share: dates, windows and model versions."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError

from predictions.models import ModelVersion
from predictions.services.versions import model_version_active


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
