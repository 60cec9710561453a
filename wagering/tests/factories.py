"""Races with real-shaped PMU rapports, for the combinations' and the combination backtests' tests."""

from __future__ import annotations

from pathlib import Path

from courses.importers.pmu_json import build_dividends, load_json
from courses.models import Dividend, Race
from predictions.models import ModelKind, ModelVersion
from predictions.tests.factories import model_version, predict, race_with

# R1C1 (Nantes, 5 Nov 2025): 14 runners, the arrival 7-3-9-13-5-14-6-8-4-11-10 (1, 2 and 12 unplaced).
R1C1_ARRIVAL = (7, 3, 9, 13, 5, 14, 6, 8, 4, 11, 10)
# The model's win probabilities by saddle 1..14: 7, 3 and 9 its three strongest, in that order.
R1C1_WIN = (0.03, 0.02, 0.16, 0.05, 0.06, 0.04, 0.22, 0.05, 0.12, 0.03, 0.02, 0.02, 0.10, 0.08)


def market_version() -> ModelVersion:
    """The market baseline, active (created once)."""
    version = ModelVersion.objects.filter(version="market-baseline-1").first()
    return version or model_version("market-baseline-1", kind=ModelKind.MARKET, active=True)


def pmu_r1c1(data_dir: Path, **fields) -> Race:
    """R1C1 finished: its positions and its rapports as the PMU published them (``rapports_R1_C1.json`` through
    the importer's own reader), predicted by the market baseline with ``R1C1_WIN``."""
    positions = [R1C1_ARRIVAL.index(s) + 1 if s in R1C1_ARRIVAL else None for s in range(1, 15)]
    race = race_with(final=[round(1 / p, 1) for p in R1C1_WIN], positions=positions, **fields)
    rapports = load_json(data_dir / "pmu_api_json" / "rapports_R1_C1.json")
    Dividend.objects.bulk_create(
        Dividend(race=race, bet_type=d.bet_type, combination=d.combination, amount=d.amount, label=d.label)
        for d in build_dividends(rapports, "R1C1")
    )
    predict(market_version(), race, R1C1_WIN)
    return race
