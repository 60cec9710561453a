"""Time the top-20 combinations of every PMU combined bet type per race, against full enumeration.

    .venv/bin/python bench/combinations.py [--races 5] [--sizes 8 12 15 18]

The fields are real: the PMU trot CSV's races of each size (``TURF_DATA_DIR``, else the data folder
beside the repository), win probabilities from the morning odds normalised (races with an imputed
50.0 are skipped); a size with no such race falls back to a Dirichlet(1.2) field (said so in the
output). No database, no Django.

For each field size and bet type, on the same races, best of three:

* the baseline: full enumeration (``enumerate_tickets``) — every order of the first places priced,
  summed into every ticket it makes win — then the 20 best picked;
* ``combinations_top(limit=20)`` with Benter's γ = 0.81, δ = 0.65: best-first search over ordered
  prefixes for the in-order types, set aggregation for the others.

It prints ms per race of each and their ratio (baseline ÷ search: how many times faster), and checks
that both give the same top 20 probabilities.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from predictions.services.combinations import SHAPES, combinations_top, enumerate_tickets  # noqa: E402

LIMIT = 20
BENTER = {"gamma": 0.81, "delta": 0.65}
TYPES = [(code, None) for code in SHAPES if code != "multi"] + [("multi", 4), ("multi", 7)]


def _fields(size: int, races: int) -> tuple[list[np.ndarray], str]:
    data_dir = Path(os.environ.get("TURF_DATA_DIR") or ROOT.parent / "shared" / "data" / "raw")
    path = data_dir / "pmu_trot_attele_2025" / "dataset_trot_attele.csv"
    found: list[np.ndarray] = []
    if path.exists():
        frame = pd.read_csv(path, usecols=["race_id", "cote_matin"])
        for _, race in frame.groupby("race_id", sort=True):
            odds = race["cote_matin"].to_numpy(dtype=float)
            if odds.size == size and np.all(odds >= 1.0) and not np.any(odds == 50.0):
                found.append((1.0 / odds) / (1.0 / odds).sum())
            if len(found) == races:
                return found, "PMU trot CSV, morning odds"
    if found:
        return found, f"PMU trot CSV, morning odds ({len(found)} races)"
    rng = np.random.default_rng(size)
    return [rng.dirichlet(np.full(size, 1.2)) for _ in range(races)], "Dirichlet(1.2)"


def _best_of_three(run) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--races", type=int, default=5, help="races per field size")
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 12, 15, 18])
    args = parser.parse_args()
    print(f"{'field':>5} {'type':<16} {'enumerate ms':>13} {'top-20 ms':>10} {'ratio':>8}  source")
    for size in args.sizes:
        fields, source = _fields(size, args.races)
        for code, picks in TYPES:
            name = f"{code}{picks}" if code == "multi" else code

            def enumerate_all(code=code, picks=picks, fields=fields):
                for win in fields:
                    _, probabilities = enumerate_tickets(win, bet_type=code, picks=picks, **BENTER)
                    np.sort(probabilities)[::-1][:LIMIT]

            def search(code=code, picks=picks, fields=fields):
                for win in fields:
                    combinations_top(win, bet_type=code, picks=picks, limit=LIMIT, **BENTER)

            for win in fields:  # same answer, checked outside the timing
                _, probabilities = enumerate_tickets(win, bet_type=code, picks=picks, **BENTER)
                top = combinations_top(win, bet_type=code, picks=picks, limit=LIMIT, **BENTER)
                expected = np.sort(probabilities)[::-1][:LIMIT]
                assert np.allclose([c.probability for c in top], expected, rtol=1e-12, atol=1e-15), (size, name)
            baseline = _best_of_three(enumerate_all) / len(fields) * 1000
            bounded = _best_of_three(search) / len(fields) * 1000
            print(f"{size:>5} {name:<16} {baseline:>13.2f} {bounded:>10.2f} {baseline / bounded:>7.1f}×  {source}")


if __name__ == "__main__":
    main()
