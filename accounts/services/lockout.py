"""The log-in lockout: failed log-ins counted per account (AUTH_RATE_LOGIN_ACCOUNT) and per client address
(AUTH_RATE_LOGIN_ADDRESS); past either, every log-in is refused 429 until the window ends, the right password
included. A success clears the account's count, not the address's (one good account must not launder a
guesser's address). The account is counted by the e-mail typed, known or not, so the lockout tells nothing
about which addresses have accounts."""

from __future__ import annotations

from django.conf import settings

from ..attempts import attempt_hit, attempt_reset, attempts_check

ACCOUNT, ADDRESS = "login_account", "login_address"
LOCKED_ACCOUNT = "Too many failed log-ins to this account: wait before trying again, or reset your password."
LOCKED_ADDRESS = "Too many failed log-ins from your address: wait before trying again."


def _email(email: str) -> str:
    return (email or "").strip().lower()


def login_lockout_check(*, email: str, address: str | None) -> None:
    """Refuse (TooManyAttempts, 429) a log-in to a locked account or from a locked-out address."""
    attempts_check(scope=ACCOUNT, ident=_email(email), limit=settings.AUTH_RATE_LOGIN_ACCOUNT, message=LOCKED_ACCOUNT)
    if address:
        attempts_check(scope=ADDRESS, ident=address, limit=settings.AUTH_RATE_LOGIN_ADDRESS, message=LOCKED_ADDRESS)


def login_failure_record(*, email: str, address: str | None) -> None:
    """Count one failed log-in against the account and the address."""
    attempt_hit(scope=ACCOUNT, ident=_email(email), window=settings.AUTH_RATE_LOGIN_ACCOUNT[1])
    if address:
        attempt_hit(scope=ADDRESS, ident=address, window=settings.AUTH_RATE_LOGIN_ADDRESS[1])


def login_success_record(*, email: str) -> None:
    """A good log-in (or a password reset, which proves the mailbox) clears the account's failures."""
    attempt_reset(scope=ACCOUNT, ident=_email(email))
