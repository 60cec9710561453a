"""Combination probabilities against brute force over finishing orders: no database."""

import itertools
from math import comb

import numpy as np
import pytest

from predictions.services.combinations import (
    SHAPES,
    bet_types_for_field,
    combination_probability,
    combination_wins,
    combinations_top,
    enumerate_tickets,
    shape_for,
)
from predictions.services.probability import harville_place_probabilities

# Every combined type, with each multi size.
TYPES = [(code, None) for code in SHAPES if code != "multi"] + [("multi", k) for k in range(4, 8)]
BENTER = {"gamma": 0.81, "delta": 0.65}


def _fields():
    rng = np.random.default_rng(7)
    yield "random", rng.dirichlet(np.ones(8))
    yield "skewed", np.array([0.62, 0.2, 0.08, 0.04, 0.03, 0.015, 0.01, 0.005])
    yield "ties", np.array([0.25, 0.25, 0.125, 0.125, 0.0625, 0.0625, 0.0625, 0.0625])
    yield "uniform", np.full(8, 1 / 8)


FIELDS = list(_fields())


def _reference(win, code, picks, gamma=1.0, delta=1.0):
    """Every ticket's probability by brute force: the orders of the first places, each priced by the
    textbook formula P = Π s_t(o_t) / (1 − Σ_{u<t} s_t(o_u)), summed into the tickets it makes win."""
    shape = shape_for(code, picks=picks)
    n = len(win)
    powered = [win, win**gamma / (win**gamma).sum()] + [win**delta / (win**delta).sum()] * 3
    totals: dict[tuple[int, ...], float] = {}
    for order in itertools.permutations(range(n), shape.places):
        probability = 1.0
        for t, runner in enumerate(order):
            left = 1.0 - sum(powered[t][u] for u in order[:t])
            probability *= powered[t][runner] / left if left > 1e-12 else 0.0
        if shape.ordered:
            totals[order] = totals.get(order, 0.0) + probability
            continue
        first = set(order)
        others = [r for r in range(n) if r not in first]
        for inside in range(shape.hits, min(shape.picks, shape.places) + 1):
            for mine in itertools.combinations(sorted(first), inside):
                for theirs in itertools.combinations(others, shape.picks - inside):
                    ticket = tuple(sorted(mine + theirs))
                    totals[ticket] = totals.get(ticket, 0.0) + probability
    tickets = (
        itertools.permutations(range(n), shape.picks)
        if shape.ordered
        else itertools.combinations(range(n), shape.picks)
    )
    return {ticket: totals.get(ticket, 0.0) for ticket in tickets}


@pytest.mark.parametrize("code,picks", TYPES)
@pytest.mark.parametrize("name,win", FIELDS, ids=[name for name, _ in FIELDS])
@pytest.mark.parametrize("model", [{}, BENTER], ids=["harville", "benter"])
def test_the_top_combinations_are_those_of_full_enumeration(code, picks, name, win, model):
    reference = _reference(win, code, picks, **model)
    expected = sorted(reference.values(), reverse=True)
    # Past the number of tickets when there are few: then every ticket comes back.
    for limit in (1, 12, len(reference) + 5 if len(reference) < 2000 else 300):
        top = combinations_top(win, bet_type=code, picks=picks, limit=limit, **model)
        assert len(top) == min(limit, len(reference))
        assert len({c.runners for c in top}) == len(top)
        # Same probabilities, rank by rank; every ticket priced as brute force prices it (ties may
        # swap tickets of equal probability at the cut, never change the figures).
        assert [c.probability for c in top] == pytest.approx(expected[: len(top)], rel=1e-12, abs=1e-12)
        for combination in top:
            assert combination.probability == pytest.approx(reference[combination.runners], rel=1e-12, abs=1e-12)
            assert combination_probability(
                win, combination.runners, bet_type=code, picks=picks, **model
            ) == pytest.approx(combination.probability, rel=1e-12, abs=1e-12)


def _winning_tickets(shape, arrival, n):
    tickets = (
        itertools.permutations(range(n), shape.picks)
        if shape.ordered
        else itertools.combinations(range(n), shape.picks)
    )
    return [t for t in tickets if combination_wins(arrival, t, bet_type=shape.code, picks=shape.picks)]


