"""API keys for scripts: create (the key shown once), list, revoke, and the look-up that authenticates them.

Only a key's SHA-256 and its first characters (the prefix, to tell keys apart) are stored: the key itself is
returned once, by ``api_key_create``, and never written anywhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework.exceptions import NotFound

from turf.audit import audit_write
from turf.cache import add_quietly, get_many, set_quietly
from turf.errors import Conflict
from turf.models import AuditAction

from ..models import ApiKey
from ..snapshot import user_snapshot

KEY_PREFIX = "turf_"
PREFIX_LENGTH = 12  # "turf_" and 7 random characters: enough to tell a user's keys apart, nothing to guess with
ACTIVE_KEYS_MAX = 10
# last_used_at is written at most this often per key: a script calling in a loop does not write on every call.
LAST_USED_EVERY = dt.timedelta(minutes=1)
OWNER_SECONDS = 86_400  # how long the cache remembers whose a key's hash is (it never changes)


@dataclass(frozen=True)
class NewApiKey:
    """A key just created: the row, and the key itself, which exists nowhere else."""

    api_key: ApiKey
    key: str


def api_key_digest(key: str) -> str:
    """The SHA-256 a key is stored and looked up by (a key is 256 random bits: no salt or stretching needed)."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_list(*, user) -> QuerySet[ApiKey]:
    """The user's keys, revoked ones included, newest first."""
    return ApiKey.objects.filter(user=user).order_by("-created_at", "-id")


def api_key_create(*, user, name: str, address: str | None = None) -> NewApiKey:
    """A new key for ``user`` named ``name``: 409 past ACTIVE_KEYS_MAX active keys; audited."""
    User = get_user_model()
    for _attempt in range(3):
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        try:
            with transaction.atomic():
                # The user's row is locked while the active keys are counted: two requests at once cannot both
                # pass the limit.
                User.objects.select_for_update().filter(pk=user.pk).first()
                active = ApiKey.objects.filter(user=user, revoked_at__isnull=True).count()
                if active >= ACTIVE_KEYS_MAX:
                    raise Conflict(
                        f"You have {active} active API keys, the most an account may hold: revoke one you no "
                        "longer use first."
                    )
                api_key = ApiKey.objects.create(
                    user=user, name=name, prefix=key[:PREFIX_LENGTH], key_hash=api_key_digest(key)
                )
                audit_write(
                    action=AuditAction.API_KEY_CREATED,
                    actor=user,
                    subject=user,
                    target=f"api_key:{api_key.pk}",
                    after={"name": name, "prefix": api_key.prefix},
                    address=address,
                )
            return NewApiKey(api_key=api_key, key=key)
        except IntegrityError:  # the same 7 random characters as another key's prefix: draw again
            continue
    raise Conflict("Could not draw a new key; try again.")  # pragma: no cover - three collisions of 42 bits


def api_key_revoke(*, user, key_id: int, address: str | None = None) -> ApiKey:
    """Revoke one of ``user``'s keys (404 for anybody else's); it stops authenticating at once. Idempotent."""
    with transaction.atomic():
        api_key = ApiKey.objects.select_for_update().filter(user=user, pk=key_id).first()
        if api_key is None:
            raise NotFound(f"You have no API key {key_id}.")
        if api_key.revoked_at is None:
            api_key.revoked_at = timezone.now()
            api_key.save(update_fields=["revoked_at"])
            audit_write(
                action=AuditAction.API_KEY_REVOKED,
                actor=user,
                subject=user,
                target=f"api_key:{api_key.pk}",
                before={"name": api_key.name, "prefix": api_key.prefix},
                after={"revoked_at": api_key.revoked_at},
                address=address,
            )
    return api_key


def api_key_authenticate(*, key: str) -> tuple[ApiKey, dict] | None:
    """The active key ``key`` is and its user's snapshot (``accounts.snapshot``); None for an unknown or revoked key.

    Looked up by its hash, so no comparison runs over the key's characters (nothing to time), and without a
    database query once known: which user a hash belongs to never changes (cached), and whether the key is still
    active is in the user's snapshot, made stale by any write of the user's keys (a revocation included,
    ``accounts.receivers``). Its ``last_used_at`` is brought up to date at most once a minute."""
    digest = api_key_digest(key)
    owner_key = f"akey:{digest}"
    found = get_many([owner_key], "api keys")
    user_id = (found or {}).get(owner_key)
    if user_id is None:
        user_id = ApiKey.objects.filter(key_hash=digest).values_list("user_id", flat=True).first()
        if user_id is None:
            return None
        if found is not None:
            set_quietly(owner_key, user_id, OWNER_SECONDS, "api keys")
    snapshot = user_snapshot(user_id)
    key_id = (snapshot or {}).get("api_keys", {}).get(digest)
    if key_id is None:
        return None
    api_key = ApiKey(pk=key_id, user_id=user_id, key_hash=digest)
    api_key._state.adding, api_key._state.db = False, "default"
    if add_quietly(f"akey:used:{key_id}", LAST_USED_EVERY.total_seconds(), "api keys"):
        now = timezone.now()
        ApiKey.objects.filter(pk=key_id).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
    return api_key, snapshot
