"""Betting limits on the bankroll tracker (responsible gambling, ANJ practice): what is in force, what is used,
changing a limit, and the check a bet passes before it is recorded.

The rules, written once here:

- A limit of a kind in force at a moment is the latest ``BettingLimit`` row whose ``effective_at`` has come;
  ``amount`` None lifts it. A row whose ``effective_at`` is still to come is a *pending* change (at most one a
  kind: a new request replaces it).
- Lowering a limit, or setting one where there is none, takes effect at once; raising or lifting it takes
  effect ``RG_LIMIT_RAISE_DELAY_HOURS`` (48) hours later. A different raise replaces a pending one (its delay
  starts again; the same one asked again changes nothing); a request at or below the limit in force cancels it.
- Periods are the calendar's, in Europe/Paris (``TIME_ZONE``): today, this ISO week (Monday to Sunday), this
  calendar month.
- Stakes per day / week / month: the stakes of the bets recorded in the period, refunded ones (a non-partant,
  a cancelled race) left out.
- Net loss per month: the net loss of the bets settled this month (stakes lost less winnings; a month in
  profit counts 0, winnings never widen the limit) plus the stakes still at risk (every open bet). A new bet is
  checked with its stake at risk too, so the limit holds whatever the pending races' results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from turf.audit import audit_write
from turf.models import AuditAction

from ..models import BettingLimit, LimitKind, UserBet, UserBetStatus

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# The highest limit one may set: a limit above it would limit nothing (and the column holds 10 digits).
MAX_LIMIT = Decimal("1000000")

PERIOD_OF = {
    LimitKind.STAKE_DAY: "day",
    LimitKind.STAKE_WEEK: "week",
    LimitKind.STAKE_MONTH: "month",
    LimitKind.LOSS_MONTH: "month",
}
PERIOD_WORDS = {"day": ("a day", "today"), "week": ("a week", "this week"), "month": ("a month", "this month")}


@dataclass(frozen=True)
class Period:
    name: str  # day, week, month
    start: dt.datetime
    end: dt.datetime

    @property
    def per(self) -> str:
        return PERIOD_WORDS[self.name][0]

    @property
    def this(self) -> str:
        return PERIOD_WORDS[self.name][1]


@dataclass(frozen=True)
class LimitBreach:
    """A bet a limit refuses: which limit, its amount and period, what is used and what remains."""

    kind: str
    amount: Decimal
    used: Decimal
    stake: Decimal
    period: Period

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.amount - self.used)

    @property
    def message(self) -> str:
        label = LimitKind(self.kind).label.lower()
        what = "lost or at stake" if self.kind == LimitKind.LOSS_MONTH else "staked"
        return (
            f"This bet of {euros(self.stake)} would pass your limit on {label}: {euros(self.amount)} "
            f"{self.period.per}. {euros(self.used)} {what} {self.period.this}, {euros(self.remaining)} left."
        )


def euros(amount: Decimal) -> str:
    return f"{amount:.2f} €"


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def limit_period(*, kind: str, now: dt.datetime | None = None) -> Period:
    """The calendar period (Europe/Paris) a limit of ``kind`` counts over, the one ``now`` falls in."""
    name = PERIOD_OF[LimitKind(kind)]
    day = timezone.localtime(now or timezone.now()).date()
    if name == "day":
        start, end = day, day + dt.timedelta(days=1)
    elif name == "week":
        start = day - dt.timedelta(days=day.weekday())
        end = start + dt.timedelta(days=7)
    else:
        start = day.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
    return Period(name, _midnight(start), _midnight(end))


def _cents_of(total: Decimal | None) -> Decimal:
    # Quantized: SQLite's sums come back without their cents ("30"), PostgreSQL's with them ("30.00").
    return (total or ZERO).quantize(CENT)


def _cents(amount: Decimal | None) -> str | None:
    """An amount as the audit trail keeps it: a string with its cents, whichever database read it."""
    return None if amount is None else str(Decimal(amount).quantize(CENT))


def _usage_sums(kind: str, period: Period) -> dict[str, Sum]:
    """The sums over the user's bets that a limit of ``kind`` in ``period`` uses (the rules in this module's
    docstring), to be read in one aggregate."""
    if kind != LimitKind.LOSS_MONTH:
        placed = Q(placed_at__gte=period.start, placed_at__lt=period.end) & ~Q(status=UserBetStatus.REFUNDED)
        return {"staked": Sum("stake", filter=placed)}
    settled = Q(
        status__in=[UserBetStatus.WON, UserBetStatus.LOST], settled_at__gte=period.start, settled_at__lt=period.end
    )
    return {
        "settled_staked": Sum("stake", filter=settled),
        "settled_returned": Sum("returned", filter=settled),
        "open": Sum("stake", filter=Q(status=UserBetStatus.OPEN)),
    }


def _usage(kind: str, sums: dict[str, Decimal | None]) -> Decimal:
    if kind != LimitKind.LOSS_MONTH:
        return _cents_of(sums["staked"])
    net_loss = max(ZERO, _cents_of(sums["settled_staked"]) - _cents_of(sums["settled_returned"]))
    return net_loss + _cents_of(sums["open"])


def limits_used(*, user, periods: dict[str, Period]) -> dict[str, Decimal]:
    """What the user's bets use of each limit kind in its period (``{kind: period}``), in one query."""
    sums = {
        f"{kind}__{name}": total
        for kind, period in periods.items()
        for name, total in _usage_sums(kind, period).items()
    }
    totals = UserBet.objects.filter(user=user).aggregate(**sums) if sums else {}
    return {
        kind: _usage(kind, {name: totals[f"{kind}__{name}"] for name in _usage_sums(kind, period)})
        for kind, period in periods.items()
    }


