"""The walk-forward rule: which stored predictions a past race is judged by (backtests and the history).

Each race uses the predictions of the latest version whose ``trained_until`` is strictly before the
race's day (a version never vouches for a race it could have learnt from, its last training day
included); the market baseline, which learns nothing from results, qualifies for any day but only
where no trained version does. A trained version without a training window never qualifies.

Written once: ``walk_forward_eligible`` is the test of one prediction (in SQL, so that the history
can page over the races it finds) and ``walk_forward_order`` the preference among versions, both in
``predictions.services.versions`` (scoring applies the rule too: it backfills a race that has gone off only
for a version that may vouch for it); ``walk_forward_choose`` is the pick among a race's eligible ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.db.models import BooleanField, ExpressionWrapper, Q

from predictions.models import ModelKind
from predictions.services.versions import walk_forward_eligible, walk_forward_order

__all__ = [
    "walk_forward_candidates",
    "walk_forward_choose",
    "walk_forward_eligible",
    "walk_forward_flag",
    "walk_forward_order",
]


def walk_forward_flag() -> ExpressionWrapper:
    """``walk_forward_eligible`` as a boolean column, for reads that also count the rows it turns down."""
    return ExpressionWrapper(walk_forward_eligible(), output_field=BooleanField())


def walk_forward_candidates() -> Q:
    """Q on ModelVersion: the versions that may qualify for some race (the market, or trained with a window)."""
    return Q(kind=ModelKind.MARKET) | Q(trained_until__isnull=False)


def walk_forward_choose(*, race: Sequence[int], rank: Sequence[int], eligible: Sequence[bool]) -> np.ndarray:
    """Per prediction row (its race, its version's place in ``walk_forward_order``, whether it is eligible):
    whether it is its race's walk-forward prediction, i.e. eligible and by the race's most preferred
    eligible version."""
    race, rank = np.asarray(race, dtype=np.int64), np.asarray(rank, dtype=np.int64)
    eligible = np.asarray(eligible, dtype=bool)
    codes = np.unique(race, return_inverse=True)[1].reshape(-1)
    ranked = np.where(eligible, rank, -1)
    best = np.full(int(codes.max()) + 1 if codes.size else 0, -1, dtype=np.int64)
    np.maximum.at(best, codes, ranked)
    return eligible & (ranked == best[codes])
