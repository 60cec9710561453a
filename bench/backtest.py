"""Time the backtest engine over every Hong Kong race, as a ratio to loading the bare runner frame.

    .venv/bin/python bench/backtest.py            # a scratch SQLite file, unless DATABASE_URL / SQLITE_PATH

Without DATABASE_URL or SQLITE_PATH it uses a scratch SQLite file (kept between runs in the system's
temporary folder), migrates it, imports the Hong Kong data and scores it with the market baseline
(``rescore``) the first time — none of that timed. Then, measured in the same run, best of three:

* the baseline: ``runner_columns`` over the same races — one query turned into numpy columns, the
  least any read of the races does;
* ``backtest`` for a few strategies (walk-forward, with both baselines and the bootstrap), each
  printed with its ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turf.settings")
if not os.environ.get("DATABASE_URL") and not os.environ.get("SQLITE_PATH"):
    os.environ["SQLITE_PATH"] = str(Path(tempfile.gettempdir()) / "turf-bench-backtest.sqlite3")

import django  # noqa: E402

django.setup()

from decimal import Decimal  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import Max, Min, Q  # noqa: E402

from courses.models import Race, Source  # noqa: E402
from predictions.models import Prediction  # noqa: E402
from predictions.services.runners import runner_columns  # noqa: E402
from wagering.services.backtest import Strategy, backtest  # noqa: E402

STRATEGIES = {
    "top pick, win, flat": Strategy(selection="top_pick"),
    "value, win, ¼ Kelly": Strategy(selection="value", edge=0.0, min_odds=1.0, staking="kelly"),
    "top pick, place, 2% of bankroll": Strategy(
        selection="top_pick", bet_type="simple_place", staking="percent", fraction=0.02
    ),
    "odds band 3-8, win, flat": Strategy(selection="odds_band", min_odds=3.0, max_odds=8.0, stake=Decimal(1)),
}


def best_of(runs: int, work) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        clock = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - clock)
    return min(times), result


def prepare(source: str) -> None:
    quiet = {"stdout": StringIO(), "stderr": StringIO()}
    call_command("migrate", "--no-input", verbosity=0, **quiet)
    if not Race.objects.filter(source=source).exists():
        print(f"importing {source} first (not timed)…", flush=True)
        call_command("import_hkjc", str(Path(settings.TURF_DATA_DIR) / "hkjc_kaggle"), "--no-progress", **quiet)
    window = Race.objects.filter(source=source).aggregate(start=Min("meeting__date"), end=Max("meeting__date"))
    if not Prediction.objects.filter(runner__race__source=source).exists():
        print("scoring with the market baseline first (not timed)…", flush=True)
        call_command("rescore", "--start", str(window["start"]), "--end", str(window["end"]), "--no-progress", **quiet)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timings are the best of this many runs")
    args = parser.parse_args()
    source = Source.HKJC
    prepare(source)
    window = Race.objects.filter(source=source).aggregate(start=Min("meeting__date"), end=Max("meeting__date"))
    start, end = window["start"], window["end"]
    races = Race.objects.filter(source=source).count()

    bare, frame = best_of(
        args.runs, lambda: runner_columns(Q(race__meeting__date__range=(start, end), race__source=source))
    )
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"data: {races} {source} races, {len(frame)} runners, {start}..{end}; database {engine}; best of {args.runs}")
    print(f"  {'baseline: runner_columns (bare load)':<36} {bare:6.2f} s")
    worst = 0.0
    for name, strategy in STRATEGIES.items():
        strategy = Strategy(**{**strategy.__dict__, "source": source})
        seconds, result = best_of(args.runs, lambda s=strategy: backtest(strategy=s, start=start, end=end))
        summary = result["summary"]
        favourite, random = result["baselines"]["favourite"], result["baselines"]["random"]
        roi = "n/a" if summary["roi"] is None else f"{summary['roi']:+.3f}"
        print(
            f"  {name:<36} {seconds:6.2f} s  ×{seconds / bare:4.1f}   bets {summary['bets']:>6}  ROI {roi}  "
            f"(favourite {favourite['roi'] or 0:+.3f}, random {random['roi'] or 0:+.3f}); "
            f"unsettled {summary['unsettled_bets']}"
        )
        worst = max(worst, seconds)
    verdict = "met" if worst < 10 else "MISSED"
    print(
        f"slowest backtest {worst:.2f} s = {worst / bare:.1f} × the bare frame load; goal: seconds (< 10 s) → {verdict}"
    )


if __name__ == "__main__":
    main()