def _tickets_per_order(shape, n):
    """How many tickets one finishing order pays, by the rules (docs of shapes.py)."""
    if shape.ordered or (shape.picks == shape.places and shape.hits == shape.picks):
        return 1
    if shape.hits == shape.picks:  # couplé placé, 2sur4: any pair among the first places
        return comb(shape.places, shape.picks)
    if shape.hits == shape.places:  # bonus, multi: the first places plus any other horses
        return comb(n - shape.places, shape.picks - shape.places)
    return 1 + comb(shape.picks, shape.hits) * (n - shape.picks)  # 4sur5: all five, or four and one


@pytest.mark.parametrize("code,picks", TYPES)
@pytest.mark.parametrize("scratched", [(), (1, 6)], ids=["all-run", "non-partants"])
def test_each_type_sums_to_the_tickets_one_finishing_order_pays(code, picks, scratched):
    declared = np.random.default_rng(3).dirichlet(np.full(11, 0.8))
    # The caller drops the non-partants and renormalises; indexes are then into the runners left.
    win = np.delete(declared, list(scratched))
    win = win / win.sum()
    n = win.size
    shape = shape_for(code, picks=picks)
    paid = _winning_tickets(shape, [[r] for r in range(n)], n)
    assert len(paid) == _tickets_per_order(shape, n)
    for model in ({}, BENTER):
        tickets, probabilities = enumerate_tickets(win, bet_type=code, picks=picks, **model)
        assert probabilities.sum() == pytest.approx(len(paid), rel=1e-12)
        everything = combinations_top(win, bet_type=code, picks=picks, limit=len(tickets), **model)
        assert sum(c.probability for c in everything) == pytest.approx(len(paid), rel=1e-9)


@pytest.mark.parametrize("code,picks", TYPES)
def test_sampled_plackett_luce_sums_to_the_same_and_approaches_harville(code, picks):
    win = np.array([0.3, 0.2, 0.15, 0.1, 0.08, 0.07, 0.05, 0.03, 0.02])
    shape = shape_for(code, picks=picks)
    top = combinations_top(win, bet_type=code, picks=picks, limit=10**6, method="plackett_luce", samples=40_000)
    assert sum(c.probability for c in top) == pytest.approx(_tickets_per_order(shape, win.size))
    exact = combinations_top(win, bet_type=code, picks=picks, limit=3)
    for combination in exact:
        sampled = combination_probability(
            win, combination.runners, bet_type=code, picks=picks, method="plackett_luce", samples=40_000
        )
        spread = 5 * np.sqrt(combination.probability * (1 - combination.probability) / 40_000)
        assert abs(sampled - combination.probability) <= spread


def test_sampling_is_seeded():
    win = np.array([0.4, 0.3, 0.2, 0.1, 0.0])
    draws = [combinations_top(win, bet_type="trio", method="plackett_luce", samples=5000, seed=s) for s in (1, 1, 2)]
    assert draws[0] == draws[1]
    assert draws[0] != draws[2]


def test_sampled_orders_follow_benter_places():
    # Benter's δ < 1 lifts the outsiders' third places: sampling must follow p^δ there, not p.
    win = np.array([0.5, 0.3, 0.1, 0.06, 0.04])
    for runner in (0, 4):
        exact = harville_place_probabilities(win, 3, **BENTER)[runner]
        tickets = [t for t in itertools.combinations(range(5), 3) if runner in t]
        sampled = sum(
            combination_probability(win, t, bet_type="trio", method="plackett_luce", samples=100_000, **BENTER)
            for t in tickets
        )
        assert sampled == pytest.approx(exact, abs=0.01)


def test_the_engine_agrees_with_the_place_probabilities_of_the_simple_place():
    win = np.random.default_rng(11).dirichlet(np.ones(9))
    placed = np.zeros(9)
    for c in combinations_top(win, bet_type="trio", limit=10**6, **BENTER):
        placed[list(c.runners)] += c.probability
    assert placed == pytest.approx(harville_place_probabilities(win, 3, **BENTER), rel=1e-12)


