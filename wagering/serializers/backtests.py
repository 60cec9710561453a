"""Backtests: the reference strategy's query and bets, strategies in, backtest jobs and their bets out."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from courses.models import Discipline, Source
from predictions.models import ModelVersion
from turf.params import PageParams, WindowParams, check_window
from turf.serializers import DayField, StrictSerializer

from ..services.backtest import BET_TYPES, MARKET, MODEL_RULES, PUBLISHED, SELECTIONS, STAKINGS, Strategy
from ..services.backtest.strategy import (
    COMBINATIONS,
    COMBINED_TYPES,
    DEFAULT_TOP_K,
    MAX_COMBINATION_TICKETS,
    TOP_PICK_COMBINED,
)
from ..services.bankroll import MAX_STAKE
from ..services.value import VALUE_BET_EDGE, VALUE_BET_MIN_ODDS

MAX_BANKROLL = Decimal("100000000")


class BacktestParams(WindowParams, PageParams):
    min_odds = serializers.FloatField(default=VALUE_BET_MIN_ODDS, min_value=1.0, max_value=1000.0)
    edge = serializers.FloatField(default=VALUE_BET_EDGE, min_value=0.0, max_value=10.0)


class BetSerializer(serializers.Serializer):
    date = serializers.DateField()
    race_id = serializers.IntegerField()
    race_code = serializers.CharField()
    racecourse = serializers.CharField()
    saddle_number = serializers.IntegerField()
    horse = serializers.CharField()
    odds = serializers.DecimalField(max_digits=8, decimal_places=2)
    probability = serializers.FloatField()
    expected_value = serializers.FloatField()
    stake = serializers.DecimalField(max_digits=10, decimal_places=2)
    profit = serializers.DecimalField(max_digits=12, decimal_places=2)
    bankroll = serializers.DecimalField(max_digits=14, decimal_places=2)

    def get_fields(self):
        # "return" is a keyword, so no class attribute can bear the name; declared here, the schema shows it
        # under the name the answer uses (a field renamed in to_representation left the schema saying "returned").
        fields = super().get_fields()
        fields["return"] = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="stake included")
        return fields


class StrategySerializer(StrictSerializer):
    """A strategy's parameters, validated; ``strategy()`` gives the ``Strategy`` they make."""

    selection = serializers.ChoiceField(
        choices=SELECTIONS,
        default="value",
        help_text="which runners to back. value (default): every runner whose p × odds − 1 > edge at odds of "
        "min_odds or more; top_pick: the model's top pick of each race; odds_band: every runner whose odds lie "
        "in min_odds..max_odds (no model needed); combinations: the most likely tickets of a combined bet_type "
        "(combination_top_k, combination_min_probability)",
    )
    edge = serializers.FloatField(
        default=VALUE_BET_EDGE, min_value=0.0, max_value=10.0, help_text="value: the minimum expected value per unit"
    )
    min_odds = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=1.0,
        max_value=1000.0,
        help_text=f"lowest odds backed (value: default {VALUE_BET_MIN_ODDS})",
    )
    max_odds = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=1.0,
        max_value=1000.0,
        help_text="highest odds backed (odds_band: required)",
    )
    discipline = serializers.ListField(
        child=serializers.ChoiceField(choices=Discipline.choices),
        required=False,
        max_length=len(Discipline.choices),
        help_text="only these disciplines",
    )
    racecourse = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=50,
        help_text="only these racecourse codes (VIN, ST, …)",
    )
    quinte_only = serializers.BooleanField(default=False)
    source = serializers.ChoiceField(choices=Source.choices, required=False, allow_null=True)
    bet_type = serializers.ChoiceField(
        choices=BET_TYPES,
        default="simple_gagnant",
        help_text="simple_gagnant (default) or simple_place; a combined type (couple_gagnant, trio, tierce_ordre, "
        "quinte_desordre, multi as a multi en 4, ...) with selection combinations, settled by the race's rapports "
        "of the type (a race without them is skipped, or unsettled before its result); couple_gagnant and trio "
        "also with top_pick: the model's top two / three as one ticket",
    )
    combination_top_k = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_COMBINATION_TICKETS,
        help_text=f"combinations: the k most likely tickets of each race (default {DEFAULT_TOP_K}; with "
        f"combination_min_probability alone, every ticket over it, at most {MAX_COMBINATION_TICKETS})",
    )
    combination_min_probability = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=0.0001,
        max_value=1.0,
        help_text="combinations: only tickets of at least this probability (a race with none is skipped)",
    )
    staking = serializers.ChoiceField(
        choices=STAKINGS,
        default="flat",
        help_text="flat: `stake` a bet; percent: `fraction` of the bankroll; "
        "kelly: `fraction` × Kelly, at most `cap` of the bankroll",
    )
    stake = serializers.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal(1), min_value=Decimal("0.01"), max_value=MAX_STAKE
    )
    fraction = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=0.0001,
        max_value=1.0,
        help_text="percent: share of the bankroll a bet (default 0.01); kelly: the Kelly fraction (default 0.25)",
    )
    cap = serializers.FloatField(
        default=0.05,
        min_value=0.0001,
        max_value=1.0,
        help_text="kelly: the most a bet stakes, as a share of the bankroll",
    )
    bankroll = serializers.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal(100), min_value=Decimal("1"), max_value=MAX_BANKROLL
    )
    model = serializers.CharField(
        default=PUBLISHED,
        max_length=60,
        help_text="published (default): each race with the prediction published before its off, else (a race "
        "never live) with the latest version trained before it; walk_forward: that latest version for every "
        "race; market: the market baseline; or a version's name (never on a race it was trained on)",
    )
    seed = serializers.IntegerField(
        default=0, min_value=0, max_value=2**31 - 1, help_text="seed of the random baseline"
    )

    def validate_model(self, value: str) -> str:
        if value in (*MODEL_RULES, MARKET) or ModelVersion.objects.filter(version=value).exists():
            return value
        raise serializers.ValidationError(f"{value!r} is not published, walk_forward, market or a model version.")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        selection, bet_type, staking = attrs["selection"], attrs["bet_type"], attrs["staking"]
        low, high = attrs.get("min_odds"), attrs.get("max_odds")
        if selection == "odds_band" and high is None:
            raise serializers.ValidationError({"max_odds": "odds_band needs max_odds (and min_odds, default 1.0)."})
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"min_odds": "must be at most max_odds."})
        combination = {
            name: attrs.get(name)
            for name in ("combination_top_k", "combination_min_probability")
            if attrs.get(name) is not None
        }
        if selection == COMBINATIONS:
            if bet_type not in COMBINED_TYPES:
                raise serializers.ValidationError(
                    {"bet_type": f"combinations bets combined tickets: {', '.join(COMBINED_TYPES)}, not {bet_type}."}
                )
            for name in ("min_odds", "max_odds"):
                if attrs.get(name) is not None:
                    raise serializers.ValidationError(
                        {name: "a combination has no odds before the race: not with combinations."}
                    )
        else:
            for name in combination:
                raise serializers.ValidationError({name: "only with selection combinations."})
            if bet_type in TOP_PICK_COMBINED and selection != "top_pick":
                raise serializers.ValidationError(
                    {
                        "bet_type": f"{bet_type} backs the model's top picks (top_pick) or its most likely tickets "
                        "(combinations)."
                    }
                )
            if bet_type in COMBINED_TYPES and bet_type not in TOP_PICK_COMBINED:
                raise serializers.ValidationError({"bet_type": f"{bet_type} is bet with selection combinations."})
        if staking == "kelly" and bet_type != "simple_gagnant":
            raise serializers.ValidationError(
                {"staking": "kelly needs a price before the race: use it with simple_gagnant."}
            )
        if staking == "kelly" and selection == "odds_band":
            raise serializers.ValidationError({"staking": "kelly needs the model's probability: not with odds_band."})
        return attrs

    def strategy(self) -> Strategy:
        data = dict(self.validated_data)
        data.pop("start", None)
        data.pop("end", None)
        data["discipline"] = tuple(data.get("discipline") or ())
        data["racecourse"] = tuple(data.get("racecourse") or ())
        return Strategy(**data)


