"""Named locks for work that must not run twice at once (an import, a retrain, a rescoring), held by the database.

On PostgreSQL they are advisory locks, shared by every process and machine on the database: ``locked`` takes
``pg_advisory_xact_lock`` in a transaction (held until it ends, waiting for another holder to finish), ``held``
takes ``pg_try_advisory_lock`` (or ``pg_advisory_lock``, waiting) for a long piece of work that commits as it goes
(the caller skips, or waits its turn, when another holds it; released at the end, or with the session if the process
dies). On SQLite (development, `make run`'s embedded
mode) a lock of this process stands in: SQLite has no advisory locks, and its writers queue on the file anyway.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connections, transaction

# Re-entrant, as PostgreSQL's session locks are: a holder that asks again (an import inside an import) goes on.
_local: defaultdict[str, threading.RLock] = defaultdict(threading.RLock)
_local_guard = threading.Lock()


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (PostgreSQL's advisory locks take a bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _process_lock(name: str) -> threading.RLock:
    with _local_guard:
        return _local[name]


@contextmanager
def locked(name: str, *, using: str = "default") -> Iterator[None]:
    """A transaction holding the lock ``name`` until it ends; waits while another holds it."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])
            yield
        return
    with _process_lock(name), transaction.atomic(using=using):
        yield


@contextmanager
def held(name: str, *, wait: bool = False, using: str = "default") -> Iterator[bool]:
    """Take the lock ``name`` for a long piece of work that commits as it goes; yields whether it was taken. Without
    ``wait`` it does not wait (the caller skips the work when another holds it); with it, it waits its turn."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        lock = _process_lock(name)
        taken = lock.acquire(blocking=wait)
        try:
            yield taken
        finally:
            if taken:
                lock.release()
        return
    key = lock_key(name)
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
            taken = True
        else:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            taken = bool(cursor.fetchone()[0])
    try:
        yield taken
    finally:
        if taken:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except DatabaseError:
                connection.close()  # the session, and its lock, went with the connection
