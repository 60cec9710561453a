"""The real data sets the walk-forward runs on (source, importer, test period, market, notes) and their import."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command

from courses.models import Race, Source


@dataclass(frozen=True)
class DataSet:
    key: str
    title: str
    source: str
    import_command: str
    import_path: str  # relative to the data folder
    test_months: int  # the test period: the data set's last months
    refit_months: int  # a refit at the start of every window of this many months
    decision_odds: str  # "final" or "morning"
    use_dividends: bool = False
    benchmark: str | None = None  # "rated_price": Betfair's published model as a second benchmark
    notes: tuple[str, ...] = ()


DATASETS: dict[str, DataSet] = {
    "hkjc": DataSet(
        key="hkjc",
        title="Hong Kong (HKJC, Kaggle), 1997–2004",
        source=Source.HKJC,
        import_command="import_hkjc",
        import_path="hkjc_kaggle",
        test_months=12,
        refit_months=3,
        decision_odds="final",
        use_dividends=True,
        notes=(
            "Market = final pari-mutuel win odds (capped at 99 in this data), takeout removed by normalising.",
            "Value bets are judged at the final odds and settled with the official win dividends.",
        ),
    ),
    "pmu_csv": DataSet(
        key="pmu_csv",
        title="PMU trot attelé (CSV), Aug–Nov 2025",
        source=Source.PMU_CSV,
        import_command="import_pmu_csv",
        import_path="pmu_trot_attele_2025/dataset_trot_attele.csv",
        test_months=2,
        refit_months=1,
        decision_odds="morning",
        notes=(
            "No final odds in this data: the market baseline is the MORNING odds (cote de référence), a weaker "
            "benchmark than the final pari-mutuel odds the public bets into.",
            "The author imputed missing morning odds as 50.0; they are treated as missing, so races with an "
            "unpriced runner have no market view and are left out of the comparison.",
            "Only finishers were exported (no non-runners, fallers or disqualified horses), and there are no "
            "rapports: the ROI is settled at the morning odds over finishers only, so it is biased upwards and "
            "means nothing as a betting result.",
        ),
    ),
    "betfair_uk_ie": DataSet(
        key="betfair_uk_ie",
        title="Betfair UK/Ireland, Jan–May 2026",
        source=Source.BETFAIR_UK_IE,
        import_command="import_betfair",
        import_path="betfair_uk_ie_model",
        test_months=3,
        refit_months=1,
        decision_odds="final",
        benchmark="rated_price",
        notes=(
            "Market = Betfair Starting Price (BSP). Betfair's published RATED_PRICE (its data scientists' model) "
            "is a second benchmark, normalised within the race like the market.",
            "No form data beyond what five months of these files give (winner only, no finishing order, "
            "no jockey or trainer): the fundamental model is weak here.",
            "Value bets are settled at the BSP less 5% commission on net winnings.",
        ),
    ),
}


def ensure_imported(dataset: DataSet, *, data_dir: Path, stdout=None, stderr=None) -> bool:
    """Import the data set with its own importer if the database has none of its races; True if it is there."""
    if Race.objects.filter(source=dataset.source).exists():
        return True
    path = data_dir / dataset.import_path
    if not path.exists():
        return False
    call_command(dataset.import_command, str(path), "--no-progress", stdout=stdout, stderr=stderr)
    return Race.objects.filter(source=dataset.source).exists()
