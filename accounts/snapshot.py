"""A signed-in user's snapshot: what authenticating a request and the plan gate read, kept in the shared cache so
that an API call reads no user, subscription, plan or self-exclusion row.

A snapshot holds the user's own fields that decide whether a token is honoured (``is_active``; the row's
existence), the self-exclusions not yet ended, and what the apps named by the ``TURF_USER_SNAPSHOT`` setting add
(``billing.selectors.plan_snapshot_part``: the plan and its limits, features and quotas; accounts imports no billing).

It is read together with two versions in one round trip: the user's (``snapshot_forget``, bumped by every write
that matters: the user saved or deleted, a self-exclusion, the subscription) and everyone's
(``snapshot_forget_all``: a plan edited by staff). A snapshot built under older versions is never served, so a
deactivated, erased or downgraded user is refused on the very next request, on every process; each version is
bumped at the write and again when its transaction commits (a snapshot built from the rows before the commit is
stale too). The cache down, the snapshot is built from the database on every request, as without it.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty
from django.utils.module_loading import import_string

from turf.cache import _after_commit, generation_bump, get_many, set_quietly

from .models import SelfExclusion, User

SNAPSHOT_SECONDS = 60  # a bound on a snapshot's life, whatever bumps it missed (a queryset update, Redis away)
EVERYONE = "usnap:gen"


def _key(user_id: int) -> str:
    return f"usnap:s2:{user_id}"  # s2: with the active API keys


def _version_key(user_id: int) -> str:
    return f"usnap:v:{user_id}"


def user_snapshot_build(user: User) -> dict:
    """The snapshot of ``user`` read from the database."""
    now = timezone.now()
    exclusions = SelfExclusion.objects.filter(user=user, ends_at__gt=now).values_list("starts_at", "ends_at")
    snapshot = {
        "id": user.pk,
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "email_verified_at": user.email_verified_at,
        "exclusions": list(exclusions),
        # The active API keys, by hash: what authenticating a key asks (``api_key_authenticate``).
        "api_keys": dict(user.api_keys.filter(revoked_at__isnull=True).values_list("key_hash", "pk")),
    }
    for path in settings.TURF_USER_SNAPSHOT:
        snapshot.update(import_string(path)(user))
    return snapshot


def snapshot_keys(user_id: int) -> list[str]:
    """The cache keys ``user_snapshot`` reads, together (what a request may read ahead: ``turf.cache.read_ahead``)."""
    return [_key(user_id), _version_key(user_id), EVERYONE]


def user_snapshot(user_id: int) -> dict | None:
    """The snapshot of the user ``user_id`` (one cache round trip when it is current), None for no such user."""
    keys = snapshot_keys(user_id)
    found = get_many(keys, "user snapshots")
    if found is not None:
        version = (found.get(keys[1]) or 0, found.get(keys[2]) or 0)
        snapshot = found.get(keys[0])
        if snapshot is not None and snapshot.get("version") == version:
            return snapshot
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    snapshot = user_snapshot_build(user)
    if found is not None:
        snapshot["version"] = version
        set_quietly(keys[0], snapshot, SNAPSHOT_SECONDS, "user snapshots")
    return snapshot


def snapshot_forget(user_id: int) -> None:
    """Whatever was cached of the user is stale: now, and once the current transaction commits."""
    generation_bump(_version_key(user_id), "user snapshots")
    _after_commit(lambda: generation_bump(_version_key(user_id), "user snapshots"))


def snapshot_forget_all() -> None:
    """Every user's snapshot is stale (a plan was edited)."""
    generation_bump(EVERYONE, "user snapshots")
    _after_commit(lambda: generation_bump(EVERYONE, "user snapshots"))


def self_exclusion_in_force(snapshot: dict, now=None) -> SelfExclusion | None:
    """The snapshot's exclusion in force at ``now`` (the one ending last), as ``self_exclusion_active`` finds it;
    an unsaved row, enough for the refusal's message."""
    now = now or timezone.now()
    ends = [ends_at for starts_at, ends_at in snapshot["exclusions"] if starts_at <= now < ends_at]
    return SelfExclusion(user_id=snapshot["id"], ends_at=max(ends)) if ends else None


class _SnapshotField:
    """A user's field read from the snapshot until the row is loaded (then from the row, which may have changed)."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, user, owner=None):
        if user is None:
            return self
        wrapped = user.__dict__["_wrapped"]
        if wrapped is not empty:
            return getattr(wrapped, "pk" if self.name == "id" else self.name)
        return user.__dict__["turf_snapshot"][self.name]


class SnapshotUser(SimpleLazyObject):
    """The request's user as its snapshot tells it: ``pk``, ``is_active`` and the rest of the snapshot without a
    query; any other attribute (a password, a relation, ``save``) loads the user's row first, once."""

    def __init__(self, snapshot: dict):
        user_id = snapshot["id"]
        super().__init__(lambda: User.objects.get(pk=user_id))
        self.__dict__["turf_snapshot"] = snapshot

    # Read without loading the row: what authentication, the plan gate and the counters ask.
    pk = _SnapshotField("id")
    id = _SnapshotField("id")
    is_active = _SnapshotField("is_active")
    is_staff = _SnapshotField("is_staff")
    is_superuser = _SnapshotField("is_superuser")
    email = _SnapshotField("email")
    is_authenticated = True
    is_anonymous = False

    def __bool__(self) -> bool:
        return True

    def __hash__(self) -> int:
        return hash(self.pk)  # as a model row's

    @property
    def turf_snapshot(self) -> dict:
        return self.__dict__["turf_snapshot"]
