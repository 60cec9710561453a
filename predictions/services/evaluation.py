"""Measuring models on real races: a stored version on a window, and the walk-forward behind docs/MODEL.md.

Every comparison is on the *same* races: a race counts only when every model being compared
(the market baseline included) prices every runner in it. The walk-forward computes the
features once per data set (they are time-safe by construction) and refits the race model at
the start of each test window on the races dated strictly before it — never on anything after.

Value bets: a flat 1-unit win bet on each runner with p × odds − 1 > ``edge`` at odds ≥
``min_odds`` (the product's defaults), judged at the odds the market view uses and settled as
the data allows: Hong Kong by the official win dividends, Betfair at the BSP less 5% commission
on net winnings, the PMU CSV at its morning odds (it has neither final odds nor rapports, so
that ROI is hypothetical). ROI intervals are bootstrap 95% intervals over races.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from django.db.models import Q

from courses.models import RaceStatus, Source

from ..models import ModelKind, ModelVersion
from .features import FeatureFrame, feature_frame, features_from_frame, load_runners
from .frames import win_dividends
from .registry import model_predict, strict_market, training_data
from .settlement import returns, roi_interval, settle_win
from .training import Races, market_view, race_metrics, race_model_fit

EDGE = 0.0
MIN_ODDS = 2.0
BETFAIR_COMMISSION = 0.05
BOOTSTRAP_DRAWS = 2000


# -- settling and scoring a set of predictions ------------------------------------------------------


@dataclass
class Scored:
    """Runners of finished races with a winner, rows contiguous by race, and each model's p."""

    race_id: np.ndarray
    saddle: np.ndarray
    won: np.ndarray
    odds: np.ndarray  # the odds value bets are judged at
    payout: np.ndarray  # what a 1-unit win bet returned, stake included
    probabilities: dict[str, np.ndarray] = field(default_factory=dict)

    def take(self, mask: np.ndarray) -> "Scored":
        return Scored(
            self.race_id[mask], self.saddle[mask], self.won[mask], self.odds[mask], self.payout[mask],
            {name: p[mask] for name, p in self.probabilities.items()},
        )  # fmt: skip


def payouts(
    data: pd.DataFrame, *, odds: np.ndarray, dividends: dict[int, dict] | None = None, commission: float = 0.0
) -> np.ndarray:
    """A 1-unit win bet's return per runner (stake included), settled by the one settlement rule
    (``services/settlement.py``): the race's win rapport where it has one, else the odds split by
    the dead-heaters less ``commission`` on the net win; NaN where nothing can settle it."""
    n = len(data)
    won = data["position"].to_numpy() == 1
    races = Races.of(data["race_id"].to_numpy())
    lines = [(dividends or {}).get(int(race)) for race in data["race_id"].to_numpy()]
    paid = [int(Decimal(line.get(int(saddle), 0)) * 100) if line else 0
            for line, saddle in zip(lines, data["saddle"].to_numpy())]  # fmt: skip
    odds = np.asarray(odds, dtype=float)
    settled = settle_win(
        present=np.array([bool(line) for line in lines], dtype=bool),
        paid=np.array(paid, dtype=np.int64),
        winners=races.sum(won.astype(float))[races.codes].astype(np.int64),
        won=won,
        price=np.where(np.isfinite(odds), np.rint(np.nan_to_num(odds) * 100), -1).astype(np.int64),
        commission=np.full(n, round(commission * 100), dtype=np.int64),
        refund=np.zeros(n, dtype=bool),
    )
    unit = 100 * np.ones(n, dtype=np.int64)
    return np.where(settled.ok, returns(unit, settled) / 100.0, np.nan)


def _value_bets(scored: Scored, p: np.ndarray, *, edge: float, min_odds: float) -> dict:
    with np.errstate(invalid="ignore"):
        chosen = np.isfinite(p) & np.isfinite(scored.odds) & (scored.odds >= min_odds) & (p * scored.odds - 1.0 > edge)
    chosen &= np.isfinite(scored.payout)  # a bet nothing can settle is left out, never counted as a loss
    n = int(chosen.sum())
    if not n:
        return {"bets": 0, "winners": 0, "roi": None, "roi_ci95": None}
    profit = scored.payout[chosen] - 1.0
    by_race = pd.DataFrame({"race": scored.race_id[chosen], "profit": profit, "stake": 1.0}).groupby("race").sum()
    return {
        "bets": n,
        "winners": int((scored.payout[chosen] > 0).sum()),
        "roi": float(profit.sum() / n),
        "roi_ci95": roi_interval(by_race["profit"].tolist(), by_race["stake"].tolist(), draws=BOOTSTRAP_DRAWS),
    }


