"""What wagering holds about a user, for their export (GDPR Art. 15; ``settings.TURF_ACCOUNT_DATA``)."""

from __future__ import annotations

from .models import BacktestBet, BacktestJob, BettingLimit, UserBet
from .serializers.bankroll import UserBetSerializer

BACKTEST_BET_FIELDS = (
    "seq",
    "date",
    "race_code",
    "racecourse",
    "bet_type",
    "selection",
    "horse",
    "odds",
    "probability",
    "expected_value",
    "stake",
    "returned",
    "profit",
    "bankroll",
    "settled_by",
    "model_version",
)


def account_data(user) -> dict:
    """The bankroll tracker's bets, the backtests run (each with its bets) and the betting limits' history."""
    bets = UserBet.objects.filter(user=user).select_related("runner__race__meeting__racecourse", "runner__horse")
    jobs = list(
        BacktestJob.objects.filter(owner=user)
        .order_by("created_at", "id")
        .values(
            "id",
            "params",
            "start",
            "end",
            "status",
            "progress",
            "result",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        )
    )
    by_job: dict[int, list] = {job["id"]: [] for job in jobs}
    for bet in (
        BacktestBet.objects.filter(job__owner=user).order_by("job_id", "seq").values("job_id", *BACKTEST_BET_FIELDS)
    ):
        by_job[bet.pop("job_id")].append(bet)
    return {
        "bets": UserBetSerializer(bets.order_by("placed_at", "id"), many=True).data,  # as GET bets shows them
        "backtests": [{**job, "bets": by_job[job["id"]]} for job in jobs],
        "betting_limits": list(
            BettingLimit.objects.filter(user=user)
            .order_by("requested_at", "id")
            .values("kind", "amount", "requested_at", "effective_at")
        ),
    }
