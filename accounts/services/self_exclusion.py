"""Self-exclusion (responsible gambling): a period, 1 day to 1 year, in which the user is kept from value bets,
picks and alerts. It cannot be lifted early: a new request may only extend it. What it closes is billing's to
say (``billing.self_exclusion``: the plan gate refuses those features while one is active)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from turf.audit import audit_write
from turf.errors import Conflict
from turf.models import AuditAction

from ..models import SelfExclusion, User
from ..snapshot import self_exclusion_in_force

MIN_DAYS, MAX_DAYS = 1, 365
# The periods the pages offer (days): 1 day, 7 days, 30 days, 3 months, 6 months, 1 year.
PERIODS = (
    (1, _("1 day")),
    (7, _("7 days")),
    (30, _("30 days")),
    (91, _("3 months")),
    (182, _("6 months")),
    (365, _("1 year")),
)
HELPLINE = "Joueurs Info Service, 09 74 75 13 13 (appel non surtaxé), joueurs-info-service.fr"


def when(moment: dt.datetime) -> str:
    """A moment as the messages say it, in the site's time zone: "12 March 2026 at 14:05 CET"."""
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y at %H:%M} {local.tzname()}"


def self_exclusion_active(*, user, now: dt.datetime | None = None) -> SelfExclusion | None:
    """The user's exclusion in force (the one ending last), or None."""
    return SelfExclusion.objects.filter(user=user).in_force(now).order_by("-ends_at").first()


def self_exclusion_current(*, user) -> SelfExclusion | None:
    """A request's user's exclusion in force: from the snapshot it was authenticated with when it carries one
    (current, no query: ``accounts.snapshot``), else ``self_exclusion_active``. For reads; writes ask the rows."""
    snapshot = getattr(user, "turf_snapshot", None)
    return self_exclusion_in_force(snapshot) if snapshot is not None else self_exclusion_active(user=user)


def self_exclusion_history(*, user) -> list[SelfExclusion]:
    """Every exclusion the user asked for, the latest first."""
    return list(SelfExclusion.objects.filter(user=user).order_by("-created_at", "-id"))


def self_exclusion_message(exclusion: SelfExclusion) -> str:
    """What a refused request tells the user: until when, and where to find help."""
    return (
        f"You excluded yourself from picks, value bets and alerts until {when(exclusion.ends_at)}; "
        f"it cannot be lifted early. Need to talk about your gambling? {HELPLINE}."
    )


def self_exclusion_end(*, days: int | None = None, until: dt.date | None = None, now: dt.datetime) -> dt.datetime:
    """When an exclusion asked for ``days`` from ``now``, or ``until`` a day (ending as it begins, 00:00 Paris
    time), ends; a ValidationError naming the field outside 1 day to 1 year or with both or neither given."""
    if (days is None) == (until is None):
        raise ValidationError("give either days (1 to 365) or until (a date), not both.")
    if days is not None:
        if not MIN_DAYS <= days <= MAX_DAYS:
            raise ValidationError({"days": f"must be between {MIN_DAYS} and {MAX_DAYS}."})
        return now + dt.timedelta(days=days)
    today = timezone.localtime(now).date()
    first, last = today + dt.timedelta(days=MIN_DAYS), today + dt.timedelta(days=MAX_DAYS)
    if not first <= until <= last:
        raise ValidationError({"until": f"must be between {first} and {last} (1 day to 1 year)."})
    return timezone.make_aware(dt.datetime.combine(until, dt.time()))


def self_exclusion_start(
    *, user, days: int | None = None, until: dt.date | None = None, address: str | None = None
) -> SelfExclusion:
    """Exclude the user from ``now`` for ``days`` or ``until`` a day; audited. With an exclusion in force, only a
    later end is accepted (it extends it): an earlier or equal one is a Conflict, nothing changed."""
    now = timezone.now()
    ends_at = self_exclusion_end(days=days, until=until, now=now)
    with transaction.atomic():
        # One request at a time per user: two at once could both read "none active" and both shorten nothing.
        list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        active = self_exclusion_active(user=user, now=now)
        if active is not None and ends_at <= active.ends_at:
            raise Conflict(
                f"You are excluded until {when(active.ends_at)}: an exclusion cannot be lifted or shortened. "
                "Ask for a later end to extend it."
            )
        exclusion = SelfExclusion.objects.create(user=user, starts_at=now, ends_at=ends_at)
        audit_write(
            action=AuditAction.SELF_EXCLUDED,
            actor=user,
            subject=user,
            target=f"self_exclusion:{exclusion.pk}",
            before={"ends_at": active.ends_at.isoformat() if active else None},
            after={
                "starts_at": now.isoformat(),
                "ends_at": ends_at.isoformat(),
                "asked": {"days": days} if days is not None else {"until": until.isoformat()},
            },
            address=address,
        )
    return exclusion
