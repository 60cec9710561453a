"""The bankroll tracker: subscribers' own bets, recorded before the race and settled from its result."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from rest_framework.exceptions import NotFound, ValidationError

from courses.models import Race, RaceStatus, Runner, RunnerStatus
from predictions.services.probability import places_paid
from turf.errors import Conflict, LimitExceeded

from ..models import UserBet, UserBetStatus, UserBetType
from .limits import betting_limit_breach, betting_limit_refusal_record, betting_limits_lock
from .settlement import CENT

MAX_STAKE = Decimal("100000")


def _race_open(race: Race) -> bool:
    """A bet may be recorded or withdrawn only before the off."""
    if race.status != RaceStatus.SCHEDULED:
        return False
    if race.start_time is not None:
        return race.start_time > timezone.now()
    return race.meeting.date >= timezone.localdate()


def user_bet_create(
    *,
    user,
    race_id: int,
    saddle_number: int,
    bet_type: str,
    stake: Decimal,
    odds: Decimal,
    address: str | None = None,
) -> UserBet:
    """Record a bet on a runner of a race that has not started yet, within the user's betting limits
    (LimitExceeded, audited, and nothing stored, past one)."""
    try:
        runner = Runner.objects.select_related("race", "race__meeting").get(
            race_id=race_id, saddle_number=saddle_number
        )
    except Runner.DoesNotExist:
        if not Race.objects.filter(pk=race_id).exists():
            raise ValidationError({"race_id": f"no race {race_id}."}) from None
        raise ValidationError({"saddle_number": f"race {race_id} has no runner {saddle_number}."}) from None
    if not _race_open(runner.race):
        raise ValidationError({"race_id": "the race has started or is over: bets are recorded before the off."})
    if runner.status == RunnerStatus.NON_PARTANT:
        raise ValidationError({"saddle_number": "this runner is a non-partant."})
    if not Decimal("0") < stake <= MAX_STAKE:
        raise ValidationError({"stake": f"must be more than 0 and at most {MAX_STAKE}."})
    with transaction.atomic():
        # Checked and written under the user's lock: two bets at once cannot both pass under a limit.
        betting_limits_lock(user=user)
        breach = betting_limit_breach(user=user, stake=stake)
        if breach is None:
            return UserBet.objects.create(user=user, runner=runner, bet_type=bet_type, stake=stake, odds=odds)
    refused = {"race_id": race_id, "saddle_number": saddle_number, "bet_type": bet_type, "stake": stake, "odds": odds}
    betting_limit_refusal_record(user=user, breach=breach, bet=refused, address=address)
    raise LimitExceeded(breach.message)


def user_bet_delete(*, user, bet_id: int) -> None:
    """Withdraw one's own bet, only before its race starts (another user's bet is a 404)."""
    with transaction.atomic():
        try:
            bet = UserBet.objects.select_for_update().select_related("runner__race__meeting").get(pk=bet_id, user=user)
        except UserBet.DoesNotExist:
            raise NotFound(f"No bet {bet_id}.") from None
        if bet.status != UserBetStatus.OPEN or not _race_open(bet.runner.race):
            raise Conflict("The race has started or is over: the bet can no longer be withdrawn.")
        bet.delete()


def _settle_one(bet: UserBet, field_size: int, dead_heats: dict[tuple[int, int], int]) -> tuple[str, Decimal]:
    runner, race = bet.runner, bet.runner.race
    if race.status == RaceStatus.CANCELLED or runner.status == RunnerStatus.NON_PARTANT:
        return UserBetStatus.REFUNDED, bet.stake
    position = runner.position
    paid_places = 1 if bet.bet_type == UserBetType.SIMPLE_GAGNANT else places_paid(field_size)
    if position is None or position > paid_places:
        return UserBetStatus.LOST, Decimal("0")
    # Dead heat for the last paid place (or for first on a win bet): the stake is divided by the
    # number of runners sharing it, as bookmakers' dead-heat rules do.
    sharing = dead_heats.get((race.pk, position), 1)
    places_left = paid_places - position + 1
    share = Decimal(min(sharing, places_left)) / Decimal(sharing)
    return UserBetStatus.WON, (bet.stake * share * bet.odds).quantize(CENT, rounding=ROUND_DOWN)


def user_bets_settle(*, race_ids: list[int] | None = None) -> int:
    """Settle every open bet whose race is finished or cancelled; returns how many were settled."""
    open_bets = UserBet.objects.filter(status=UserBetStatus.OPEN).filter(
        runner__race__status__in=[RaceStatus.FINISHED, RaceStatus.CANCELLED]
    )
    if race_ids is not None:
        open_bets = open_bets.filter(runner__race_id__in=race_ids)
    bets = list(open_bets.select_related("runner__race"))
    if not bets:
        return 0
    races = {bet.runner.race_id for bet in bets}
    field = dict(
        Runner.objects.filter(race_id__in=races)
        .exclude(status=RunnerStatus.NON_PARTANT)
        .values_list("race_id")
        .annotate(n=Count("id"))
    )
    dead_heats = {
        (race_id, position): n
        for race_id, position, n in Runner.objects.filter(race_id__in=races, dead_heat=True)
        .values_list("race_id", "position")
        .annotate(n=Count("id"))
    }
    now = timezone.now()
    for bet in bets:
        bet.status, bet.returned = _settle_one(bet, field.get(bet.runner.race_id, 0), dead_heats)
        bet.settled_at = now
    with transaction.atomic():
        UserBet.objects.bulk_update(bets, ["status", "returned", "settled_at"])
    return len(bets)


def user_bets_summary(*, user, with_equity: bool = False) -> dict:
    """P/L, ROI and drawdown of a user's settled bets, in settlement order; ``with_equity`` adds the equity curve
    (``equity``: the cumulative profit after each settled bet, ``[{"settled_at", "profit"}]``, as the pages chart
    it), from the same rows."""
    rows = list(
        UserBet.objects.filter(user=user)
        .order_by("settled_at", "id")
        .values_list("status", "stake", "returned", "settled_at")
    )
    counts = dict.fromkeys(UserBetStatus.values, 0)
    staked = returned = Decimal("0")
    equity, peak, drawdown = Decimal("0"), Decimal("0"), Decimal("0")
    curve = []
    for status, stake, paid, settled_at in rows:
        counts[status] += 1
        if status == UserBetStatus.OPEN:
            continue
        staked += stake
        returned += paid
        equity += paid - stake
        peak = max(peak, equity)
        drawdown = max(drawdown, peak - equity)
        curve.append({"settled_at": settled_at, "profit": equity})
    open_stake = sum((stake for status, stake, _, _ in rows if status == UserBetStatus.OPEN), Decimal("0"))
    profit = returned - staked
    extra = {"equity": curve} if with_equity else {}
    return {
        "bets": len(rows),
        "by_status": counts,
        "staked": staked,
        "returned": returned,
        "profit": profit,
        "roi": float(profit / staked) if staked else None,
        "max_drawdown": drawdown,
        "open_stake": open_stake,
        **extra,
    }
