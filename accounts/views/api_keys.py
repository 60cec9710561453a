"""API keys for scripts: create, list, revoke."""

from __future__ import annotations

urlpatterns: list = []
