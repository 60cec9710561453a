"""The abuse counters: a fixed window from the first attempt, refused past the limit, never the counted value kept."""

import time

import pytest
from django.core.cache import cache

from accounts.attempts import attempt_allowed, attempt_count, attempt_hit, attempt_peek, attempt_reset, attempts_check
from turf.errors import TooManyAttempts


def test_it_counts_attempts_and_refuses_past_the_limit_until_the_window_ends():
    limit = (3, 900)
    assert [attempt_count(scope="t", ident="a@b.c", limit=limit, message="no") for _ in range(3)] == [1, 2, 3]
    with pytest.raises(TooManyAttempts) as refused:
        attempt_count(scope="t", ident="a@b.c", limit=limit, message="wait")
    assert refused.value.status_code == 429 and refused.value.detail == "wait"
    assert 890 <= refused.value.wait <= 900


def test_the_window_runs_from_the_first_attempt(monkeypatch):
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)
    attempt_hit(scope="t", ident="x", window=60)
    monkeypatch.setattr(time, "time", lambda: now + 45)
    count, retry_after = attempt_hit(scope="t", ident="x", window=60)
    assert (count, retry_after) == (2, 15)
    monkeypatch.setattr(time, "time", lambda: now + 61)
    assert attempt_hit(scope="t", ident="x", window=60) == (1, 60)


def test_scopes_and_identities_count_apart_and_case_does_not_matter():
    attempt_hit(scope="a", ident="Ann@Turf.test", window=60)
    attempt_hit(scope="a", ident="ann@turf.test", window=60)
    attempt_hit(scope="b", ident="ann@turf.test", window=60)
    assert attempt_peek(scope="a", ident="ANN@turf.test", window=60)[0] == 2
    assert attempt_peek(scope="b", ident="ann@turf.test", window=60)[0] == 1
    assert attempt_peek(scope="a", ident="bob@turf.test", window=60) == (0, 0)


def test_peeking_and_checking_count_nothing_and_reset_forgets():
    for _ in range(2):
        attempt_hit(scope="t", ident="x", window=60)
    attempts_check(scope="t", ident="x", limit=(3, 60), message="no")
    assert attempt_peek(scope="t", ident="x", window=60)[0] == 2
    attempt_hit(scope="t", ident="x", window=60)
    with pytest.raises(TooManyAttempts):
        attempts_check(scope="t", ident="x", limit=(3, 60), message="no")
    attempt_reset(scope="t", ident="x")
    assert attempt_peek(scope="t", ident="x", window=60)[0] == 0


def test_allowed_says_no_past_the_limit_without_raising():
    assert [attempt_allowed(scope="t", ident="x", limit=(2, 60)) for _ in range(3)] == [True, True, False]


def test_the_cache_keys_do_not_hold_the_address():
    attempt_hit(scope="t", ident="secret.person@turf.test", window=60)
    keys = cache.keys("*") if hasattr(cache, "keys") else list(cache._cache)  # Redis, or locmem
    assert keys and not any("secret.person" in str(key) for key in keys)
