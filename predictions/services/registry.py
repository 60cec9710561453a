"""The model registry: train a candidate version, promote it on merit.

``model_train`` fits a race model (``training``) on the finished races before a date and stores it
as a *candidate*: nothing subscribers see changes. ``model_promote`` re-scores the active version
on the candidate's validation races and activates the candidate only if its race log loss there is
at least as good (the market baseline counts as a model), rescoring the coming races in the same
transaction.

Reruns. Every trained version keeps the fingerprint of its training input (``training_fingerprint``: the rows
the features read, so the races and results covered, the feature and training code, the kind, source and
hyper-parameters). A training whose fingerprint is the active version's would learn nothing new (the fit is
deterministic: it would be the active model again, and "at least as good" would promote the copy). So:

- the nightly retrain (``model_retrain``, ``skip_rerun=True``) trains nothing then and stores no version: the
  registry, the active version and the predictions stay as they are;
- a training asked for by hand (``manage.py train``) is stored, marked ``rerun``, and promoted only if strictly
  better than the active version, never on a tie.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import xgboost
from django.db import transaction
from django.utils import timezone

from courses.models import RaceStatus

from ..models import ModelKind, ModelStatus, ModelVersion
from . import feature_rows
from . import features as features_package
from . import training as training_package
from .features import FeatureFrame, feature_frame
from .metrics import race_metrics
from .predict import TRAINED_KINDS, model_predict
from .races import Races
from .scoring import coming_days, predictions_score
from .training import (
    CALIBRATION_FOLDS,
    DEFAULT_PARAMS,
    STAGES,
    params_json,
    race_model_fit,
    strict_market,
    training_data,
)
from .versions import market_baseline, model_version_activate, model_version_active_get

# features, booster, one per calibration booster, calibration, stored
TRAINING_STEPS = 4 + CALIBRATION_FOLDS
# The lock of a training run that promotes (``turf.locks.held``): the nightly retrain and ``train --promote`` take
# it, so that two candidates are never trained and promoted at once.
TRAINING_LOCK = "predictions.retrain"


# -- comparing versions on the same races -------------------------------------------------------------


def compare_on_races(features: FeatureFrame, versions: dict[str, ModelVersion | None]) -> dict:
    """Metrics of several versions (and of the market baseline, as ``market``) on the same races.

    The races kept: finished, with a winner, and priced by every version and by the market
    baseline (complete odds). ``None`` as a version means the market baseline itself.
    """
    data = features.data.reset_index(drop=True)
    finished = (data["race_status"] == RaceStatus.FINISHED).to_numpy() & data["has_winner"].to_numpy()
    data = data.loc[finished].reset_index(drop=True)
    frame = FeatureFrame(data)
    races = Races.of(data["race_id"].to_numpy())
    probabilities = {"market": strict_market(data, races)}
    for name, version in versions.items():
        if version is not None:
            predicted = model_predict(version, frame)
            probabilities[name] = predicted["win"].to_numpy()
            if version.kind == ModelKind.COMBINED:
                probabilities[f"{name}:fundamental"] = predicted["fundamental"].to_numpy()
    missing = np.zeros(races.n, dtype=bool)
    for p in probabilities.values():
        missing |= races.sum(np.isnan(p).astype(float)) > 0
    keep = ~missing[races.codes]
    kept = Races.of(data["race_id"].to_numpy()[keep])
    won = data["won"].to_numpy()[keep]
    saddle = data["saddle"].to_numpy()[keep]
    result = {"races": kept.n, "races_left_out": int(missing.sum())}
    for name, p in probabilities.items():
        result[name] = race_metrics(p[keep], won, kept, saddle)
    for name, version in versions.items():
        if version is None:
            result[name] = result["market"]
    return result


# -- the training input's fingerprint -----------------------------------------------------------------


class RetrainUnchanged(Exception):
    """The training input is the active version's (same fingerprint): a retrain would repeat it."""

    def __init__(self, active: ModelVersion):
        self.active = active
        super().__init__(f"nothing new to learn: the training input is {active.version}'s (same fingerprint)")


