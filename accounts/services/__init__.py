"""Writes for accounts, one module per concern; the registration and token helpers every app's tests use."""

from .auth import tokens_for, tokens_issue, user_register

__all__ = ["tokens_for", "tokens_issue", "user_register"]
