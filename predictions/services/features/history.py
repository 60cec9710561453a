"""The trailing windows, and what the history tells: each past run, speed figures, the horse, the people."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .trail import SHRINK, _codes, _Columns, _shrunk, _Trail

# Horse history: "career" means the last four years (a flat horse's racing life, and a bound
# on what has to be loaded).
HISTORY_DAYS = 4 * 365 + 1
# A past run's speed figure compares it with the course-and-distance standard of the two years
# before *it*: a race's features depend on nothing older than HISTORY_DAYS + STANDARD_DAYS,
# which is exactly what is loaded, so they never depend on how much history the database has.
STANDARD_DAYS = 2 * 365

RECENT_DAYS = 365  # "recent" horse rates: the last year
PEOPLE_DAYS = 365
PAIR_DAYS = 2 * 365
LAST_RIDES = 100


def _speed_figures(frame: pd.DataFrame, hist: np.ndarray, race_codes: np.ndarray, n_races: int) -> np.ndarray:
    """Each run's speed against the standard of its course and distance, in percent (+ = faster).

    Speed is metres per second from the finishing time (flat) or the reduction kilométrique
    (trot: seconds per km). The standard is the mean speed of every run at the same racecourse,
    distance and surface over the two years *before* that run's day (at least 20 runs), and
    the day's variant (the mean figure of the day's runs at that course: going, wind) is taken
    out. A figure is computed from its own race's times, so it only ever reaches later races,
    through the horse's history.
    """
    distance = frame["distance"].to_numpy(float) + np.nan_to_num(frame["handicap_distance_raw"].to_numpy())
    with np.errstate(invalid="ignore", divide="ignore"):
        speed = np.where(frame["finish_time"].to_numpy() > 0, distance / frame["finish_time"].to_numpy(), np.nan)
        trot = np.where(frame["reduction_km"].to_numpy() > 0, 1000.0 / frame["reduction_km"].to_numpy(), np.nan)
    speed = np.where(np.isfinite(speed), speed, trot)
    usable = hist & np.isfinite(speed)
    if not usable.any():
        return np.full(len(frame), np.nan)
    track = _codes(frame["racecourse_id"].to_numpy(), frame["distance"].to_numpy(), frame["surface_raw"].to_numpy())
    day = frame["day"].to_numpy()
    trail = _Trail(np.where(usable, track, -1), day, summed={"speed": np.where(usable, speed, 0.0)})
    count, sums = trail.sums(track, day, window_days=STANDARD_DAYS)
    with np.errstate(invalid="ignore", divide="ignore"):
        standard = np.where(count >= 20, sums["speed"] / count, np.nan)
        figure = np.where(usable, 100.0 * (speed / standard - 1.0), np.nan)
    meeting = _codes(frame["racecourse_id"].to_numpy(), day)
    meeting = np.where(np.isfinite(figure), meeting, -1)
    seen = meeting >= 0
    n = int(meeting.max()) + 1 if seen.any() else 0
    total = np.bincount(meeting[seen], weights=figure[seen], minlength=n)
    runs = np.bincount(meeting[seen], minlength=n)
    variant = np.full(len(frame), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        variant[seen] = (total / runs)[meeting[seen]]
    return figure - variant


def _outcomes(
    frame: pd.DataFrame, race_codes: np.ndarray, n_races: int, field: np.ndarray, hist: np.ndarray
) -> dict[str, np.ndarray]:
    """What each past run tells a later race (only read for races strictly before it)."""
    position = frame["position"].to_numpy()
    won = (position == 1).astype(float)
    has_position = np.isfinite(position)
    # A full finishing order: more than one runner placed. Betfair records only the winner.
    full_order = (np.bincount(race_codes, weights=has_position, minlength=n_races) > 1)[race_codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        beaten = np.where(has_position, (position - 1) / np.maximum(field - 1, 1), 1.0)
    # Share of the field beaten: 1 = won, 0 = last (or did not finish).
    finish = np.where(full_order, 1.0 - np.clip(beaten, 0, 1), np.nan)
    paid = np.where(field >= 8, 3, np.where(field >= 4, 2, 1))
    placed = frame["placed_raw"].to_numpy(dtype=object).astype(float)  # None -> NaN
    derived = np.where(full_order | (won > 0), (position <= paid) & has_position, np.nan)
    placed = np.where(np.isfinite(placed), placed, derived)
    prize = np.nan_to_num(frame["prize"].to_numpy()) * won
    # The market's view of each past run: final odds, else the morning's (PMU CSV has no final odds).
    odds = frame["final_odds"].fillna(frame["morning_odds"]).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        implied = np.where(odds >= 1, 1.0 / odds, np.nan)
    total = np.bincount(race_codes, weights=np.nan_to_num(implied), minlength=n_races)[race_codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        market = np.log(implied / total) + np.log(field)  # log of p × field: 0 = an average runner
    lengths = np.minimum(frame["lengths_behind"].to_numpy(), 30.0)
    lengths = np.where(won > 0, 0.0, lengths)
    # Sectionals (where the source times them): where it raced early (share of the field ahead of
    # it, 0 = leading), how fast it finished against the race's median last section, and the
    # ground it made up from the first call to the line.
    with np.errstate(invalid="ignore", divide="ignore"):
        early = (frame["early_position"].to_numpy() - 1) / np.maximum(field - 1, 1)
        late = np.where(has_position, (position - 1) / np.maximum(field - 1, 1), np.nan)
    last_section = pd.Series(frame["last_section_time"].to_numpy())
    closing = (last_section - last_section.groupby(race_codes).transform("median")).to_numpy()
    return {
        "won": won,
        "placed": placed.astype(float),
        "finish": finish,
        "prize": prize,
        "expected": 1.0 / field,
        "market": market,
        "lengths": lengths,
        "figure": _speed_figures(frame, hist, race_codes, n_races),
        "early": early,
        "closing": closing,
        "gain": early - late,
    }


def _horse_features(frame, hist, target, outcomes, keys, out: _Columns) -> None:
    """History of the horse: career and last-year rates, recent form, suitability."""
    day = frame["day"].to_numpy()
    horse = keys["horse"]
    h_entity = np.where(hist, horse, -1)
    summed = {name: outcomes[name] for name in ("won", "placed", "prize")}
    summed["has_placed"] = np.isfinite(outcomes["placed"]).astype(float)
    lagged = {
        name: outcomes[name] for name in ("won", "finish", "market", "lengths", "figure", "early", "closing", "gain")
    }
    lagged.update(
        distance=frame["distance"].to_numpy(float),
        rating=frame["rating_raw"].to_numpy(),
        body=frame["body_weight_raw"].to_numpy(),
        equipment=keys["equipment"],
        jockey=np.where(keys["jockey"] >= 0, keys["jockey"], np.nan),
        **{"class": keys["race_class"]},
    )
    trail = _Trail(h_entity, day, summed=summed, lagged=lagged)
    del summed, lagged
    q_horse, q_day = horse[target], day[target]
    runs, s = trail.sums(q_horse, q_day, window_days=HISTORY_DAYS)
    out["h_runs"] = runs
    prior = 1.0 / keys["field"][target]
    out["h_win_rate"] = _shrunk(s["won"], runs, prior)
    out["h_place_rate"] = _shrunk(s["placed"], s["has_placed"], np.minimum(3 * prior, 1))
    out["h_log_prize_won"] = np.log1p(s["prize"])
    runs365, s365 = trail.sums(q_horse, q_day, window_days=RECENT_DAYS)
    out["h_runs_365"] = runs365
    out["h_win_rate_365"] = _shrunk(s365["won"], runs365, prior)
    out["h_place_rate_365"] = _shrunk(s365["placed"], s365["has_placed"], np.minimum(3 * prior, 1))
    del s, s365
    w = trail.bounds(q_horse, q_day, HISTORY_DAYS)
    out["h_last1"] = trail.lag(w, 1, "finish")
    out["h_last3"] = trail.recent_mean(w, 3, "finish")
    out["h_last5"] = trail.recent_mean(w, 5, "finish")
    out["h_won_last"] = trail.lag(w, 1, "won")
    out["h_lengths3"] = trail.recent_mean(w, 3, "lengths")
    out["h_days_since"] = q_day - trail.lag(w, 1, "day")
    out["h_figure_last"] = trail.lag(w, 1, "figure")
    out["h_figure_mean3"] = trail.recent_mean(w, 3, "figure")
    recent = np.column_stack([trail.lag(w, k, "figure") for k in (1, 2, 3)])
    with warnings.catch_warnings():  # an all-NaN row (no figure yet) is NaN, as it should be
        warnings.simplefilter("ignore", RuntimeWarning)
        out["h_figure_best3"] = np.nanmax(recent, axis=1)
    del recent
    out["h_prev_market3"] = trail.recent_mean(w, 3, "market")
    for name in ("early", "closing", "gain"):
        out[f"h_{name}_last"] = trail.lag(w, 1, name)
        out[f"h_{name}3"] = trail.recent_mean(w, 3, name)
    out["h_distance_change"] = frame["distance"].to_numpy(float)[target] - trail.lag(w, 1, "distance")
    out["h_class_change"] = keys["race_class"][target] - trail.lag(w, 1, "class")
    out["rating_change"] = frame["rating_raw"].to_numpy()[target] - trail.lag(w, 1, "rating")
    out["body_weight_change"] = frame["body_weight_raw"].to_numpy()[target] - trail.lag(w, 1, "body")
    last_equipment = trail.lag(w, 1, "equipment")
    out["equipment_changed"] = np.where(
        np.isfinite(last_equipment), (last_equipment != keys["equipment"][target]).astype(float), np.nan
    )
    last_jockey = trail.lag(w, 1, "jockey")
    this_jockey = keys["jockey"][target].astype(float)
    out["jockey_changed"] = np.where(
        np.isfinite(last_jockey) & (this_jockey >= 0), (last_jockey != this_jockey).astype(float), np.nan
    )
    del trail, w

    # Suitability: the horse's record under this race's conditions.
    summed = {
        "finish": outcomes["finish"],
        "won": outcomes["won"],
        "has_finish": np.isfinite(outcomes["finish"]).astype(float),
    }
    for name, part in (
        ("distance", keys["band"]),
        ("going", keys["going_code"]),
        ("course", keys["racecourse"]),
        ("discipline", keys["discipline"]),
        ("surface", keys["surface_code"]),
    ):
        entity = _codes(horse, np.where(part >= 0, part, np.nan))
        sub = _Trail(np.where(hist, entity, -1), day, summed=summed)
        count, sums = sub.sums(entity[target], q_day, window_days=HISTORY_DAYS)
        with np.errstate(invalid="ignore", divide="ignore"):
            finish_mean = np.where(sums["has_finish"] > 0, sums["finish"] / sums["has_finish"], np.nan)
        # Without a finishing order (Betfair), the win rate is the form that remains.
        form = np.where(np.isfinite(finish_mean), finish_mean, _shrunk(sums["won"], count, prior))
        if name != "surface":
            out[f"s_{name}_runs"] = count
        out[f"s_{name}_form"] = np.where(count > 0, form, np.nan)


def _people_features(frame, hist, target, outcomes, keys, out: _Columns) -> None:
    """Jockey/driver and trainer strike rates against expectation (1/field per ride), and the pairing."""
    day = frame["day"].to_numpy()
    q_day = day[target]
    summed = {
        "won": outcomes["won"],
        "placed": outcomes["placed"],
        "expected": outcomes["expected"],
        "has_placed": np.isfinite(outcomes["placed"]).astype(float),
    }
    for prefix, entity, count_name in (("j", keys["jockey"], "rides"), ("t", keys["trainer"], "runners")):
        trail = _Trail(np.where(hist, entity, -1), day, summed=summed)
        q = entity[target]
        rides, s = trail.sums(q, q_day, window_days=PEOPLE_DAYS)
        out[f"{prefix}_{count_name}_365"] = np.where(q >= 0, rides, np.nan)
        out[f"{prefix}_strike_365"] = np.where(q >= 0, (s["won"] + SHRINK) / (s["expected"] + SHRINK), np.nan)
        out[f"{prefix}_place_365"] = np.where(q >= 0, _shrunk(s["placed"], s["has_placed"], 0.3), np.nan)
        _rides100, s100 = trail.sums(q, q_day, window_days=HISTORY_DAYS, last_n=LAST_RIDES)
        out[f"{prefix}_strike_100"] = np.where(q >= 0, (s100["won"] + SHRINK) / (s100["expected"] + SHRINK), np.nan)
    jockey = np.where(keys["jockey"] >= 0, keys["jockey"], np.nan)
    pair = _codes(jockey, np.where(keys["trainer"] >= 0, keys["trainer"], np.nan))
    trail = _Trail(np.where(hist, pair, -1), day, summed={"won": outcomes["won"], "expected": outcomes["expected"]})
    rides, s = trail.sums(pair[target], q_day, window_days=PAIR_DAYS)
    known = pair[target] >= 0
    out["jt_rides"] = np.where(known, rides, np.nan)
    out["jt_strike"] = np.where(known, (s["won"] + SHRINK) / (s["expected"] + SHRINK), np.nan)
    jh = _codes(jockey, keys["horse"])
    trail = _Trail(np.where(hist, jh, -1), day, summed={})
    rides, _ = trail.sums(jh[target], q_day, window_days=HISTORY_DAYS)
    out["jh_rides"] = np.where(jh[target] >= 0, rides, np.nan)
