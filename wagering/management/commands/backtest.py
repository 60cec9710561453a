"""Replay a strategy on past races from the command line: the summary and baselines as JSON, the bets as CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from predictions.csv_export import neutralise
from predictions.management.options import option_window
from wagering.serializers.backtests import StrategySerializer
from wagering.services.backtest import BET_TYPES, SELECTIONS, STAKINGS, backtest
from wagering.services.backtest_jobs import result_json

BET_COLUMNS = (
    "date",
    "race",
    "racecourse",
    "bet_type",
    "selection",
    "horse",
    "odds",
    "probability",
    "expected_value",
    "stake",
    "return",
    "profit",
    "bankroll",
    "settled_by",
    "model_version",
)


class Command(BaseCommand):
    help = (
        "Backtest a strategy on the races dated --start..--end (each race with the prediction published before "
        "it, else walk-forward: with a model trained before it). Prints the summary and the baselines as JSON; "
        "--csv writes the settled bets."
    )

    def add_arguments(self, parser):
        parser.add_argument("--strategy", required=True, choices=SELECTIONS, help="which runners to back")
        parser.add_argument("--start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--bet-type", default="simple_gagnant", choices=[str(b) for b in BET_TYPES])
        parser.add_argument("--staking", default="flat", choices=STAKINGS)
        parser.add_argument("--stake", help="flat stake (default 1)")
        parser.add_argument("--fraction", type=float, help="percent: share of the bankroll; kelly: Kelly fraction")
        parser.add_argument("--cap", type=float, help="kelly: the most a bet stakes, as a share of the bankroll")
        parser.add_argument("--bankroll", help="starting bankroll (default 100)")
        parser.add_argument("--edge", type=float, help="value: minimum expected value per unit (default 0)")
        parser.add_argument("--min-odds", type=float)
        parser.add_argument("--max-odds", type=float)
        parser.add_argument("--discipline", action="append", help="only this discipline (repeatable)")
        parser.add_argument("--racecourse", action="append", help="only this racecourse code (repeatable)")
        parser.add_argument("--quinte-only", action="store_true")
        parser.add_argument("--source", help="only races of this source (hkjc, pmu, …)")
        parser.add_argument(
            "--model", help="published (default: else walk-forward), walk_forward, market, or a model version's name"
        )
        parser.add_argument("--seed", type=int, help="seed of the random baseline (default 0)")
        parser.add_argument(
            "--combination-top-k", type=int, help="combinations: the k most likely tickets of each race (default 1)"
        )
        parser.add_argument(
            "--combination-min-probability", type=float, help="combinations: only tickets of at least this probability"
        )
        parser.add_argument("--csv", help="write the settled bets to this CSV file")
        parser.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")

    def handle(self, *args, **options):
        start, end = option_window(options["start"], options["end"])
        given = {
            "selection": options["strategy"],
            "bet_type": options["bet_type"],
            "staking": options["staking"],
            "quinte_only": options["quinte_only"],
        }
        for name in (
            "stake",
            "fraction",
            "cap",
            "bankroll",
            "edge",
            "min_odds",
            "max_odds",
            "discipline",
            "racecourse",
            "source",
            "model",
            "seed",
            "combination_top_k",
            "combination_min_probability",
        ):
            if options.get(name) is not None:
                given[name] = options[name]
        parameters = StrategySerializer(data=given)
        if not parameters.is_valid():
            field, problems = next(iter(parameters.errors.items()))
            option = "--strategy" if field == "selection" else f"--{field.replace('_', '-')}"
            raise CommandError(f"{option}: {' '.join(str(p) for p in problems)}")
        strategy = parameters.strategy()

        bar = tqdm(total=100, desc=f"backtest {strategy.selection}", unit="%", disable=options["no_progress"])

        def progress(percent: int) -> None:
            bar.update(max(0, percent - bar.n))

        try:
            result = backtest(strategy=strategy, start=start, end=end, progress=progress)
            progress(100)
        finally:
            bar.close()
        if options["csv"]:
            self._write_csv(Path(options["csv"]), result["bets"])
        report = {
            key: result[key]
            for key in ("model_version", "window", "strategy", "summary", "baselines", "skipped", "versions", "basis")
        }
        report["unsettled"] = len(result["unsettled"])
        self.stdout.write(json.dumps(result_json(report), indent=2))

    def _write_csv(self, path: Path, bets: list[dict]) -> None:
        try:
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(BET_COLUMNS)
                for bet in bets:
                    writer.writerow(
                        [
                            neutralise(value)
                            for value in (
                                bet["date"].isoformat(),
                                bet["race_code"],
                                bet["racecourse"],
                                bet["bet_type"],
                                bet["selection"],
                                bet["horse"],
                                bet["odds"],
                                bet["probability"],
                                bet["expected_value"],
                                bet["stake"],
                                bet["return"],
                                bet["profit"],
                                bet["bankroll"],
                                bet["settled_by"],
                                bet["model_version"] or "",
                            )
                        ]
                    )
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc}") from None
