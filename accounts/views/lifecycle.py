"""E-mail verification, resend, password forgotten / reset / change: the API."""

from __future__ import annotations

urlpatterns: list = []