def _paired_difference(a: np.ndarray, b: np.ndarray, won: np.ndarray, races: Races) -> dict:
    """Mean race log loss of a minus b, with a bootstrap 95% interval over races."""
    la = -races.sum(won * np.log(np.maximum(a, 1e-15)))
    lb = -races.sum(won * np.log(np.maximum(b, 1e-15)))
    diff = la - lb
    rng = np.random.default_rng(0)
    means = diff[rng.integers(0, diff.size, size=(BOOTSTRAP_DRAWS, diff.size))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean": float(diff.mean()), "ci95": [float(low), float(high)]}


def score_models(scored: Scored, *, edge: float = EDGE, min_odds: float = MIN_ODDS, baseline: str = "market") -> dict:
    """Metrics of every model of ``scored`` on the races all of them price fully."""
    races = Races.of(scored.race_id)
    missing = np.zeros(races.n, dtype=bool)
    for p in scored.probabilities.values():
        missing |= races.sum((~np.isfinite(p)).astype(float)) > 0
    kept = scored.take(~missing[races.codes])
    kept_races = Races.of(kept.race_id)
    result: dict = {"races": kept_races.n, "races_left_out": int(missing.sum()), "models": {}}
    for name, p in kept.probabilities.items():
        metrics = race_metrics(p, kept.won, kept_races, kept.saddle)
        metrics["value_bets"] = _value_bets(kept, p, edge=edge, min_odds=min_odds)
        if name != baseline and baseline in kept.probabilities and kept_races.n:
            metrics["log_loss_vs_market"] = _paired_difference(p, kept.probabilities[baseline], kept.won, kept_races)
        result["models"][name] = metrics
    return result


# -- a stored version on a window (the evaluate command) ---------------------------------------------


def model_evaluate(
    *,
    model_version: ModelVersion,
    start: dt.date,
    end: dt.date,
    source: str | None = None,
    edge: float = EDGE,
    min_odds: float = MIN_ODDS,
) -> dict:
    """A stored version against the market baseline (and, for a combined version, its fundamental
    half) on the finished races dated ``start``..``end`` that all of them price."""
    features = feature_frame(start=start, end=end, source=source, finished_only=True)
    data = features.data
    data = data.loc[data["has_winner"].to_numpy()].reset_index(drop=True)
    result: dict = {"model_version": model_version.version, "kind": model_version.kind, "start": str(start),
                    "end": str(end), "source": source}  # fmt: skip
    if not len(data):
        return {**result, "races": 0, "races_left_out": 0, "models": {}}
    races = Races.of(data["race_id"].to_numpy())
    market = strict_market(data, races)
    predicted = model_predict(model_version, FeatureFrame(data))
    odds = data["final_odds"].fillna(data["morning_odds"]).to_numpy(dtype=float)
    window = Q(race__meeting__date__range=(start, end))
    if source is not None:
        window &= Q(race__source=source)
    scored = Scored(
        race_id=data["race_id"].to_numpy(),
        saddle=data["saddle"].to_numpy(),
        won=data["won"].to_numpy(),
        odds=odds,
        payout=payouts(data, odds=odds, dividends=win_dividends(window)),
        probabilities={"market": market, "model": predicted["win"].to_numpy()},
    )
    if model_version.kind == ModelKind.COMBINED:
        scored.probabilities["fundamental"] = predicted["fundamental"].to_numpy()
    return {**result, **score_models(scored, edge=edge, min_odds=min_odds)}


# -- the walk-forward -----------------------------------------------------------------------------------


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
    commission: float = 0.0
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
        commission=BETFAIR_COMMISSION,
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


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
            31][month - 1]  # fmt: skip
    return dt.date(year, month, min(day.day, last))


