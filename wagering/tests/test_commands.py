"""The evaluate and model_report commands, and the walk-forward refits behind the report."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import numpy as np
import pytest

from courses.models import Race, Source
from predictions.tests.factories import DEMO_TODAY as TODAY
from predictions.tests.factories import DEMO_UNTIL as UNTIL
from predictions.tests.factories import call_quiet, trained_demo_programme
from wagering.services import evaluation
from wagering.services.evaluation import DATASETS, DataSet, ensure_imported, refit_windows
from wagering.services.model_scores import Scored

DEMO = DataSet(
    key="demo",
    title="Demo (synthetic)",
    source=Source.DEMO,
    import_command="load_demo",
    import_path="",
    test_months=1,
    refit_months=1,
    decision_odds="final",
    use_dividends=True,
    notes=("Synthetic races.",),
)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Eleven weeks of demo racing, a model trained and promoted by the command (committed once)."""
    with trained_demo_programme(django_db_blocker) as programme:
        yield programme


@pytest.mark.django_db
def test_evaluate_prints_the_model_beside_the_market_on_the_same_races(demo):
    result = json.loads(
        call_quiet("evaluate", "--start", str(UNTIL), "--end", str(TODAY), "--model", demo.version.version)
    )
    assert result["model_version"] == demo.version.version and result["races"] > 20
    models = result["models"]
    assert set(models) == {"market", "model", "fundamental"}
    assert models["market"]["races"] == models["model"]["races"] == result["races"]
    for metrics in models.values():
        assert {"log_loss", "pseudo_r2", "brier", "top1_accuracy", "value_bets"} <= set(metrics)
    assert "log_loss_vs_market" in models["model"]


def test_the_test_period_is_cut_into_refit_windows():
    windows = refit_windows(dt.date(2004, 12, 29), 12, 3)
    assert windows == [
        (dt.date(2003, 12, 30), dt.date(2004, 3, 29)),
        (dt.date(2004, 3, 30), dt.date(2004, 6, 29)),
        (dt.date(2004, 6, 30), dt.date(2004, 9, 29)),
        (dt.date(2004, 9, 30), dt.date(2004, 12, 29)),
    ]


@pytest.mark.django_db
def test_model_report_runs_the_walk_forward_and_writes_the_markdown(demo, tmp_path, monkeypatch):
    monkeypatch.setitem(DATASETS, "demo", DEMO)
    out = tmp_path / "MODEL.md"
    printed = call_quiet("model_report", "--dataset", "demo", "--skip-import", "--out", str(out))
    text = out.read_text()
    assert "### Demo (synthetic)" in text and "| Combined model (Benter) |" in text
    assert "Benter (1994)" in text and "pseudo-R² 0.1218" in text
    assert "demo: races=" in printed
    # Trained only on the races before the test window: its first refit starts after the data's first month.
    assert "| 2025-02-21 → 2025-03-20 |" in text
    # The residual model is reported beside the others, with its gate per refit and the morning line.
    assert "### The residual model (trees on the market's log odds)" in text
    assert "| Residual model (trees on the market's log odds) |" in text
    assert "| Window | Held-out races | Held-out Δ vs market [95% CI] |" in text
    assert "Against the morning line" in text or "Morning line: no test race" in text


@pytest.mark.django_db
def test_model_report_says_which_data_sets_it_could_not_evaluate(tmp_path):
    out = tmp_path / "MODEL.md"
    call_quiet("model_report", "--dataset", "hkjc", "--skip-import", "--out", str(out))
    assert "Hong Kong (HKJC, Kaggle), 1997–2004: not evaluated" in out.read_text()


HK_RACES = (
    "race_id,date,venue,race_no,config,surface,distance,going,horse_ratings,prize,race_class,"
    "place_combination1,place_combination2,place_combination3,place_combination4,place_dividend1,place_dividend2,"
    "place_dividend3,place_dividend4,win_combination1,win_dividend1,win_combination2,win_dividend2\n"
    "0,1997-06-02,ST,1,A,0,1400,GOOD,40-15,485000,5,1,2,,,12,14,,,1,36,,\n"
)


HK_RUNS = (
    "race_id,horse_no,horse_id,result,lengths_behind,horse_age,horse_country,horse_type,horse_rating,horse_gear,"
    "declared_weight,actual_weight,draw,finish_time,win_odds,place_odds,trainer_id,jockey_id\n"
    "0,1,10,1,0,3,AUS,Gelding,60,--,1020,133,7,83.92,3.6,1.2,5,7\n"
    "0,2,11,2,1.5,3,NZ,Gelding,60,B,1050,125,2,84.10,2.1,1.1,6,8\n"
    "0,3,12,3,4,4,AUS,Mare,60,--,990,120,1,84.50,9.0,2.5,5,9\n"
)


@pytest.mark.django_db
def test_a_missing_data_set_is_imported_with_its_own_importer(tmp_path):
    folder = tmp_path / "hkjc_kaggle"
    folder.mkdir()
    (folder / "races.csv").write_text(HK_RACES)
    (folder / "runs.csv").write_text(HK_RUNS)
    assert ensure_imported(DATASETS["hkjc"], data_dir=tmp_path, stdout=StringIO(), stderr=StringIO())
    assert Race.objects.filter(source=Source.HKJC).count() == 1
    assert not ensure_imported(DATASETS["betfair_uk_ie"], data_dir=tmp_path)  # no such folder: nothing to import


def test_the_report_states_the_pmu_market_is_morning_odds():
    assert any("MORNING odds" in note for note in evaluation.DATASETS["pmu_csv"].notes)


def test_the_residual_models_development_windows_are_the_test_windows_shifted_before_them():
    windows = refit_windows(dt.date(2004, 12, 29), 12, 3)
    development = evaluation.refits.development_windows(DATASETS["hkjc"], windows[0][0])
    assert development[0] == (dt.date(2002, 12, 30), dt.date(2003, 3, 29))
    assert development[-1][1] == windows[0][0] - dt.timedelta(days=1)
    assert len(development) == len(windows)


def test_every_model_is_compared_with_the_morning_line_on_the_races_every_runner_has_one():
    race_id = np.array([1, 1, 1, 2, 2, 3, 3])
    won = np.array([1, 0, 0, 0, 1, 1, 0], dtype=float)
    model = np.array([0.5, 0.3, 0.2, 0.4, 0.6, 0.9, 0.1])
    scored = Scored(race_id, np.arange(7), won, np.full(7, 3.0), np.full(7, np.nan), {"model": model})
    morning = np.array([2.0, 4.0, 4.0, 2.0, 2.0, np.nan, 1.5])  # race 3: a runner without a morning price
    line = evaluation.residual.morning_line(scored, morning)
    assert line["races"] == 2
    assert line["morning_log_loss"] == pytest.approx(-(np.log(0.5) + np.log(0.5)) / 2)
    assert line["models"]["model"]["log_loss"] == pytest.approx(-(np.log(0.5) + np.log(0.6)) / 2)
    assert line["models"]["model"]["vs_morning"]["mean"] == pytest.approx(-np.log(0.6) / 2 + np.log(0.5) / 2)
    assert evaluation.residual.morning_line(scored, np.full(7, np.nan)) is None