class BacktestCreateSerializer(StrategySerializer):
    """A backtest to run: the window `start`..`end` and the strategy's parameters, each with its default.

    With `start` and `end` alone it runs the reference strategy of `GET backtest`: value bets (edge 0, odds
    of 2.0 or more), a flat 1 a bet, each race with the prediction published before it, else the latest model
    trained before it (the schema's text).
    """

    start = DayField()
    end = DayField()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        check_window(attrs["start"], attrs["end"])
        return attrs


class BacktestSummarySerializer(serializers.Serializer):
    bets = serializers.IntegerField(help_text="settled bets, refunds included")
    refunded = serializers.IntegerField(help_text="non-partants: stake returned, left out of staked and hit rate")
    winners = serializers.IntegerField()
    hit_rate = serializers.FloatField(allow_null=True)
    staked = serializers.FloatField()
    returned = serializers.FloatField()
    profit = serializers.FloatField()
    roi = serializers.FloatField(allow_null=True)
    roi_ci95 = serializers.ListField(
        child=serializers.FloatField(), allow_null=True, help_text="bootstrap 95% interval, resampling races (seed 0)"
    )
    max_drawdown = serializers.FloatField()
    max_drawdown_pct = serializers.FloatField(allow_null=True)
    longest_losing_run = serializers.IntegerField()
    sharpe = serializers.FloatField(allow_null=True, help_text="mean profit per unit staked / its standard deviation")
    races = serializers.IntegerField()
    start_bankroll = serializers.FloatField()
    final_bankroll = serializers.FloatField()
    unsettled_bets = serializers.IntegerField()
    unsettled_races = serializers.IntegerField()


class EquityPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    bankroll = serializers.FloatField()


class BacktestJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["unqueued", "queued", "running", "done", "failed"])
    progress = serializers.IntegerField(help_text="percent")
    start = serializers.DateField()
    end = serializers.DateField()
    strategy = serializers.DictField(source="params")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_null=True, help_text="why a failed job failed")
    summary = BacktestSummarySerializer(allow_null=True, help_text="when done")
    baselines = serializers.DictField(
        child=BacktestSummarySerializer(),
        allow_null=True,
        help_text="when done: favourite and random, with the same bet type and staking",
    )
    equity_curve = EquityPointSerializer(many=True, allow_null=True, help_text="when done: the bankroll after each bet")
    unsettled = serializers.ListField(
        child=serializers.DictField(),
        allow_null=True,
        help_text="when done: bets that could not be settled, with the reason",
    )
    skipped = serializers.DictField(
        child=serializers.IntegerField(), allow_null=True, help_text="when done: races or bets left out, by reason"
    )
    versions = serializers.DictField(
        child=serializers.IntegerField(), allow_null=True, help_text="when done: races bet with each model version"
    )
    basis = serializers.DictField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="when done: races bet on the prediction published at their off (published) and on the "
        "walk-forward one (walk_forward); null for jobs run before it was counted",
    )

    def to_representation(self, job):
        # A list ("brief") leaves the results out: they are large, and deferred there.
        done = job.status == "done" and not self.context.get("brief")
        result = job.result if done else {}
        return {
            "id": job.pk,
            "status": job.status,
            "progress": job.progress,
            "start": job.start.isoformat(),
            "end": job.end.isoformat(),
            "strategy": Strategy.from_params(job.params).as_params(),  # older jobs stored money as strings
            "created_at": serializers.DateTimeField().to_representation(job.created_at),
            "started_at": serializers.DateTimeField().to_representation(job.started_at) if job.started_at else None,
            "finished_at": serializers.DateTimeField().to_representation(job.finished_at) if job.finished_at else None,
            "error": job.error or None,
            **{
                name: result.get(name) if done else None
                for name in ("summary", "baselines", "equity_curve", "unsettled", "skipped", "versions", "basis")
            },
        }


class BacktestBetSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    date = serializers.DateField()
    race_id = serializers.IntegerField(allow_null=True)
    race_code = serializers.CharField()
    racecourse = serializers.CharField()
    bet_type = serializers.CharField()
    selection = serializers.CharField(help_text='saddle numbers, e.g. "7" or "7-3-9"')
    horse = serializers.CharField()
    odds = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    probability = serializers.FloatField(allow_null=True)
    expected_value = serializers.FloatField(allow_null=True)
    stake = serializers.DecimalField(max_digits=14, decimal_places=2)
    returned = serializers.DecimalField(max_digits=16, decimal_places=2)
    profit = serializers.DecimalField(max_digits=16, decimal_places=2)
    bankroll = serializers.DecimalField(max_digits=16, decimal_places=2)
    settled_by = serializers.CharField()
    model_version = serializers.CharField(allow_blank=True)
