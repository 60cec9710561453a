"""Writing and checking the audit trail (``turf.models.AuditEntry``): the one way any app records an act."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from .models import ActorKind, AuditEntry

GENESIS = "0" * 64


def entry_digest(entry: AuditEntry, previous_hash: str) -> str:
    """SHA-256 of the previous hash and the entry's canonical JSON (sorted keys, no spaces, UTC time)."""
    body = {
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_kind": entry.actor_kind,
        "actor_id": entry.actor_id,
        "subject_id": entry.subject_id,
        "action": entry.action,
        "target": entry.target,
        "before": entry.before,
        "after": entry.after,
        "address": entry.address,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256((previous_hash + canonical).encode()).hexdigest()


def _actor(actor, actor_kind: str | None) -> tuple[str, int | None]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return actor_kind or ActorKind.SYSTEM, None
    kind = actor_kind or (ActorKind.STAFF if actor.is_staff else ActorKind.USER)
    return kind, actor.pk


def _jsonable(value):
    return json.loads(json.dumps(value, default=str)) if value is not None else None


def audit_write(
    *,
    action: str,
    actor=None,
    actor_kind: str | None = None,
    subject=None,
    target: str = "",
    before=None,
    after=None,
    address: str | None = None,
) -> AuditEntry:
    """Append one entry. ``actor``: the user who acted (None with ``actor_kind`` stripe / command / system);
    ``subject``: the user (or user id) concerned. Runs in the caller's transaction: rolled back with it.

    Appends are serialised (a PostgreSQL advisory lock, SQLite's single writer), so two concurrent writers
    never chain to the same previous row."""
    kind, actor_id = _actor(actor, actor_kind)
    subject_id = getattr(subject, "pk", subject)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK])
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        entry = AuditEntry(
            at=timezone.now(),
            actor_kind=kind,
            actor_id=actor_id,
            subject_id=subject_id,
            action=action,
            target=target[:120],
            before=_jsonable(before),
            after=_jsonable(after),
            address=address or None,
        )
        entry.previous_hash = last or GENESIS
        entry.hash = entry_digest(entry, entry.previous_hash)
        entry.save(force_insert=True)
    return entry


AUDIT_LOCK = 0x7475726661756469  # "turfaudi": the advisory lock key of the chain's tail


@dataclass
class AuditBreak:
    entry_id: int | None
    reason: str


def audit_verify() -> tuple[int, AuditBreak | None]:
    """Recompute the chain: (entries checked, the first break or None)."""
    previous = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            return checked, AuditBreak(entry.id, "its previous hash is not the hash of the entry before it")
        if entry_digest(entry, previous) != entry.hash:
            return checked, AuditBreak(entry.id, "its content does not match its hash (edited)")
        previous = entry.hash
        checked += 1
    return checked, None


def request_address(request) -> str | None:
    """The client address of a request, as the rate limits see it (behind NUM_PROXIES proxies)."""
    if request is None:
        return None
    from rest_framework.throttling import BaseThrottle

    return BaseThrottle().get_ident(request) or None


def audit_entries_for(user, *, actions=None, limit: int | None = None):
    """The audit entries about ``user`` (optionally of some ``actions``), the latest first: what they see of it."""
    rows = AuditEntry.objects.filter(subject_id=user.pk).order_by("-id")
    if actions is not None:
        rows = rows.filter(action__in=list(actions))
    return rows[:limit] if limit is not None else rows


def account_data(user) -> dict:
    """The audit entries about ``user`` (GDPR export): what was done to their account, by whom, when."""
    rows = AuditEntry.objects.filter(subject_id=user.pk).order_by("id")
    return {
        "audit_trail": [
            {
                "at": e.at.isoformat(),
                "action": e.action,
                "actor": e.actor_kind,
                "target": e.target,
                "before": e.before,
                "after": e.after,
                "address": e.address,
            }
            for e in rows
        ]
    }