def limit_used(*, user, kind: str, period: Period) -> Decimal:
    """What the user's bets use of a limit of ``kind`` in ``period`` (the rules in this module's docstring)."""
    return limits_used(user=user, periods={kind: period})[kind]


def _limit_rows(user, now: dt.datetime) -> dict[str, tuple[BettingLimit | None, BettingLimit | None]]:
    """Per kind: (the row in force or None, the pending row or None)."""
    found: dict[str, tuple[BettingLimit | None, BettingLimit | None]] = {}
    rows = BettingLimit.objects.filter(user=user).order_by("kind", "-effective_at", "-id")
    for kind in LimitKind.values:
        in_force = pending = None
        for row in (r for r in rows if r.kind == kind):
            if row.effective_at > now:
                pending = pending or row
            else:
                in_force = row
                break
        found[kind] = (in_force, pending)
    return found


def _amount(row: BettingLimit | None) -> Decimal | None:
    return None if row is None else row.amount


def _pending(row: BettingLimit | None) -> dict | None:
    return None if row is None else {"amount": row.amount, "effective_at": row.effective_at}


def _audited(amount: Decimal | None, pending: BettingLimit | None) -> dict:
    """A limit's state as the audit trail keeps it."""
    if pending is not None:
        pending = {"amount": _cents(pending.amount), "effective_at": pending.effective_at.isoformat()}
    return {"amount": _cents(amount), "pending": pending}


def betting_limits_get(*, user, now: dt.datetime | None = None) -> list[dict]:
    """Each kind of limit: the amount in force, the pending change, the period, what is used and what remains."""
    now = now or timezone.now()
    rows = _limit_rows(user, now)
    periods = {kind: limit_period(kind=kind, now=now) for kind in LimitKind.values}
    usage = limits_used(user=user, periods=periods)
    state = []
    for kind, label in LimitKind.choices:
        in_force, pending = rows[kind]
        period, used = periods[kind], usage[kind]
        amount = _amount(in_force)
        state.append(
            {
                "kind": kind,
                "label": label,
                "amount": amount,
                "pending": _pending(pending),
                "period": period.name,
                "period_start": period.start,
                "period_end": period.end,
                "used": used,
                "remaining": None if amount is None else max(ZERO, amount - used),
            }
        )
    return state


def betting_limits_lock(*, user) -> None:
    """Lock the user's row for the rest of the transaction: the limits' check and the write it allows (a bet, a
    limit change) are serialised per user, so two bets at once cannot both slip under a limit."""
    list(get_user_model()._default_manager.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


def betting_limits_set(
    *, user, changes: dict[str, Decimal | None], address: str | None = None, now: dt.datetime | None = None
) -> list[dict]:
    """Change some of the user's limits (``{kind: amount or None}``): lower at once, raise or lift after the
    delay; each change audited. Returns the limits as ``betting_limits_get`` gives them."""
    now = now or timezone.now()
    delay = dt.timedelta(hours=settings.RG_LIMIT_RAISE_DELAY_HOURS)
    with transaction.atomic():
        betting_limits_lock(user=user)
        rows = _limit_rows(user, now)
        for kind, amount in changes.items():
            kind = LimitKind(kind)
            in_force, pending = rows[kind]
            current = _amount(in_force)
            if pending is not None and amount == pending.amount and amount != current:
                continue  # the same change asked again: it keeps its time (a PUT repeated changes nothing)
            before = _audited(current, pending)
            if pending is not None:
                pending.delete()  # replaced by this request, or cancelled by a lower one
            new = None
            if amount != current:
                lower = current is None or (amount is not None and amount < current)
                effective_at = now if lower else now + delay
                new = BettingLimit.objects.create(user=user, kind=kind, amount=amount, effective_at=effective_at)
            if new is None and pending is None:
                continue  # the limit already in force, nothing pending: nothing changed
            immediate = new is not None and new.effective_at <= now
            after = _audited(amount if immediate else current, None if new is None or immediate else new)
            audit_write(
                action=AuditAction.LIMIT_CHANGED,
                actor=user,
                subject=user,
                target=f"betting_limit:{kind}",
                before=before,
                after=after,
                address=address,
            )
    return betting_limits_get(user=user, now=now)


def betting_limit_breach(*, user, stake: Decimal, now: dt.datetime | None = None) -> LimitBreach | None:
    """The first limit in force that a new bet of ``stake`` would pass, or None. Call it inside the transaction
    that records the bet, after ``betting_limits_lock``."""
    now = now or timezone.now()
    for kind, (in_force, _pending_row) in _limit_rows(user, now).items():
        if in_force is None or in_force.amount is None:
            continue
        period = limit_period(kind=kind, now=now)
        used = limit_used(user=user, kind=kind, period=period)
        if used + stake > in_force.amount:
            return LimitBreach(kind=kind, amount=in_force.amount, used=used, stake=stake, period=period)
    return None


def betting_limit_refusal_record(*, user, breach: LimitBreach, bet: dict, address: str | None = None) -> None:
    """Write a refused bet to the audit trail (the user sees it in their history of refusals)."""
    audit_write(
        action=AuditAction.LIMIT_REFUSED,
        actor=user,
        subject=user,
        target=f"betting_limit:{breach.kind}",
        before={
            "limit": _cents(breach.amount),
            "period": breach.period.name,
            "used": _cents(breach.used),
            "remaining": _cents(breach.remaining),
        },
        after={"refused_bet": {key: _cents(v) if isinstance(v, Decimal) else v for key, v in bet.items()}},
        address=address,
    )