def walk_forward_windows(last_day: dt.date, test_months: int, refit_months: int) -> list[tuple[dt.date, dt.date]]:
    """The test period (the last ``test_months`` ending on ``last_day``) cut into refit windows."""
    start = _add_months(last_day, -test_months) + dt.timedelta(days=1)
    windows = []
    while start <= last_day:
        end = min(_add_months(start, refit_months) - dt.timedelta(days=1), last_day)
        windows.append((start, end))
        start = end + dt.timedelta(days=1)
    return windows


@dataclass
class WalkForward:
    dataset: DataSet
    scored: Scored
    windows: list[dict]
    seconds: float
    test_races: int


def walk_forward(
    dataset: DataSet, *, params: dict | None = None, progress: Callable[[str], None] | None = None
) -> WalkForward:
    """Refit at the start of each test window on the races strictly before it; predict the window."""
    clock = time.perf_counter()
    raw = load_runners(source=dataset.source)
    if not len(raw):
        raise ValueError(f"no {dataset.source} races in the database")
    data = features_from_frame(raw, np.ones(len(raw), dtype=bool)).data
    finished = (data["race_status"] == RaceStatus.FINISHED).to_numpy() & data["has_winner"].to_numpy()
    last_day = max(data.loc[finished, "date"])
    windows = walk_forward_windows(last_day, dataset.test_months, dataset.refit_months)
    dividends = win_dividends(Q(race__source=dataset.source)) if dataset.use_dividends else None

    parts: list[Scored] = []
    reports: list[dict] = []
    for start, end in windows:
        if progress:
            progress(f"{dataset.key}: refit for {start}..{end}")
        dates = data["date"]
        train = training_data(FeatureFrame(data.loc[(dates < start).to_numpy() & finished].reset_index(drop=True)))
        fit = race_model_fit(train, params=params)
        model = fit.model
        test = data.loc[((dates >= start) & (dates <= end)).to_numpy() & finished].reset_index(drop=True)
        if not len(test):
            continue
        races = Races.of(test["race_id"].to_numpy())
        scores = model.scores(test.loc[:, model.features].to_numpy(dtype=np.float32))
        partial = market_view(test["final_odds"].to_numpy(), test["morning_odds"].to_numpy(), races)
        probabilities = {
            "market": strict_market(test, races),
            "fundamental": model.fundamental(scores, races),
            "combined": model.combined(scores, partial, races),
        }
        if dataset.benchmark == "rated_price":
            rated = test["rated_price"].to_numpy(dtype=float)
            with np.errstate(invalid="ignore", divide="ignore"):
                implied = np.where(rated >= 1.0, 1.0 / rated, np.nan)
            total = races.sum(np.nan_to_num(implied))[races.codes]
            incomplete = (races.sum(np.isnan(implied).astype(float)) > 0)[races.codes]
            probabilities["rated_price"] = np.where(incomplete, np.nan, implied / total)
        column = "final_odds" if dataset.decision_odds == "final" else "morning_odds"
        odds = test[column].to_numpy(dtype=float)
        parts.append(
            Scored(
                race_id=test["race_id"].to_numpy(),
                saddle=test["saddle"].to_numpy(),
                won=test["won"].to_numpy(),
                odds=odds,
                payout=payouts(test, odds=odds, dividends=dividends, commission=dataset.commission),
                probabilities=probabilities,
            )
        )
        reports.append(
            {
                "test_start": str(start),
                "test_end": str(end),
                "test_races": races.n,
                "train_races": train.races.n,
                "train_from": str(min(data.loc[(dates < start).to_numpy() & finished, "date"])),
                "rounds": fit.rounds,
                **{k: v for k, v in model.calibration().items() if k != "standard_errors"},
                "alpha_se": model.standard_errors.get("alpha"),
            }
        )
    scored = Scored(
        race_id=np.concatenate([p.race_id for p in parts]),
        saddle=np.concatenate([p.saddle for p in parts]),
        won=np.concatenate([p.won for p in parts]),
        odds=np.concatenate([p.odds for p in parts]),
        payout=np.concatenate([p.payout for p in parts]),
        probabilities={name: np.concatenate([p.probabilities[name] for p in parts]) for name in parts[0].probabilities},
    )
    return WalkForward(dataset, scored, reports, time.perf_counter() - clock, Races.of(scored.race_id).n)


