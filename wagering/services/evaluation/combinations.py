"""docs/MODEL.md's finishing-order evaluation: how well each way of pricing combinations priced the
first two, three and four finishers of the walk-forward's test races.

For each test race and each event (the first two in any order, in order; the first three and four in
order), the log loss is −ln P(what came in) under:

- Harville with the refit's fitted γ/δ on the combined model's win probabilities (the product's
  default, ``predictions.services.combinations.DEFAULT_METHOD``);
- Plackett–Luce sampled (Gumbel-max, seeded) with the same γ/δ on the same probabilities: an order
  never drawn is priced 0, so its log is taken at the house floor (``P_FLOOR``), as a punter shown
  that price would see it;
- plain Harville (γ = δ = 1) on the same probabilities, to show what γ/δ add;
- the market: Harville (γ = δ = 1) on the normalised win odds.

The data sets with a finishing order are Hong Kong and the PMU trot CSV; Betfair gives the winner
only. Dead heats: what came in is every order the tied horses allow (the PMU pays each), so its probability
is the sum over those orders. A race with fewer classified finishers than the event needs is left out
of that event. Differences against the market are per-race means with a bootstrap 95% interval.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from predictions.services.combinations import arrival_orders, order_probabilities, sample_orders
from predictions.services.metrics import bootstrap_mean
from predictions.services.probability import P_FLOOR, harville_strengths
from predictions.services.races import Races

from .refits import Refits

# Draws per race for the sampled model (the engine's own default).
SAMPLES = 200_000


@dataclass(frozen=True)
class Event:
    label: str
    places: int
    ordered: bool


EVENTS = (
    Event("First two, any order", 2, False),
    Event("First two, in order", 2, True),
    Event("First three, in order", 3, True),
    Event("First four, in order", 4, True),
)


@dataclass(frozen=True)
class OrderModel:
    key: str
    label: str
    win: str  # which of the walk-forward's probabilities
    method: str  # "harville" or "plackett_luce"
    fitted: bool  # the refit's γ/δ, else γ = δ = 1


MARKET = "market"
ORDER_MODELS = (
    OrderModel("harville", "Harville, fitted γ/δ (combined model)", "combined", "harville", True),
    OrderModel(
        "plackett_luce", "Plackett–Luce sampled, fitted γ/δ (combined model)", "combined", "plackett_luce", True
    ),
    OrderModel("harville_plain", "Harville, γ = δ = 1 (combined model)", "combined", "harville", False),
    OrderModel(MARKET, "Market: Harville on normalised win odds (γ = δ = 1)", "market", "harville", False),
)


def race_arrival(position: np.ndarray) -> list[list[int]]:
    """The finishing order as groups of runner indexes (a dead heat shares a group); unclassified
    runners (no position, or 0) are left out."""
    classified = np.flatnonzero(np.isfinite(position) & (position >= 1))
    places = sorted({float(position[i]) for i in classified})
    return [[int(i) for i in classified if position[i] == place] for place in places]


def event_probabilities(
    win: np.ndarray,
    arrival: list[list[int]],
    *,
    gamma: float,
    delta: float,
    method: str,
    samples: int = SAMPLES,
    seed: int = 0,
) -> np.ndarray:
    """P(what came in) for each of EVENTS in one race (NaN where too few horses are classified)."""
    out = np.full(len(EVENTS), np.nan)
    places = min(max(e.places for e in EVENTS), win.size)
    strengths = harville_strengths(win / win.sum(), places, gamma=gamma, delta=delta)
    drawn = sample_orders(strengths, samples=samples, seed=seed) if method == "plackett_luce" else None
    for k, event in enumerate(EVENTS):
        if event.places > win.size:
            continue
        orders = arrival_orders(arrival, event.places)
        if not orders:
            continue
        if not event.ordered:
            orders = sorted({perm for order in orders for perm in itertools.permutations(order)})
        wanted = np.array(orders, dtype=np.int64)
        if drawn is None:
            out[k] = order_probabilities(strengths, wanted).sum()
        else:
            prefix = drawn[:, : event.places]
            hits = (prefix[:, None, :] == wanted[None, :, :]).all(axis=2).any(axis=1)
            out[k] = hits.mean()
    return out


def finishing_order_evaluation(result: Refits, *, samples: int = SAMPLES) -> dict | None:
    """Per event and model: races, mean log loss, orders never drawn (sampled), Δ vs the market [95% CI].
    None when the data set has no finishing order beyond the winner."""
    if result.positions is None or not np.any(result.positions >= 2):
        return None  # the winner alone (Betfair): no order to price
    scored = result.scored
    races = Races.of(scored.race_id)
    bounds = np.r_[races.starts, scored.race_id.size]
    rows = []
    for r in range(races.n):
        at = slice(bounds[r], bounds[r + 1])
        arrival = race_arrival(result.positions[at])
        if sum(len(group) for group in arrival) < 2:
            continue
        wins = {model.win: scored.probabilities[model.win][at] for model in ORDER_MODELS}
        if not all(np.all(np.isfinite(p)) and p.sum() > 0 for p in wins.values()):
            continue
        rows.append(
            [
                event_probabilities(
                    wins[model.win],
                    arrival,
                    gamma=float(result.gamma[at][0]) if model.fitted else 1.0,
                    delta=float(result.delta[at][0]) if model.fitted else 1.0,
                    method=model.method,
                    samples=samples,
                    seed=r,
                )
                for model in ORDER_MODELS
            ]
        )
    if not rows:
        return None
    probabilities = np.array(rows)  # races × models × events
    losses = -np.log(np.maximum(probabilities, P_FLOOR))
    market = [m.key for m in ORDER_MODELS].index(MARKET)
    exact, sampled = (
        next(j for j, m in enumerate(ORDER_MODELS) if m.key == key) for key in ("harville", "plackett_luce")
    )
    events = []
    for k, event in enumerate(EVENTS):
        known = np.isfinite(probabilities[:, market, k])
        models = {}
        for j, model in enumerate(ORDER_MODELS):
            models[model.key] = {
                "log_loss": float(losses[known, j, k].mean()) if known.any() else None,
                "never_drawn": int((probabilities[known, j, k] == 0).sum()),
                "vs_market": bootstrap_mean(losses[known, j, k] - losses[known, market, k])
                if known.any() and j != market
                else None,
            }
        sampling = bootstrap_mean(losses[known, sampled, k] - losses[known, exact, k]) if known.any() else None
        events.append({"event": event.label, "races": int(known.sum()), "models": models, "sampled_vs_exact": sampling})
    return {"races": len(rows), "samples": samples, "events": events}


def finishing_order_section(result: Refits, evaluation: dict | None) -> list[str]:
    """The markdown of one data set's finishing-order evaluation."""
    lines = [f"### {result.dataset.title}", ""]
    if evaluation is None:
        return [*lines, "The data gives the winner only, no finishing order: nothing to evaluate.", ""]
    lines += [
        f"{evaluation['races']} test races with a classified order; Plackett–Luce drawn "
        f"{evaluation['samples']:,} times per race (seeded by race).",
        "",
        "| Event | Races | " + " | ".join(m.label for m in ORDER_MODELS) + " |",
        "|---|---:|" + "---:|" * len(ORDER_MODELS),
    ]
    for event in evaluation["events"]:
        cells = []
        for model in ORDER_MODELS:
            figures = event["models"][model.key]
            text = "–" if figures["log_loss"] is None else f"{figures['log_loss']:.4f}"
            diff = figures["vs_market"]
            if diff:
                text += f" ({diff['mean']:+.4f} [{diff['ci95'][0]:+.4f}, {diff['ci95'][1]:+.4f}])"
            if model.method == "plackett_luce" and figures["never_drawn"]:
                text += f", {figures['never_drawn']} never drawn"
            cells.append(text)
        lines.append(f"| {event['event']} | {event['races']} | " + " | ".join(cells) + " |")
    return [*lines, "", *_verdict(evaluation), ""]


