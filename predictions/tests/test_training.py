"""The race model: its objective and fits, training a candidate, scoring with it, and promotion."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from types import SimpleNamespace

import numpy as np
import pytest
import xgboost as xgb
from django.core.management import call_command
from django.db.models import Sum

from courses.models import Horse, Jockey, Meeting, Race, Racecourse, RaceStatus, Source, Trainer
from predictions.models import ModelKind, ModelStatus, ModelVersion, Prediction
from predictions.services import registry, versions
from predictions.services.features import FEATURE_LABELS, FeatureFrame, feature_frame
from predictions.services.predict import model_predict
from predictions.services.races import Races
from predictions.services.registry import model_promote, model_train
from predictions.services.scoring import predictions_score
from predictions.services.training import (
    TrainingData,
    blend_with_market,
    conditional_logit_fit,
    market_view,
    place_correction_fit,
    plackett_luce_objective,
    race_model_fit,
)
from predictions.services.training.model import MARKET_LABEL
from predictions.services.versions import model_version_activate
from turf.models import ActorKind, AuditAction, AuditEntry

from .factories import bad_copy, race_with

START = dt.date(2025, 1, 1)
TODAY = dt.date(2025, 4, 11)  # races before it are finished; it and the next day are scheduled
UNTIL = dt.date(2025, 3, 25)
LABELS = set(FEATURE_LABELS.values()) | {MARKET_LABEL}


# -- pure numpy -------------------------------------------------------------------------------------


def _simulated_races(rng, n_races=3000, size=8):
    race_id = np.repeat(np.arange(n_races), size)
    x = rng.normal(size=n_races * size)
    return race_id, x, Races.of(race_id)


def test_the_plackett_luce_gradient_is_the_derivative_of_the_likelihood():
    rng = np.random.default_rng(1)
    race_id = np.repeat(np.arange(3), 5)
    races = Races.of(race_id)
    position = np.array([1, 2, 3, 4, 5, 3, 1, np.nan, 2, np.nan, 1, 1, 3, 4, 5], dtype=float)  # race 3: dead heat
    scores = rng.normal(size=15)

    def nll(s):
        total = 0.0
        for stage in range(4):
            alive = ~(position <= stage)
            chosen = position == stage + 1
            k = races.sum(chosen.astype(float))[races.codes]
            ok = alive & (k > 0)
            p = races.softmax(s, ok)
            total -= np.sum(np.where(ok & chosen, np.log(np.where(p > 0, p, 1.0)) / np.maximum(k, 1), 0.0))
        return total

    grad, hess = plackett_luce_objective(position, races)(scores, None)
    numeric = np.array([(nll(scores + e) - nll(scores - e)) / 2e-6 for e in np.eye(15) * 1e-6])
    assert grad == pytest.approx(numeric, abs=1e-6)
    assert (hess > 0).all()


def test_the_conditional_logit_recovers_the_scale_of_a_score():
    rng = np.random.default_rng(2)
    race_id, x, races = _simulated_races(rng)
    p = races.softmax(1.5 * x)
    winners = np.array([rng.choice(np.flatnonzero(race_id == r), p=p[race_id == r]) for r in range(races.n)])
    won = np.zeros_like(x)
    won[winners] = 1.0
    assert conditional_logit_fit(x, won, races)[0] == pytest.approx(1.5, abs=0.12)


def test_the_place_correction_recovers_gamma_and_delta():
    rng = np.random.default_rng(3)
    race_id, x, races = _simulated_races(rng, n_races=3000)
    p = races.softmax(x)
    position = np.full(x.size, np.nan)
    for r in range(races.n):
        rows = np.flatnonzero(race_id == r)
        left = list(rows)
        for place, exponent in ((1, 1.0), (2, 0.75), (3, 0.55)):
            w = p[left] ** exponent
            pick = rng.choice(len(left), p=w / w.sum())
            position[left.pop(pick)] = place
    gamma, delta, used = place_correction_fit(p, position, races)
    assert used == 3000
    assert gamma == pytest.approx(0.75, abs=0.08)
    assert delta == pytest.approx(0.55, abs=0.08)


def test_the_place_correction_keeps_benters_values_without_finishing_orders():
    races = Races.of(np.repeat(np.arange(10), 4))
    position = np.tile([1.0, np.nan, np.nan, np.nan], 10)
    assert place_correction_fit(np.full(40, 0.25), position, races)[:2] == (0.81, 0.65)


def test_the_market_view_takes_complete_final_odds_else_the_morning_ones():
    races = Races.of(np.array([1, 1, 2, 2, 3, 3]))
    final = np.array([2.0, 2.0, 2.0, np.nan, np.nan, np.nan])
    morning = np.array([9.0, 9.0, 1.5, 3.0, 4.0, np.nan])
    p = market_view(final, morning, races)
    assert p[:4] == pytest.approx([0.5, 0.5, 2 / 3, 1 / 3])
    assert p[4] == pytest.approx(1.0) and np.isnan(p[5])  # the priced runner of a partly priced race


def test_an_unpriced_runner_keeps_the_models_share_in_the_blend():
    races = Races.of(np.zeros(3, dtype=int))
    f = np.array([0.5, 0.3, 0.2])
    c = blend_with_market(np.log(f), np.array([0.6, 0.4, np.nan]), races, alpha=0.0, beta=1.0)
    # The market speaks for the priced pair (0.8 of f between them), the third keeps its 0.2.
    assert c == pytest.approx([0.48, 0.32, 0.2])


def _races_the_market_half_knows(rng, feature: str, n_races=2500, size=8) -> TrainingData:
    """Strength = what the odds know + what only the feature knows; finishing orders by Plackett–Luce."""
    race_id, known, races = _simulated_races(rng, n_races, size)
    hidden = rng.normal(size=known.size)
    gumbel = rng.gumbel(size=known.size)
    order = np.lexsort((-(known + hidden + gumbel), race_id))
    position = np.empty(known.size)
    position[order] = np.arange(known.size) - np.repeat(races.starts, size) + 1
    column = hidden if feature == "informative" else rng.normal(size=known.size)
    return TrainingData(
        matrix=column.reshape(-1, 1).astype(np.float32),
        race_id=race_id,
        day=race_id // 10,
        position=position,
        won=(position == 1).astype(float),
        market=races.softmax(known),
    )


def test_a_fundamental_model_that_knows_something_the_odds_do_not_gets_a_weight():
    fit = race_model_fit(_races_the_market_half_knows(np.random.default_rng(5), "informative"), features=["f"])
    assert fit.model.alpha > 0.5 and fit.model.fitted_alpha == fit.model.alpha
    assert fit.model.standard_errors["alpha"] < fit.model.alpha / 1.96


def test_a_fundamental_model_that_adds_nothing_to_the_odds_leaves_the_market_alone():
    data = _races_the_market_half_knows(np.random.default_rng(6), "noise")
    fit = race_model_fit(data, features=["f"])
    assert fit.model.alpha == 0.0
    assert fit.model.fitted_alpha is not None and fit.model.fitted_alpha < 1.96 * fit.model.standard_errors["alpha"]
    # The combined model is then the market with its own exponent β: no noise from the booster.
    races = data.races
    combined = fit.model.combined(fit.model.scores(data.matrix), data.market, races)
    assert combined == pytest.approx(races.softmax(fit.model.beta * np.log(data.market)))


# -- with a trained model (module fixture: demo races, one training) ----------------------------------


def _delete_everything() -> None:
    Prediction.objects.all().delete()
    ModelVersion.objects.all().delete()
    Race.objects.all().delete()
    for model in (Meeting, Horse, Jockey, Trainer, Racecourse):
        model.objects.all().delete()


@pytest.fixture(scope="module")
def trained(django_db_setup, django_db_blocker):
    """Three and a half months of demo racing and a combined model trained on it (committed once)."""
    with django_db_blocker.unblock():
        call_command(
            "load_demo",
            "--start",
            str(START),
            "--today",
            str(TODAY),
            "--seed",
            "7",
            "--no-progress",
            stdout=StringIO(),
            stderr=StringIO(),
        )
        version = model_train(until=UNTIL, source=Source.DEMO)
        try:
            yield SimpleNamespace(version=version)
        finally:
            _delete_everything()


@pytest.mark.django_db
def test_training_stores_a_candidate_with_its_validation_beside_the_market(trained):
    version = ModelVersion.objects.get(pk=trained.version.pk)
    assert (version.kind, version.status) == (ModelKind.COMBINED, ModelStatus.CANDIDATE)
    assert version.trained_until < UNTIL and version.trained_from == START
    assert version.races_used == Race.objects.filter(meeting__date__lt=UNTIL, status=RaceStatus.FINISHED).count()
    assert version.features and set(version.features) <= set(FEATURE_LABELS)
    assert not any(name.startswith("mkt_") for name in version.features)
    assert set(version.params["calibration"]) >= {"kappa", "alpha", "beta", "gamma", "delta"}
    priced = version.metrics["validation"]["priced_races"]
    assert priced["combined"]["races"] == priced["market"]["races"] == priced["fundamental"]["races"] > 20
    # The fundamental model learnt something: better than a uniform guess on races it never saw.
    assert priced["fundamental"]["log_loss"] < priced["fundamental"]["uniform_log_loss"]
    booster = xgb.Booster()
    booster.load_model(bytearray(version.artifact.encode()))
    assert booster.num_features() == len(version.features)


@pytest.mark.django_db
def test_a_combined_version_scores_races_that_sum_to_one_with_explanations(trained):
    written = predictions_score(start=UNTIL, end=TODAY + dt.timedelta(days=1), model_version=trained.version)
    assert written > 0
    rows = Prediction.objects.filter(model_version=trained.version)
    per_race = rows.values("runner__race_id").annotate(total=Sum("win_probability"))
    assert {round(r["total"], 9) for r in per_race} == {1.0}
    scheduled = rows.filter(runner__race__status=RaceStatus.SCHEDULED)
    assert scheduled.exists()  # today's and tomorrow's races, priced by the morning odds
    for prediction in rows.select_related("runner")[:200]:
        assert 0 < prediction.win_probability <= prediction.place_probability <= 1
        assert prediction.market_probability is not None
        assert 1 <= len(prediction.explanation) <= 5
        assert {item["label"] for item in prediction.explanation} <= LABELS
        assert all(isinstance(item["contribution"], float) for item in prediction.explanation)
    ranks = sorted(rows.filter(runner__race=rows.first().runner.race).values_list("rank", flat=True))
    assert ranks == list(range(1, len(ranks) + 1))


@pytest.mark.django_db
def test_a_race_the_model_cannot_rate_falls_back_to_the_market(trained):
    other = race_with(final=[2.0, 4.0, 4.0], date=TODAY + dt.timedelta(days=3), reunion=9)  # source "manual"
    predictions_score(start=other.meeting.date, end=other.meeting.date, model_version=trained.version)
    rows = Prediction.objects.filter(model_version=trained.version, runner__race=other)
    rows = rows.order_by("runner__saddle_number")
    assert [p.win_probability for p in rows] == pytest.approx([0.5, 0.25, 0.25])
    assert all(p.explanation == [] for p in rows)


@pytest.mark.django_db
def test_the_fundamental_kind_scores_without_the_market(trained):
    fundamental = ModelVersion.objects.create(
        version="fundamental-demo",
        kind=ModelKind.FUNDAMENTAL,
        features=trained.version.features,
        params=trained.version.params,
        artifact=trained.version.artifact,
    )
    from predictions.services.features import feature_frame

    frame = feature_frame(start=UNTIL, end=UNTIL + dt.timedelta(days=3), source=Source.DEMO)
    combined = model_predict(trained.version, frame)
    alone = model_predict(fundamental, frame, explain=True)
    assert np.allclose(alone["win"], combined["fundamental"])
    assert not np.allclose(alone["win"], combined["win"])
    assert all(MARKET_LABEL not in {item["label"] for item in reasons} for reasons in alone["explanation"])


@pytest.mark.django_db
def test_promotion_refuses_a_worse_model_and_leaves_the_active_one_untouched(trained):
    good = model_version_activate(model_version=trained.version)
    bad = bad_copy(trained.version)
    assert model_promote(candidate=bad, rescore_start=UNTIL, rescore_end=UNTIL) is False
    bad.refresh_from_db()
    assert bad.status == ModelStatus.CANDIDATE
    assert ModelVersion.objects.get(status=ModelStatus.ACTIVE).pk == good.pk
    assert not Prediction.objects.filter(model_version=bad).exists()
    record = bad.metrics["promotion"]
    assert record["against"] == good.version and record["candidate_log_loss"] > record["active_log_loss"]


@pytest.mark.django_db
def test_promotion_activates_a_better_model_and_rescores_in_the_same_transaction(trained):
    bad = model_version_activate(model_version=bad_copy(trained.version))
    assert model_promote(candidate=trained.version, rescore_start=UNTIL, rescore_end=UNTIL) is True
    bad.refresh_from_db()
    assert bad.status == ModelStatus.RETIRED
    entry = AuditEntry.objects.filter(action=AuditAction.MODEL_ACTIVATED).latest("id")
    assert (entry.actor_kind, entry.actor_id) == (ActorKind.SYSTEM, None)
    assert (entry.before, entry.after) == ({"active": bad.version}, {"active": trained.version.version})
    assert ModelVersion.objects.get(status=ModelStatus.ACTIVE).pk == trained.version.pk
    assert Prediction.objects.filter(model_version=trained.version, runner__race__meeting__date=UNTIL).exists()


@pytest.mark.django_db
def test_promotion_against_no_active_version_compares_with_the_market_baseline(trained):
    bad = bad_copy(trained.version)
    assert model_promote(candidate=bad, rescore_start=UNTIL, rescore_end=UNTIL) is False
    assert bad.metrics["promotion"]["against"] == versions.MARKET_BASELINE
    assert not ModelVersion.objects.filter(status=ModelStatus.ACTIVE).exists()


@pytest.mark.django_db
def test_a_failing_rescore_undoes_the_promotion(trained, monkeypatch):
    bad = model_version_activate(model_version=bad_copy(trained.version))

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(registry, "predictions_score", broken)
    with pytest.raises(RuntimeError):
        model_promote(candidate=trained.version, rescore_start=UNTIL, rescore_end=UNTIL)
    assert ModelVersion.objects.get(status=ModelStatus.ACTIVE).pk == bad.pk
    activated = AuditEntry.objects.filter(action=AuditAction.MODEL_ACTIVATED).values_list("after", flat=True)
    assert list(activated) == [{"active": bad.version}]  # the undone activation left no entry
    assert ModelVersion.objects.get(pk=trained.version.pk).status == ModelStatus.CANDIDATE


@pytest.mark.django_db
def test_a_failing_training_changes_nothing(trained, monkeypatch):
    active = model_version_activate(model_version=trained.version)
    before = list(ModelVersion.objects.order_by("pk").values_list("pk", "status"))

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(registry, "race_model_fit", broken)
    with pytest.raises(RuntimeError):
        model_train(until=TODAY, source=Source.DEMO)
    assert list(ModelVersion.objects.order_by("pk").values_list("pk", "status")) == before
    assert ModelVersion.objects.get(status=ModelStatus.ACTIVE).pk == active.pk


@pytest.mark.django_db
def test_the_race_card_carries_the_explanations(trained):
    from predictions.selectors import race_prediction_rows

    predictions_score(start=UNTIL, end=UNTIL, model_version=trained.version)
    race = Race.objects.filter(meeting__date=UNTIL).first()
    rows = race_prediction_rows(race=race, model_version=trained.version)
    ran = [row for row in rows if row["win_probability"] is not None]
    assert ran and all(row["explanation"] and row["explanation"][0]["label"] in LABELS for row in ran)


@pytest.mark.django_db
def test_the_nightly_task_chain_retrains_promotes_by_merit_and_rescores(trained, eager_celery):
    from predictions import tasks

    versions_before = set(ModelVersion.objects.values_list("version", flat=True))
    tasks.nightly.delay()
    new = ModelVersion.objects.exclude(version__in=versions_before).exclude(kind=ModelKind.MARKET).get()
    assert new.status in (ModelStatus.ACTIVE, ModelStatus.CANDIDATE)
    promotion = new.metrics["promotion"]
    assert promotion["races"] > 0
    assert promotion["promoted"] == (promotion["candidate_log_loss"] <= promotion["active_log_loss"])
    active = ModelVersion.objects.get(status=ModelStatus.ACTIVE)
    result = tasks.rescore.delay(start=str(TODAY), end=str(TODAY)).get()
    assert result["model_version"] == active.version
    if active.pk == new.pk:
        # Trained on every finished race, through TODAY - 1: a rescore of those past days writes nothing (it
        # could not vouch for them), TODAY's races, gone off now, are backfilled out of sample.
        assert new.trained_until == TODAY - dt.timedelta(days=1)
        assert result["predictions"] > 0
        assert tasks.rescore.delay(start=str(UNTIL), end=str(UNTIL)).get()["predictions"] == 0


@pytest.mark.django_db
def test_beat_runs_the_nightly_job_from_a_schedule_staff_can_edit():
    from django_celery_beat.models import PeriodicTask

    job = PeriodicTask.objects.get(task="predictions.nightly")
    assert job.enabled and job.crontab.hour == "3" and str(job.crontab.timezone) == "Europe/Paris"


# -- reruns: a training on the active version's own input ---------------------------------------------


@pytest.mark.django_db
def test_a_version_keeps_the_fingerprint_of_its_input_which_any_change_of_input_moves(trained):
    features = feature_frame(end=UNTIL - dt.timedelta(days=1), source=Source.DEMO, finished_only=True)
    same = {"features": features, "kind": ModelKind.COMBINED, "source": Source.DEMO, "params": None}
    assert len(trained.version.fingerprint) == 64
    assert registry.training_fingerprint(**same) == trained.version.fingerprint
    assert registry.training_fingerprint(**{**same, "params": {"eta": 0.05}}) != trained.version.fingerprint
    assert registry.training_fingerprint(**{**same, "kind": ModelKind.FUNDAMENTAL}) != trained.version.fingerprint
    changed = features.data.copy()
    winner = changed.index[changed["won"] == 1][0]
    changed.loc[winner, "position"] = 2  # one result corrected
    assert registry.training_fingerprint(**{**same, "features": FeatureFrame(changed)}) != trained.version.fingerprint


def _swap_the_first_two(race: Race) -> None:
    first, second = race.runners.filter(position__in=(1, 2)).order_by("position")
    for runner, position in ((first, None), (second, 1), (first, 2)):  # one position per runner at every step
        runner.position = position
        runner.save(update_fields=["position"])


@pytest.mark.django_db
def test_the_nightly_retrain_on_unchanged_races_trains_and_promotes_nothing(trained):
    model_version_activate(model_version=bad_copy(trained.version))  # so that the first retrain is promoted
    first = registry.model_retrain(until=UNTIL)
    assert first["promoted"] is True and first["rerun_of"] is None
    versions_before = list(ModelVersion.objects.order_by("pk").values_list("pk", "status"))
    activations = AuditEntry.objects.filter(action=AuditAction.MODEL_ACTIVATED).count()

    again = registry.model_retrain(until=UNTIL)  # minutes later, no race finished since

    assert again == {"version": None, "promoted": False, "rerun_of": first["version"]}
    assert list(ModelVersion.objects.order_by("pk").values_list("pk", "status")) == versions_before
    assert AuditEntry.objects.filter(action=AuditAction.MODEL_ACTIVATED).count() == activations

    # New results: a corrected arrival is a new input, trained and judged by the usual rule.
    _swap_the_first_two(Race.objects.filter(meeting__date=UNTIL - dt.timedelta(days=3)).first())
    after = registry.model_retrain(until=UNTIL)
    new = ModelVersion.objects.get(version=after["version"])
    assert after["rerun_of"] is None and not new.rerun
    assert new.fingerprint != ModelVersion.objects.get(version=first["version"]).fingerprint
    promotion = new.metrics["promotion"]
    assert promotion["against"] == first["version"] and promotion["rule"] == "at least as good"
    assert (
        after["promoted"] is promotion["promoted"] is (promotion["candidate_log_loss"] <= promotion["active_log_loss"])
    )
    assert (ModelVersion.objects.get(status=ModelStatus.ACTIVE).version == new.version) is after["promoted"]


@pytest.mark.django_db
def test_a_training_asked_for_on_the_active_input_is_a_rerun_promoted_only_if_strictly_better(trained):
    active = model_version_activate(model_version=trained.version)
    rerun = model_train(until=UNTIL, source=Source.DEMO)  # manage.py train: stored, marked
    assert rerun.rerun and rerun.fingerprint == active.fingerprint

    assert model_promote(candidate=rerun, rescore_start=UNTIL, rescore_end=UNTIL) is False
    promotion = ModelVersion.objects.get(pk=rerun.pk).metrics["promotion"]
    assert promotion["candidate_log_loss"] == promotion["active_log_loss"]  # the same model: a tie is no promotion
    assert promotion["rule"] == "strictly better (a rerun)"
    assert ModelVersion.objects.get(status=ModelStatus.ACTIVE).pk == active.pk
    assert ModelVersion.objects.get(pk=rerun.pk).status == ModelStatus.CANDIDATE

    # Strictly better than the active one, a rerun is promoted all the same.
    model_version_activate(model_version=bad_copy(trained.version))
    assert model_promote(candidate=rerun, rescore_start=UNTIL, rescore_end=UNTIL) is True
    assert ModelVersion.objects.get(pk=rerun.pk).promoted_at is not None


@pytest.mark.django_db
def test_the_nightly_task_returns_the_rerun_it_skipped(trained, eager_celery):
    from predictions import tasks

    active = model_version_activate(model_version=bad_copy(trained.version))
    first = tasks.retrain.delay(until=str(UNTIL)).get()
    assert first["promoted"] is True and first["version"] != active.version
    assert tasks.retrain.delay(until=str(UNTIL)).get() == {
        "version": None,
        "promoted": False,
        "rerun_of": first["version"],
    }
