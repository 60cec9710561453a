"""The log-in lockout: failed log-ins per account and per address; past either, even the right password waits."""

import time

import pytest

pytestmark = pytest.mark.django_db
PASSWORD = "s3cret-Pass!"  # conftest's personas
LOGIN = "/api/v1/auth/login"


def login(api, email, password, address="127.0.0.1"):
    return api.post(LOGIN, {"email": email, "password": password}, format="json", REMOTE_ADDR=address)


def test_an_account_is_locked_after_repeated_failures_even_for_the_right_password(api, free_user, settings):
    settings.AUTH_RATE_LOGIN_ACCOUNT = (5, 900)
    assert [login(api, free_user.email, "guess").status_code for _ in range(5)] == [401] * 5
    locked = login(api, free_user.email, PASSWORD)
    assert locked.status_code == 429 and locked.json()["error"] == "too_many_attempts"
    assert 1 <= int(locked["Retry-After"]) <= 900
    # From another address too: the account is what is locked.
    assert login(api, "ALICE@turf.test", PASSWORD, address="198.51.100.1").status_code == 429


def test_the_lock_ends_with_its_window(api, free_user, settings, monkeypatch):
    settings.AUTH_RATE_LOGIN_ACCOUNT = (2, 900)
    for _ in range(2):
        login(api, free_user.email, "guess")
    assert login(api, free_user.email, PASSWORD).status_code == 429
    later = time.time() + 901
    monkeypatch.setattr(time, "time", lambda: later)
    assert login(api, free_user.email, PASSWORD).status_code == 200


def test_a_success_clears_the_accounts_failures(api, free_user, settings):
    settings.AUTH_RATE_LOGIN_ACCOUNT = (3, 900)
    for _ in range(2):
        login(api, free_user.email, "guess")
    assert login(api, free_user.email, PASSWORD).status_code == 200
    assert [login(api, free_user.email, "guess").status_code for _ in range(2)] == [401, 401]
    assert login(api, free_user.email, PASSWORD).status_code == 200


def test_an_address_is_locked_out_across_accounts_and_a_success_does_not_clear_it(api, free_user, other_user, settings):
    settings.AUTH_RATE_LOGIN_ADDRESS = (3, 900)
    assert login(api, free_user.email, "guess").status_code == 401
    assert login(api, other_user.email, "guess").status_code == 401
    assert login(api, free_user.email, PASSWORD).status_code == 200  # the address's count stays at 2
    assert login(api, "ghost@turf.test", "guess").status_code == 401
    assert login(api, other_user.email, PASSWORD).status_code == 429
    assert login(api, other_user.email, PASSWORD, address="198.51.100.1").status_code == 200  # elsewhere: fine


def test_an_unknown_address_locks_the_same_way(api, free_user, settings):
    """The lockout tells nothing about which e-mails have accounts."""
    settings.AUTH_RATE_LOGIN_ACCOUNT = (2, 900)
    known = [login(api, free_user.email, "guess").status_code for _ in range(3)]
    unknown = [login(api, "ghost@turf.test", "guess", address="198.51.100.2").status_code for _ in range(3)]
    assert known == unknown == [401, 401, 429]
