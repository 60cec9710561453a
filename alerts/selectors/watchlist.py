"""Reads of what users follow."""

from __future__ import annotations

from django.db.models import QuerySet

from courses.models import race_code

from ..models import TARGET_FIELDS, FollowKind, WatchlistEntry


def watchlist_list(*, user) -> QuerySet[WatchlistEntry]:
    """The user's entries, newest first, each with its target (and a race's réunion and racecourse) in the query."""
    return WatchlistEntry.objects.filter(user=user).select_related(
        "horse", "jockey", "trainer", "racecourse", "race__meeting__racecourse"
    )


def watchlist_target(entry: WatchlistEntry) -> dict:
    """What an entry shows of its target: ``{id, name, ...}`` (a horse's birth year and sex, a racecourse's country,
    a race's date, code and racecourse)."""
    target = entry.target
    shown = {"id": target.pk, "name": target.name}
    if entry.kind == FollowKind.HORSE:
        shown |= {"birth_year": target.birth_year, "sex": target.sex}
    elif entry.kind == FollowKind.RACECOURSE:
        shown |= {"country": target.country}
    elif entry.kind == FollowKind.RACE:
        meeting = target.meeting
        code = race_code(meeting.number, target.number)
        shown |= {"name": target.name or code, "date": meeting.date, "code": code}
        shown |= {"racecourse": meeting.racecourse.name}
    return shown


def watchlist_rows(entries) -> list[dict]:
    """The API's and the page's rows of ``entries``: ``{id, type, target, created_at}``."""
    return [
        {"id": entry.pk, "type": entry.kind, "target": watchlist_target(entry), "created_at": entry.created_at}
        for entry in entries
    ]


def watchlist_followed(*, user, kind: str, target_ids) -> dict[int, int]:
    """Which of ``target_ids`` (of ``kind``) the user follows: ``{target id: entry id}``, in one query."""
    if user is None or not user.is_authenticated:
        return {}
    field = TARGET_FIELDS[FollowKind(kind)]
    rows = WatchlistEntry.objects.filter(user=user, kind=kind, **{f"{field}__in": list(target_ids)})
    return {target: entry for entry, target in rows.values_list("pk", f"{field}_id")}


def watchlist_count(*, user) -> int:
    return WatchlistEntry.objects.filter(user=user).count()
