"""Which model version speaks: the active one, the market baseline, a named one.

Written once, read everywhere: "the active version" is ``model_version_active_get`` (or
``model_version_active``, which falls back to the market baseline and activates it), and the market
baseline's row is made by ``market_baseline`` only.

Also here, because scoring applies it as much as the backtests and the history do: the walk-forward rule,
which version may vouch for a race (``walk_forward_eligible``) and which it prefers (``walk_forward_order``).
A version never vouches for a race it could have learnt from, its last training day included; the market
baseline, which learns nothing from results, qualifies for any day but only where no trained version does;
a trained version without a training window never qualifies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.expressions import Combinable
from django.utils import timezone

from turf.audit import audit_write
from turf.cache import answers_invalidate
from turf.models import ActorKind, AuditAction

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

T = TypeVar("T")


def walk_forward_eligible(*, version: str = "model_version__", day: Combinable | dt.date | None = None) -> Q:
    """The walk-forward rule, once: the version (reached through ``version``) may vouch for a race run on ``day``.

    By default a Q on Prediction (its version, its race's day); with ``version=""`` a Q on ModelVersion, ``day``
    then a date or an ``OuterRef`` to the race's day (``version_vouches``)."""
    day = F("runner__race__meeting__date") if day is None else day
    return Q(**{f"{version}kind": ModelKind.MARKET}) | Q(**{f"{version}trained_until__lt": day})


def version_vouches(model_version: ModelVersion, *, prefix: str = "") -> Q:
    """Q on Race (or on a model reaching it through ``prefix``, e.g. ``"race__"``): the races ``model_version``
    may vouch for by the walk-forward rule."""
    return Q(
        Exists(
            ModelVersion.objects.filter(pk=model_version.pk).filter(
                walk_forward_eligible(version="", day=OuterRef(f"{prefix}meeting__date"))
            )
        )
    )


def walk_forward_order(versions: Iterable[T]) -> list[T]:
    """``versions`` (anything with a ``version``, ``kind`` and ``trained_until``), least preferred first: the
    market below every trained version, then by the training window's end, then by name."""
    return sorted(versions, key=lambda v: (v.kind != ModelKind.MARKET, v.trained_until or dt.date.min, v.version))


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


def model_version_activate(
    *, model_version: ModelVersion, actor=None, actor_kind: str | None = None, address: str | None = None
) -> ModelVersion:
    """Make ``model_version`` the active one and retire the one it replaces, atomically; the change goes to the
    audit trail (``actor``: the staff member in the admin; else ``actor_kind``: command, or the system)."""
    with transaction.atomic():
        previous = list(
            ModelVersion.objects.select_for_update().filter(status=ModelStatus.ACTIVE).values_list("version", flat=True)
        )
        # Retire first: the "at most one active" constraint is checked statement by statement.
        ModelVersion.objects.filter(status=ModelStatus.ACTIVE).exclude(pk=model_version.pk).update(
            status=ModelStatus.RETIRED
        )
        changed = previous != [model_version.version]
        if changed:
            model_version.promoted_at = timezone.now()
        ModelVersion.objects.filter(pk=model_version.pk).update(
            status=ModelStatus.ACTIVE, promoted_at=model_version.promoted_at
        )
        answers_invalidate()  # the answers cached were the retired version's
        if changed:
            audit_write(
                action=AuditAction.MODEL_ACTIVATED,
                actor=actor,
                actor_kind=actor_kind or (None if actor is not None else ActorKind.SYSTEM),
                target=f"model_version:{model_version.pk}",
                before={"active": previous[0] if previous else None},
                after={"active": model_version.version},
                address=address,
            )
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
