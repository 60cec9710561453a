"""The race model: an XGBoost score per runner, turned into win probabilities within each race.

Modules: ``market`` (the odds' view), ``objective`` (Plackett–Luce), ``logit`` (calibration fits), ``model``
(the fitted model), ``fit`` (training), ``residual`` (the residual model: trees on the market's log odds,
kept only when its held-out races show it beats the odds; an evaluated candidate in docs/MODEL.md).

- **Fundamental model.** XGBoost learns a score s_i per runner from the fundamental features
  (no odds) with a custom Plackett–Luce objective: the winner is a softmax choice among the
  race's runners, the second a softmax choice among the rest, and so on for the first
  ``STAGES`` places (Benter's "exploded" conditional logit; the later places add information
  the winner alone does not carry). Win probability: f_i = exp(κ s_i) / Σ_j exp(κ s_j) within
  the race, κ fitted by maximum likelihood on held-out races (the calibration).
- **Combined model** (Benter 1994): c_i ∝ exp(α ln f_i + β ln π_i), π the market's normalised
  1/odds, α and β by conditional-logit likelihood on held-out races. Runners without odds in a
  partly priced race keep the model's own share (see ``blend_with_market``).
- **Places**: Harville with Benter's correction (p^γ for second place, p^δ for third), γ, δ
  fitted on held-out finishing orders, else 0.81 / 0.65.

Held-out races for the calibration: the booster trained on the first 85% of the window scores
the last 15% (the validation races); ``CALIBRATION_FOLDS`` more boosters, each trained on
everything but one block of the earlier races, score that block. κ, α, β, γ and δ are fitted on all of these
out-of-sample scores: a few thousand races rather than the validation block alone, which
halves the noise of the fit (measured on Hong Kong races before the test year).
"""

from .fit import (
    CALIBRATION_FOLDS,
    DEFAULT_PARAMS,
    FUNDAMENTAL_Z,
    VALIDATION_SHARE,
    FitReport,
    TrainingData,
    TrainingError,
    params_json,
    race_model_fit,
    split_by_date,
    training_data,
)
from .logit import (
    DEFAULT_DELTA,
    DEFAULT_GAMMA,
    conditional_logit_fit,
    conditional_logit_standard_errors,
    place_correction_fit,
)
from .market import market_view, strict_market
from .model import RaceModel, blend_with_market
from .objective import STAGES, plackett_luce_objective

__all__ = [
    "CALIBRATION_FOLDS",
    "DEFAULT_DELTA",
    "DEFAULT_GAMMA",
    "DEFAULT_PARAMS",
    "FUNDAMENTAL_Z",
    "STAGES",
    "VALIDATION_SHARE",
    "FitReport",
    "RaceModel",
    "TrainingData",
    "TrainingError",
    "blend_with_market",
    "conditional_logit_fit",
    "conditional_logit_standard_errors",
    "market_view",
    "params_json",
    "place_correction_fit",
    "plackett_luce_objective",
    "race_model_fit",
    "split_by_date",
    "strict_market",
    "training_data",
]
