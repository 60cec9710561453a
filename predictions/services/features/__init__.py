"""Pre-race features for every runner of a window of races, computed in bulk and time-safe.

One query (after a count) loads the runners of the window *and* of the ``LOAD_DAYS`` before it
(the race, horse and people columns joined in, streamed into compact columns by
``feature_rows``); everything else is numpy/pandas, and the features go straight into one
float32 block, what the models read. ``feature_frames`` does the same a block of days at a
time, for memory bounded by a block rather than the range. A runner's features in a race dated
``d`` use only:

- what is known before the off about that runner and race (draw, weight, rating, age, the
  musique, declared career earnings, distance, going…), and
- the finished races dated strictly before ``d`` (same-day races count neither way: their
  order within the day is not reliably known, and a result of the afternoon must not reach a
  race of the morning).

Never the race's own result, finishing time, lengths, rapports or status beyond "non-partant",
nor anything of a later race. The market's view (odds-implied probabilities, the morning-to-
final drift) is a separate group of columns, ``MARKET_FEATURES``: the fundamental model never
sees it, the combined model blends it in afterwards (Benter).

Trailing statistics ("over the previous 365 days", "the last 100 rides") are range sums over a
table sorted by (entity, day): one ``searchsorted`` per window finds, for every runner at
once, where its entity's history before ``d`` starts and ends. Every window is relative to the
race's own date, so a feature never depends on how much history happens to be loaded.

Deliberately unused: the PMU CSV author's ``avg_place_last_5``, ``nb_races_last_5``,
``nb_dai_last_5`` and ``avg_red_km_last_5`` (runner ``extra``) include the race's own result —
for horses with one previous run, ``avg_place_last_5`` equals the race's finishing place in
44% of rows — so they leak it.

Modules: ``labels`` (the feature names and plain labels), ``trail`` (the range-sum engine and the
small numpy helpers), ``history`` (the trailing windows; the horse's and the people's history,
what each past run tells, speed figures), ``race`` (the race's own pre-race columns, the musique,
the market's columns), ``build`` (``feature_frame``/``feature_frames`` and the frame assembled).
"""

from .build import (
    CHUNK_DAYS,
    LOAD_DAYS,
    FeatureFrame,
    feature_frame,
    feature_frames,
    feature_rows_of,
    features_from_frame,
)
from .history import HISTORY_DAYS, LAST_RIDES, PAIR_DAYS, PEOPLE_DAYS, RECENT_DAYS, STANDARD_DAYS
from .labels import FEATURE_LABELS, FUNDAMENTAL_FEATURES, FUNDAMENTAL_LABELS, ID_COLUMNS, MARKET_FEATURES, MARKET_LABELS

__all__ = [
    "CHUNK_DAYS",
    "FEATURE_LABELS",
    "FUNDAMENTAL_FEATURES",
    "FUNDAMENTAL_LABELS",
    "HISTORY_DAYS",
    "ID_COLUMNS",
    "LAST_RIDES",
    "LOAD_DAYS",
    "MARKET_FEATURES",
    "MARKET_LABELS",
    "PAIR_DAYS",
    "PEOPLE_DAYS",
    "RECENT_DAYS",
    "STANDARD_DAYS",
    "FeatureFrame",
    "feature_frame",
    "feature_frames",
    "feature_rows_of",
    "features_from_frame",
]
