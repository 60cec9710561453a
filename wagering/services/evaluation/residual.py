"""The residual model in the model report: its choice on the development windows, its walk-forward
refits beside the other models, and every model against the morning line.

- **Development** (``residual_development``, on ``refits.development_windows``): the data set's
  test period shifted back by its own length (for Hong Kong the year before the test year), never
  the test windows. Each input variant is walked forward there exactly as the test windows are (a
  refit at the start of each window on the races strictly before it), and the variant with the
  lower race log loss is the one the test walk-forward uses.
- **Walk-forward** (``residual_refit``): at each refit the residual model is trained on the same
  races as the others, and its own gate (held-out races of the training window only) keeps it or
  falls back to the market.
- **Morning line** (``morning_line``): the odds a punter sees when we publish are the morning odds;
  every model's race log loss beside the morning market's on the test races whose every runner has
  one.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from predictions.services.features import FUNDAMENTAL_FEATURES, FeatureFrame
from predictions.services.metrics import log_loss_difference, race_log_loss
from predictions.services.races import Races
from predictions.services.training import CALIBRATION_FOLDS, TrainingError, market_view, strict_market, training_data
from predictions.services.training.residual import (
    RESIDUAL_COLUMNS,
    RESIDUAL_PARAMS,
    RESIDUAL_STAGES,
    ResidualModel,
    residual_fit,
)

from ..model_scores import Scored

# The residual model's input variants: the market's own shape, and the same with the form.
RESIDUAL_VARIANTS: dict[str, tuple[str, ...]] = {
    "market": RESIDUAL_COLUMNS,
    "market + form": (*RESIDUAL_COLUMNS, *FUNDAMENTAL_FEATURES),
}
MIN_DEVELOPMENT_TRAIN_RACES = 300  # a development window with fewer races before it is skipped


def residual_refit(train: pd.DataFrame, columns: tuple[str, ...]) -> ResidualModel:
    """The residual model trained on a refit's training races (finished, with a winner); the market itself
    (no corrections) when too few of them are priced to learn from."""
    try:
        return residual_fit(training_data(FeatureFrame(train), columns), columns=columns)
    except TrainingError:
        return ResidualModel(None, list(columns))


def residual_win(model: ResidualModel, test: pd.DataFrame) -> np.ndarray:
    """The residual model's win probabilities on a window's races (the market view the combined model takes)."""
    races = Races.of(test["race_id"].to_numpy())
    market = market_view(test["final_odds"].to_numpy(), test["morning_odds"].to_numpy(), races)
    return model.win_from_frame(test, market, races)


def residual_development(data: pd.DataFrame, finished: np.ndarray, development: list[tuple[dt.date, dt.date]]) -> dict:
    """Each variant walked forward on the ``development`` windows (``refits.development_windows``): race log
    loss against the market's on the same races, with the bootstrap interval, and the variant chosen (the
    lower log loss)."""
    dates = data["date"]
    windows = []
    for start, end in development:
        train_rows = (dates < start).to_numpy() & finished
        if Races.of(data.loc[train_rows, "race_id"].to_numpy()).n >= MIN_DEVELOPMENT_TRAIN_RACES:
            windows.append((start, end))
    if not windows:
        return {"windows": [], "variants": {}, "chosen": "market"}
    frames = []
    for start, end in windows:
        frames.append(data.loc[((dates >= start) & (dates <= end)).to_numpy() & finished].reset_index(drop=True))
    variants: dict[str, dict] = {}
    for name, columns in RESIDUAL_VARIANTS.items():
        parts, kept = [], 0
        for (start, _end), test in zip(windows, frames, strict=True):
            model = residual_refit(data.loc[(dates < start).to_numpy() & finished].reset_index(drop=True), columns)
            kept += model.kept
            # Ungated: the development windows judge the corrections themselves, not the gate.
            parts.append((test, residual_win(model.ungated(), test), residual_win(model, test)))
        variants[name] = _development_figures(parts, kept, len(windows))
    chosen = min(variants, key=lambda name: variants[name]["log_loss"] if variants[name] else np.inf)
    return {"windows": [(str(s), str(e)) for s, e in windows], "variants": variants, "chosen": chosen}


def _development_figures(parts: list, kept: int, windows: int) -> dict:
    if not parts:
        return {}
    test = pd.concat([p[0] for p in parts], ignore_index=True)
    ungated = np.concatenate([p[1] for p in parts])
    gated = np.concatenate([p[2] for p in parts])
    races = Races.of(test["race_id"].to_numpy())
    market = strict_market(test, races)
    complete = ~(races.sum((~np.isfinite(market) | ~np.isfinite(ungated)).astype(float)) > 0)[races.codes]
    sub = Races.of(test["race_id"].to_numpy()[complete])
    won = test["won"].to_numpy()[complete]
    return {
        "races": sub.n,
        "market_log_loss": race_log_loss(market[complete], won, sub),
        "log_loss": race_log_loss(ungated[complete], won, sub),
        "vs_market": log_loss_difference(ungated[complete], market[complete], won, sub),
        "gated_log_loss": race_log_loss(gated[complete], won, sub),
        "kept_refits": kept,
        "refits": windows,
    }


def morning_line(scored: Scored, morning_odds: np.ndarray) -> dict | None:
    """Every model's race log loss beside the morning market's (normalised 1/morning odds) on the races whose
    every runner has morning odds and every model a probability; None when no test race has them."""
    races = Races.of(scored.race_id)
    with np.errstate(invalid="ignore", divide="ignore"):
        implied = np.where(np.isfinite(morning_odds) & (morning_odds >= 1.0), 1.0 / morning_odds, np.nan)
    bad = races.sum(np.isnan(implied).astype(float)) > 0
    for p in scored.probabilities.values():
        bad |= races.sum((~np.isfinite(p)).astype(float)) > 0
    rows = ~bad[races.codes]
    if not rows.any():
        return None
    sub = Races.of(scored.race_id[rows])
    morning = implied[rows] / sub.sum(implied[rows])[sub.codes]
    won = scored.won[rows].astype(float)
    models = {
        name: {
            "log_loss": race_log_loss(p[rows], won, sub),
            "vs_morning": log_loss_difference(p[rows], morning, won, sub),
        }
        for name, p in scored.probabilities.items()
    }
    return {"races": sub.n, "morning_log_loss": race_log_loss(morning, won, sub), "models": models}


# -- docs/MODEL.md


def _delta(diff: dict | None) -> str:
    if not diff:
        return "–"
    return f"{diff['mean']:+.4f} [{diff['ci95'][0]:+.4f}, {diff['ci95'][1]:+.4f}]"


def _significant(diff: dict | None) -> bool:
    return bool(diff) and diff["ci95"][1] < 0


def residual_method_lines() -> list[str]:
    params = ", ".join(f"{k}={v}" for k, v in RESIDUAL_PARAMS.items() if k != "disable_default_eval_metric")
    variants = "; ".join(
        f"*{name}*: ln π, market rank, {', '.join(cols[:4])}…" for name, cols in RESIDUAL_VARIANTS.items()
    )
    return [
        "- **Residual model** (a model that learns the market's mistakes): an XGBoost booster whose starting "
        "score for each runner is the market's log probability ln π (XGBoost's `base_margin`, the market view "
        "the combined model takes), so with no trees it is exactly the market and the trees learn only "
        "corrections, p ∝ exp(ln π + s(x)). The Plackett–Luce objective over the winner only "
        f"({RESIDUAL_STAGES} place): fitted over the first four places it learnt to flatten the favourites, as "
        "the later places do (Benter's γ, δ < 1), and worsened the winner's log loss on the development "
        f"windows. Strong regularisation ({params}) and early stopping on the validation races. Inputs "
        f"(variants: {variants}): what the favourite–longshot and the odds-drift literature points at — ln π, "
        "the rank in the market, the field size, the morning and final market probabilities and the "
        "morning-to-final drift where the data has both — and, in the second variant, the fundamental features "
        "too. The variant is chosen on the *development windows* (the test period shifted back by its own "
        "length, walked forward the same way, never the test windows): the one with the lower race log loss. "
        "Its gate, at every refit: on the held-out races of the training window (the validation races and the "
        f"{CALIBRATION_FOLDS} earlier blocks, each scored by a booster trained without it) the corrections are "
        "kept only if the upper end of the bootstrap 95% interval of Δ race log loss against the market is "
        "below 0; otherwise the refit is the market itself.",
        "- **Morning line**: the odds a punter sees when a prediction is published are the morning odds (the "
        "PMU's cote de référence); each data set with morning odds compares every model with the normalised "
        "morning odds on the test races whose every runner has one.",
    ]


def residual_summary_lines(results: list) -> list[str]:
    lines = [
        "### The residual model (trees on the market's log odds)",
        "",
        "| Data set | Variant (chosen on development) | Development: market LL → residual LL, Δ [95% CI] | "
        "Refits the gate kept | Test: market LL → residual LL | Residual − market [95% CI] |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for result, metrics in results:
        development = result.development or {}
        chosen = development.get("chosen", "–")
        dev = development.get("variants", {}).get(chosen) or {}
        dev_text = f"{dev['market_log_loss']:.4f} → {dev['log_loss']:.4f}, {_delta(dev['vs_market'])}" if dev else "–"
        kept = sum(w["residual"]["kept"] for w in result.windows)
        models = metrics["models"]
        residual, market = models.get("residual"), models.get("market")
        test_text = f"{market['log_loss']:.4f} → {residual['log_loss']:.4f}" if residual and market else "–"
        lines.append(
            f"| {result.dataset.title} | {chosen} | {dev_text} | {kept} of {len(result.windows)} | {test_text} | "
            f"{_delta(residual and residual.get('log_loss_vs_market'))} |"
        )
    lines.append("")
    for result, metrics in results:
        residual = metrics["models"].get("residual")
        kept = sum(w["residual"]["kept"] for w in result.windows)
        diff = residual and residual.get("log_loss_vs_market")
        if not kept:
            verdict = (
                "the gate kept no refit's corrections (none beat the market beyond the noise of its held-out races), "
                "so the residual model is the market on every test race: an evaluated candidate, not kept"
            )
        elif _significant(diff):
            verdict = f"kept in {kept} of {len(result.windows)} refits, and it beats the market on the test races"
        else:
            verdict = (
                f"kept in {kept} of {len(result.windows)} refits, but on the test races its difference from the "
                "market is within the noise"
            )
        lines.append(f"- {result.dataset.title}: {verdict}.")
    lines.append("")
    return lines


def residual_section_lines(result, metrics: dict, names: dict[str, str]) -> list[str]:
    development = result.development or {}
    lines = ["Residual model:", ""]
    if development.get("variants"):
        windows = development["windows"]
        lines += [
            f"Development windows {windows[0][0]} → {windows[-1][1]} ({len(windows)} refits, before the test period):",
            "",
            "| Variant | Races | Market LL | Residual LL | Δ vs market [95% CI] | Refits the gate kept | "
            "LL after the gate |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, v in development["variants"].items():
            if not v:
                continue
            chosen = " (chosen)" if name == development["chosen"] else ""
            lines.append(
                f"| {name}{chosen} | {v['races']} | {v['market_log_loss']:.4f} | {v['log_loss']:.4f} | "
                f"{_delta(v['vs_market'])} | {v['kept_refits']} of {v['refits']} | {v['gated_log_loss']:.4f} |"
            )
        lines.append("")
    else:
        lines += ["No development window has enough races before it: the first variant is used.", ""]
    lines += [
        "| Window | Held-out races | Held-out Δ vs market [95% CI] | Rounds (early stopping) | Gate |",
        "|---|---:|---:|---:|---|",
    ]
    for w in result.windows:
        r = w["residual"]
        held = (
            f"{r['heldout_delta']:+.4f} [{r['heldout_ci95'][0]:+.4f}, {r['heldout_ci95'][1]:+.4f}]"
            if "heldout_delta" in r
            else "–"
        )
        gate = "kept" if r["kept"] else "market"
        lines.append(
            f"| {w['test_start']} → {w['test_end']} | {r.get('heldout_races', 0)} | {held} | "
            f"{r['fitted_rounds']} | {gate} |"
        )
    lines += ["", *morning_line_lines(result, names), ""]
    return lines


def morning_line_lines(result, names: dict[str, str]) -> list[str]:
    if result.morning_odds is None:
        return []
    line = morning_line(result.scored, result.morning_odds)
    if line is None:
        return ["Morning line: no test race has morning odds for every runner in this data."]
    lines = [
        f"Against the morning line (the odds a punter sees when we publish), on the {line['races']} test races "
        f"whose every runner has morning odds: morning market race log loss {line['morning_log_loss']:.4f}.",
        "",
        "| Model | Race log loss | Δ vs morning odds [95% CI] |",
        "|---|---:|---:|",
    ]
    for name, m in line["models"].items():
        lines.append(f"| {names.get(name, name)} | {m['log_loss']:.4f} | {_delta(m['vs_morning'])} |")
    if result.dataset.decision_odds == "morning":
        lines += ["", "Here the market baseline is itself the morning odds (the data has no final odds)."]
    return lines
