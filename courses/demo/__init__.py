"""The synthetic demo programme: a French PMU-like calendar, honestly labelled as generated.

Every day from a fixed epoch (``start``) to tomorrow has a few réunions (trot attelé, trot
monté, plat) at a small set of racecourses, one quinté+ and races of 8–18 runners. Horses,
drivers/jockeys and trainers recur with stable ids. Each horse has a latent ability, discipline
and distance preferences, an age curve and a form that drifts from run to run, so musique,
earnings, ratings, people and the market all carry real signal. A race's finishing order is a
Plackett–Luce draw over the runners' strengths (the Gumbel-max trick); the odds come from a
pari-mutuel pool whose shares are a noisy view of the true chances; rapports are paid from the
pools the way the PMU pays them.

Determinism: each day draws from its own random streams keyed by (seed, date), and the
simulation always runs from ``start`` forward, so a given date's races never depend on the day
the generator runs. ``today`` only decides what is *published*: races before today are finished
with results; today's and tomorrow's are scheduled, and tomorrow's musique, earnings and
ratings do not yet include today's results.

Layout: ``params`` (constants and shared helpers), ``names``, ``calendar`` (the programme),
``stable`` (horses and people), ``race`` (one race simulated), ``rapports`` (what the pools pay)
and ``generator`` (the day-by-day loop and the payloads for the writer).
"""

from .calendar import HIPPODROMES, Hippodrome, RacePlan, official_at, plan_day, planned_source_ids
from .generator import DemoGenerator, DemoRace, musique
from .params import DEFAULT_START, GENERATOR_VERSION, PARIS
from .rapports import harville, rapport, unordered

__all__ = [
    "DEFAULT_START",
    "GENERATOR_VERSION",
    "HIPPODROMES",
    "PARIS",
    "DemoGenerator",
    "DemoRace",
    "Hippodrome",
    "RacePlan",
    "harville",
    "musique",
    "official_at",
    "plan_day",
    "planned_source_ids",
    "rapport",
    "unordered",
]