# -- docs/MODEL.md -----------------------------------------------------------------------------------------

MODEL_NAMES = {
    "market": "Market baseline (normalised 1/odds)",
    "fundamental": "Fundamental model (no odds)",
    "combined": "Combined model (Benter)",
    "rated_price": "Betfair RATED_PRICE (published model)",
}


def _fmt(value, digits: int = 4) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}"


def _roi(bets: dict) -> str:
    if not bets["bets"]:
        return "no bets"
    low, high = bets["roi_ci95"] or (None, None)
    interval = f" [{low:+.1%}, {high:+.1%}]" if low is not None else ""
    return f"{bets['bets']} bets, {bets['roi']:+.1%}{interval}"


def dataset_section(result: WalkForward, metrics: dict) -> list[str]:
    dataset = result.dataset
    first, last = result.windows[0]["test_start"], result.windows[-1]["test_end"]
    lines = [
        f"### {dataset.title}",
        "",
        f"Test period {first} → {last} ({result.test_races} races with a result), {len(result.windows)} refits "
        f"(every {dataset.refit_months} month{'s' if dataset.refit_months > 1 else ''}), each trained only on "
        f"the races before its window. Compared on the {metrics['races']} races every model prices fully "
        f"({metrics['races_left_out']} left out).",
        "",
        "| Model | Races | Race log loss | Pseudo-R² | Brier | Top-1 | Δ log loss vs market [95% CI] | "
        f"Value bets (edge > {EDGE:g}, odds ≥ {MIN_ODDS:g}): ROI [95% CI] |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, m in metrics["models"].items():
        diff = m.get("log_loss_vs_market")
        diff_text = f"{diff['mean']:+.4f} [{diff['ci95'][0]:+.4f}, {diff['ci95'][1]:+.4f}]" if diff else "–"
        lines.append(
            f"| {MODEL_NAMES.get(name, name)} | {m['races']} | {_fmt(m['log_loss'])} | {_fmt(m['pseudo_r2'])} | "
            f"{_fmt(m['brier'])} | {_fmt(m['top1'], 3)} | {diff_text} | {_roi(m['value_bets'])} |"
        )
    lines += ["", *[f"- {note}" for note in dataset.notes]]
    overround = _overround(result.scored)
    if overround:
        lines.append(
            f"- Σ 1/odds over each race's listed runners (the odds value bets are judged at): median "
            f"{overround['median']:.3f}, below 1 in {overround['below_one']:.0%} of the test races — where it is "
            "below 1 even the market's own normalised probabilities see \"value\" in every runner."
        )
    verdict = _verdict(metrics, result.windows)
    lines += [f"- **Verdict:** {verdict}", "", "Refits:", "",
              "| Window | Test races | Trained on (races, from) | Rounds | κ | fitted α (± s.e.) | α used | β | γ | δ |",
              "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for w in result.windows:
        fitted = w.get("fitted_alpha")
        alpha_se = f" ± {w['alpha_se']:.3f}" if w.get("alpha_se") is not None else ""
        fitted_text = f"{fitted:.3f}{alpha_se}" if fitted is not None else "–"
        lines.append(
            f"| {w['test_start']} → {w['test_end']} | {w['test_races']} | {w['train_races']}, from {w['train_from']} | "
            f"{w['rounds']} | {w['kappa']:.3f} | {fitted_text} | {w['alpha']:.3f} | {w['beta']:.3f} | "
            f"{w['gamma']:.3f} | {w['delta']:.3f} |"
        )
    lines += ["", f"Walk-forward time: {result.seconds:.0f} s.", ""]
    return lines


def _overround(scored: Scored) -> dict | None:
    races = Races.of(scored.race_id)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = races.sum(np.where(scored.odds >= 1.0, 1.0 / scored.odds, np.nan))
    total = total[np.isfinite(total)]
    if not total.size:
        return None
    return {"median": float(np.median(total)), "below_one": float((total < 1.0).mean())}


def _verdict(metrics: dict, windows: list[dict] = ()) -> str:
    models = metrics["models"]
    market, combined, fundamental = models.get("market"), models.get("combined"), models.get("fundamental")
    if not market or not combined or market["log_loss"] is None:
        return "not enough races to compare."
    diff = combined["log_loss_vs_market"]
    better = combined["log_loss"] < market["log_loss"]
    significant = diff["ci95"][1] < 0 if better else diff["ci95"][0] > 0
    text = (
        f"the combined model's race log loss is {'below' if better else 'ABOVE'} the market's "
        f"({combined['log_loss']:.4f} vs {market['log_loss']:.4f}, Δ {diff['mean']:+.4f}"
        f"{'' if significant else ', within the bootstrap noise'}); "
        f"the fundamental model alone reaches pseudo-R² {fundamental['pseudo_r2']:.4f} against the market's "
        f"{market['pseudo_r2']:.4f}, top-1 {fundamental['top1']:.1%} against the favourite's {market['top1']:.1%}."
    )
    used = [w["alpha"] > 0 for w in windows]
    if used and not any(used):
        text += (
            " In no refit did the fundamental model pass the significance test on the held-out races, so the "
            "combined model is the market with its favourite–longshot exponent β: the data carries nothing the "
            "odds do not already price."
        )
    elif used and not all(used):
        text += f" The fundamental model entered the combined one in {sum(used)} of {len(used)} refits."
    return text


def ensure_imported(dataset: DataSet, *, data_dir: Path, stdout=None, stderr=None) -> bool:
    """Import the data set with its own importer if the database has none of its races; True if it is there."""
    from django.core.management import call_command

    from courses.models import Race

    if Race.objects.filter(source=dataset.source).exists():
        return True
    path = data_dir / dataset.import_path
    if not path.exists():
        return False
    call_command(dataset.import_command, str(path), "--no-progress", stdout=stdout, stderr=stderr)
    return Race.objects.filter(source=dataset.source).exists()


REFERENCES = [
    "Benter (1994), Hong Kong 1986–93: public odds pseudo-R² 0.1218, fundamental model 0.1245, combined "
    "model 0.1396 (+0.0178 over the public).",
    "Hong Kong favourites win about 30% of races.",
    "DOMAIN.md, this Hong Kong data to 2004-12-31 (all years): market race log loss 2.0446, pseudo-R² 0.1884, "
    "favourite wins 29.8%.",
]


LIMITS = [
    "The test windows are small (a few hundred to a few thousand races): differences of a few thousandths of race "
    "log loss are within their noise, which is why every difference comes with its bootstrap interval.",
    "The public data carries little that the market does not already know: the fundamental models are far weaker "
    "than the odds on their own. Where the fundamental weight α fails its significance test (each data set's "
    "refit table shows the fitted and the used α), the combined model's gain is β alone, the correction of the "
    "favourite–longshot bias.",
    "Tried on the Hong Kong development year (2002-12-30 → 2003-12-29, never the test year) to lift the "
    "fundamental model, none of which moved the race log loss beyond that year's noise, so none was kept: every "
    "feature also relative to the field; handicap-style performance ratings from lengths beaten, weight carried "
    "and the race's rating level; Plackett–Luce online ability ratings (Elo-like); shallower (depth 3) and deeper "
    "(depth 6) trees. The sectional (running-style and pace) features were tried the same way "
    "and kept: they lowered the fundamental model's race log loss on that year far more than any attempt above.",
    "The calibration boosters that score the earlier blocks are trained partly on later races; only the "
    "calibration uses those scores, never a test window.",
    "ROI is for flat 1-unit value bets at the odds shown; a bettor moves pari-mutuel odds, and the PMU ROI is "
    "meaningless (see its notes). Kelly staking is not evaluated here.",
    "The whole retrain's speed is measured by `bench/train.py` (not a test): it prints the time of each step "
    "and the ratio to a bare `xgboost.train` on the same matrix.",
]


def _method_lines() -> list[str]:
    from .features import HISTORY_DAYS, LAST_RIDES, PAIR_DAYS, PEOPLE_DAYS, RECENT_DAYS, STANDARD_DAYS
    from .training import CALIBRATION_FOLDS, DEFAULT_PARAMS, FUNDAMENTAL_Z, STAGES, VALIDATION_SHARE

    params = ", ".join(f"{k}={v}" for k, v in DEFAULT_PARAMS.items() if k not in ("disable_default_eval_metric",))
    return [
        "## Method",
        "",
        "- **Features** (`predictions/services/features.py`), computed in bulk (one counting query and one data query, then numpy/pandas) and "
        "time-safe: a runner's features in a race dated *d* use only pre-race facts of that race and the finished "
        "races dated strictly before *d* (same-day races count neither way). Tests change a race's own result and "
        "check its features do not move, and check a horse's features only reflect earlier days.",
        f"  - horse: runs, win and place rates (career = the last {HISTORY_DAYS} days, and the last {RECENT_DAYS} "
        "days), prize money won, last 1/3/5 finishes as the share of the field beaten, lengths beaten, speed figures "
        f"(finishing time or reduction km against the course-and-distance standard of the {STANDARD_DAYS} days "
        "before that run, less the day's variant), days since its last run, distance/class/rating/body-weight "
        "changes, gear and jockey changes, the market's view of it in its last runs, the PMU musique where there "
        "is one; its running style from the sectionals where the source times them (Hong Kong): early position, "
        "last-section time against the race's median, ground made up from the first call, and the race's pace "
        "(how many habitual front-runners it has, early position × draw);",
        "  - suitability: its record at this distance band, on this going, at this racecourse, in this discipline "
        "and on this surface;",
        f"  - people: jockey/driver and trainer wins against expectation (Σ 1/field) over the previous {PEOPLE_DAYS} "
        f"days and their last {LAST_RIDES} rides, place rates, the jockey-trainer pairing over {PAIR_DAYS} days, the "
        "jockey's rides on this horse;",
        "  - the race and the runner: field size, distance, discipline, surface, going, class, prize, age, sex, draw, "
        "weight or handicap distance (also relative to the field), rating, declared career earnings, shoeing;",
        "  - the market, as a separate group never given to the fundamental model: log market probability from the "
        "morning and from the final odds, and the morning-to-final drift.",
        "  - Left out on purpose: the PMU CSV's `avg_place_last_5`, `nb_races_last_5`, `nb_dai_last_5` and "
        "`avg_red_km_last_5` include the race's own result (for horses with one previous run, `avg_place_last_5` "
        "equals the race's finishing place in 44% of rows): they leak.",
        f"- **Fundamental model**: XGBoost with a custom Plackett–Luce objective over the first {STAGES} places of "
        "each race (the race is the group: the winner is a softmax choice among the runners, the second among the "
        "rest…); on the Hong Kong development years 2002–03 this beat a winner-only softmax, `rank:pairwise` and "
        f"`rank:ndcg`. Parameters: {params}; early stopping on the validation races. The score becomes a win "
        "probability by a conditional logit, f ∝ exp(κ·score) within the race.",
        "- **Combined model** (Benter): c ∝ exp(α ln f + β ln π), π = normalised 1/odds. κ, α, β are fitted by "
        f"conditional-logit maximum likelihood on held-out races: the last {VALIDATION_SHARE:.0%} of the training "
        f"window (scored by the booster trained before it) plus {CALIBRATION_FOLDS} earlier blocks, each scored by a "
        "booster trained without it — a few thousand races instead of a few hundred, which halved the noise of α "
        "and β on the development years. The fundamental model enters only when the held-out races show it adds "
        f"something to the odds: α must exceed {FUNDAMENTAL_Z} standard errors (one-sided 2.5% test), otherwise "
        "α = 0 and β is refitted alone, so a weight that is noise cannot make the market worse. In the open: this "
        "rule came after an earlier report showed the combined model worse than the BSP on Betfair; it is one rule "
        "for every data set, with the textbook threshold, not a value chosen on any test window. Runners the model cannot rate (another source) fall back to the market; "
        "unpriced runners in a partly priced race keep the model's share.",
        "- **Places**: Harville with Benter's correction, p^γ for second place and p^δ for third (renormalised), "
        "γ and δ fitted on the held-out finishing orders (default 0.81 / 0.65 where the data has no order, e.g. "
        "Betfair).",
        "- **Explanations**: XGBoost's `pred_contribs` per feature, centred on the race (only differences between "
        "rivals matter in a softmax) and scaled by κ (and α for the combined model, whose market term is listed as "
        "“Market odds”); the five largest by absolute value are stored on each prediction with plain labels.",
        "- **Evaluation**: walk-forward, each refit trained only on races before its test window; every figure "
        "below is on test races only, on the same races for every model. Race log loss = mean −ln p(winner) (dead "
        "heats: the mean over the dead-heaters); pseudo-R² = 1 − LL/LL(uniform); Brier = Σ_runners (p − y)² per "
        "race; top-1 = share of races whose highest p won. Δ log loss intervals and ROI intervals are bootstrap "
        "95% intervals over races.",
        "",
    ]


def model_report_markdown(results: list[tuple[WalkForward, dict]], *, missing: list[DataSet] = ()) -> str:
    """docs/MODEL.md from the walk-forward results."""
    lines = [
        "# Turf race model: how it is built and how it does on real races",
        "",
        "Regenerated by `manage.py model_report` (imports the data sets if the database lacks them, then runs the "
        "walk-forward below). Every number here is computed by that command; none is typed in.",
        "",
        "## Summary",
        "",
        "| Data set | Test races compared | Market LL | Fundamental LL | Combined LL | Combined − market [95% CI] | "
        "Pseudo-R² market → combined (Δ) | Fundamental top-1 | Favourite top-1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result, metrics in results:
        models = metrics["models"]
        diff = models["combined"]["log_loss_vs_market"]
        r2_market, r2_combined = models["market"]["pseudo_r2"], models["combined"]["pseudo_r2"]
        lines.append(
            f"| {result.dataset.title} | {metrics['races']} | {_fmt(models['market']['log_loss'])} | "
            f"{_fmt(models['fundamental']['log_loss'])} | {_fmt(models['combined']['log_loss'])} | "
            f"{diff['mean']:+.4f} [{diff['ci95'][0]:+.4f}, {diff['ci95'][1]:+.4f}] | "
            f"{r2_market:.4f} → {r2_combined:.4f} ({r2_combined - r2_market:+.4f}) | "
            f"{models['fundamental']['top1']:.1%} | {models['market']['top1']:.1%} |"
        )
    lines.append("")
    for result, metrics in results:
        models = metrics["models"]
        diff = models["combined"]["log_loss_vs_market"]
        beat = models["combined"]["log_loss"] < models["market"]["log_loss"]
        sure = diff["ci95"][1] < 0
        lines.append(
            f"- {result.dataset.title}: the combined model "
            + ("beats the market" if beat and sure else
               "is below the market, but within the noise of the test window" if beat else
               "does NOT beat the market")  # fmt: skip
            + "; the fundamental model's top-1 accuracy is "
            + ("at or above" if models["fundamental"]["top1"] >= models["market"]["top1"] else "below")
            + " the favourite's."
        )
    for dataset in missing:
        lines.append(
            f"- {dataset.title}: not evaluated (the data set is not in the database and could not be imported)."
        )
    lines += ["", *_method_lines(), "## Results by data set", ""]
    for result, metrics in results:
        lines += dataset_section(result, metrics)
    lines += ["## Reference points", "", *[f"- {ref}" for ref in REFERENCES], ""]
    lines += ["## Limits", "", *[f"- {limit}" for limit in LIMITS], ""]
    return "\n".join(lines) + "\n"


def model_report(
    *,
    out: Path,
    datasets: list[str] | None = None,
    import_missing: bool = True,
    data_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
    stdout=None,
    stderr=None,
) -> tuple[str, list[tuple[WalkForward, dict]]]:
    """Run the walk-forward on each data set (importing it first if asked) and write ``out``."""
    from django.conf import settings

    data_dir = Path(data_dir or settings.TURF_DATA_DIR)
    results, missing = [], []
    for key in datasets or list(DATASETS):
        dataset = DATASETS[key]
        if import_missing:
            if progress:
                progress(f"{key}: checking the data")
            present = ensure_imported(dataset, data_dir=data_dir, stdout=stdout, stderr=stderr)
        else:
            from courses.models import Race

            present = Race.objects.filter(source=dataset.source).exists()
        if not present:
            missing.append(dataset)
            continue
        result = walk_forward(dataset, progress=progress)
        results.append((result, score_models(result.scored)))
    text = model_report_markdown(results, missing=missing)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return text, results
