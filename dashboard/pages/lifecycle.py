"""E-mail verification, password forgotten / reset / change, profile: the pages."""

from __future__ import annotations

urlpatterns: list = []


def account_context(request) -> dict:
    """What this section of /account/ shows."""
    return {}
