"""Time the whole retrain on the Hong Kong data, as a ratio to bare ``xgboost.train`` on the same matrix.

    .venv/bin/python bench/train.py            # the configured database (DATABASE_URL / SQLITE_PATH)

The retrain is what the nightly job runs: ``model_train`` (feature build from the database, the
booster with early stopping, the calibration boosters, the conditional-logit fits, the
validation metrics, storing the version) and then scoring the last two weeks of races with it
(features, predictions, explanations, rows written). The baseline, measured in the same run: one
``xgboost.train`` call with the same parameters, the same number of rounds and the built-in
squared-error objective on the booster's training matrix — the cost of growing the trees and
nothing else. Everything runs in one transaction that is rolled back: the database is left as
it was. If the Hong Kong data is absent it is imported first (not timed).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turf.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402
from io import StringIO  # noqa: E402

import numpy as np  # noqa: E402
import xgboost as xgb  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from courses.models import Race, Source  # noqa: E402
from predictions.services import training  # noqa: E402
from predictions.services.features import feature_frame  # noqa: E402
from predictions.services.registry import model_train  # noqa: E402
from predictions.services.scoring import predictions_score  # noqa: E402
from predictions.services.training import training_data  # noqa: E402
from predictions.services.training.model import xgb_threads  # noqa: E402


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=Source.HKJC)
    args = parser.parse_args()

    if not Race.objects.filter(source=args.source).exists():
        print(f"importing {args.source} first (not timed)…", flush=True)
        call_command(
            "import_hkjc",
            str(Path(settings.TURF_DATA_DIR) / "hkjc_kaggle"),
            "--no-progress",
            stdout=StringIO(),
            stderr=StringIO(),
        )

    timings: dict[str, float] = {}
    try:
        with transaction.atomic():
            clock = time.perf_counter()
            version = model_train(until=None, source=args.source)
            timings["model_train"] = time.perf_counter() - clock
            last = Race.objects.filter(source=args.source).latest("meeting__date").meeting.date
            clock = time.perf_counter()
            written = predictions_score(start=last - dt.timedelta(days=13), end=last, model_version=version)
            timings["scoring (last 14 days)"] = time.perf_counter() - clock
            raise Rollback
    except Rollback:
        pass

    # The same matrix the booster trained on, and the same parameters and number of rounds.
    data = training_data(feature_frame(source=args.source, finished_only=True))
    train = data.take(~training.split_by_date(data.day))
    params = {**version.params["hyperparameters"]}
    rounds = params.pop("rounds")
    params.update(objective="reg:squarederror", nthread=xgb_threads())
    params.pop("disable_default_eval_metric", None)
    dtrain = xgb.DMatrix(train.matrix, label=train.won, missing=np.nan, nthread=xgb_threads())
    clock = time.perf_counter()
    xgb.train(params, dtrain, rounds)
    bare = time.perf_counter() - clock

    steps = version.params["timings_seconds"]
    total = timings["model_train"] + timings["scoring (last 14 days)"]
    print(
        f"data: {version.races_used} races, {version.runners_used} runners, {len(version.features)} features; "
        f"booster {rounds} rounds; xgboost {xgb.__version__}, {xgb_threads()} thread(s), "
        f"{os.cpu_count()} CPUs; database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
    )
    for name, seconds in steps.items():
        print(f"  {name:<22} {seconds:7.2f} s")
    print(f"  {'scoring (last 14 days)':<22} {timings['scoring (last 14 days)']:7.2f} s  ({written} predictions)")
    print(f"whole retrain         {total:7.2f} s")
    print(f"bare xgboost.train    {bare:7.2f} s  (same matrix {train.matrix.shape}, {rounds} rounds)")
    verdict = "met" if total < 60 else "MISSED"
    print(f"ratio                 {total / bare:7.1f} ×   goal: whole retrain < 60 s → {verdict}")


if __name__ == "__main__":
    main()
