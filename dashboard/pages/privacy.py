"""GDPR: the privacy policy, data export, account deletion, marketing unsubscribe: the pages."""

from __future__ import annotations

urlpatterns: list = []


def account_context(request) -> dict:
    """What this section of /account/ shows."""
    return {}