def test_a_dead_heat_pays_every_combination_the_tied_horses_form():
    arrival = [[2], [0, 5], [1]]
    assert combination_wins(arrival, (2, 0), bet_type="couple_ordre")
    assert combination_wins(arrival, (2, 5), bet_type="couple_ordre")
    assert not combination_wins(arrival, (0, 5), bet_type="couple_ordre")
    assert combination_wins(arrival, (2, 5, 0), bet_type="tierce_ordre")
    assert combination_wins(arrival, (2, 0, 5), bet_type="tierce_ordre")
    assert not combination_wins(arrival, (2, 0, 1), bet_type="tierce_ordre")
    assert combination_wins(arrival, (0, 5), bet_type="couple_place")
    # Tied for first: both orders of the pair, and either horse with the third for couplé placé.
    assert combination_wins([[3, 4], [1]], (4, 3), bet_type="couple_ordre")
    assert combination_wins([[3, 4], [1]], (3, 4), bet_type="couple_ordre")
    # A dead heat for third lets more trios in than one finishing order pays.
    shape = shape_for("trio")
    assert len(_winning_tickets(shape, [[0], [1], [2, 3]], 6)) == 2
    assert len(_winning_tickets(shape_for("couple_gagnant"), [[0, 1, 2]], 6)) == 3


def test_too_few_finishers_pay_nothing():
    assert not combination_wins([[0], [1]], (0, 1, 2), bet_type="trio")
    assert combination_wins([[0], [1], [2]], (0, 1, 2), bet_type="trio")


def test_a_multi_pays_the_first_four_among_its_picks():
    assert combination_wins([[6], [0], [3], [2], [1]], (0, 2, 3, 5, 6), bet_type="multi")
    assert not combination_wins([[6], [0], [3], [1], [2]], (0, 2, 3, 5, 6), bet_type="multi")


@pytest.mark.parametrize(
    "bet_type,picks,message",
    [
        ("simple_gagnant", None, "not a combined bet type"),
        ("pick5", None, "not a combined bet type"),
        ("nonsense", None, "not a combined bet type"),
        ("multi", 8, "4 to 7"),
        ("trio", 4, "only the multi"),
    ],
)
def test_shape_for_refuses_what_is_not_a_combined_ticket(bet_type, picks, message):
    with pytest.raises(ValueError, match=message):
        shape_for(bet_type, picks=picks)


def test_the_field_size_decides_the_types_on_offer():
    assert "couple_place" not in bet_types_for_field(7)
    assert "couple_place" in bet_types_for_field(8)
    assert "multi" not in bet_types_for_field(9)
    assert {"multi", "deux_sur_quatre", "quinte_bonus4"} <= set(bet_types_for_field(16))
    assert bet_types_for_field(3) == []
    assert shape_for("multi", picks=7).min_runners >= 10


@pytest.mark.parametrize(
    "win,message",
    [([0.5, np.nan, 0.5], "finite"), ([0.6, -0.1, 0.5], "non-negative"), ([0.5, 0.5], "at least 3")],
)
def test_bad_win_probabilities_are_refused(win, message):
    with pytest.raises(ValueError, match=message):
        combinations_top(win, bet_type="trio")


def test_a_ticket_must_name_different_runners_of_the_field():
    with pytest.raises(ValueError, match="different runners"):
        combination_probability([0.5, 0.3, 0.2], (0, 0), bet_type="couple_gagnant")
    with pytest.raises(ValueError, match="different runners"):
        combination_probability([0.5, 0.3, 0.2], (0, 3), bet_type="couple_gagnant")


def test_the_quinte_in_order_of_a_big_field_is_found_without_enumerating_it():
    win = np.random.default_rng(5).dirichlet(np.full(15, 1.2))
    top = combinations_top(win, bet_type="quinte_ordre", limit=20, **BENTER)
    tickets, probabilities = enumerate_tickets(win, bet_type="quinte_ordre", **BENTER)
    assert len(tickets) == 360_360
    assert [c.probability for c in top] == pytest.approx(np.sort(probabilities)[::-1][:20], rel=1e-12)
