"""Which model version speaks: the active one, the market baseline, a named one.

Written once, read everywhere: "the active version" is ``model_version_active_get`` (or
``model_version_active``, which falls back to the market baseline and activates it), and the market
baseline's row is made by ``market_baseline`` only.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ..models import ModelKind, ModelStatus, ModelVersion

MARKET_BASELINE = "market-baseline-1"
MARKET_BASELINE_DEFAULTS = {
    "kind": ModelKind.MARKET,
    "features": ["final_odds", "morning_odds"],
    "params": {
        "win": "normalised 1/odds within the race",
        "odds": "final odds where every runner that runs has them, else morning odds; else not scored",
        "place": "Harville, exact, over the places paid (3 with 8+ runners, 2 with 4-7, 1 below)",
        "non_partants": "no prediction",
    },
    "notes": "The market's own view, takeout removed. Every other model has to beat it.",
}

# What a read may name: a version, its name, or nothing (the active one).
VersionArg = ModelVersion | str | None


def market_baseline() -> ModelVersion:
    """The market baseline's version row, created the first time it is asked for (not activated)."""
    version, _ = ModelVersion.objects.get_or_create(version=MARKET_BASELINE, defaults=MARKET_BASELINE_DEFAULTS)
    return version


def model_version_active_get() -> ModelVersion | None:
    """The active version, or None when no version is active."""
    return ModelVersion.objects.filter(status=ModelStatus.ACTIVE).first()


def model_version_resolve(model_version: VersionArg = None) -> ModelVersion | None:
    """The given version, the one named (DoesNotExist if none is), or the active one (None when none is)."""
    if isinstance(model_version, ModelVersion):
        return model_version
    if isinstance(model_version, str):
        return ModelVersion.objects.get(version=model_version)
    return model_version_active_get()


def model_version_activate(*, model_version: ModelVersion) -> ModelVersion:
    """Make ``model_version`` the active one and retire the one it replaces, atomically."""
    with transaction.atomic():
        # Retire first: the "at most one active" constraint is checked statement by statement.
        ModelVersion.objects.filter(status=ModelStatus.ACTIVE).exclude(pk=model_version.pk).update(
            status=ModelStatus.RETIRED
        )
        ModelVersion.objects.filter(pk=model_version.pk).update(status=ModelStatus.ACTIVE)
    model_version.status = ModelStatus.ACTIVE
    return model_version


def model_version_active() -> ModelVersion:
    """The active model version; with none, the market baseline is created (if needed) and activated."""
    active = model_version_active_get()
    if active is not None:
        return active
    try:
        with transaction.atomic():
            return model_version_activate(model_version=market_baseline())
    except IntegrityError:
        # Another process activated a version between our read and our write: use theirs.
        return ModelVersion.objects.get(status=ModelStatus.ACTIVE)