@functools.cache
def training_code_version() -> str:
    """SHA-256 of the code a model's input and fit depend on: the feature builders, the rows they read, the
    training package, and the XGBoost release. Any edit there makes the next training a new input."""
    files = [Path(feature_rows.__file__)]
    for package in (features_package, training_package):
        files += sorted(Path(package.__file__).parent.glob("*.py"))
    digest = hashlib.sha256(xgboost.__version__.encode())
    for path in files:
        digest.update(f"\0{path.parent.name}/{path.name}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def training_fingerprint(*, features: FeatureFrame, kind: str, source: str | None, params: dict | None) -> str:
    """SHA-256 of everything a training reads: every feature row (the races, their runners and results, in
    programme order), the code (``training_code_version``), the kind, the source and the effective
    hyper-parameters. Equal fingerprints, equal models."""
    settings = {
        "code": training_code_version(),
        "kind": kind,
        "source": source,
        "params": params_json({**DEFAULT_PARAMS, **(params or {})}),
    }
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    data = features.data
    digest.update("\0".join(map(str, data.columns)).encode())
    if len(data):
        digest.update(pd.util.hash_pandas_object(data, index=False).to_numpy().tobytes())
    return digest.hexdigest()


# -- training and promotion ---------------------------------------------------------------------------


def _version_name(kind: str, source: str | None, until: dt.date | None) -> str:
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    until_part = until.strftime("%Y%m%d") if until else "all"
    name = f"{kind}-{source or 'all'}-{until_part}-{stamp}"[:60]
    suffix = 1
    while ModelVersion.objects.filter(version=name).exists():
        suffix += 1
        name = f"{name[:56]}-{suffix}"
    return name


def model_train(
    *,
    until: dt.date | None,
    source: str | None = None,
    kind: str = ModelKind.COMBINED,
    params: dict | None = None,
    progress: Callable[[str], None] | None = None,
    skip_rerun: bool = False,
) -> ModelVersion:
    """Train on the finished races dated before ``until`` (of ``source``) and store a candidate version.

    Nothing is written unless everything succeeded: a failing training leaves the registry as it
    was. ``progress`` is called after each step (``TRAINING_STEPS`` calls in all). When the input's
    fingerprint is the active version's, the candidate is marked ``rerun`` (promoted only if strictly
    better); with ``skip_rerun``, ``RetrainUnchanged`` is raised instead, before any fit.
    """
    step = progress or (lambda _name: None)
    if kind not in TRAINED_KINDS:
        raise ValueError(f"kind must be one of {', '.join(TRAINED_KINDS)}")
    clock = time.perf_counter()
    end = until - dt.timedelta(days=1) if until is not None else None
    features = feature_frame(end=end, source=source, finished_only=True)
    fingerprint = training_fingerprint(features=features, kind=kind, source=source, params=params)
    active = model_version_active_get()
    rerun = active is not None and active.fingerprint == fingerprint
    if rerun and skip_rerun:
        raise RetrainUnchanged(active)
    data = training_data(features)
    timings = {"features": time.perf_counter() - clock}
    step("features")
    fit = race_model_fit(data, params=params, progress=step)
    timings.update(fit.timings)

    clock = time.perf_counter()
    model = fit.model
    validation = fit.validation_mask
    finished = features.data.loc[features.data["race_id"].isin(set(data.race_id[validation].tolist()))].reset_index(
        drop=True
    )
    val_races = Races.of(finished["race_id"].to_numpy())
    scores = fit.validation_scores
    f = model.fundamental(scores, val_races)
    c = model.combined(scores, data.market[validation], val_races)
    market = strict_market(finished, val_races)
    priced = (val_races.sum(np.isnan(market).astype(float)) == 0)[val_races.codes]
    compared = Races.of(finished["race_id"].to_numpy()[priced])
    won, saddle = data.won[validation], finished["saddle"].to_numpy()
    metrics = {
        "validation": {
            "start": str(min(finished["date"])),
            "end": str(max(finished["date"])),
            "races": val_races.n,
            "all_races": {
                "combined": race_metrics(c, won, val_races, saddle),
                "fundamental": race_metrics(f, won, val_races, saddle),
            },
            "priced_races": {
                name: race_metrics(p[priced], won[priced], compared, saddle[priced])
                for name, p in (("combined", c), ("fundamental", f), ("market", market))
            },
        },
        "calibration": {"heldout_races": fit.heldout_races, "place_races": fit.place_races},
    }
    timings["validation"] = time.perf_counter() - clock
    sources = sorted(set(features.data["source"].tolist())) if source is None else [source]
    dates = features.data.loc[features.data["race_id"].isin(set(data.race_id.tolist())), "date"]
    with transaction.atomic():
        version = ModelVersion.objects.create(
            version=_version_name(kind, source, until),
            kind=kind,
            status=ModelStatus.CANDIDATE,
            trained_from=min(dates),
            trained_until=max(dates),
            races_used=data.races.n,
            runners_used=len(data.won),
            features=list(model.features),
            params={
                "source": source,
                "sources": sources,
                "until": until.isoformat() if until else None,
                "objective": f"Plackett-Luce over the first {STAGES} places (custom XGBoost objective)",
                "hyperparameters": params_json(model.params),
                "calibration": model.calibration(),
                "validation": {
                    "start": metrics["validation"]["start"],
                    "end": metrics["validation"]["end"],
                    "race_ids": sorted(set(data.race_id[validation].tolist())),
                },
                "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
                "xgboost": xgboost.__version__,
            },
            metrics=metrics,
            artifact=model.artifact(),
            fingerprint=fingerprint,
            rerun=rerun,
            notes=(
                "Fundamental XGBoost score (no odds) calibrated by a conditional logit; combined with "
                "the market as c ∝ exp(α ln f + β ln π) (Benter 1994); places by Harville with p^γ, p^δ."
            ),
        )
    step("stored")
    return version


def _validation_features(validation: dict, source: str | None) -> FeatureFrame:
    """Features of a candidate's validation races: its date window loaded, its races kept by id."""
    race_ids = set(validation.get("race_ids") or [])
    if not race_ids:
        return FeatureFrame(pd.DataFrame())
    features = feature_frame(
        start=dt.date.fromisoformat(validation["start"]), end=dt.date.fromisoformat(validation["end"]), source=source
    )
    keep = features.data["race_id"].isin(race_ids).to_numpy()
    return FeatureFrame(features.data.loc[keep].reset_index(drop=True))


def model_promote(
    *,
    candidate: ModelVersion,
    rescore_start: dt.date | None = None,
    rescore_end: dt.date | None = None,
    actor_kind: str | None = None,
) -> bool:
    """Activate ``candidate`` if its race log loss on its validation races is at least the active one's (strictly
    better for a ``rerun``, trained on the active version's own input).

    The active version (the market baseline when none is) is re-scored on the same races. On
    success the candidate becomes active and the races of ``rescore_start``..``rescore_end``
    (default: today and tomorrow) are scored with it, atomically. The comparison is recorded in
    the candidate's metrics either way; an activation in the audit trail, by ``actor_kind`` (the
    system, the nightly task, by default; ``command`` from ``manage.py train --promote``).
    """
    active = model_version_active_get() or market_baseline()
    if active.pk == candidate.pk:
        return True
    features = _validation_features(candidate.params.get("validation") or {}, candidate.params.get("source"))
    comparison = {"races": 0}
    if len(features):
        comparison = compare_on_races(features, {"candidate": candidate, "active": active})
    candidate_loss = (comparison.get("candidate") or {}).get("log_loss")
    active_loss = (comparison.get("active") or {}).get("log_loss")
    promoted = (
        bool(comparison["races"])
        and candidate_loss is not None
        and (candidate_loss < active_loss if candidate.rerun else candidate_loss <= active_loss)
    )
    candidate.metrics = {
        **candidate.metrics,
        "promotion": {
            "against": active.version,
            "races": comparison["races"],
            "candidate_log_loss": candidate_loss,
            "active_log_loss": active_loss,
            "promoted": promoted,
            "rule": "strictly better (a rerun)" if candidate.rerun else "at least as good",
            "at": timezone.now().isoformat(),
        },
    }
    start, end = coming_days(rescore_start)
    end = rescore_end or end
    with transaction.atomic():
        candidate.save(update_fields=["metrics"])
        if promoted:
            model_version_activate(model_version=candidate, actor_kind=actor_kind)
            predictions_score(start=start, end=end, model_version=candidate)
    return promoted


def model_retrain(
    *, until: dt.date, progress: Callable[[str], None] | None = None, actor_kind: str | None = None
) -> dict:
    """The nightly retrain: a candidate on every finished race before ``until``, promoted on merit; nothing at all
    when the input is the active version's (``rerun_of`` names it). The caller holds ``TRAINING_LOCK``."""
    try:
        candidate = model_train(until=until, progress=progress, skip_rerun=True)
    except RetrainUnchanged as unchanged:
        return {"version": None, "promoted": False, "rerun_of": unchanged.active.version}
    promoted = model_promote(candidate=candidate, actor_kind=actor_kind)
    return {"version": candidate.version, "promoted": promoted, "rerun_of": None}
