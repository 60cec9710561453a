"""Following and unfollowing: a user's watchlist entries, within their plan's ``watchlist_limit``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from billing.exceptions import PlanRequired
from billing.models import Feature, Plan
from billing.selectors import plan_for_user, plan_list
from courses.models import Horse, Jockey, Race, Racecourse, Trainer

from ..models import TARGET_FIELDS, FollowKind, WatchlistEntry

# The row each kind of entry follows.
TARGET_MODELS = {
    FollowKind.HORSE: Horse,
    FollowKind.JOCKEY: Jockey,
    FollowKind.TRAINER: Trainer,
    FollowKind.RACECOURSE: Racecourse,
    FollowKind.RACE: Race,
}


def watchlist_limit_above(plan: Plan | None) -> Plan | None:
    """The cheapest plan on sale keeping more watchlist entries than ``plan``: what a full watchlist is told to buy."""
    limit = plan.watchlist_limit if plan is not None else 0
    return next((p for p in plan_list() if p.watchlist_limit > limit and p.opens(Feature.WATCHLIST)), None)


def _limit_refusal(plan: Plan | None, held: int) -> PlanRequired:
    above = watchlist_limit_above(plan)
    name, limit = (plan.name, plan.watchlist_limit) if plan is not None else ("no plan", 0)
    more = (
        f"the {above.name} plan keeps {above.watchlist_limit}, or unfollow one first."
        if above is not None
        else "unfollow one first."
    )
    return PlanRequired(
        f"Your {name} plan keeps at most {limit} watchlist entries and you have {held}: {more}",
        needed=above,
        current=plan,
        feature=Feature.WATCHLIST,
    )


def watchlist_entry_create(*, user, kind: str, target_id: int) -> tuple[WatchlistEntry, bool]:
    """Follow the ``kind`` whose id is ``target_id``: (the entry, True) when new, (the existing entry, False) when the
    user follows it already. A 400 naming ``id`` when there is no such row; PlanRequired (403, naming the plan, its
    limit and the plan that keeps more) when the watchlist holds the plan's ``watchlist_limit`` already."""
    kind = FollowKind(kind)
    field = TARGET_FIELDS[kind]
    target = TARGET_MODELS[kind].objects.filter(pk=target_id).first()
    if target is None:
        raise serializers.ValidationError({"id": f"No {kind.value} has the id {target_id}."})
    with transaction.atomic():
        # The user's row is locked while the entries are counted: two follows at once cannot both pass the limit.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        existing = WatchlistEntry.objects.filter(user=user, kind=kind, **{field: target}).first()
        if existing is not None:
            return existing, False
        plan = plan_for_user(user)
        held = WatchlistEntry.objects.filter(user=user).count()
        if plan is None or held >= plan.watchlist_limit:
            raise _limit_refusal(plan, held)
        try:
            with transaction.atomic():
                entry = WatchlistEntry.objects.create(user=user, kind=kind, **{field: target})
        except IntegrityError:  # followed by another path since the look-up (the lock makes it rare)
            return WatchlistEntry.objects.get(user=user, kind=kind, **{field: target}), False
    return entry, True


def watchlist_entry_delete(*, user, entry_id: int) -> None:
    """Unfollow: delete the user's entry ``entry_id``; 404 when it is not one of theirs."""
    deleted, _ = WatchlistEntry.objects.filter(user=user, pk=entry_id).delete()
    if not deleted:
        raise NotFound(f"No watchlist entry {entry_id}.")


def watchlist_target_delete(*, user, kind: str, target_id: int) -> bool:
    """Unfollow by target (the pages' star): True when the user followed it."""
    kind = FollowKind(kind)
    deleted, _ = WatchlistEntry.objects.filter(user=user, kind=kind, **{TARGET_FIELDS[kind]: target_id}).delete()
    return bool(deleted)
