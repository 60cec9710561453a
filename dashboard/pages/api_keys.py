"""API keys: list, create (shown once), revoke: the pages."""

from __future__ import annotations

urlpatterns: list = []


def account_context(request) -> dict:
    """What this section of /account/ shows."""
    return {}