def _verdict(evaluation: dict) -> list[str]:
    """Sampled Plackett–Luce against exact Harville (the same model), event by event."""
    parts = []
    for event in evaluation["events"]:
        diff = event["sampled_vs_exact"]
        if diff:
            parts.append(
                f"{event['event'].lower()} {diff['mean']:+.4f} [{diff['ci95'][0]:+.4f}, {diff['ci95'][1]:+.4f}]"
            )
    return [
        "- Sampled minus exact log loss (positive: sampling priced worse), with bootstrap 95% intervals: "
        + "; ".join(parts)
        + "."
    ]


def finishing_order_report(results: list[tuple[Refits, dict]], *, samples: int = SAMPLES) -> list[str]:
    """docs/MODEL.md's "Combinations" section over every evaluated data set."""
    lines = [
        "## Combinations: pricing real finishing orders",
        "",
        "Mean log loss, −ln P(what came in), over the walk-forward's test races (the same races for every "
        "model), and in brackets its difference from the market's with a bootstrap 95% interval (negative: "
        "better than the market). Rules (`wagering/services/evaluation/combinations.py`): a dead heat counts "
        "every order the tied horses allow, its probability the sum over them; a race with too few classified "
        "finishers is left out of the event; a sampled order never drawn is priced 0 (log at the floor "
        f"{P_FLOOR:g}). The product prices combinations with "
        "`predictions.services.combinations.DEFAULT_METHOD` (Harville with the fitted γ/δ).",
        "",
    ]
    for result, _metrics in results:
        lines += finishing_order_section(result, finishing_order_evaluation(result, samples=samples))
    return lines
