"""What a backtest replays: a strategy as a validated parameter set."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal

from courses.models import BetType
from predictions.services.combinations import SHAPES

from ..pre_race import PUBLISHED, WALK_FORWARD
from ..value import KELLY_CAP, KELLY_FRACTION, VALUE_BET_BANKROLL, VALUE_BET_EDGE, VALUE_BET_MIN_ODDS

# -- the strategy ---------------------------------------------------------------------------------------

# ``combinations``: the most likely tickets of a combined bet type (the combination engine on the race's
# prediction): the top ``combination_top_k`` of each race, and / or every one of probability
# ``combination_min_probability`` or more.
COMBINATIONS = "combinations"
SELECTIONS = ("top_pick", "value", "odds_band", COMBINATIONS)
SIMPLE_TYPES = (BetType.SIMPLE_GAGNANT, BetType.SIMPLE_PLACE)
# The combined types a backtest settles, in the PMU's order (the multi as a multi en 4: its rapports name which).
COMBINED_TYPES = tuple(code for code in BetType.values if code in SHAPES)
BET_TYPES = (*SIMPLE_TYPES, *COMBINED_TYPES)
# top_pick's combined bets: the model's top two / three runners as one ticket.
TOP_PICK_COMBINED = (BetType.COUPLE_GAGNANT, BetType.TRIO)
# The most tickets a race is bet with (top k, or the tickets over a probability: the search stops there).
MAX_COMBINATION_TICKETS = 100
DEFAULT_TOP_K = 1
STAKINGS = ("flat", "percent", "kelly")
# ``model``: PUBLISHED (each race with the prediction published before it, else the walk-forward one),
# WALK_FORWARD (the walk-forward rule alone), MARKET (the market baseline) or a version's name.
MARKET = "market"
MODEL_RULES = (PUBLISHED, WALK_FORWARD)
# Horses in the bet: a simple bet one, a combined ticket its shape's picks (couplé two, trio three, quinté+ five).
LEGS = {BetType.SIMPLE_GAGNANT: 1, BetType.SIMPLE_PLACE: 1, **{code: SHAPES[code].picks for code in COMBINED_TYPES}}
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
    combination_top_k: int | None = None
    combination_min_probability: float | None = None

    @property
    def legs(self) -> int:
        return LEGS[self.bet_type]

    @property
    def combined(self) -> bool:
        """A combined bet (couplé, trio, quinté+, ...): tickets of several horses settled by their rapports."""
        return self.bet_type in COMBINED_TYPES

    @property
    def tickets_per_race(self) -> int:
        """combinations: the most tickets a race is bet with (top k, else the search's bound)."""
        if self.combination_top_k is not None:
            return self.combination_top_k
        return MAX_COMBINATION_TICKETS if self.combination_min_probability is not None else DEFAULT_TOP_K

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
