"""What a backtest replays: a strategy as a validated parameter set."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal

from courses.models import BetType

from ..pre_race import PUBLISHED, WALK_FORWARD
from ..value import KELLY_CAP, KELLY_FRACTION, VALUE_BET_BANKROLL, VALUE_BET_EDGE, VALUE_BET_MIN_ODDS

# -- the strategy ---------------------------------------------------------------------------------------

SELECTIONS = ("top_pick", "value", "odds_band")
BET_TYPES = (BetType.SIMPLE_GAGNANT, BetType.SIMPLE_PLACE, BetType.COUPLE_GAGNANT, BetType.TRIO)
STAKINGS = ("flat", "percent", "kelly")
# ``model``: PUBLISHED (each race with the prediction published before it, else the walk-forward one),
# WALK_FORWARD (the walk-forward rule alone), MARKET (the market baseline) or a version's name.
MARKET = "market"
MODEL_RULES = (PUBLISHED, WALK_FORWARD)
# Horses in the bet: couplé and trio back the model's top two and three.
LEGS = {BetType.SIMPLE_GAGNANT: 1, BetType.SIMPLE_PLACE: 1, BetType.COUPLE_GAGNANT: 2, BetType.TRIO: 3}
DEFAULT_MIN_ODDS = {"value": VALUE_BET_MIN_ODDS}
DEFAULT_FRACTION = {"percent": 0.01, "kelly": KELLY_FRACTION}


@dataclass(frozen=True)
class Strategy:
    """A validated parameter set (``StrategySerializer`` builds it from a request or the command line)."""

    selection: str = "value"
    edge: float = VALUE_BET_EDGE
    min_odds: float | None = None
    max_odds: float | None = None
    discipline: tuple[str, ...] = ()
    racecourse: tuple[str, ...] = ()
    quinte_only: bool = False
    source: str | None = None
    bet_type: str = BetType.SIMPLE_GAGNANT
    staking: str = "flat"
    stake: Decimal = Decimal(1)
    fraction: float | None = None
    cap: float = KELLY_CAP
    bankroll: Decimal = VALUE_BET_BANKROLL
    model: str = PUBLISHED
    seed: int = 0

    @property
    def legs(self) -> int:
        return LEGS[self.bet_type]

    @property
    def lowest_odds(self) -> float | None:
        return self.min_odds if self.min_odds is not None else DEFAULT_MIN_ODDS.get(self.selection)

    @property
    def share(self) -> float:
        """The bankroll fraction (percent staking) or the Kelly fraction (kelly staking)."""
        return self.fraction if self.fraction is not None else DEFAULT_FRACTION.get(self.staking, 0.0)

    def as_params(self) -> dict:
        """JSON-safe parameters (what a job stores and shows), money as numbers; ``from_params`` reads them back."""
        params = asdict(self)
        params.update(
            discipline=list(self.discipline),
            racecourse=list(self.racecourse),
            # A double holds any decimal of up to 15 digits and str() gives it back, so from_params reads the
            # same Decimal (the serializer allows 12 at most).
            stake=float(self.stake),
            bankroll=float(self.bankroll),
        )
        return params

    @classmethod
    def from_params(cls, params: dict) -> Strategy:
        """The strategy of stored parameters, money as numbers or (jobs stored before) as strings."""
        known = {name: params[name] for name in cls.__dataclass_fields__ if name in params}
        for name in ("discipline", "racecourse"):
            if name in known:
                known[name] = tuple(known[name] or ())
        for name in ("stake", "bankroll"):
            if name in known:
                known[name] = Decimal(str(known[name]))
        return cls(**known)


Progress = Callable[[int], None]


def no_progress(_percent: int) -> None:
    return None
