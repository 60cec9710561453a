"""The train and export_predictions commands."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from django.core.management import CommandError

from courses.models import Race, RaceStatus
from predictions.exports import prediction_export_rows
from predictions.models import ModelStatus, ModelVersion, Prediction
from predictions.services.versions import model_version_activate
from predictions.tests.factories import DEMO_START, DEMO_TODAY, DEMO_UNTIL, call_quiet, trained_demo_programme

START, TODAY, UNTIL = DEMO_START, DEMO_TODAY, DEMO_UNTIL


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Eleven weeks of demo racing, a model trained and promoted by the command (committed once)."""
    with trained_demo_programme(django_db_blocker) as programme:
        yield programme


@pytest.mark.django_db
def test_train_prints_the_version_its_validation_and_the_promotion(demo):
    summary = demo.summary
    assert summary["kind"] == "combined" and summary["version"].startswith("combined-demo-20250301-")
    assert summary["trained"][1] < str(UNTIL)
    validation = summary["validation"]
    assert {"combined", "fundamental", "market", "priced_races"} <= set(validation)
    assert summary["promotion"]["against"] == "market-baseline-1"
    expected = summary["promotion"]["candidate_log_loss"] <= summary["promotion"]["active_log_loss"]
    assert summary["promoted"] is expected
    assert (demo.version.status == ModelStatus.ACTIVE) is expected
    from turf.models import ActorKind, AuditAction, AuditEntry

    activations = AuditEntry.objects.filter(action=AuditAction.MODEL_ACTIVATED, after={"active": summary["version"]})
    assert [(e.actor_kind, e.before) for e in activations] == (
        [(ActorKind.COMMAND, {"active": "market-baseline-1"})] if expected else []
    )


@pytest.mark.django_db
def test_train_refuses_a_bad_date():
    with pytest.raises(CommandError, match="--until '2025-02-30' is not a date"):
        call_quiet("train", "--until", "2025-02-30")


@pytest.mark.django_db
def test_export_predictions_writes_the_documented_columns(demo, tmp_path):
    call_quiet(
        "rescore", "--start", str(UNTIL), "--end", str(UNTIL + dt.timedelta(days=6)), "--model", demo.version.version
    )
    out = tmp_path / "predictions.csv"
    printed = call_quiet(
        "export_predictions",
        "--start",
        str(UNTIL),
        "--end",
        str(UNTIL + dt.timedelta(days=6)),
        "--out",
        str(out),
        "--model",
        demo.version.version,
    )
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "source",
        "source_race_id",
        "date",
        "race",
        "saddle_number",
        "source_horse_id",
        "win_probability",
        "place_probability",
        "market_probability",
        "odds",
        "model_version",
    ]
    expected = Prediction.objects.filter(
        model_version=demo.version, runner__race__meeting__date__range=(UNTIL, UNTIL + dt.timedelta(days=6))
    ).count()
    assert len(rows) == expected > 0 and f"rows={expected}" in printed
    assert {row["source"] for row in rows} == {"demo"}
    assert {row["model_version"] for row in rows} == {demo.version.version}
    assert rows[0]["race"].startswith("R") and "C" in rows[0]["race"]


@pytest.mark.django_db
def test_export_predictions_keeps_a_cancelled_race_that_the_api_export_leaves_out(demo, tmp_path):
    day = UNTIL + dt.timedelta(days=2)
    call_quiet("rescore", "--start", str(day), "--end", str(day), "--model", demo.version.version)
    race = Race.objects.filter(meeting__date=day, runners__predictions__model_version=demo.version).first()
    Race.objects.filter(pk=race.pk).update(status=RaceStatus.CANCELLED)
    out = tmp_path / "predictions.csv"
    call_quiet(
        "export_predictions", "--start", str(day), "--end", str(day), "--out", str(out), "--model", demo.version.version
    )
    with out.open(newline="") as handle:
        exported = {row["source_race_id"] for row in csv.DictReader(handle)}
    shown = {row[1] for row in prediction_export_rows(start=day, end=day, model_version=demo.version)}
    assert race.source_id in exported and race.source_id not in shown
    assert exported - {race.source_id} == shown


@pytest.mark.django_db
def test_nightly_runs_the_chain_by_hand_and_a_second_run_on_the_same_races_changes_nothing(demo):
    from predictions.tests.factories import bad_copy
    from turf.models import ActorKind, AuditAction, AuditEntry

    worse = model_version_activate(model_version=bad_copy(demo.version))  # the first retrain beats it
    first = json.loads(call_quiet("nightly", "--until", str(TODAY)))
    retrain, rescore = first["retrain"], first["rescore"]
    new = ModelVersion.objects.get(version=retrain["version"])
    assert retrain["promoted"] is True and retrain["rerun_of"] is None
    assert new.status == ModelStatus.ACTIVE and new.trained_until < TODAY and new.fingerprint
    assert AuditEntry.objects.filter(action=AuditAction.MODEL_ACTIVATED).latest("id").actor_kind == ActorKind.COMMAND
    assert new.metrics["promotion"]["against"] == worse.version
    # Then the coming races, the night's day and the next, scored by the version just promoted.
    assert rescore["start"] == str(TODAY) and rescore["end"] == str(TODAY + dt.timedelta(days=1))
    assert rescore["model_version"] == new.version and rescore["races"] > 0 and rescore["predictions"] > 0
    assert Prediction.objects.filter(model_version=new, runner__race__meeting__date=TODAY).exists()

    versions = list(ModelVersion.objects.order_by("pk").values_list("pk", "status"))
    again = json.loads(call_quiet("nightly", "--until", str(TODAY)))
    assert again["retrain"] == {"version": None, "promoted": False, "rerun_of": new.version}
    assert again["rescore"]["model_version"] == new.version
    assert list(ModelVersion.objects.order_by("pk").values_list("pk", "status")) == versions


@pytest.mark.django_db
def test_nightly_refuses_a_bad_date():
    with pytest.raises(CommandError, match="--until '2025-13-01' is not a date"):
        call_quiet("nightly", "--until", "2025-13-01")
