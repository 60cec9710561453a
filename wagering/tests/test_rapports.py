"""The rapports reader: a race's lines in one query, in the PMU's order of bet types, refunds told apart."""

from decimal import Decimal

import pytest

from courses.models import BetType, Dividend
from predictions.tests.factories import race_with
from wagering.services.rapports import race_rapports

pytestmark = pytest.mark.django_db


def test_a_races_rapports_come_in_one_query_by_bet_type_then_amount(django_assert_num_queries):
    race = race_with(final=(2.0, 3.0, 4.0), positions=(1, 2, 3))
    other = race_with(final=(2.0, 3.0), positions=(1, 2), course=2)
    for bet_type, combination, amount, label in [
        (BetType.TRIO, "1-2-3", "18.20", ""),
        (BetType.SIMPLE_PLACE, "2", "1.90", ""),
        (BetType.SIMPLE_PLACE, "1", "1.20", ""),
        (BetType.SIMPLE_GAGNANT, "1", "2.10", "Gagnant"),
        (BetType.COUPLE_PLACE, "1-NP", "1.00", ""),
    ]:
        Dividend.objects.create(
            race=race, bet_type=bet_type, combination=combination, amount=Decimal(amount), label=label
        )
    Dividend.objects.create(race=other, bet_type=BetType.SIMPLE_GAGNANT, combination="2", amount=Decimal("9.90"))
    with django_assert_num_queries(1):
        lines = race_rapports(race_id=race.pk)
    assert [(line["bet_type"], line["combination"], line["saddles"]) for line in lines] == [
        ("simple_gagnant", "1", (1,)),
        ("simple_place", "1", (1,)),
        ("simple_place", "2", (2,)),
        ("couple_place", "1-NP", None),  # a refund line: no combination of runners
        ("trio", "1-2-3", (1, 2, 3)),
    ]
    assert [line["label"] for line in lines][:2] == ["Gagnant", "Simple placé"]  # the source's label, else the type's
    assert lines[-1]["amount"] == Decimal("18.20")
